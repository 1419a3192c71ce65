import * as vscode from 'vscode';
import { contextsByLikelihood, readKubeContexts, type KubeContext } from '../../../server/src/apply/kubeconfig';

const REMEMBERED = 'istioMesh.contextOfCluster';

interface ClusterSettingEntry {
  name?: unknown;
  context?: unknown;
}

/**
 * Which kube context each mesh cluster goes to: `istioMesh.clusters[].context`, else the user's last choice
 * for that cluster in this workspace, else a quick pick with likely matches first.
 */
export class ContextResolver {
  constructor(private readonly state: vscode.Memento) {}

  configured(cluster: string): string | undefined {
    const entries = vscode.workspace.getConfiguration('istioMesh').get<ClusterSettingEntry[]>('clusters') ?? [];
    const entry = Array.isArray(entries) ? entries.find((e) => e && e.name === cluster) : undefined;
    return typeof entry?.context === 'string' && entry.context ? entry.context : undefined;
  }

  remembered(cluster: string | undefined): string | undefined {
    return this.state.get<Record<string, string>>(REMEMBERED, {})[cluster ?? ''];
  }

  /** The context without asking, when the setting or a remembered choice gives one. */
  known(cluster: string | undefined): string | undefined {
    return (cluster !== undefined ? this.configured(cluster) : undefined) ?? this.remembered(cluster);
  }

  async remember(cluster: string | undefined, context: string): Promise<void> {
    const all = { ...this.state.get<Record<string, string>>(REMEMBERED, {}), [cluster ?? '']: context };
    await this.state.update(REMEMBERED, all);
  }

  async forget(cluster: string | undefined): Promise<void> {
    const all = { ...this.state.get<Record<string, string>>(REMEMBERED, {}) };
    delete all[cluster ?? ''];
    await this.state.update(REMEMBERED, all);
  }

  /** Asks for the cluster's context, likely matches first; the choice is remembered. */
  async pick(kubectl: string, cluster: string | undefined): Promise<string | undefined> {
    let contexts: KubeContext[];
    try {
      contexts = (await readKubeContexts(kubectl)).contexts;
    } catch (error) {
      void vscode.window.showErrorMessage(`Istio Mesh: cannot read your kube contexts: ${(error as Error).message}`);
      return undefined;
    }
    if (!contexts.length) {
      void vscode.window.showErrorMessage('Istio Mesh: your kubeconfig has no contexts (KUBECONFIG or ~/.kube/config).');
      return undefined;
    }
    const items = contextsByLikelihood(cluster, contexts).map((c) => ({ label: c.name, description: c.server, detail: c.namespace ? `namespace ${c.namespace}` : undefined }));
    const choice = await vscode.window.showQuickPick(items, {
      title: cluster ? `Kube context for cluster ${cluster}` : 'Kube context for documents that belong to no cluster',
      placeHolder: 'Contexts whose name contains the cluster name come first',
      ignoreFocusOut: true,
    });
    if (!choice) return undefined;
    await this.remember(cluster, choice.label);
    return choice.label;
  }

  async resolve(kubectl: string, cluster: string | undefined): Promise<string | undefined> {
    return this.known(cluster) ?? this.pick(kubectl, cluster);
  }
}

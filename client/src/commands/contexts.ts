import * as vscode from 'vscode';

import { contextsByLikelihood, type KubeContext, readKubeContexts } from '../../../server/src/apply/kubeconfig';
import type { MeshCluster } from '../../../server/src/apply/meshClusters';

/** Remembered choices, by cluster key (`prod/cluster1`): two meshes' `cluster1` never share a choice. */
const REMEMBERED = 'istioMesh.contextOfClusterKey';

/** What to offer when no kube context can be read: the runbook, and the commands to copy. */
export interface NoContextHelp {
  commands: () => string;
}

/**
 * Which kube context each cluster of a mesh goes to: `istioMesh.clusters[].context` (the server says which
 * entry is the one of that mesh), else the user's last choice for that cluster in this workspace, else a quick
 * pick with likely matches first.
 */
export class ContextResolver {
  constructor(private readonly state: vscode.Memento) {}

  remembered(key: string | undefined): string | undefined {
    return this.state.get<Record<string, string>>(REMEMBERED, {})[key ?? ''];
  }

  /** The context without asking, when the setting or a remembered choice gives one. */
  known(cluster: MeshCluster | undefined): string | undefined {
    return cluster?.configuredContext ?? this.remembered(cluster?.key);
  }

  async remember(key: string | undefined, context: string): Promise<void> {
    const all = { ...this.state.get<Record<string, string>>(REMEMBERED, {}), [key ?? '']: context };
    await this.state.update(REMEMBERED, all);
  }

  /** Asks for the cluster's context, likely matches first; the choice is remembered. */
  async pick(kubectl: string, cluster: MeshCluster | undefined, help?: NoContextHelp): Promise<string | undefined> {
    let contexts: KubeContext[];
    try {
      contexts = (await readKubeContexts(kubectl)).contexts;
    } catch (error) {
      await offerHelp(`Istio Mesh: cannot read your kube contexts: ${(error as Error).message}`, help);
      return undefined;
    }
    if (!contexts.length) {
      await offerHelp('Istio Mesh: your kubeconfig has no contexts (KUBECONFIG or ~/.kube/config).', help);
      return undefined;
    }
    const items = contextsByLikelihood(cluster?.name, contexts).map((c) => ({
      label: c.name,
      description: c.server,
      detail: c.namespace ? `namespace ${c.namespace}` : undefined,
    }));
    const choice = await vscode.window.showQuickPick(items, {
      title: cluster ? `Kube context for cluster ${cluster.name} of mesh ${cluster.mesh}` : 'Kube context for documents that belong to no cluster',
      placeHolder: 'Contexts whose name contains the cluster name come first',
      ignoreFocusOut: true,
    });
    if (!choice) return undefined;
    await this.remember(cluster?.key, choice.label);
    return choice.label;
  }

  async resolve(kubectl: string, cluster: MeshCluster | undefined, help?: NoContextHelp): Promise<string | undefined> {
    return this.known(cluster) ?? this.pick(kubectl, cluster, help);
  }
}

/** Without a kubeconfig nothing can be applied here, but the runbook and the commands still can be. */
async function offerHelp(message: string, help: NoContextHelp | undefined): Promise<void> {
  const buttons = ['Show Runbook', ...(help ? ['Copy Commands'] : [])];
  const choice = await vscode.window.showErrorMessage(message, ...buttons);
  if (choice === 'Show Runbook') await vscode.commands.executeCommand('istioMesh.showRunbook');
  if (choice === 'Copy Commands' && help) await vscode.env.clipboard.writeText(help.commands());
}

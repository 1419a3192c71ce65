import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import type { MeshCluster } from '../../../server/src/apply/meshClusters';
import { CLUSTER_OF_REQUEST } from '../../../server/src/lsp/protocol';
import type { ContextResolver } from './contexts';

/** Shows the active file's cluster(s), with their mesh, and the context each would be applied to. */
export class ClusterStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('istioMesh.cluster', vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[] = [];
  private clusters: MeshCluster[] = [];

  constructor(
    private readonly client: LanguageClient,
    private readonly contexts: ContextResolver,
  ) {
    this.item.name = 'Istio Mesh cluster';
    this.item.command = 'istioMesh.chooseContext';
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor(() => void this.refresh()),
      vscode.workspace.onDidSaveTextDocument(() => void this.refresh()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('istioMesh.clusters') && void this.refresh()),
    );
  }

  /** The clusters of the active file, as last shown. */
  get activeClusters(): MeshCluster[] {
    return this.clusters;
  }

  async refresh(): Promise<void> {
    const document = vscode.window.activeTextEditor?.document;
    if (!document || document.languageId !== 'yaml' || document.uri.scheme !== 'file') {
      this.item.hide();
      return;
    }
    const { clusters } = await this.client.sendRequest(CLUSTER_OF_REQUEST, { uri: document.uri.toString() });
    this.clusters = clusters;
    if (!clusters.length) {
      this.item.hide();
      return;
    }
    const parts = clusters.map((c) => `${c.key} → ${this.contexts.known(c) ?? '(no context)'}`);
    this.item.text = `$(server-environment) ${parts.join(', ')}`;
    this.item.tooltip = `Istio Mesh: the cluster(s) of this file (mesh ${[...new Set(clusters.map((c) => c.mesh))].join(', ')}) and the kube context it is applied to. Click to choose the context.`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

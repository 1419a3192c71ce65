import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import { MESH_CLUSTERS_REQUEST } from '../../../server/src/lsp/protocol';
import { ApplyCommands, clusterItems, clusterSelection, fileSelection } from './apply';
import { ContextResolver } from './contexts';
import { findProgram, requireTrust } from './programs';
import { ClusterStatusBar } from './statusBar';

/** The cluster key a command was given: a key (from a code lens), or a row of the Istio Mesh view that has one. */
function clusterKeyOf(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  const key = typeof target === 'object' && target !== null ? (target as { clusterKey?: unknown }).clusterKey : undefined;
  return typeof key === 'string' ? key : undefined;
}

/** Registers the apply commands and the cluster status bar item. */
export function registerApplyCommands(context: vscode.ExtensionContext, client: LanguageClient): void {
  // Its own channel: each kubectl call's arguments and result, apart from the language server's log.
  const output = vscode.window.createOutputChannel('Istio Mesh: Apply', { log: true });
  const contexts = new ContextResolver(context.workspaceState);
  const statusBar = new ClusterStatusBar(client, contexts);
  const commands = new ApplyCommands(client, contexts, output, () => void statusBar.refresh());
  context.subscriptions.push(
    output,
    statusBar,
    vscode.commands.registerCommand('istioMesh.applyFile', (uri?: vscode.Uri) => commands.run('apply', fileSelection(uri))),
    // A code lens passes the cluster's key, the Istio Mesh view its row; the palette asks for it.
    vscode.commands.registerCommand('istioMesh.applyCluster', async (target?: unknown) => {
      const key = clusterKeyOf(target);
      return commands.run('apply', key ? { kind: 'cluster', cluster: key } : await clusterSelection(client));
    }),
    vscode.commands.registerCommand('istioMesh.dryRunFile', (uri?: vscode.Uri) => commands.run('dry-run-server', fileSelection(uri))),
    vscode.commands.registerCommand('istioMesh.diffFile', (uri?: vscode.Uri) => commands.run('diff', fileSelection(uri))),
    vscode.commands.registerCommand('istioMesh.chooseContext', async (target?: unknown) => {
      const key = clusterKeyOf(target);
      if (!requireTrust()) return;
      const kubectl = findProgram('kubectlPath');
      if ('problem' in kubectl) {
        void vscode.window.showErrorMessage(`Istio Mesh: kubectl cannot be used: ${kubectl.problem}`);
        return;
      }
      const active = key ? (await client.sendRequest(MESH_CLUSTERS_REQUEST, {})).clusters.filter((c) => c.key === key) : statusBar.activeClusters;
      const cluster =
        active.length === 1 ? active[0] : (await vscode.window.showQuickPick(clusterItems(active), { title: 'Choose the context of which cluster?' }))?.cluster;
      if (!cluster) return;
      if (cluster.configuredContext) {
        void vscode.window.showInformationMessage(`Istio Mesh: the context of ${cluster.key} is set in istioMesh.clusters.`);
        return;
      }
      await contexts.pick(kubectl.path, cluster);
      await statusBar.refresh();
      // The Istio Mesh view names each cluster's context.
      await vscode.commands.executeCommand('istioMesh.refreshTopology');
    }),
  );
  void statusBar.refresh();
}

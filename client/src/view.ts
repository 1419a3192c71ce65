import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import type { MeshViewKind, MeshViewLocation, MeshViewMesh, MeshViewNode } from '../../server/src/features/meshView';
import { TOPOLOGY_REQUEST } from '../../server/src/lsp/protocol';
import { ContextResolver } from './commands/contexts';
import { knownContexts } from './commands/runbook';

/**
 * The Istio Mesh view: the server's model of each mesh (istioMesh/topology, built by features/meshView.ts) as a
 * tree of mesh → network → cluster → relations, control planes, gateways, remote secrets and trust. The view only
 * maps rows to tree items: icons, colours, the context menu's `viewItem` tokens and what a click opens.
 */

export const VIEW_ID = 'istioMesh.topology';

const ICONS: Record<MeshViewKind, string> = {
  mesh: 'type-hierarchy',
  network: 'globe',
  cluster: 'server-environment',
  relation: 'arrow-swap',
  'control-plane': 'server-process',
  install: 'package',
  gateway: 'radio-tower',
  exposure: 'plug',
  'remote-secret': 'key',
  trust: 'shield',
  namespace: 'symbol-namespace',
};

/**
 * The `viewItem` of a row, as space-separated tokens the menus in package.json match with `=~ /\btoken\b/`:
 * its kind, `cluster-actions` (apply, kube context, runbook), `file` (it opens a line), `topology` (the picture).
 */
export function contextValueOf(node: MeshViewNode): string {
  const tokens: string[] = [node.kind];
  if (node.clusterKey) tokens.push('cluster-actions');
  if (node.location) tokens.push('file');
  if (node.kind === 'mesh' || node.kind === 'cluster') tokens.push('topology');
  return tokens.join(' ');
}

export function openLocation(location: MeshViewLocation): Thenable<unknown> {
  const position = new vscode.Position(location.line, location.character);
  return vscode.commands.executeCommand('vscode.open', vscode.Uri.file(location.path), { selection: new vscode.Range(position, position) });
}

function workspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** The meshes as the server describes them, with the contexts chosen in this workspace. */
export async function requestMeshes(client: LanguageClient, contexts: ContextResolver): Promise<MeshViewMesh[]> {
  const { meshes } = await client.sendRequest(TOPOLOGY_REQUEST, { contexts: await knownContexts(client, contexts), baseDir: workspaceFolder() });
  return meshes;
}

export class MeshViewProvider implements vscode.TreeDataProvider<MeshViewNode> {
  private readonly changed = new vscode.EventEmitter<MeshViewNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly client: LanguageClient,
    private readonly contexts: ContextResolver,
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: MeshViewNode): Promise<MeshViewNode[]> {
    return node ? (node.children ?? []) : requestMeshes(this.client, this.contexts);
  }

  getTreeItem(node: MeshViewNode): vscode.TreeItem {
    const expanded = node.kind === 'mesh' || node.kind === 'network' || node.kind === 'cluster';
    const item = new vscode.TreeItem(
      node.label,
      node.children?.length
        ? expanded
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None,
    );
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.accessibilityInformation = { label: node.accessibleLabel };
    const color = node.findings?.errors
      ? new vscode.ThemeColor('list.errorForeground')
      : node.findings?.warnings
        ? new vscode.ThemeColor('list.warningForeground')
        : undefined;
    item.iconPath = new vscode.ThemeIcon(ICONS[node.kind], color);
    item.contextValue = contextValueOf(node);
    if (node.location) item.command = { command: 'istioMesh.openDefinition', title: 'Open File', arguments: [node] };
    return item;
  }
}

/** Registers the view, its refresh and "Open File"; the view refreshes when diagnostics or the settings change. */
export function registerMeshView(context: vscode.ExtensionContext, client: LanguageClient): MeshViewProvider {
  const provider = new MeshViewProvider(client, new ContextResolver(context.workspaceState));
  let pending: NodeJS.Timeout | undefined;
  const refreshSoon = () => {
    // Diagnostics arrive file by file after each analysis: one refresh for the burst.
    if (pending) clearTimeout(pending);
    pending = setTimeout(() => provider.refresh(), 300);
  };
  context.subscriptions.push(
    vscode.window.createTreeView(VIEW_ID, { treeDataProvider: provider, showCollapseAll: true }),
    vscode.commands.registerCommand('istioMesh.refreshTopology', () => provider.refresh()),
    vscode.commands.registerCommand('istioMesh.openDefinition', (node?: MeshViewNode) => node?.location && openLocation(node.location)),
    vscode.languages.onDidChangeDiagnostics(refreshSoon),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('istioMesh') && refreshSoon()),
    { dispose: () => pending && clearTimeout(pending) },
  );
  return provider;
}

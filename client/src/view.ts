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

/** Opens a row's line; `beside` keeps the editor that asked (the topology picture) in view. */
export function openLocation(location: MeshViewLocation, beside = false): Thenable<unknown> {
  const position = new vscode.Position(location.line, location.character);
  return vscode.window.showTextDocument(vscode.Uri.file(location.path), {
    selection: new vscode.Range(position, position),
    ...(beside ? { viewColumn: vscode.ViewColumn.Beside } : {}),
  });
}

/**
 * Calls `changed` once per burst of diagnostics (they arrive file by file after each analysis) and when the
 * istioMesh settings change: when the model the server gives may have changed.
 */
export function whenMeshChanges(context: vscode.ExtensionContext, changed: () => void, delayMs = 300): void {
  let pending: NodeJS.Timeout | undefined;
  const soon = () => {
    if (pending) clearTimeout(pending);
    pending = setTimeout(changed, delayMs);
  };
  context.subscriptions.push(
    vscode.languages.onDidChangeDiagnostics(soon),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('istioMesh') && soon()),
    { dispose: () => pending && clearTimeout(pending) },
  );
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

/** Registers the view, its refresh and "Open File"; the view refreshes when the model may have changed. */
export function registerMeshView(context: vscode.ExtensionContext, client: LanguageClient): MeshViewProvider {
  const provider = new MeshViewProvider(client, new ContextResolver(context.workspaceState));
  context.subscriptions.push(
    vscode.window.createTreeView(VIEW_ID, { treeDataProvider: provider, showCollapseAll: true }),
    vscode.commands.registerCommand('istioMesh.refreshTopology', () => provider.refresh()),
    vscode.commands.registerCommand('istioMesh.openDefinition', (node?: MeshViewNode) => node?.location && openLocation(node.location)),
  );
  whenMeshChanges(context, () => provider.refresh());
  return provider;
}

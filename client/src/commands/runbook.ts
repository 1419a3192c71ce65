import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import { MESH_CLUSTERS_REQUEST, RUNBOOK_REQUEST, TOPOLOGY_REQUEST } from '../../../server/src/lsp/protocol';
import type { FindingCounts, TopologyNode } from '../../../server/src/runbook/topologyTree';
import { ContextResolver } from './contexts';

/** "Istio Mesh: Show Runbook" and the "Istio Mesh" topology view; the server builds both from its model. */

/** The contexts chosen in this workspace for the mesh's clusters, so the runbook names them instead of variables. */
async function knownContexts(client: LanguageClient, contexts: ContextResolver): Promise<Record<string, string>> {
  const { clusters } = await client.sendRequest(MESH_CLUSTERS_REQUEST, {});
  const known: Record<string, string> = {};
  for (const cluster of clusters) {
    const context = contexts.remembered(cluster.key);
    if (context) known[cluster.key] = context;
  }
  return known;
}

function baseDir(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function findingsText(counts: FindingCounts | undefined): string | undefined {
  if (!counts) return undefined;
  const parts = [
    counts.errors && `${counts.errors} error(s)`,
    counts.warnings && `${counts.warnings} warning(s)`,
    counts.infos && `${counts.infos} info`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}

const ICONS: Record<TopologyNode['kind'], string> = {
  mesh: 'type-hierarchy',
  cluster: 'server-environment',
  install: 'package',
  gateway: 'globe',
  'remote-secret': 'key',
  namespace: 'symbol-namespace',
  cacerts: 'shield',
};

export class TopologyProvider implements vscode.TreeDataProvider<TopologyNode> {
  private readonly changed = new vscode.EventEmitter<TopologyNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly client: LanguageClient,
    private readonly contexts: ContextResolver,
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: TopologyNode): Promise<TopologyNode[]> {
    if (node) return node.children ?? [];
    const contexts = await knownContexts(this.client, this.contexts);
    const { meshes } = await this.client.sendRequest(TOPOLOGY_REQUEST, { contexts, baseDir: baseDir() });
    return meshes;
  }

  getTreeItem(node: TopologyNode): vscode.TreeItem {
    const item = new vscode.TreeItem(
      node.label,
      node.children?.length
        ? node.kind === 'mesh'
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None,
    );
    const findings = findingsText(node.findings);
    item.description = [node.description, findings].filter(Boolean).join(' · ');
    item.tooltip = [node.tooltip, findings].filter(Boolean).join('\n') || undefined;
    const color = node.findings?.errors
      ? new vscode.ThemeColor('list.errorForeground')
      : node.findings?.warnings
        ? new vscode.ThemeColor('list.warningForeground')
        : undefined;
    item.iconPath = new vscode.ThemeIcon(ICONS[node.kind], color);
    item.contextValue = `istioMesh.${node.kind}`;
    if (node.location) {
      const position = new vscode.Position(node.location.line, node.location.character);
      item.command = {
        command: 'vscode.open',
        title: 'Open',
        arguments: [vscode.Uri.file(node.location.path), { selection: new vscode.Range(position, position) }],
      };
    }
    return item;
  }
}

/** The runbook is shown as a read-only document of its own scheme: closing it never asks to save anything. */
const RUNBOOK_SCHEME = 'istio-mesh-runbook';

class RunbookDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  /** The document titled after the workspace folder; shown again with the newest text when asked again. */
  show(folder: string, markdown: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: RUNBOOK_SCHEME, path: `/Istio Mesh runbook — ${folder}.md` });
    this.texts.set(uri.toString(), markdown);
    this.changed.fire(uri);
    return uri;
  }
}

async function showRunbook(client: LanguageClient, contexts: ContextResolver, documents: RunbookDocuments): Promise<void> {
  const result = await client.sendRequest(RUNBOOK_REQUEST, { contexts: await knownContexts(client, contexts), baseDir: baseDir() });
  if (!result || !result.runbooks.length) {
    void vscode.window.showInformationMessage('Istio Mesh: no cluster found in the workspace, so there is no runbook to show.');
    return;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.name ?? 'workspace';
  const document = await vscode.workspace.openTextDocument(documents.show(folder, result.markdown));
  await vscode.window.showTextDocument(document, { preview: false });
  await vscode.commands.executeCommand('markdown.showPreviewToSide');
}

/** Registers the runbook command and the topology view; the view refreshes when diagnostics change. */
export function registerRunbookView(context: vscode.ExtensionContext, client: LanguageClient): void {
  const contexts = new ContextResolver(context.workspaceState);
  const provider = new TopologyProvider(client, contexts);
  const runbooks = new RunbookDocuments();
  let pending: NodeJS.Timeout | undefined;
  const refreshSoon = () => {
    // Diagnostics arrive file by file after each analysis: one refresh for the burst.
    if (pending) clearTimeout(pending);
    pending = setTimeout(() => provider.refresh(), 300);
  };
  context.subscriptions.push(
    vscode.window.createTreeView('istioMesh.topology', { treeDataProvider: provider, showCollapseAll: true }),
    vscode.workspace.registerTextDocumentContentProvider(RUNBOOK_SCHEME, runbooks),
    vscode.commands.registerCommand('istioMesh.showRunbook', () => showRunbook(client, contexts, runbooks)),
    vscode.commands.registerCommand('istioMesh.refreshTopology', () => provider.refresh()),
    vscode.languages.onDidChangeDiagnostics(refreshSoon),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('istioMesh') && refreshSoon()),
    { dispose: () => pending && clearTimeout(pending) },
  );
}

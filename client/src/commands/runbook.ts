import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import { MESH_CLUSTERS_REQUEST, RUNBOOK_REQUEST } from '../../../server/src/lsp/protocol';
import { ContextResolver } from './contexts';

/** "Istio Mesh: Show Runbook"; the server builds it from its model. */

/** The contexts chosen in this workspace for the mesh's clusters, so the runbook names them instead of variables. */
export async function knownContexts(client: LanguageClient, contexts: ContextResolver): Promise<Record<string, string>> {
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

/** Registers the runbook command. */
export function registerRunbookCommand(context: vscode.ExtensionContext, client: LanguageClient): void {
  const contexts = new ContextResolver(context.workspaceState);
  const runbooks = new RunbookDocuments();
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(RUNBOOK_SCHEME, runbooks),
    vscode.commands.registerCommand('istioMesh.showRunbook', () => showRunbook(client, contexts, runbooks)),
  );
}

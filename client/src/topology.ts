import { randomBytes } from 'node:crypto';

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import type { MeshViewMesh, MeshViewNode } from '../../server/src/features/meshView';
import type * as TopologyPicture from '../../server/src/features/topologyPicture';
import { ContextResolver } from './commands/contexts';
import { openLocation, requestMeshes, whenMeshChanges } from './view';

/**
 * "Istio Mesh: Show Topology": the picture of the workspace's meshes (server/src/features/topologyPicture.ts) in a
 * webview. The webview loads nothing from outside: a strict Content-Security-Policy admits only its own nonce'd
 * script and style. A click or Enter on a box opens the line that defines it; "Export SVG" saves the picture
 * through a save dialog; the picture is drawn again when findings or settings change.
 */

const VIEW_TYPE = 'istioMesh.topologyPicture';

type PictureModule = typeof TopologyPicture;

/** The picture module and its layout library, bundled apart (dist/topologyPicture.js) and loaded on the first use. */
function pictureModule(context: vscode.ExtensionContext): PictureModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(context.asAbsolutePath('dist/topologyPicture.js')) as PictureModule;
}

function nonce(): string {
  return randomBytes(16).toString('base64');
}

/** The webview's script: clicks and keys on boxes, the export button, new pictures from the extension. */
const SCRIPT = `
const vscode = acquireVsCodeApi();
const picture = document.getElementById('picture');
const openNode = (node) => vscode.postMessage({ type: 'open', id: node.getAttribute('data-id') });
picture.addEventListener('click', (event) => {
  const node = event.target.closest('[data-id]');
  if (node) openNode(node);
});
picture.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' && event.key !== ' ') return;
  const node = event.target.closest('[data-id]');
  if (!node) return;
  event.preventDefault();
  openNode(node);
});
document.getElementById('export').addEventListener('click', () => vscode.postMessage({ type: 'export' }));
const focusNode = (id) => {
  const node = [...picture.querySelectorAll('[data-id]')].find((n) => n.getAttribute('data-id') === id);
  if (node) {
    node.focus();
    node.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }
};
window.addEventListener('message', (event) => {
  const message = event.data;
  if (message.type === 'picture') {
    const focused = document.activeElement && document.activeElement.getAttribute('data-id');
    picture.innerHTML = message.svg;
    document.getElementById('status').textContent = message.status;
    if (focused) focusNode(focused);
  }
  if (message.type === 'focus') focusNode(message.id);
});
if (picture.dataset.focus) focusNode(picture.dataset.focus);
`;

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** The page: nothing but its own nonce'd style and script may load or run (no images, fonts, frames or requests). */
function html(css: string, svg: string, status: string, focusId?: string): string {
  const n = nonce();
  const csp = [`default-src 'none'`, `style-src 'nonce-${n}'`, `script-src 'nonce-${n}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Istio Mesh topology</title>
<style nonce="${n}">
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 8px 12px; }
header { display: flex; gap: 12px; align-items: center; margin-bottom: 8px; }
button { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 4px 10px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
button:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 2px; }
#status { color: var(--vscode-descriptionForeground); }
#picture { overflow: auto; }
${css}
</style>
</head>
<body>
<header><button id="export" type="button">Export SVG…</button><span id="status" role="status">${status}</span></header>
<main id="picture" data-focus="${escapeAttribute(focusId ?? '')}">${svg}</main>
<script nonce="${n}">${SCRIPT}</script>
</body>
</html>`;
}

function allRows(node: MeshViewNode): MeshViewNode[] {
  return [node, ...(node.children ?? []).flatMap(allRows)];
}

function statusOf(meshes: readonly MeshViewMesh[]): string {
  if (!meshes.length) return 'No cluster found in the workspace.';
  const clusters = meshes.flatMap((m) => allRows(m).filter((r) => r.kind === 'cluster')).length;
  return `${meshes.length} mesh${meshes.length === 1 ? '' : 'es'}, ${clusters} cluster${clusters === 1 ? '' : 's'}. Tab moves between boxes; Enter opens the file.`;
}

/** The one topology panel: shown again (and redrawn) when asked again. */
class TopologyPanel {
  private panel: vscode.WebviewPanel | undefined;
  private meshes: MeshViewMesh[] = [];
  private svg = '';
  private drawing: Promise<void> = Promise.resolve();

  private picture: PictureModule | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: LanguageClient,
    private readonly contexts: ContextResolver,
  ) {}

  private get pictures(): PictureModule {
    return (this.picture ??= pictureModule(this.context));
  }

  private page(focusId?: string): string {
    return html(this.pictures.PICTURE_CSS, this.svg, statusOf(this.meshes), focusId);
  }

  async show(focusId?: string): Promise<void> {
    if (this.panel) {
      this.panel.reveal();
      await this.redraw();
    } else {
      const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Istio Mesh Topology', vscode.ViewColumn.Active, {
        enableScripts: true,
        localResourceRoots: [],
        retainContextWhenHidden: false,
      });
      this.panel = panel;
      panel.onDidDispose(() => (this.panel = undefined));
      panel.webview.onDidReceiveMessage((message: { type?: string; id?: unknown }) => this.receive(message));
      await this.draw();
      panel.webview.html = this.page(focusId);
      return;
    }
    if (focusId) await this.panel.webview.postMessage({ type: 'focus', id: focusId });
  }

  /**
   * Draws again, if shown; one drawing at a time, each from the newest model. A visible picture is replaced in
   * place (the focused box keeps the focus); a hidden one gets a new page, which VS Code loads when it is shown.
   */
  redraw(): Promise<void> {
    if (!this.panel) return Promise.resolve();
    this.drawing = this.drawing.then(async () => {
      await this.draw();
      const panel = this.panel;
      if (!panel) return;
      if (panel.visible) await panel.webview.postMessage({ type: 'picture', svg: this.svg, status: statusOf(this.meshes) });
      else panel.webview.html = this.page();
    });
    return this.drawing;
  }

  private async draw(): Promise<void> {
    this.meshes = await requestMeshes(this.client, this.contexts);
    this.svg = (await this.pictures.drawTopology(this.meshes)).svg;
  }

  private async receive(message: { type?: string; id?: unknown }): Promise<void> {
    if (message.type === 'open' && typeof message.id === 'string') {
      const row = this.meshes.flatMap(allRows).find((r) => r.id === message.id);
      if (row?.location) await openLocation(row.location, true);
    }
    if (message.type === 'export') await this.export();
  }

  private async export(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: 'Export the Istio Mesh topology',
      defaultUri: folder ? vscode.Uri.joinPath(folder, 'mesh-topology.svg') : undefined,
      filters: { 'SVG image': ['svg'] },
      saveLabel: 'Export',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(this.pictures.standaloneSvg(this.svg), 'utf8'));
    void vscode.window.showInformationMessage(`Istio Mesh: the topology was saved to ${vscode.workspace.asRelativePath(target)}.`);
  }
}

/** Registers "Show Topology"; from a row of the Istio Mesh view it focuses that row's box. */
export function registerTopologyPicture(context: vscode.ExtensionContext, client: LanguageClient): void {
  const topology = new TopologyPanel(context, client, new ContextResolver(context.workspaceState));
  context.subscriptions.push(
    vscode.commands.registerCommand('istioMesh.showTopology', (row?: MeshViewNode) => topology.show(typeof row?.id === 'string' ? row.id : undefined)),
  );
  whenMeshChanges(context, () => void topology.redraw(), 400);
}

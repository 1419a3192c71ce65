// Document sync: what the editor's open documents and the client's file watcher say about YAML files becomes the
// analysed workspace's text. Apart from indexing (which reads the folders from disk) and from scheduling (which it
// only tells that something changed): an open document's text wins over disk until it is closed.
import { existsSync } from 'node:fs';

import { type Connection, FileChangeType, type TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';

import { EXCLUDED_REASON, isYamlFile, reasonToSkipText } from '../workspace/scan';
import { uriToPath } from './convert';
import type { WorkspaceIndex } from './workspaceIndex';

export class DocumentSync {
  /** Open documents' latest text, not yet parsed: applied at the start of the next analysis. */
  private readonly pendingTexts = new Map<string, string>();
  /** Open documents not analysed, with why (excluded, or over a limit) as logged: logged again only when that changes. */
  private readonly loggedSkips = new Map<string, 'excluded' | 'limit'>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly index: WorkspaceIndex,
    /** Called after each change to the workspace's files: schedules an analysis. */
    private readonly changed: () => void,
  ) {}

  listen(): void {
    this.connection.onDidChangeWatchedFiles((params) => {
      for (const change of params.changes) {
        const path = uriToPath(change.uri);
        if (!path || !isYamlFile(path) || this.documents.get(change.uri)) continue;
        if (change.type === FileChangeType.Deleted) this.index.workspace.deleteFile(path);
        else this.index.loadFromDisk(path);
      }
      this.changed();
    });
    this.documents.onDidChangeContent((event) => {
      const path = uriToPath(event.document.uri);
      if (!path || !isYamlFile(path) || this.skipIfExcluded(path)) return;
      // Parsed when the analysis runs: a burst of keystrokes parses the file once, not once per keystroke.
      this.pendingTexts.set(path, event.document.getText());
      this.changed();
    });
    this.documents.onDidClose((event) => {
      const path = uriToPath(event.document.uri);
      if (!path || !isYamlFile(path)) return;
      // The editor's unsaved text is gone: disk is the truth again.
      this.pendingTexts.delete(path);
      this.loggedSkips.delete(path);
      if (existsSync(path) && this.index.isUnderRoots(path)) this.index.loadFromDisk(path);
      else this.index.workspace.deleteFile(path);
      this.changed();
    });
  }

  /** True while a newer text of the file waits for the next analysis. */
  hasPendingText(path: string): boolean {
    return this.pendingTexts.has(path);
  }

  /** Puts the open documents' latest texts into the workspace (at the start of an analysis). */
  applyPendingTexts(): void {
    for (const [path, text] of this.pendingTexts) this.setOpenDocument(path, text);
    this.pendingTexts.clear();
  }

  /** Lays every open document over a freshly indexed workspace: open documents win over disk. */
  adoptOpenDocuments(): void {
    for (const document of this.documents.all()) {
      const path = uriToPath(document.uri);
      if (path && isYamlFile(path) && !this.skipIfExcluded(path)) this.setOpenDocument(path, document.getText());
    }
  }

  /**
   * An editor's text gets the limits of files on disk: a huge or binary document is not parsed, and a
   * finding at its top says why (logged once until it is analysable again, not on every keystroke).
   */
  private setOpenDocument(path: string, text: string): void {
    const reason = reasonToSkipText(text, this.index.settings.maxFileSize);
    if (!reason) {
      this.loggedSkips.delete(path);
      this.index.workspace.setFile(path, text);
      return;
    }
    this.logOpenDocumentSkip(path, 'limit', reason);
    this.index.workspace.setUnanalysedFile(path, reason);
  }

  /** An open document under istioMesh.exclude / files.exclude is left out as its file on disk is, and said so. */
  private skipIfExcluded(path: string): boolean {
    if (!this.index.isExcluded(path)) return false;
    this.logOpenDocumentSkip(path, 'excluded', EXCLUDED_REASON);
    return true;
  }

  /** Once per open document and kind of skip, not on every keystroke (a size in the reason changes with each). */
  private logOpenDocumentSkip(path: string, kind: 'excluded' | 'limit', reason: string): void {
    if (this.loggedSkips.get(path) === kind) return;
    this.loggedSkips.set(path, kind);
    this.connection.console.log(`not analysing open document ${path}: ${reason}`);
  }
}

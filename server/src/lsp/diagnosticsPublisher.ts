// Publishing: an analysis's findings go to the client as diagnostics, open documents first, and only what changed.
// Apart from scheduling because what is sent, in which order and with which document version is what the editor
// shows; the analysis itself knows nothing of versions or of what was sent before.
import type { Connection, Diagnostic, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';

import type { AnalysisResult } from '../engine/analysis';
import type { Finding } from '../rules/finding';
import { defaultDocsBase, pathToUri, toDiagnostic, uriToPath } from './convert';

export class DiagnosticsPublisher {
  /** Where docs/rules/ pages are, for diagnostics' links (the client may say at initialize). */
  docsBase = defaultDocsBase();
  /** What was last published per URI, so unchanged files are not re-sent. */
  private readonly published = new Map<string, string>();
  /** Paths not published after an analysis because a newer text of them was pending (see publishAnalysis). */
  private readonly owedPublications = new Set<string>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
  ) {}

  listen(): void {
    this.documents.onDidOpen((event) => {
      // Versions start again at an open: forget what was sent, so the document gets diagnostics for this version.
      const path = uriToPath(event.document.uri);
      if (path) this.published.delete(pathToUri(path));
    });
  }

  /** A finding as the client sees it (quick fixes match the diagnostics they were sent). */
  toDiagnostic(finding: Finding): Diagnostic {
    return toDiagnostic(finding, this.docsBase);
  }

  /**
   * Open documents first (the file being typed in gets its diagnostics before the rest), each with its new
   * version; then only the files whose findings changed: a keystroke publishes what it affected.
   */
  publishAnalysis(result: AnalysisResult, hasPendingText: (path: string) => boolean): void {
    const openPaths = this.documents.all().flatMap((document) => uriToPath(document.uri) ?? []);
    const paths = new Set([...openPaths, ...result.changed, ...this.owedPublications]);
    this.owedPublications.clear();
    for (const path of paths) {
      // A document changed again since this analysis read it: its findings would go out with the newer version's
      // number and may point past its end. The analysis of the newer text (already scheduled) publishes it.
      if (hasPendingText(path)) this.owedPublications.add(path);
      else this.publish(path, result.findings.get(path));
    }
  }

  /** Sends a file's diagnostics unless the same were last sent for the same version; none once it is gone. */
  private publish(path: string, findings: readonly Finding[] | undefined): void {
    const uri = pathToUri(path);
    if (!findings) {
      if (this.published.delete(uri)) void this.connection.sendDiagnostics({ uri, diagnostics: [] });
      return;
    }
    const diagnostics = findings.map((f) => this.toDiagnostic(f));
    // The version of an open document lets a client tell which text the diagnostics are about.
    const version = this.documents.get(uri)?.version;
    const key = JSON.stringify([version, diagnostics]);
    if (this.published.get(uri) === key) return;
    this.published.set(uri, key);
    void this.connection.sendDiagnostics({ uri, version, diagnostics });
  }
}

// The editor features answered from the analysis: quick fixes, completion and hover, each combining what the
// schema offers with what the mesh knows. Apart because each of them must see the analysis of the text the editor
// holds now, and a feature that fails on odd input answers nothing rather than failing the request.
import { type CompletionItem, type Connection, type Hover, MarkupKind, type TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';

import type { AnalysisResult } from '../engine/analysis';
import type { Workspace } from '../engine/workspace';
import { codeActionsFor } from '../features/codeActions';
import { completeFromMesh } from '../features/meshCompletion';
import { hoverFromMesh } from '../features/meshHover';
import { SchemaLanguageService } from '../features/schemaLanguageService';
import { pathToUri, uriToPath } from './convert';
import type { DiagnosticsPublisher } from './diagnosticsPublisher';

/** What the features read of the server's analysis. */
export interface AnalysedWorkspace {
  /** The workspace the server analyses now. */
  readonly workspace: Workspace;
  /** The last complete analysis; undefined before the first. */
  readonly lastResult: AnalysisResult | undefined;
  /** Finishes a pending or running analysis at once, so `lastResult` is of the current text. */
  flushAnalysis(): void;
}

type Position = { line: number; character: number };

export class EditorFeatures {
  /** Created at initialize, unless the client turned schema completion and hover off. */
  private schemaService: SchemaLanguageService | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly publisher: DiagnosticsPublisher,
    private readonly analysed: AnalysedWorkspace,
  ) {}

  /** Schema completion and hover, unless another YAML schema service (Red Hat's YAML extension) gives them. */
  enableSchemaService(): void {
    this.schemaService = new SchemaLanguageService();
  }

  listen(): void {
    this.connection.onCodeAction((params) => {
      const path = uriToPath(params.textDocument.uri);
      const findings = path ? (this.analysed.lastResult?.findings.get(path) ?? []) : [];
      const file = path ? this.analysed.workspace.getFile(path) : undefined;
      // A suppression comment is placed by the text analysed: not offered while the editor holds a newer one.
      const current = file && this.documents.get(params.textDocument.uri)?.getText() === file.yaml.text ? file.yaml : undefined;
      return codeActionsFor(
        findings,
        params.range,
        params.context.diagnostics,
        {
          toDiagnostic: (finding) => this.publisher.toDiagnostic(finding),
          toUri: pathToUri,
        },
        current,
        params.context.only,
      );
    });
    this.connection.onCompletion(async (params) => ({ isIncomplete: false, items: await this.completion(params.textDocument.uri, params.position) }));
    this.connection.onHover((params) => this.hover(params.textDocument.uri, params.position));
  }

  /** The analysed file and offset of an editor position, once the analysis is current for that file. */
  private fileAt(uri: string, position: Position) {
    const path = uriToPath(uri);
    const file = path ? this.analysed.workspace.getFile(path) : undefined;
    const document = this.documents.get(uri);
    if (!file || !this.analysed.lastResult || (document && document.getText() !== file.yaml.text)) return undefined;
    return { file, offset: file.yaml.lines.offsetAt(position), meshes: this.analysed.lastResult.meshes };
  }

  private meshCompletion(uri: string, position: Position): CompletionItem[] {
    this.analysed.flushAnalysis();
    const at = this.fileAt(uri, position);
    return at ? completeFromMesh(at.file, at.offset, at.meshes) : [];
  }

  private meshHover(uri: string, position: Position): string | undefined {
    this.analysed.flushAnalysis();
    const at = this.fileAt(uri, position);
    return (at && hoverFromMesh(at.file, at.offset, at.meshes)) || undefined;
  }

  /** The open document, unless it is over the limits (too large, binary): then no feature parses it either. */
  private documentForFeatures(uri: string): TextDocument | undefined {
    this.analysed.flushAnalysis();
    const path = uriToPath(uri);
    if (path && this.analysed.workspace.getFile(path)?.unanalysedReason) return undefined;
    return this.documents.get(uri);
  }

  /** Mesh-aware items first (names defined in the user's clusters), then what the schema offers. */
  private async completion(uri: string, position: Position): Promise<CompletionItem[]> {
    const document = this.documentForFeatures(uri);
    const schemaService = this.schemaService;
    const schemaItems = document && schemaService ? await this.contained('schema completion', () => schemaService.complete(document, position), []) : [];
    const meshItems = await this.contained('mesh completion', () => this.meshCompletion(uri, position), []);
    const meshLabels = new Set(meshItems.map((item) => item.label));
    return [...meshItems, ...schemaItems.filter((item) => !meshLabels.has(item.label))];
  }

  /** What the field is (schema), then what the mesh knows about its value. */
  private async hover(uri: string, position: Position): Promise<Hover | null> {
    const document = this.documentForFeatures(uri);
    const schemaService = this.schemaService;
    const schemaText = document && schemaService ? await this.contained('schema hover', () => schemaService.hover(document, position), undefined) : undefined;
    const meshText = await this.contained('mesh hover', () => this.meshHover(uri, position), undefined);
    const parts = [schemaText, meshText].filter((part): part is string => !!part);
    return parts.length ? { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') } } : null;
  }

  /** A feature that fails on odd input answers nothing rather than failing the request; the error is logged. */
  private async contained<T>(feature: string, run: () => T | Promise<T>, fallback: T): Promise<T> {
    try {
      return await run();
    } catch (error) {
      this.connection.console.error(`${feature} failed: ${(error as Error).message}`);
      return fallback;
    }
  }
}

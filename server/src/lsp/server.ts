// The language server's connection and capabilities: what it tells the client at initialize, which handlers it
// registers, and how its parts are wired — the workspace index, document sync, the analysis scheduler, the
// diagnostics publisher and the editor features, each in its own module. No analysis logic lives here.
import {
  CodeActionKind,
  type Connection,
  DidChangeConfigurationNotification,
  type InitializeParams,
  type InitializeResult,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';

import { type AnalysisResult, Analyzer } from '../engine/analysis';
import type { Workspace } from '../engine/workspace';
import type { MeshSettings } from '../mesh/model';
import { AnalysisScheduler } from './analysisScheduler';
import { registerApplyRequests } from './applyRequests';
import { fetchSettings } from './clientSettings';
import { pathToUri, uriToPath } from './convert';
import { DiagnosticsPublisher } from './diagnosticsPublisher';
import { DocumentSync } from './documentSync';
import { type AnalysedWorkspace, EditorFeatures } from './editorFeatures';
import { boundHeapGrowth, collectIndexingGarbage } from './heapTuning';
import { registerNavigation } from './navigation';
import { registerRunbookRequests } from './runbookRequests';
import { WorkspaceIndex } from './workspaceIndex';

export interface InitializationOptions {
  /** Where docs/rules/ pages are (the extension's folder), for diagnostics' links. */
  docsBaseUri?: string;
  /** False when the client has another YAML schema service (Red Hat's YAML extension): then no completion/hover at all. */
  schemaCompletionAndHover?: boolean;
}

export class IstioMeshServer implements AnalysedWorkspace {
  private readonly documents = new TextDocuments(TextDocument);
  private readonly index: WorkspaceIndex;
  private readonly analyzer: Analyzer;
  private readonly publisher: DiagnosticsPublisher;
  private readonly documentSync: DocumentSync;
  private readonly scheduler: AnalysisScheduler;
  private readonly features: EditorFeatures;
  private supportsConfiguration = false;
  lastResult: AnalysisResult | undefined;

  constructor(private readonly connection: Connection) {
    this.index = new WorkspaceIndex(connection);
    this.analyzer = new Analyzer(undefined, (message) => this.connection.console.error(message));
    this.publisher = new DiagnosticsPublisher(connection, this.documents);
    this.scheduler = new AnalysisScheduler({
      begin: () => this.beginAnalysis(),
      completed: (result) => this.completeAnalysis(result),
      indexing: () => this.index.indexing,
    });
    this.documentSync = new DocumentSync(connection, this.documents, this.index, () => this.scheduler.schedule());
    this.features = new EditorFeatures(connection, this.documents, this.publisher, this);
  }

  start(): void {
    boundHeapGrowth();
    const connection = this.connection;
    connection.onInitialize((params) => this.initialize(params));
    connection.onInitialized(() => void this.initialized());
    connection.onDidChangeConfiguration(() => void this.reloadSettings());
    this.documentSync.listen();
    this.publisher.listen();
    this.features.listen();
    registerApplyRequests(connection, () => {
      this.flushAnalysis();
      if (!this.lastResult) return undefined;
      const settings = this.meshSettings();
      return { workspace: this.workspace, result: this.lastResult, settings, openText: (path) => this.documents.get(pathToUri(path))?.getText() };
    });
    registerRunbookRequests(connection, () => (this.flushAnalysis(), this.lastResult && { result: this.lastResult, settings: this.meshSettings() }));
    registerNavigation(
      connection,
      () => (
        this.flushAnalysis(),
        this.lastResult && { workspace: this.workspace, meshes: this.lastResult.meshes, findings: this.lastResult.findings, settings: this.meshSettings() }
      ),
    );
    this.documents.listen(connection);
    connection.listen();
  }

  private initialize(params: InitializeParams): InitializeResult {
    const options = (params.initializationOptions ?? {}) as InitializationOptions;
    if (options.docsBaseUri) this.publisher.docsBase = options.docsBaseUri;
    // Red Hat's YAML extension completes and hovers by schema: then ours steps aside there, and only there. The
    // mesh's own completions and hovers (Gateway names, identity tables, trust) are nothing Red Hat can offer.
    if (options.schemaCompletionAndHover !== false) this.features.enableSchemaService();
    this.supportsConfiguration = !!params.capabilities.workspace?.configuration;
    const folders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
    this.index.openFolders(
      folders.flatMap((f) => uriToPath(f.uri) ?? []),
      !!params.capabilities.window?.workDoneProgress,
    );
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll] },
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        codeLensProvider: {},
        completionProvider: { triggerCharacters: [' ', '-', '/', ':'] },
        hoverProvider: true,
        workspace: { workspaceFolders: { supported: true } },
      },
      serverInfo: { name: 'istio-mesh' },
    };
  }

  private async initialized(): Promise<void> {
    if (this.supportsConfiguration) {
      void this.connection.client.register(DidChangeConfigurationNotification.type, { section: ['istioMesh', 'files'] });
    }
    await this.reloadSettings();
  }

  private async reloadSettings(): Promise<void> {
    const settings = await fetchSettings(this.connection, this.supportsConfiguration);
    // An analysis of the old workspace would publish what the new one may no longer hold.
    this.scheduler.abandon();
    if (await this.index.index(settings, () => this.documentSync.adoptOpenDocuments())) this.scheduler.runNow();
  }

  /** The workspace the server analyses now (it is replaced when settings change); main.ts redacts by it. */
  get workspace(): Workspace {
    return this.index.workspace;
  }

  /** What the mesh model needs of the settings. */
  private meshSettings(): MeshSettings {
    return this.index.meshSettings();
  }

  flushAnalysis(): void {
    this.scheduler.flush();
  }

  /** Applies the open documents' latest texts and starts an analysis of the workspace as it is then. */
  private beginAnalysis(): Generator<void, AnalysisResult> {
    this.documentSync.applyPendingTexts();
    return this.analyzer.analysisSteps(this.index.workspace, { ...this.meshSettings(), rules: this.index.settings.rules });
  }

  private completeAnalysis(result: AnalysisResult): void {
    this.lastResult = result;
    collectIndexingGarbage();
    this.publisher.publishAnalysis(result, (path) => this.documentSync.hasPendingText(path));
  }
}

export function startServer(connection: Connection): IstioMeshServer {
  const server = new IstioMeshServer(connection);
  server.start();
  return server;
}

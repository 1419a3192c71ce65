import { existsSync } from 'node:fs';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  MarkupKind,
  type CompletionItem,
  type Hover,
  FileChangeType,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Analyzer, type AnalysisResult } from '../engine/analysis';
import { Workspace } from '../engine/workspace';
import { findYamlFiles, isYamlFile, makeExcluder, readYamlText, reasonToSkipText } from '../workspace/scan';
import { defaultDocsBase, pathToUri, toDiagnostic, uriToPath } from './convert';
import { codeActionsFor } from '../features/codeActions';
import { completeFromMesh } from '../features/meshCompletion';
import { hoverFromMesh } from '../features/meshHover';
import { SchemaLanguageService } from '../features/schemaLanguageService';
import { registerApplyRequests } from './applyRequests';
import { registerRunbookRequests } from './runbookRequests';
import { DEFAULT_ANALYSIS_SETTINGS, normaliseSettings, type AnalysisSettings } from '../engine/settings';
import type { MeshSettings } from '../mesh/model';

/** The analysis settings, plus VS Code's `files.exclude` (patterns whose value is true). */
export interface ServerSettings extends AnalysisSettings {
  filesExclude: string[];
}

export interface InitializationOptions {
  /** Where docs/rules/ pages are (the extension's folder), for diagnostics' links. */
  docsBaseUri?: string;
  /** False when the client has another YAML schema service (Red Hat's YAML extension): then no completion/hover at all. */
  schemaCompletionAndHover?: boolean;
}

const DEFAULT_SETTINGS: ServerSettings = { ...DEFAULT_ANALYSIS_SETTINGS, filesExclude: [] };
const ANALYSIS_DELAY_MS = 50;
/**
 * Changes closer together than this are analysed once. The wait grows with what the last analysis cost (up to
 * ANALYSIS_DELAY_MS), so a small workspace answers a keystroke at once and a large one is not queued behind
 * analyses that the next keystroke supersedes.
 */
const MIN_ANALYSIS_DELAY_MS = 5;
/** Files read between two yields while indexing; a workspace with more files shows indexing progress. */
const INDEX_SLICE = 200;

export class IstioMeshServer {
  private readonly documents = new TextDocuments(TextDocument);
  private workspace = new Workspace([]);
  private readonly analyzer: Analyzer;
  private settings: ServerSettings = DEFAULT_SETTINGS;
  private roots: string[] = [];
  private docsBase = defaultDocsBase();
  private supportsConfiguration = false;
  private supportsProgress = false;
  /** Bumped by each indexing, so one that a newer one (a settings change) supersedes stops early. */
  private indexGeneration = 0;
  private indexing = false;
  /** Open documents' latest text, not yet parsed: applied at the start of the next analysis. */
  private readonly pendingTexts = new Map<string, string>();
  private analysisTimer: NodeJS.Timeout | undefined;
  private lastAnalysisMs = 0;
  /** What was last published per URI, so unchanged files are not re-sent. */
  private readonly published = new Map<string, string>();
  /** Open documents not analysed whose skip has been logged. */
  private readonly loggedSkips = new Set<string>();
  lastResult: AnalysisResult | undefined;
  /** Created at initialize, unless the client turned schema completion and hover off. */
  private schemaService: SchemaLanguageService | undefined;

  constructor(private readonly connection: Connection) {
    this.analyzer = new Analyzer(undefined, (message) => this.connection.console.error(message));
  }

  private log(message: string): void {
    this.connection.console.log(message);
  }

  start(): void {
    const connection = this.connection;
    connection.onInitialize((params) => this.initialize(params));
    connection.onInitialized(() => void this.initialized());
    connection.onDidChangeConfiguration(() => void this.reloadSettings());
    connection.onDidChangeWatchedFiles((params) => {
      for (const change of params.changes) {
        const path = uriToPath(change.uri);
        if (!path || !isYamlFile(path) || this.documents.get(change.uri)) continue;
        if (change.type === FileChangeType.Deleted) this.workspace.deleteFile(path);
        else this.loadFromDisk(path);
      }
      this.scheduleAnalysis();
    });
    this.documents.onDidChangeContent((event) => {
      const path = uriToPath(event.document.uri);
      if (!path || !isYamlFile(path) || this.isExcluded(path)) return;
      // Parsed when the analysis runs: a burst of keystrokes parses the file once, not once per keystroke.
      this.pendingTexts.set(path, event.document.getText());
      this.scheduleAnalysis();
    });
    this.documents.onDidOpen((event) => {
      // Versions start again at an open: forget what was sent, so the document gets diagnostics for this version.
      const path = uriToPath(event.document.uri);
      if (path) this.published.delete(pathToUri(path));
    });
    this.documents.onDidClose((event) => {
      const path = uriToPath(event.document.uri);
      if (!path || !isYamlFile(path)) return;
      // The editor's unsaved text is gone: disk is the truth again.
      this.pendingTexts.delete(path);
      if (existsSync(path) && this.isUnderRoots(path)) this.loadFromDisk(path);
      else this.workspace.deleteFile(path);
      this.scheduleAnalysis();
    });
    connection.onCodeAction((params) => {
      const path = uriToPath(params.textDocument.uri);
      const findings = path ? this.lastResult?.findings.get(path) ?? [] : [];
      return codeActionsFor(findings, params.range, params.context.diagnostics, {
        toDiagnostic: (finding) => toDiagnostic(finding, this.docsBase),
        toUri: pathToUri,
      });
    });
    connection.onCompletion(async (params) => ({ isIncomplete: false, items: await this.completion(params.textDocument.uri, params.position) }));
    connection.onHover((params) => this.hover(params.textDocument.uri, params.position));
    registerApplyRequests(connection, () => {
      this.flushAnalysis();
      if (!this.lastResult) return undefined;
      const settings = this.meshSettings();
      return { workspace: this.workspace, result: this.lastResult, settings, openText: (path) => this.documents.get(pathToUri(path))?.getText() };
    });
    registerRunbookRequests(connection, () => (this.flushAnalysis(), this.lastResult && { result: this.lastResult, settings: this.meshSettings() }));
    this.documents.listen(connection);
    connection.listen();
  }

  private initialize(params: InitializeParams): InitializeResult {
    const options = (params.initializationOptions ?? {}) as InitializationOptions;
    if (options.docsBaseUri) this.docsBase = options.docsBaseUri;
    const completionAndHover = options.schemaCompletionAndHover !== false;
    if (completionAndHover) this.schemaService = new SchemaLanguageService();
    this.supportsConfiguration = !!params.capabilities.workspace?.configuration;
    this.supportsProgress = !!params.capabilities.window?.workDoneProgress;
    const folders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
    this.roots = folders.flatMap((f) => uriToPath(f.uri) ?? []);
    this.workspace = new Workspace(this.roots);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        ...(completionAndHover ? { completionProvider: { triggerCharacters: [' ', '-', '/', ':'] }, hoverProvider: true } : {}),
        workspace: { workspaceFolders: { supported: true } },
      },
      serverInfo: { name: 'istio-mesh' },
    };
  }

  /** The analysed file and offset of an editor position, once the analysis is current for that file. */
  private fileAt(uri: string, position: { line: number; character: number }) {
    const path = uriToPath(uri);
    const file = path ? this.workspace.getFile(path) : undefined;
    const document = this.documents.get(uri);
    if (!file || !this.lastResult || (document && document.getText() !== file.yaml.text)) return undefined;
    return { file, offset: file.yaml.lines.offsetAt(position) };
  }

  private meshCompletion(uri: string, position: { line: number; character: number }): CompletionItem[] {
    this.flushAnalysis();
    const at = this.fileAt(uri, position);
    return at ? completeFromMesh(at.file, at.offset, this.lastResult!.meshes) : [];
  }

  private meshHover(uri: string, position: { line: number; character: number }): string | undefined {
    this.flushAnalysis();
    const at = this.fileAt(uri, position);
    return (at && hoverFromMesh(at.file, at.offset, this.lastResult!.meshes)) || undefined;
  }

  /** The open document, unless it is over the limits (too large, binary): then no feature parses it either. */
  private documentForFeatures(uri: string): TextDocument | undefined {
    this.flushAnalysis();
    const path = uriToPath(uri);
    if (path && this.workspace.getFile(path)?.unanalysedReason) return undefined;
    return this.documents.get(uri);
  }

  /** Mesh-aware items first (names defined in the user's clusters), then what the schema offers. */
  private async completion(uri: string, position: { line: number; character: number }): Promise<CompletionItem[]> {
    const document = this.documentForFeatures(uri);
    const schemaService = this.schemaService;
    const schemaItems = document && schemaService ? await this.contained('schema completion', () => schemaService.complete(document, position), []) : [];
    const meshItems = await this.contained('mesh completion', () => this.meshCompletion(uri, position), []);
    const meshLabels = new Set(meshItems.map((item) => item.label));
    return [...meshItems, ...schemaItems.filter((item) => !meshLabels.has(item.label))];
  }

  /** What the field is (schema), then what the mesh knows about its value. */
  private async hover(uri: string, position: { line: number; character: number }): Promise<Hover | null> {
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

  /** A request about the current text must not see the model of an older one. */
  private flushAnalysis(): void {
    if (!this.analysisTimer || this.indexing) return;
    clearTimeout(this.analysisTimer);
    this.analysisTimer = undefined;
    this.runAnalysis();
  }

  private async initialized(): Promise<void> {
    if (this.supportsConfiguration) {
      void this.connection.client.register(DidChangeConfigurationNotification.type, { section: ['istioMesh', 'files'] });
    }
    await this.reloadSettings();
  }

  private async fetchSettings(): Promise<ServerSettings> {
    if (!this.supportsConfiguration) return DEFAULT_SETTINGS;
    const [mesh, filesExclude] = (await this.connection.workspace.getConfiguration([{ section: 'istioMesh' }, { section: 'files.exclude' }])) as [unknown, Record<string, boolean> | null];
    return {
      ...normaliseSettings(mesh),
      filesExclude: Object.entries(filesExclude ?? {}).filter(([, on]) => on === true).map(([glob]) => glob.replace(/^\*\*\//, '**/')),
    };
  }

  /** What the mesh model needs of the settings. */
  private meshSettings(): MeshSettings {
    return { roots: this.roots, clusters: this.settings.clusters, helmValues: this.settings.helmValues };
  }

  private async reloadSettings(): Promise<void> {
    this.settings = await this.fetchSettings();
    if (await this.indexWorkspace()) this.runAnalysis();
  }

  private excludePatterns(): string[] {
    return [...this.settings.exclude, ...this.settings.filesExclude];
  }

  private isUnderRoots(path: string): boolean {
    return this.roots.some((root) => path.startsWith(root));
  }

  private isExcluded(path: string): boolean {
    return this.roots.some((root) => makeExcluder(root, this.excludePatterns())(path));
  }

  /**
   * Reads every YAML file of the workspace folders; open documents win over disk. Large workspaces are read in
   * slices, yielding between them (so edits and requests are served) and showing progress; an indexing that a
   * newer one supersedes stops and returns false. No analysis runs on a half-read workspace: changes made
   * meanwhile are analysed with the rest once indexing is done.
   */
  private async indexWorkspace(): Promise<boolean> {
    const generation = ++this.indexGeneration;
    this.indexing = true;
    this.workspace = new Workspace(this.roots);
    const paths: string[] = [];
    for (const root of this.roots) {
      const { files, skipped } = findYamlFiles(root, { exclude: this.excludePatterns(), maxFileSize: this.settings.maxFileSize });
      for (const s of skipped) this.log(`skipped ${s.path}: ${s.reason}`);
      paths.push(...files);
    }
    const progress = this.supportsProgress && paths.length > INDEX_SLICE ? await this.connection.window.createWorkDoneProgress() : undefined;
    progress?.begin('Istio Mesh: indexing', 0, `${paths.length} YAML files`, false);
    try {
      for (let i = 0; i < paths.length; i++) {
        this.loadFromDisk(paths[i]);
        if ((i + 1) % INDEX_SLICE !== 0) continue;
        progress?.report(Math.floor((100 * (i + 1)) / paths.length), `${i + 1} of ${paths.length} YAML files`);
        await new Promise((resolve) => setImmediate(resolve));
        if (generation !== this.indexGeneration) return false;
      }
    } finally {
      progress?.done();
    }
    for (const document of this.documents.all()) {
      const path = uriToPath(document.uri);
      if (path && isYamlFile(path) && !this.isExcluded(path)) this.setOpenDocument(path, document.getText());
    }
    this.indexing = false;
    this.log(`indexed ${this.workspace.size} YAML file(s) in ${this.roots.length} folder(s)`);
    return true;
  }


  /** The workspace the server analyses now (it is replaced when settings change). */
  get currentWorkspace(): Workspace {
    return this.workspace;
  }

  /**
   * An editor's text gets the limits of files on disk: a huge or binary document is not parsed, and a
   * finding at its top says why (logged once until it is analysable again, not on every keystroke).
   */
  private setOpenDocument(path: string, text: string): void {
    const reason = reasonToSkipText(text, this.settings.maxFileSize);
    if (!reason) {
      this.loggedSkips.delete(path);
      this.workspace.setFile(path, text);
      return;
    }
    if (!this.loggedSkips.has(path)) this.log(`not analysing open document ${path}: ${reason}`);
    this.loggedSkips.add(path);
    this.workspace.setUnanalysedFile(path, reason);
  }

  private loadFromDisk(path: string): void {
    if (this.isExcluded(path)) return;
    const read = readYamlText(path, this.settings.maxFileSize);
    if ('skipped' in read) {
      this.log(`skipped ${path}: ${read.skipped}`);
      this.workspace.deleteFile(path);
    } else {
      this.workspace.setFile(path, read.text);
    }
  }

  private scheduleAnalysis(): void {
    if (this.analysisTimer) clearTimeout(this.analysisTimer);
    this.analysisTimer = setTimeout(() => {
      this.analysisTimer = undefined;
      // Indexing ends with an analysis of everything, this change included.
      if (!this.indexing) this.runAnalysis();
    }, Math.min(ANALYSIS_DELAY_MS, Math.max(MIN_ANALYSIS_DELAY_MS, this.lastAnalysisMs)));
  }

  runAnalysis(): void {
    const started = performance.now();
    for (const [path, text] of this.pendingTexts) this.setOpenDocument(path, text);
    this.pendingTexts.clear();
    const result = this.analyzer.analyze(this.workspace, this.meshSettings());
    this.lastAnalysisMs = performance.now() - started;
    this.lastResult = result;
    const seen = new Set<string>();
    // Open documents first: the file being typed in gets its diagnostics before the rest of the workspace's.
    const openFirst = [...result.findings].sort(([a], [b]) => Number(!this.documents.get(pathToUri(a))) - Number(!this.documents.get(pathToUri(b))));
    for (const [path, findings] of openFirst) {
      const uri = pathToUri(path);
      seen.add(uri);
      const diagnostics = findings.map((f) => toDiagnostic(f, this.docsBase));
      // The version of an open document lets a client tell which text the diagnostics are about.
      const version = this.documents.get(uri)?.version;
      const key = JSON.stringify([version, diagnostics]);
      if (this.published.get(uri) === key) continue;
      this.published.set(uri, key);
      void this.connection.sendDiagnostics({ uri, version, diagnostics });
    }
    for (const uri of [...this.published.keys()]) {
      if (seen.has(uri)) continue;
      this.published.delete(uri);
      void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    }
  }
}

export function startServer(connection: Connection): IstioMeshServer {
  const server = new IstioMeshServer(connection);
  server.start();
  return server;
}

import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import {
  CodeActionKind,
  type CompletionItem,
  type Connection,
  DidChangeConfigurationNotification,
  FileChangeType,
  type Hover,
  type InitializeParams,
  type InitializeResult,
  MarkupKind,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';

import { type AnalysisResult, Analyzer } from '../engine/analysis';
import { type AnalysisSettings, DEFAULT_ANALYSIS_SETTINGS, normaliseSettings } from '../engine/settings';
import { Workspace } from '../engine/workspace';
import { codeActionsFor } from '../features/codeActions';
import { completeFromMesh } from '../features/meshCompletion';
import { hoverFromMesh } from '../features/meshHover';
import { SchemaLanguageService } from '../features/schemaLanguageService';
import type { MeshSettings } from '../mesh/model';
import type { Finding } from '../rules/finding';
import { EXCLUDED_REASON, findYamlFiles, isYamlFile, makeExcluder, readYamlText, reasonToSkipText } from '../workspace/scan';
import { registerApplyRequests } from './applyRequests';
import { defaultDocsBase, pathToUri, toDiagnostic, uriToPath } from './convert';
import { registerNavigation } from './navigation';
import { registerRunbookRequests } from './runbookRequests';

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
/**
 * Changes closer together than this are analysed once (messages already read by then always are). Next to
 * nothing, because an analysis that a newer change supersedes is abandoned at its next step (see
 * `startAnalysis`) rather than waited for: 5 ms here was a fifth of a keystroke's latency at 200 clusters.
 */
const ANALYSIS_DELAY_MS = 1;
/** The longest an analysis runs before letting the server read newer changes (and be superseded by them). */
const ANALYSIS_SLICE_MS = 8;
/**
 * An analysis that has run this long is let finish rather than superseded, the newer change analysed right
 * after it: otherwise steady typing in a file whose analysis is slow (a model rebuild) would publish nothing.
 */
const FINISH_AFTER_MS = 250;
/**
 * How much V8 may grow the heap past what the last full collection left. A server keeps a large heap for hours
 * (about 200 MB for 200 clusters × 200 apps) and each keystroke leaves a little garbage in old space; by default
 * V8 lets a heap that collects fast grow to several times what was live. Bounded, the peak RSS at 200 × 200
 * stays at 330–360 MB instead of rising to 420 MB while typing (primary-remote), and 590 MB instead of 750 MB
 * (multi-primary), at no cost measured in cold start or keystroke latency.
 */
const HEAP_GROWING_PERCENT = 25;

/**
 * V8 flags tune memory here; nothing depends on them. A runtime that refuses them (flags frozen after start, no
 * `gc` in a new context) runs the same, only with a higher peak.
 */
function tuningHeap(tune: () => void): void {
  try {
    tune();
  } catch {
    // see above: the defaults stand
  }
}

function boundHeapGrowth(): void {
  tuningHeap(() => setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`));
}

let indexingGarbageCollected = false;

/**
 * One full collection after the first complete analysis, when nobody is typing yet: it drops what indexing and
 * the first analysis left, which otherwise stays until the heap reaches its next limit.
 */
function collectIndexingGarbage(): void {
  if (indexingGarbageCollected) return;
  indexingGarbageCollected = true;
  tuningHeap(() => {
    // `gc` is only reachable in a context created after the flag is set (a documented V8 behaviour).
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  });
}

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
  /** Paths not published after an analysis because a newer text of them was pending (see completeAnalysis). */
  private readonly owedPublications = new Set<string>();
  private analysisTimer: NodeJS.Timeout | undefined;
  /** The analysis running in slices, if any; a newer one replaces it, which abandons it. */
  private inFlight: Generator<void, AnalysisResult> | undefined;
  private inFlightSince = 0;
  /** A change arrived while an analysis that is let finish was running: analyse again once it has. */
  private analyseAfterInFlight = false;
  /** What was last published per URI, so unchanged files are not re-sent. */
  private readonly published = new Map<string, string>();
  /** Open documents not analysed, with why (excluded, or over a limit) as logged: logged again only when that changes. */
  private readonly loggedSkips = new Map<string, 'excluded' | 'limit'>();
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
    boundHeapGrowth();
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
      if (!path || !isYamlFile(path) || this.skipIfExcluded(path)) return;
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
      this.loggedSkips.delete(path);
      if (existsSync(path) && this.isUnderRoots(path)) this.loadFromDisk(path);
      else this.workspace.deleteFile(path);
      this.scheduleAnalysis();
    });
    connection.onCodeAction((params) => {
      const path = uriToPath(params.textDocument.uri);
      const findings = path ? (this.lastResult?.findings.get(path) ?? []) : [];
      const file = path ? this.workspace.getFile(path) : undefined;
      // A suppression comment is placed by the text analysed: not offered while the editor holds a newer one.
      const current = file && this.documents.get(params.textDocument.uri)?.getText() === file.yaml.text ? file.yaml : undefined;
      return codeActionsFor(
        findings,
        params.range,
        params.context.diagnostics,
        {
          toDiagnostic: (finding) => toDiagnostic(finding, this.docsBase),
          toUri: pathToUri,
        },
        current,
      );
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
    if (options.docsBaseUri) this.docsBase = options.docsBaseUri;
    // Red Hat's YAML extension completes and hovers by schema: then ours steps aside there, and only there. The
    // mesh's own completions and hovers (Gateway names, identity tables, trust) are nothing Red Hat can offer.
    if (options.schemaCompletionAndHover !== false) this.schemaService = new SchemaLanguageService();
    this.supportsConfiguration = !!params.capabilities.workspace?.configuration;
    this.supportsProgress = !!params.capabilities.window?.workDoneProgress;
    const folders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
    this.roots = folders.flatMap((f) => uriToPath(f.uri) ?? []);
    this.workspace = new Workspace(this.roots, { packTexts: true });
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
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
    if (this.indexing) return;
    if (this.analysisTimer) {
      clearTimeout(this.analysisTimer);
      this.analysisTimer = undefined;
      this.runAnalysis();
    } else if (this.inFlight) {
      this.finishAnalysis(this.inFlight);
    }
  }

  private async initialized(): Promise<void> {
    if (this.supportsConfiguration) {
      void this.connection.client.register(DidChangeConfigurationNotification.type, { section: ['istioMesh', 'files'] });
    }
    await this.reloadSettings();
  }

  private async fetchSettings(): Promise<ServerSettings> {
    if (!this.supportsConfiguration) return DEFAULT_SETTINGS;
    const [mesh, filesExclude] = (await this.connection.workspace.getConfiguration([{ section: 'istioMesh' }, { section: 'files.exclude' }])) as [
      unknown,
      Record<string, boolean> | null,
    ];
    return {
      ...normaliseSettings(mesh),
      filesExclude: Object.entries(filesExclude ?? {})
        .filter(([, on]) => on === true)
        .map(([glob]) => glob.replace(/^\*\*\//, '**/')),
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
    // An analysis of the old workspace would publish what the new one may no longer hold.
    this.inFlight = undefined;
    this.workspace = new Workspace(this.roots, { packTexts: true });
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
      if (path && isYamlFile(path) && !this.skipIfExcluded(path)) this.setOpenDocument(path, document.getText());
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
    this.logOpenDocumentSkip(path, 'limit', reason);
    this.workspace.setUnanalysedFile(path, reason);
  }

  /** An open document under istioMesh.exclude / files.exclude is left out as its file on disk is, and said so. */
  private skipIfExcluded(path: string): boolean {
    if (!this.isExcluded(path)) return false;
    this.logOpenDocumentSkip(path, 'excluded', EXCLUDED_REASON);
    return true;
  }

  /** Once per open document and kind of skip, not on every keystroke (a size in the reason changes with each). */
  private logOpenDocumentSkip(path: string, kind: 'excluded' | 'limit', reason: string): void {
    if (this.loggedSkips.get(path) === kind) return;
    this.loggedSkips.set(path, kind);
    this.log(`not analysing open document ${path}: ${reason}`);
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
      if (this.indexing) return;
      if (this.inFlight && performance.now() - this.inFlightSince > FINISH_AFTER_MS) this.analyseAfterInFlight = true;
      else this.startAnalysis();
    }, ANALYSIS_DELAY_MS);
  }

  /** Applies the open documents' latest texts and starts an analysis of the workspace as it is then. */
  private beginAnalysis(): Generator<void, AnalysisResult> {
    for (const [path, text] of this.pendingTexts) this.setOpenDocument(path, text);
    this.pendingTexts.clear();
    this.inFlight = this.analyzer.analysisSteps(this.workspace, { ...this.meshSettings(), rules: this.settings.rules });
    this.inFlightSince = performance.now();
    this.analyseAfterInFlight = false;
    return this.inFlight;
  }

  /**
   * Analyses in slices of at most ANALYSIS_SLICE_MS, yielding to the event loop between them: a change that
   * arrives meanwhile schedules a newer analysis, which supersedes (abandons) this one when it starts — unless
   * this one has run for FINISH_AFTER_MS, then the newer one starts when it is done.
   */
  private startAnalysis(): void {
    const steps = this.beginAnalysis();
    const slice = () => {
      if (this.inFlight !== steps) return;
      const started = performance.now();
      for (;;) {
        const step = steps.next();
        if (step.done) return this.completeAnalysis(step.value);
        if (performance.now() - started > ANALYSIS_SLICE_MS) return void setImmediate(slice);
      }
    };
    slice();
  }

  /** Runs an analysis in progress to its end at once (a request needs its result now). */
  private finishAnalysis(steps: Generator<void, AnalysisResult>): void {
    for (;;) {
      const step = steps.next();
      if (step.done) return this.completeAnalysis(step.value);
    }
  }

  /** Analyses the workspace at once, superseding any analysis in progress. */
  runAnalysis(): void {
    this.finishAnalysis(this.beginAnalysis());
  }

  private completeAnalysis(result: AnalysisResult): void {
    this.inFlight = undefined;
    this.lastResult = result;
    collectIndexingGarbage();
    // Open documents first (the file being typed in gets its diagnostics before the rest), each with its new
    // version; then only the files whose findings changed: a keystroke publishes what it affected.
    const openPaths = this.documents.all().flatMap((document) => uriToPath(document.uri) ?? []);
    const paths = new Set([...openPaths, ...result.changed, ...this.owedPublications]);
    this.owedPublications.clear();
    for (const path of paths) {
      // A document changed again since this analysis read it: its findings would go out with the newer version's
      // number and may point past its end. The analysis of the newer text (already scheduled) publishes it.
      if (this.pendingTexts.has(path)) this.owedPublications.add(path);
      else this.publish(path, result.findings.get(path));
    }
    if (this.analyseAfterInFlight) {
      this.analyseAfterInFlight = false;
      this.scheduleAnalysis();
    }
  }

  /** Sends a file's diagnostics unless the same were last sent for the same version; none once it is gone. */
  private publish(path: string, findings: readonly Finding[] | undefined): void {
    const uri = pathToUri(path);
    if (!findings) {
      if (this.published.delete(uri)) void this.connection.sendDiagnostics({ uri, diagnostics: [] });
      return;
    }
    const diagnostics = findings.map((f) => toDiagnostic(f, this.docsBase));
    // The version of an open document lets a client tell which text the diagnostics are about.
    const version = this.documents.get(uri)?.version;
    const key = JSON.stringify([version, diagnostics]);
    if (this.published.get(uri) === key) return;
    this.published.set(uri, key);
    void this.connection.sendDiagnostics({ uri, version, diagnostics });
  }
}

export function startServer(connection: Connection): IstioMeshServer {
  const server = new IstioMeshServer(connection);
  server.start();
  return server;
}

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { createMessageConnection, type MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { URI } from 'vscode-uri';

import { SERVER_BUNDLE } from './paths';

export interface Diagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity?: number;
  code?: string | number;
  codeDescription?: { href: string };
  message: string;
  source?: string;
  relatedInformation?: { location: { uri: string; range: Diagnostic['range'] }; message: string }[];
  data?: unknown;
}

export const fileUri = (path: string) => URI.file(path).toString();

/** Spawns the bundled server over stdio, as an editor does, and records what it publishes. */
export class LspTestClient {
  readonly diagnostics = new Map<string, Diagnostic[]>();
  readonly logs: string[] = [];
  private readonly versions = new Map<string, number>();
  /** The document version the last diagnostics of each URI were published for (open documents only). */
  readonly diagnosticsVersions = new Map<string, number | undefined>();
  private listeners: (() => void)[] = [];
  /** What the server answered to `initialize` (its capabilities). */
  initializeResult: { capabilities: Record<string, unknown> } | undefined;

  private constructor(
    readonly process: ChildProcess,
    readonly connection: MessageConnection,
    public settings: Record<string, unknown>,
    /** VS Code's `files.exclude` (glob → true), which the server reads beside istioMesh.exclude. */
    public filesExclude: Record<string, boolean> = {},
  ) {}

  static async start(
    roots: string[],
    options: { settings?: Record<string, unknown>; filesExclude?: Record<string, boolean>; initializationOptions?: Record<string, unknown> } = {},
  ): Promise<LspTestClient> {
    const child = spawn(process.execPath, [SERVER_BUNDLE, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new LspTestClient(child, connection, options.settings ?? {}, options.filesExclude ?? {});
    child.stderr!.on('data', (chunk) => client.logs.push(String(chunk)));
    connection.onNotification('textDocument/publishDiagnostics', (params: { uri: string; version?: number; diagnostics: Diagnostic[] }) => {
      client.diagnostics.set(params.uri, params.diagnostics);
      client.diagnosticsVersions.set(params.uri, params.version);
      for (const listener of client.listeners) listener();
    });
    connection.onNotification('window/logMessage', (params: { message: string }) => client.logs.push(params.message));
    connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) =>
      params.items.map((item) => {
        const section = item.section ?? '';
        if (section === 'istioMesh') return client.settings;
        if (section === 'files.exclude') return client.filesExclude;
        return null;
      }),
    );
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onNotification('$/progress', () => {});
    connection.listen();
    client.initializeResult = await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: roots[0] ? fileUri(roots[0]) : null,
      workspaceFolders: roots.map((root) => ({ uri: fileUri(root), name: root })),
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, workspaceFolders: true },
        textDocument: { publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true }, hover: {}, completion: {}, codeAction: {} },
        window: { workDoneProgress: true },
      },
      initializationOptions: options.initializationOptions ?? {},
    });
    await connection.sendNotification('initialized', {});
    return client;
  }

  /** Resolves when `predicate` holds for the diagnostics published for `path`. */
  waitForDiagnostics(path: string, predicate: (diagnostics: Diagnostic[]) => boolean, timeoutMs = 10000): Promise<Diagnostic[]> {
    const uri = fileUri(path);
    return new Promise((resolve, reject) => {
      const check = () => {
        const current = this.diagnostics.get(uri);
        if (current && predicate(current)) {
          this.listeners = this.listeners.filter((l) => l !== check);
          clearTimeout(timer);
          resolve(current);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== check);
        reject(new Error(`timed out waiting for diagnostics of ${path}; last: ${JSON.stringify(this.diagnostics.get(uri))}`));
      }, timeoutMs);
      if (!check()) this.listeners.push(check);
    });
  }

  open(path: string, text = readFileSync(path, 'utf8')): void {
    const uri = fileUri(path);
    this.versions.set(uri, 1);
    void this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  }

  /** Replaces a range of an open document, as typing does. */
  edit(path: string, range: Diagnostic['range'], text: string): void {
    const uri = fileUri(path);
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    void this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text }] });
  }

  /** The version of an open document after the last open or edit. */
  version(path: string): number | undefined {
    return this.versions.get(fileUri(path));
  }

  close(path: string): void {
    void this.connection.sendNotification('textDocument/didClose', { textDocument: { uri: fileUri(path) } });
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.connection.sendRequest(method, params) as Promise<T>;
  }

  notify(method: string, params: unknown): void {
    void this.connection.sendNotification(method, params);
  }

  /** What VS Code's file watcher sends when files change on disk (1 created, 2 changed, 3 deleted). */
  filesChanged(...changes: { path: string; type: 1 | 2 | 3 }[]): void {
    this.notify('workspace/didChangeWatchedFiles', { changes: changes.map((c) => ({ uri: fileUri(c.path), type: c.type })) });
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      void this.connection.sendNotification('exit');
    } finally {
      this.connection.dispose();
      setTimeout(() => this.process.kill(), 500).unref();
    }
  }
}

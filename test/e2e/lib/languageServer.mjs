// Asks the bundled language server directly (started the way the extension starts it) what it offers, so that a
// scenario for a feature that has not landed yet skips with a clear reason instead of failing on a missing widget.
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

import rpc from 'vscode-jsonrpc/node.js';

const REQUEST_TIMEOUT_MS = 15_000;

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`the language server did not answer ${what} in 15 s`)), REQUEST_TIMEOUT_MS)),
  );
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class LanguageServerProbe {
  constructor(child, connection, capabilities) {
    this.child = child;
    this.connection = connection;
    this.capabilities = capabilities;
    this.version = 0;
  }

  static async start(serverBundle, folder, initializationOptions) {
    const child = spawn(process.execPath, [serverBundle, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const connection = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
    connection.onRequest(() => null);
    connection.onNotification(() => {});
    connection.listen();
    const folderUri = pathToFileURL(folder).href;
    try {
      const result = await withTimeout(
        connection.sendRequest('initialize', {
          processId: process.pid,
          rootUri: folderUri,
          workspaceFolders: [{ uri: folderUri, name: 'workspace' }],
          capabilities: {},
          initializationOptions,
        }),
        'initialize',
      );
      await connection.sendNotification('initialized', {});
      return new LanguageServerProbe(child, connection, result.capabilities ?? {});
    } catch (error) {
      connection.dispose();
      child.kill('SIGTERM');
      throw error;
    }
  }

  open(path, text) {
    this.version += 1;
    void this.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri: pathToFileURL(path).href, languageId: 'yaml', version: this.version, text },
    });
  }

  /** Completion labels at a 1-based position of `text` (opened as the file at `path`). */
  async completionLabels(path, text, line, column) {
    if (!this.capabilities.completionProvider) return [];
    this.open(path, text);
    const result = await withTimeout(
      this.connection.sendRequest('textDocument/completion', {
        textDocument: { uri: pathToFileURL(path).href },
        position: { line: line - 1, character: column - 1 },
      }),
      'completion',
    );
    const items = Array.isArray(result) ? result : (result?.items ?? []);
    return items.map((item) => item.label);
  }

  /** The hover's text at a 1-based position, or '' when the server has none. */
  async hoverText(path, text, line, column) {
    if (!this.capabilities.hoverProvider) return '';
    this.open(path, text);
    const result = await withTimeout(
      this.connection.sendRequest('textDocument/hover', {
        textDocument: { uri: pathToFileURL(path).href },
        position: { line: line - 1, character: column - 1 },
      }),
      'hover',
    );
    const contents = result?.contents;
    if (!contents) return '';
    const parts = Array.isArray(contents) ? contents : [contents];
    return parts.map((part) => (typeof part === 'string' ? part : (part.value ?? ''))).join('\n');
  }

  stop() {
    this.connection.dispose();
    this.child.kill('SIGTERM');
  }
}

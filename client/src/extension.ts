import * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions, TransportKind } from 'vscode-languageclient/node';

import { registerApplyCommands } from './commands';
import { registerRunbookCommand } from './commands/runbook';
import { registerTopologyPicture } from './topology';
import { registerMeshView } from './view';

export const RED_HAT_YAML = 'redhat.vscode-yaml';
let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.stdio },
    debug: { module: serverModule, transport: TransportKind.stdio, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const output = vscode.window.createOutputChannel('Istio Mesh', { log: true });
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'yaml' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml}') },
    outputChannel: output,
    middleware: {
      // The lenses above control plane installs can be turned off (istioMesh.codeLens).
      provideCodeLenses: (document, token, next) =>
        vscode.workspace.getConfiguration('istioMesh', document.uri).get<boolean>('codeLens', true) ? next(document, token) : [],
    },
    initializationOptions: {
      docsBaseUri: vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules').toString() + '/',
      // Red Hat's YAML extension already completes and hovers by schema: with it installed, ours stay off.
      schemaCompletionAndHover: !vscode.extensions.getExtension(RED_HAT_YAML),
    },
  };
  client = new LanguageClient('istioMesh', 'Istio Mesh', serverOptions, clientOptions);
  context.subscriptions.push(output);
  await client.start();
  registerApplyCommands(context, client);
  registerRunbookCommand(context, client);
  registerMeshView(context, client);
  registerTopologyPicture(context, client);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

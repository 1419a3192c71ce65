import { format } from 'node:util';

import { IPCMessageReader, IPCMessageWriter, type MessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { type Connection, createConnection, ProposedFeatures } from 'vscode-languageserver/node';

import { WorkspaceSecrets } from '../security/secrets';
import { redactingWriter } from './redaction';
import { type IstioMeshServer, startServer } from './server';

const secrets = new WorkspaceSecrets();
// Not const: the redactor reads it (still undefined) while startServer runs, before the assignment below.
// eslint-disable-next-line prefer-const
let server: IstioMeshServer | undefined;

const currentRedactor = () => (server ? secrets.redactorFor(server.workspace) : undefined);

/** The transports VS Code starts us with; other ones (socket, pipe) get the library's own handling. */
function createRedactingConnection(): { connection: Connection; stdio: boolean } {
  const argv = process.argv.slice(2);
  if (argv.includes('--stdio')) {
    // The library takes the raw stdin stream (typed as a reader): given a stream, it also exits when stdin closes.
    const input = process.stdin as unknown as MessageReader;
    return {
      connection: createConnection(ProposedFeatures.all, input, redactingWriter(new StreamMessageWriter(process.stdout), currentRedactor)),
      stdio: true,
    };
  }
  if (argv.includes('--node-ipc')) {
    return {
      connection: createConnection(ProposedFeatures.all, new IPCMessageReader(process), redactingWriter(new IPCMessageWriter(process), currentRedactor)),
      stdio: false,
    };
  }
  return { connection: createConnection(ProposedFeatures.all), stdio: false };
}

const { connection, stdio } = createRedactingConnection();
if (stdio) {
  // stdout carries the protocol: console output goes to the client's log (redacted) instead.
  console.log = console.info = console.debug = (...args: unknown[]) => connection.console.log(format(...args));
  console.warn = (...args: unknown[]) => connection.console.warn(format(...args));
  console.error = (...args: unknown[]) => connection.console.error(format(...args));
}
// A bug on some input must not take the server down while the user types: log it (redacted) and carry on.
process.on('uncaughtException', (error) => {
  // The client is gone (stdout closed): there is nobody to log to or work for.
  if ((error as NodeJS.ErrnoException).code === 'EPIPE') process.exit(1);
  connection.console.error(`internal error: ${error.stack ?? error}`);
});
process.on('unhandledRejection', (reason) => connection.console.error(`internal error: ${(reason as Error)?.stack ?? reason}`));
server = startServer(connection);

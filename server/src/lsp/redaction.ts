import type { Message, MessageWriter } from 'vscode-jsonrpc/node';

import type { SecretRedactor } from '../security/secrets';

/**
 * Wraps the transport's writer so every message the server sends (diagnostics, hovers, completions, log
 * lines, errors) has the workspace's credentials replaced with `<redacted>`: one place for every feature,
 * including the ones written later.
 */
export function redactingWriter(inner: MessageWriter, currentRedactor: () => SecretRedactor | undefined): MessageWriter {
  return {
    write: (message: Message) => inner.write(currentRedactor()?.redactDeep(message) ?? message),
    onError: inner.onError,
    onClose: inner.onClose,
    end: () => inner.end(),
    dispose: () => inner.dispose(),
  };
}

import type { SecretRedactor } from '../security/secrets';

/**
 * Redaction of anything Istio Mesh prints about a kubectl/istioctl call: arguments, stdout, stderr. kubectl
 * itself masks Secret data in diffs and `config view`; this is the second line, for what it does not know.
 */

export const REDACTED = '[REDACTED]';

/** Keys whose values are credentials wherever they appear (`key: value`, `key=value`, `"key":"value"`). */
const CREDENTIAL_KEY = String.raw`(?:token|password|passwd|secret|client-key-data|client-certificate-data|certificate-authority-data|id-token|refresh-token|access-token|tls\.key|ca-key\.pem|key\.pem)`;
const KEY_VALUE = new RegExp(String.raw`(["']?\b${CREDENTIAL_KEY}["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,}]+)`, 'gi');
const FLAG_VALUE = /(--(?:token|password|client-key|as-uid)(?:=|\s+))(\S+)/gi;
const BEARER = /(\bBearer\s+)[A-Za-z0-9._~+/=-]+/g;
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g;
/** A bare base64 run long enough to be key material rather than a word. */
const LONG_BASE64 = /\b[A-Za-z0-9+/]{80,}={0,2}/g;

/**
 * Replaces credentials in `text`: known ones (the values of Secrets being applied, via `known`), then
 * anything that looks like one by its shape.
 */
export function redact(text: string, known?: SecretRedactor): string {
  return (known ? known.redact(text) : text)
    .replace(PEM_BLOCK, `${REDACTED} (PEM block)`)
    .replace(BEARER, `$1${REDACTED}`)
    .replace(FLAG_VALUE, `$1${REDACTED}`)
    .replace(KEY_VALUE, (_match, key: string, value: string) => (value.startsWith('[') || value.startsWith('<') ? `${key}${value}` : `${key}${REDACTED}`))
    .replace(LONG_BASE64, REDACTED);
}

/**
 * Quotes an argument for a POSIX shell, for commands shown to copy (never run through a shell by us). Plain
 * words stay as they are, so the common case reads naturally.
 */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(program: string, args: readonly string[]): string {
  return [program, ...args].map(shellQuote).join(' ');
}

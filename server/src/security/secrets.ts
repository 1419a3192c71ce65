import * as jsYaml from 'js-yaml';

import type { Workspace } from '../engine/workspace';
import { rememberedByText, sharedString } from '../parse/compact';
import { decodeBase64 } from '../resources/remoteSecret';
import { isPlaceholder, isRecord } from '../resources/resource';
import type { WorkspaceFile } from '../resources/workspaceFile';

/** What is shown instead of a credential, wherever one would be printed. */
export const REDACTED = '<redacted>';

/** Shorter values are not matched: they would hit ordinary words, and guessing them needs no leak. */
const MIN_SECRET_LENGTH = 6;
/**
 * Message fields that name a document rather than say something about it. A file name may contain a word that is
 * also a secret's value (a password `cluster1` in `istio-remote-secret-cluster1.yaml`); redacting it there would
 * send diagnostics to a document that does not exist, and the user already knows the file's name.
 */
const DOCUMENT_IDENTIFIERS = new Set(['uri', 'targetUri']);
/**
 * Longer secrets are matched by any fragment of this many characters, so a secret that is truncated,
 * wrapped or quoted in part is still caught, not only a verbatim copy.
 */
const FRAGMENT_LENGTH = 12;
/** The Secret fields whose values are credentials. */
const SECRET_DATA_FIELDS = ['data', 'stringData'] as const;
/** Base64 that may hide a PEM key or certificate (`client-key-data`, `ca.crt` in `data`). */
const BASE64 = /^[A-Za-z0-9+/=\s]+$/;
/** Decoded text worth matching is printable: binary keys decode to noise that is never printed as text. */
const PRINTABLE = /^[\t\n\r\x20-\x7e\u00a0-\uffef]*$/;

/** Every scalar under `value`, as text; iterative, and shared (aliased) nodes are read once. */
function scalarLeaves(value: unknown, out: string[]): void {
  const seen = new Set<object>();
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node === 'string') out.push(node);
    else if (typeof node === 'number' || typeof node === 'bigint') out.push(String(node));
    else if (typeof node === 'object' && node !== null && !seen.has(node)) {
      seen.add(node);
      pending.push(...(Array.isArray(node) ? node : Object.values(node)));
    }
  }
}

function looksLikeKubeconfig(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && (value.kind === 'Config' || Array.isArray(value.users) || (Array.isArray(value.clusters) && Array.isArray(value.contexts)));
}

/** Credentials as written, plus the text inside the ones that are base64 of text (`client-key-data` holds a PEM key). */
function withDecodedForms(values: string[], out: string[]): void {
  for (const value of values) {
    out.push(value);
    if (value.length < FRAGMENT_LENGTH || !BASE64.test(value)) continue;
    const decoded = decodeBase64(value);
    if (decoded && PRINTABLE.test(decoded)) out.push(decoded);
  }
}

/** A kubeconfig's credentials: everything about its users (tokens, keys, passwords, exec and auth-provider configs) and CA data. */
function kubeconfigCredentials(config: Record<string, unknown>, out: string[]): void {
  const found: string[] = [];
  for (const entry of Array.isArray(config.users) ? config.users : []) {
    if (isRecord(entry)) scalarLeaves(entry.user, found);
  }
  for (const entry of Array.isArray(config.clusters) ? config.clusters : []) {
    if (isRecord(entry) && isRecord(entry.cluster)) scalarLeaves(entry.cluster['certificate-authority-data'], found);
  }
  withDecodedForms(found, out);
}

/** The credentials inside one Secret value (a `stringData` value, or a decoded `data` value). */
function readCredentialsInSecretValue(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = jsYaml.load(text);
  } catch {
    parsed = undefined;
  }
  const found: string[] = [];
  if (looksLikeKubeconfig(parsed)) kubeconfigCredentials(parsed, found);
  // Other structured values (a config file kept in a Secret): their values, not their keys and layout.
  else if (typeof parsed === 'object' && parsed !== null) {
    const leaves: string[] = [];
    scalarLeaves(parsed, leaves);
    withDecodedForms(leaves, found);
  }
  // A PEM block, a token, a password: all of it.
  else found.push(text);
  // Flat copies, shared by every equal credential: a slice of what js-yaml read keeps that whole text alive, and
  // a workspace keeps every file's credentials (a multi-primary mesh of 200 clusters: 39,800 kubeconfigs, 120 MB).
  return found.map(sharedString);
}

/**
 * Per Secret value as written (a `stringData` value, or the base64 of a `data` value): the value is a string the
 * document already holds, so remembering it costs no copy, where a decoded text would.
 */
const credentialsInStringData = rememberedByText(readCredentialsInSecretValue, 4096);
const credentialsInData = rememberedByText((base64) => {
  const decoded = decodeBase64(base64);
  return decoded === undefined ? [] : readCredentialsInSecretValue(decoded);
}, 4096);

/**
 * An Argo CD cluster Secret registers a cluster: its `name` and `server` are the cluster's name and API
 * address (what ApplicationSets and findings name), and only its `config` holds credentials.
 */
const ARGO_CLUSTER_PUBLIC_KEYS = new Set(['name', 'server', 'project', 'namespaces', 'clusterResources']);

function isArgoClusterSecret(value: Record<string, unknown>): boolean {
  const labels = isRecord(value.metadata) && isRecord(value.metadata.labels) ? value.metadata.labels : {};
  return labels['argocd.argoproj.io/secret-type'] === 'cluster';
}

/** The credentials one parsed YAML document holds: a Secret's values, or a kubeconfig's credentials. */
export function credentialsInDocument(value: unknown): string[] {
  if (!isRecord(value)) return [];
  const found: string[] = [];
  if (looksLikeKubeconfig(value)) kubeconfigCredentials(value, found);
  if (value.kind === 'Secret') {
    for (const field of SECRET_DATA_FIELDS) {
      const data = value[field];
      if (!isRecord(data)) continue;
      for (const [key, raw] of Object.entries(data)) {
        if (typeof raw !== 'string' || isPlaceholder(raw)) continue;
        if (isArgoClusterSecret(value) && ARGO_CLUSTER_PUBLIC_KEYS.has(key)) continue;
        if (field === 'data') {
          // The base64 as written; what it decodes to is read for its credentials, not matched whole.
          found.push(raw, ...credentialsInData(raw));
        } else {
          found.push(...credentialsInStringData(raw));
        }
      }
    }
  }
  return found;
}

/** PEM armor (`-----BEGIN CERTIFICATE-----`) is the same in every PEM file: public, and often named in messages. */
const PEM_ARMOR = /^-----(BEGIN|END) [A-Z0-9 ]+-----$/;

/**
 * The pieces a credential is matched by: its lines (a multi-line value is printed whole or line by line, and
 * fragments of each line are matched), without PEM armor and without placeholders.
 */
function matchableForms(secret: string): string[] {
  return secret
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= MIN_SECRET_LENGTH && !PEM_ARMOR.test(line) && !isPlaceholder(line));
}

/**
 * Every 12-character window of the credentials, as a sorted array of 52-bit fingerprints: two polynomial hashes
 * modulo 26-bit primes, rolled along a text in one pass. A workspace of 200 clusters has about 400,000 windows;
 * as strings in a Set they took 20 MB of the language server's heap, as fingerprints they take 8 bytes each.
 * Two different windows share a fingerprint with a chance of about one in 2^52: at worst a few harmless characters
 * are redacted, never a credential missed.
 */
class WindowFingerprints {
  private static readonly PRIMES = [67108859, 67108837] as const;
  private static readonly BASES = [131071, 92821] as const;
  /** BASE^(FRAGMENT_LENGTH-1) mod PRIME: what the character leaving a window contributed to its hash. */
  private static readonly LEAVING = WindowFingerprints.PRIMES.map((prime, i) => {
    let power = 1;
    for (let step = 1; step < FRAGMENT_LENGTH; step++) power = (power * WindowFingerprints.BASES[i]) % prime;
    return power;
  });

  private constructor(private readonly sorted: Float64Array) {}

  static of(texts: readonly string[]): WindowFingerprints {
    const all: number[] = [];
    for (const text of texts) WindowFingerprints.each(text, (fingerprint) => all.push(fingerprint));
    const sorted = Float64Array.from(all).sort();
    let unique = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[unique - 1]) sorted[unique++] = sorted[i];
    return new WindowFingerprints(sorted.slice(0, unique));
  }

  /** The fingerprints of both, as one sorted list: merging costs what the lists hold, not what their texts did. */
  static merged(a: WindowFingerprints, b: WindowFingerprints): WindowFingerprints {
    const x = a.sorted;
    const y = b.sorted;
    const sorted = new Float64Array(x.length + y.length);
    let i = 0;
    let j = 0;
    let size = 0;
    while (i < x.length || j < y.length) {
      const next = j >= y.length || (i < x.length && x[i] <= y[j]) ? x[i++] : y[j++];
      if (size === 0 || sorted[size - 1] !== next) sorted[size++] = next;
    }
    return new WindowFingerprints(sorted.slice(0, size));
  }

  get size(): number {
    return this.sorted.length;
  }

  /** Calls `found` with the start of every window of `text` that is a window of a credential. */
  hitsIn(text: string, found: (start: number) => void): void {
    WindowFingerprints.each(text, (fingerprint, start) => {
      if (this.has(fingerprint)) found(start);
    });
  }

  private has(fingerprint: number): boolean {
    let low = 0;
    let high = this.sorted.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = this.sorted[middle];
      if (value === fingerprint) return true;
      if (value < fingerprint) low = middle + 1;
      else high = middle - 1;
    }
    return false;
  }

  /** The fingerprint of each window of `text`, with the window's start. */
  private static each(text: string, visit: (fingerprint: number, start: number) => void): void {
    const [p1, p2] = WindowFingerprints.PRIMES;
    const [b1, b2] = WindowFingerprints.BASES;
    const [leaving1, leaving2] = WindowFingerprints.LEAVING;
    let h1 = 0;
    let h2 = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (i >= FRAGMENT_LENGTH) {
        const gone = text.charCodeAt(i - FRAGMENT_LENGTH);
        h1 = (h1 + p1 - ((gone * leaving1) % p1)) % p1;
        h2 = (h2 + p2 - ((gone * leaving2) % p2)) % p2;
      }
      h1 = (h1 * b1 + code) % p1;
      h2 = (h2 * b2 + code) % p2;
      if (i >= FRAGMENT_LENGTH - 1) visit(h1 * 2 ** 26 + h2, i - FRAGMENT_LENGTH + 1);
    }
  }
}

/** Replaces every known credential (or a fragment of one) in text with `<redacted>`. */
export class SecretRedactor {
  /** The distinct credentials, to tell what a newer set of them adds (see `updated`). */
  private readonly secrets: ReadonlySet<string>;
  /** Matchable forms not fingerprinted yet; fingerprinted on first use, then dropped. */
  private forms: string[] | undefined;
  /** A redactor whose fingerprints this one extends with `forms`; dropped once they are merged. */
  private extending: SecretRedactor | undefined;
  private fragments: WindowFingerprints | undefined;
  private readonly shortSecrets = new Set<string>();
  readonly isEmpty: boolean;

  /** `extending`: a redactor for some of `secrets` and no others (see `updated`), whose fingerprints are reused. */
  constructor(secrets: Iterable<string>, extending?: SecretRedactor) {
    // A remote secret is applied to every cluster that reads its cluster: the same credential is in many files,
    // and fragmenting each copy again would cost time proportional to the copies, not to the credentials.
    this.secrets = new Set(secrets);
    const forms: string[] = [];
    for (const secret of this.secrets) if (!extending?.secrets.has(secret)) forms.push(...matchableForms(secret));
    this.forms = forms;
    this.extending = extending;
    // Every form is matched, as a short secret or by its windows: none, and there is nothing to redact.
    this.isEmpty = forms.length === 0 && (extending?.isEmpty ?? true);
  }

  /**
   * A redactor for `secrets`, which fingerprints only the credentials `previous` lacks when it has no others. A
   * workspace being indexed gains credentials slice by slice, and each message sent meanwhile is redacted with all
   * of them: fingerprinting them all again each time took 4 s of a 200-cluster cold start.
   */
  static updated(previous: SecretRedactor | undefined, secrets: Iterable<string>): SecretRedactor {
    const distinct = new Set(secrets);
    if (!previous || [...previous.secrets].some((secret) => !distinct.has(secret))) return new SecretRedactor(distinct);
    return distinct.size === previous.secrets.size ? previous : new SecretRedactor(distinct, previous);
  }

  /**
   * Fingerprints the credentials when the first text is redacted: a CLI run that prints nothing (no findings, no
   * notes) never needs them, and they take a large share of a run over hundreds of kubeconfigs.
   */
  private fragmentForms(): WindowFingerprints {
    if (this.forms === undefined) return this.fragments!;
    const long: string[] = [];
    for (const form of this.forms) {
      if (form.length < FRAGMENT_LENGTH) this.shortSecrets.add(form);
      else long.push(form);
    }
    const own = WindowFingerprints.of(long);
    if (this.extending) {
      this.fragments = WindowFingerprints.merged(this.extending.fragmentForms(), own);
      for (const secret of this.extending.shortSecrets) this.shortSecrets.add(secret);
    } else {
      this.fragments = own;
    }
    this.forms = undefined;
    this.extending = undefined;
    return this.fragments;
  }

  redact(text: string): string {
    if (this.isEmpty || text.length < MIN_SECRET_LENGTH) return text;
    const fragments = this.fragmentForms();
    const hits: [number, number][] = [];
    if (fragments.size > 0) fragments.hitsIn(text, (start) => hits.push([start, start + FRAGMENT_LENGTH]));
    for (const secret of this.shortSecrets) {
      for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1)) hits.push([at, at + secret.length]);
    }
    if (hits.length === 0) return text;
    hits.sort((a, b) => a[0] - b[0]);
    let result = '';
    let copiedUpTo = 0;
    let [start, end] = hits[0];
    for (const [hitStart, hitEnd] of [...hits.slice(1), [Infinity, Infinity] as [number, number]]) {
      if (hitStart <= end) {
        end = Math.max(end, hitEnd);
        continue;
      }
      result += text.slice(copiedUpTo, start) + REDACTED;
      copiedUpTo = end;
      [start, end] = [hitStart, hitEnd];
    }
    return result + text.slice(copiedUpTo);
  }

  /** A copy of a JSON-like value (a protocol message, CLI output) with every string redacted. */
  redactDeep<T>(value: T): T {
    if (this.isEmpty) return value;
    const walk = (node: unknown): unknown => {
      if (typeof node === 'string') return this.redact(node);
      if (Array.isArray(node)) return node.map(walk);
      if (isRecord(node)) return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, DOCUMENT_IDENTIFIERS.has(key) ? child : walk(child)]));
      return node;
    };
    return walk(value) as T;
  }
}

/**
 * The credentials of a workspace, kept current as files change: each file is read once per version of its
 * text, and the redactor is rebuilt only when the credentials changed — a keystroke changes a file, rarely a
 * credential, and the redactor costs time in proportion to every credential of the workspace.
 */
export class WorkspaceSecrets {
  private readonly byFile = new WeakMap<WorkspaceFile, string[]>();
  private current: { workspace: Workspace; generation: number; redactor: SecretRedactor; secretsByPath: Map<string, string[]> } | undefined;

  redactorFor(workspace: Workspace): SecretRedactor {
    const current = this.current;
    if (current?.workspace === workspace && current.generation === workspace.generation) return current.redactor;
    const secretsByPath = new Map<string, string[]>();
    for (const file of workspace.allFiles()) {
      const secrets = this.secretsOf(file);
      if (secrets.length > 0) secretsByPath.set(file.path, secrets);
    }
    const unchanged = current !== undefined && sameSecrets(current.secretsByPath, secretsByPath);
    const redactor = unchanged ? current.redactor : SecretRedactor.updated(current?.redactor, [...secretsByPath.values()].flat());
    this.current = { workspace, generation: workspace.generation, redactor, secretsByPath };
    return redactor;
  }

  private secretsOf(file: WorkspaceFile): string[] {
    let secrets = this.byFile.get(file);
    if (!secrets) {
      secrets = file.yaml.documents.flatMap((doc) => credentialsInDocument(doc.value));
      this.byFile.set(file, secrets);
    }
    return secrets;
  }
}

function sameSecrets(before: ReadonlyMap<string, string[]>, after: ReadonlyMap<string, string[]>): boolean {
  if (before.size !== after.size) return false;
  for (const [path, secrets] of after) {
    const previous = before.get(path);
    if (previous === secrets) continue;
    if (!previous || previous.length !== secrets.length || previous.some((secret, i) => secret !== secrets[i])) return false;
  }
  return true;
}

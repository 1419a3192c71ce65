import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/*
 * Memory of a large workspace. A language server holds every document of every file at once (160,000 documents
 * in a 200-cluster mesh), so what each one costs is multiplied by that much. See docs/performance.md, "Round 3".
 */

/**
 * The same string, flat and shared with every equal string: V8's string table holds one copy (and forgets it
 * when nothing uses it any more). A value js-yaml read is a slice of its own copy of the document's text, which
 * would otherwise stay alive as long as any value longer than a few characters does.
 */
export function sharedString(text: string): string {
  const holder: Record<string, true> = { [text]: true };
  // A property key is internalised: the key read back is the string table's copy.
  for (const key in holder) return key;
  return text;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** True for a value JSON carries unchanged: plain objects, arrays, strings, finite numbers (not -0), booleans, null. */
function isJsonValue(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(isJsonValue);
      return isPlainObject(value) && Object.values(value).every(isJsonValue);
    default:
      return false;
  }
}

function replaceValue(object: Record<string, unknown>, key: string, value: unknown): void {
  // `__proto__` is an own data property of a loaded mapping; plain assignment would set the prototype.
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

/**
 * Shares every string of a value at least `minLength` long, in place (see sharedString); arrays are kept, so a
 * JSON-parsed one stays exact.
 */
function shareStrings(value: unknown, minLength: number): unknown {
  if (typeof value === 'string') return value.length >= minLength ? sharedString(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = shareStrings(value[i], minLength);
    return value;
  }
  if (!isPlainObject(value)) return value;
  for (const key of Object.keys(value)) {
    const shared = shareStrings(value[key], minLength);
    if (shared !== value[key]) replaceValue(value, key, shared);
  }
  return value;
}

/** JSON.parse already shares the strings this short (V8 internalises them as it does keys). */
const JSON_SHARES_UP_TO = 10;

/**
 * A loaded YAML value made compact. js-yaml builds a mapping by adding keys to `{}`, which leaves room for
 * four (a one-key mapping costs 56 bytes), and a list by pushing, which leaves room for 17; JSON.parse sizes
 * both exactly (32 bytes for the same mapping). So a value that JSON carries unchanged is copied through JSON;
 * any other (a timestamp, `.inf`) gets exact-length arrays. Strings are shared either way.
 * Only for a tree (a value loaded without aliases): a value shared by two aliases would be copied twice.
 */
export function compactValue(value: unknown): unknown {
  if (isJsonValue(value)) return shareStrings(JSON.parse(JSON.stringify(value)), JSON_SHARES_UP_TO + 1);
  return shareStrings(withExactArrays(value), 0);
}

function withExactArrays(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(withExactArrays);
  if (!isPlainObject(value)) return value;
  for (const key of Object.keys(value)) {
    const exact = withExactArrays(value[key]);
    if (exact !== value[key]) replaceValue(value, key, exact);
  }
  return value;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Values kept for the keys used last, most recent last: a bounded memo. Bounded, because a server sees every
 * version of a file, document or value that is typed.
 */
export class RecentlyUsed<K, V> {
  private readonly byKey = new Map<K, V>();

  constructor(private readonly limit: number) {}

  /** The value kept for `key`, or `make`'s, which is kept from then on. */
  get(key: K, make: (key: K) => V): V {
    let value: V;
    if (this.byKey.has(key)) {
      value = this.byKey.get(key)!;
      this.byKey.delete(key);
    } else {
      value = make(key);
    }
    return this.set(key, value);
  }

  set(key: K, value: V): V {
    this.byKey.delete(key);
    this.byKey.set(key, value);
    if (this.byKey.size > this.limit) this.byKey.delete(this.byKey.keys().next().value!);
    return value;
  }
}

/** Texts unpacked lately: a rule reporting several findings in one file unpacks it once. */
const recentlyUnpacked = new RecentlyUsed<PackedText, string>(16);

function deflated(text: string): Uint8Array {
  // A copy of exactly its length: zlib's result sits in a buffer of at least its 16 kB chunk size.
  return new Uint8Array(deflateRawSync(Buffer.from(text, 'utf8'), { level: 1 }));
}

/** The size of SharedByText's record of texts seen (1 MB). */
const SEEN_BITS = 1 << 23;

/**
 * What is made from a text (its loaded value, its packed bytes), shared by every copy of the text for as long as
 * something holds it. Meshes repeat documents per cluster: a multi-primary mesh of 200 clusters applies each
 * cluster's remote secret to the 199 others (39,800 documents of 200 texts), and an application's Service is
 * often the same in every cluster. What is shared must never be mutated.
 *
 * Only a text seen before is entered: an entry costs about 170 bytes, more than many a document's value, and
 * most texts of a workspace are written once.
 */
class SharedByText<T> {
  private readonly byDigest = new Map<string, WeakRef<T & object>>();
  private readonly forget = new FinalizationRegistry<string>((key) => {
    if (this.byDigest.get(key)?.deref() === undefined) this.byDigest.delete(key);
  });
  /**
   * One bit per 23-bit part of the digest of each text made lately, where a Set of 200,000 numbers would cost
   * 6 MB. Two texts with the same part only enter the second text early.
   */
  private readonly seen = new Uint32Array(SEEN_BITS / 32);
  private seenCount = 0;

  get(text: string, make: (text: string) => T): T {
    // A digest no two texts of a workspace share by chance, whoever wrote them: a wrong value or text would be wrong findings and ranges.
    const digest = createHash('sha256').update(text).digest();
    const key = digest.toString('base64');
    const known = this.byDigest.get(key)?.deref();
    if (known !== undefined) return known;
    const made = make(text);
    if (typeof made === 'object' && made !== null && this.seenBefore(digest.readUInt32LE(0) >>> 9)) {
      this.byDigest.set(key, new WeakRef(made));
      this.forget.register(made, key);
    }
    return made;
  }

  /** Whether a text with this part of its digest was made before (see `seen`). */
  private seenBefore(part: number): boolean {
    const word = part >>> 5;
    const bit = 1 << (part & 31);
    if (this.seen[word] & bit) return true;
    // A server parses every version of a file that is typed: once a quarter of the bits are set, start again.
    if (++this.seenCount > SEEN_BITS / 4) {
      this.seen.fill(0);
      this.seenCount = 1;
    }
    this.seen[word] |= bit;
    return false;
  }
}

/**
 * Documents at least this long are packed on their own, to be shared with their copies in other files (see
 * SharedByText). Shorter ones are packed with their neighbours: a short text deflates poorly on its own.
 */
const LONG_DOCUMENT_LENGTH = 1024;

/** Loaded values of documents: equal texts load to equal values. */
export const sharedValues = new SharedByText<unknown>();
const sharedPackedDocuments = new SharedByText<Uint8Array>();

/** Where a file's documents start and end, in its text. */
export interface DocumentBounds {
  readonly startOffset: number;
  readonly endOffset: number;
}

/**
 * A file's text kept deflated (YAML packs 10–15×). Once a file is parsed its text is needed only to resolve
 * ranges for findings, hovers and fixes, so most files' texts are never unpacked again. Exact, unlike reading
 * the file from disk again, which may have changed since. Long documents are packed on their own and shared with
 * their copies in other files (see SharedByText); the rest of the text in runs between them.
 */
export class PackedText {
  private readonly parts: Uint8Array[] = [];

  /** Only for well-formed text: UTF-8 has no encoding for a lone surrogate (see `canPack`). */
  constructor(text: string, documents: readonly DocumentBounds[] = []) {
    let packedUpTo = 0;
    for (const { startOffset, endOffset } of documents) {
      if (endOffset - startOffset < LONG_DOCUMENT_LENGTH) continue;
      if (startOffset > packedUpTo) this.parts.push(deflated(text.slice(packedUpTo, startOffset)));
      // A document packed on its own deflates less well than in its file, so only long ones are, to be shared.
      this.parts.push(sharedPackedDocuments.get(text.slice(startOffset, endOffset), deflated));
      packedUpTo = endOffset;
    }
    if (packedUpTo < text.length || this.parts.length === 0) this.parts.push(deflated(text.slice(packedUpTo)));
    recentlyUnpacked.set(this, text);
  }

  static canPack(text: string): boolean {
    return !LONE_SURROGATE.test(text);
  }

  get text(): string {
    return recentlyUnpacked.get(this, () => this.parts.map((part) => inflateRawSync(part).toString('utf8')).join(''));
  }
}

/**
 * `read` of a text, remembered for the texts used last (see RecentlyUsed). A multi-primary mesh of 200 clusters
 * holds 39,800 copies of 200 kubeconfigs: what is read from each is read once per distinct text. What `read`
 * returns is shared by every caller, so it must not be mutated.
 */
export function rememberedByText<T>(read: (text: string) => T, limit: number): (text: string) => T {
  const recent = new RecentlyUsed<string, T>(limit);
  return (text) => recent.get(text, read);
}

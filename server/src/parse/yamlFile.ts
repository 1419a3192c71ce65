import * as jsYaml from 'js-yaml';
import { type Document, isMap, isPair, isScalar, isSeq, type Node, type Pair, parseDocument, type YAMLError } from 'yaml';

import { compactValue, PackedText, RecentlyUsed, sharedValues } from './compact';
import { type GoTemplate, goTemplateOf } from './goTemplate';
import { LineIndex, type Range, type SourceLocation } from './text';

/** A path into a YAML value: mapping keys and sequence indexes. */
export type ValuePath = readonly (string | number)[];

/** The codes of what parsing reports (syntax, limits), beside the rules' codes. */
export const YAML_PROBLEM_CODES = ['YAML001', 'YAML002', 'YAML003', 'YAML004', 'YAML005', 'YAML006'] as const;

export interface YamlProblem {
  code: (typeof YAML_PROBLEM_CODES)[number];
  severity: 'error' | 'warning';
  message: string;
  range: Range;
}

/** `# istio-mesh: cluster=cluster1,cluster2 chart=istiod` */
export type Directives = ReadonlyMap<string, string>;

const DIRECTIVE_LINE = /^\s*#\s*istio-mesh:\s*(.*)$/;
/** An alias (`*name`) outside quotes; only such documents need the expansion limit of the slower parser. */
const ALIAS_USE = /(^|[\s[{,])\*[^\s,[\]{}]/m;
/** Aliases that resolve to more nodes than this are refused ("billion laughs"). */
const MAX_ALIAS_COUNT = 100;
/**
 * Limits that keep hostile or generated files from hanging the server. Kubernetes objects are rarely more
 * than 20 levels deep and `istioctl manifest generate` prints a few hundred documents; beyond these limits a
 * file is not a configuration anybody edits by hand, and analysing it would only cost time.
 */
export const PARSE_LIMITS = {
  /** Deeper documents are refused (YAML003): the parsers and every walker downstream recurse. js-yaml's own default. */
  maxNestingDepth: 100,
  /** Documents after this many in one file are not analysed (YAML004). */
  maxDocumentsPerFile: 1000,
  /** A document with a longer line is not analysed (YAML005): such lines are generated data, not configuration. */
  maxLineLength: 100_000,
  /** Syntax errors (YAML001) reported per document: after the first few, more only repeat the same mistake. */
  maxSyntaxErrorsPerDocument: 100,
} as const;

/**
 * An `# istio-mesh: ignore=CODE,CODE reason` comment. Where it is written decides which findings it silences
 * (engine/tuning.ts): before the file's first `---` with nothing but comments above it, those of every document;
 * at the top of a document or among the comments just before its `---`, that document's; anywhere else, those on
 * the next line that is not a comment.
 */
export interface IgnoreComment {
  /** The comment line's offsets, from its `#` to its last non-blank character. */
  start: number;
  end: number;
  /** The codes named, upper-cased, in the order written. */
  codes: readonly string[];
  scope: 'file' | 'document' | 'line';
  /** The index of the document a 'document' comment opens. */
  document?: number;
  /** The offset of the line a 'line' comment is about. */
  target?: number;
}

export function parseDirectives(commentLines: readonly string[]): Map<string, string> {
  const directives = new Map<string, string>();
  for (const line of commentLines) {
    const match = DIRECTIVE_LINE.exec(line);
    if (!match) continue;
    for (const assignment of match[1].split(/[\s;]+/)) {
      const eq = assignment.indexOf('=');
      if (eq > 0) directives.set(assignment.slice(0, eq).trim(), assignment.slice(eq + 1).trim());
    }
  }
  return directives;
}

/** The codes of a comment line's `ignore=` directive, if it has one. */
function ignoredCodes(commentLine: string): string[] | undefined {
  const value = parseDirectives([commentLine]).get('ignore');
  const codes = value
    ?.split(',')
    .map((code) => code.trim().toUpperCase())
    .filter(Boolean);
  return codes?.length ? codes : undefined;
}

export interface LocatedRange {
  range: Range;
  /** False when the path does not exist and the range is that of its nearest existing ancestor. */
  exact: boolean;
}

/** CSTs built lately, least recently used first. */
const recentlyParsed = new RecentlyUsed<YamlDocument, Document.Parsed>(64);

/**
 * One YAML document of a file. Its value comes from js-yaml (fast); the `yaml` CST, which gives exact
 * ranges, is built only when somebody asks for a range, so a workspace of thousands of documents pays for
 * ranges only where there is something to report.
 */
export class YamlDocument {
  constructor(
    readonly file: YamlFile,
    readonly index: number,
    /** Offset of the document's first character (its `---` line, if any) in the file. */
    readonly startOffset: number,
    readonly endOffset: number,
    /** The loaded value; null for an empty document or one that could not be loaded. */
    public value: unknown,
    /** Replaced by a shared empty list when the document has none (see parseYamlFile). */
    public problems: readonly YamlProblem[],
    readonly directives: Directives,
  ) {}

  get text(): string {
    return this.file.text.slice(this.startOffset, this.endOffset);
  }

  /** The text the YAML parsers read: `text`, with a template's actions blanked or replaced (same offsets). */
  get readText(): string {
    return this.file.readText.slice(this.startOffset, this.endOffset);
  }

  /** The range of the document's content, without leading comments and markers. */
  get contentRange(): Range {
    const contents = this.parsed().contents;
    if (contents?.range) return this.toRange(contents.range[0], contents.range[1]);
    return this.file.lines.rangeOf(this.startOffset, this.startOffset);
  }

  /** The range of the value (or of its key) at `path`; the nearest existing ancestor's when it is absent. */
  locate(path: ValuePath, part: 'key' | 'value' = 'value'): LocatedRange {
    const doc = this.parsed();
    let node: unknown = doc.contents;
    let pair: Pair | undefined;
    let fallback: LocatedRange = { range: this.contentRange, exact: path.length === 0 };
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      if (isMap(node)) {
        pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) return fallback;
        node = pair.value;
        const keyNode = pair.key as Node;
        fallback = { range: this.nodeRange(keyNode), exact: false };
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        pair = undefined;
        node = node.items[segment];
        if (node && (node as Node).range) fallback = { range: this.nodeRange(node as Node), exact: false };
      } else {
        return fallback;
      }
    }
    if (part === 'key' && pair && isPair(pair)) return { range: this.nodeRange(pair.key as Node), exact: true };
    if (node && (node as Node).range) return { range: this.nodeRange(node as Node), exact: true };
    // `key:` with no value: the key is the place to point at.
    return { range: fallback.range, exact: true };
  }

  /**
   * The file and range where the value at `path` was written. For a plain document that is this file; a document
   * composed from several files (an overlay over a base) answers with the file that set the value.
   */
  sourceOf(path: ValuePath, part: 'key' | 'value' = 'value'): SourceLocation {
    return { file: this.file.file, range: this.rangeOf(path, part) };
  }

  rangeOf(path: ValuePath, part: 'key' | 'value' = 'value'): Range {
    return this.locate(path, part).range;
  }

  /**
   * The document and path where the value at `path` was written: here for a plain document; a composed one
   * (an overlay over a base, a generator's template) answers with the document that set the value.
   */
  writtenAt(path: ValuePath): { doc: YamlDocument; path: ValuePath } {
    return { doc: this, path };
  }

  /**
   * The `yaml` package's document, built on demand and kept among the recently used ones: a CST costs tens of
   * times its text, and the documents a mesh-wide finding points at (one per cluster) are many.
   */
  parsed(): Document.Parsed {
    // logLevel 'error': the parser's warnings (e.g. a collection used as a key) would go to stderr with the key's text.
    // merge: `<<` keys merge as js-yaml (and Kubernetes' YAML reader) merge them, whichever parser loads the document.
    return recentlyParsed.get(this, () =>
      parseDocument(this.readText, { uniqueKeys: false, merge: true, keepSourceTokens: false, prettyErrors: false, logLevel: 'error' }),
    );
  }

  private nodeRange(node: Node): Range {
    const range = node.range ?? [0, 0, 0];
    return this.toRange(range[0], range[1]);
  }

  private toRange(start: number, end: number): Range {
    return this.file.lines.rangeOf(this.startOffset + start, this.startOffset + end);
  }
}

/** A Go template as it was read: see parse/goTemplate.ts. */
export interface TemplateReading extends GoTemplate {
  /** Indexes of the documents that are not YAML even with their actions made opaque, and were not read. */
  unreadDocuments: number[];
}

/**
 * Whether a document is part of a Go template that renders some of its structure (`{{ toYaml .Values.global |
 * nindent 4 }}`): fields it seems to lack may be rendered there.
 */
export function rendersUnreadStructure(doc: YamlDocument): boolean {
  return doc.file.template?.structureActions.some((offset) => offset >= doc.startOffset && offset < doc.endOffset) ?? false;
}

/** Shared by every document without directives (nearly all of them): an empty Map costs 200 bytes. */
const NO_DIRECTIVES: Directives = new Map();
const NO_PROBLEMS: readonly YamlProblem[] = Object.freeze([]);
const NO_IGNORE_COMMENTS: readonly IgnoreComment[] = Object.freeze([]);

export class YamlFile {
  private lineIndex: LineIndex | undefined;
  /** The text while it is kept as it is; undefined once packed. */
  private plainText: string | undefined;
  private packedText: PackedText | undefined;
  readonly documents: YamlDocument[] = [];
  /** Directives in the comment block at the top of the file; they apply to every document. */
  headerDirectives: Directives = NO_DIRECTIVES;
  /** How the file is read when it is a Go template (a Helm chart's template): see parse/goTemplate.ts. */
  template: TemplateReading | undefined = undefined;
  /** The file's `# istio-mesh: ignore=` comments, in order (nearly always none). */
  ignoreComments: readonly IgnoreComment[] = NO_IGNORE_COMMENTS;

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.plainText = text;
  }

  get text(): string {
    return this.plainText ?? this.packedText!.text;
  }

  /** The text the YAML parsers read: the file's text, or a template's text with its actions made opaque. */
  get readText(): string {
    return this.template?.readText ?? this.text;
  }

  /** Line starts, built when a range is first asked for (most files of a workspace never have one). */
  get lines(): LineIndex {
    this.lineIndex ??= new LineIndex(this.text);
    return this.lineIndex;
  }

  /**
   * Keeps the text packed from now on (see PackedText): for a workspace's files, whose text is read again only
   * for ranges. A text that cannot be packed exactly is kept as it is.
   */
  packText(): void {
    if (this.plainText === undefined || !PackedText.canPack(this.plainText)) return;
    this.packedText = new PackedText(this.plainText, this.documents);
    this.plainText = undefined;
  }
}

interface Chunk {
  start: number;
  end: number;
  /** Comment lines just before the `---` that opens this chunk, which describe the document after them. */
  precedingComments: readonly string[];
  /** The first line longer than PARSE_LIMITS.maxLineLength, if any. */
  longLine?: { start: number; length: number };
}

/** Shared by every chunk without comments before its `---` (nearly all of them). */
const NO_LINES: readonly string[] = Object.freeze([]);

/** Whether a UTF-16 unit is whitespace for `String.prototype.trim` and `\s` (the same set). */
function isWhitespace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  return code > 127 && /\s/.test(String.fromCharCode(code));
}

/** The line `[start, end)` without leading and trailing whitespace, as offsets: what `trim()` would keep. */
function trimmedBounds(text: string, start: number, end: number): { start: number; end: number } {
  while (start < end && isWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
  return { start, end };
}

/** `/^\s*#/` for the line `[start, end)`, without slicing it out. */
function isCommentLine(text: string, start: number, end: number): boolean {
  while (start < end && isWhitespace(text.charCodeAt(start))) start++;
  return start < end && text.charCodeAt(start) === 0x23; /* # */
}

/** `/^\s*$/` for the line `[start, end)`. */
function isBlankLine(text: string, start: number, end: number): boolean {
  while (start < end && isWhitespace(text.charCodeAt(start))) start++;
  return start === end;
}

/** `marker` (`---` or `...`) at the start of the line `[start, end)`, followed by whitespace or the line's end. */
function startsWithMarker(text: string, start: number, end: number, marker: string): boolean {
  return end - start >= 3 && text.startsWith(marker, start) && (end - start === 3 || isWhitespace(text.charCodeAt(start + 3)));
}

/** The end of the line starting at `offset` (its `\n`, or the text's end): lines are split at `\n` only. */
function lineEndAt(text: string, offset: number, limit: number): number {
  const newline = text.indexOf('\n', offset);
  return newline < 0 || newline > limit ? limit : newline;
}

/** An ignore comment as the split finds it; `document` is set when it is among the comments before a `---`. */
interface IgnoreCandidate {
  start: number;
  end: number;
  codes: string[];
  document?: number;
}

/**
 * Splits a file at its `---` and `...` lines. It walks the text by offsets and slices out only comment lines
 * (which may hold directives): a workspace has millions of lines, and slicing each was a large share of parsing.
 * The ignore comments it meets are added to `ignores`.
 */
function splitDocuments(text: string, ignores: IgnoreCandidate[]): Chunk[] {
  const chunks: Chunk[] = [];
  let chunkStart = 0;
  let trailingComments: string[] | undefined;
  /** The ignore comments among `trailingComments`. */
  let trailingIgnores: IgnoreCandidate[] | undefined;
  let precedingComments: readonly string[] = NO_LINES;
  let longLine: Chunk['longLine'];
  let offset = 0;
  while (offset <= text.length) {
    const lineEnd = lineEndAt(text, offset, text.length);
    const next = lineEnd + 1;
    if (startsWithMarker(text, offset, lineEnd, '---')) {
      if (offset > chunkStart || chunks.length > 0) chunks.push({ start: chunkStart, end: offset, precedingComments, longLine });
      precedingComments = trailingComments ?? NO_LINES;
      for (const ignore of trailingIgnores ?? []) ignore.document = chunks.length;
      trailingComments = undefined;
      trailingIgnores = undefined;
      longLine = undefined;
      chunkStart = offset;
    } else if (startsWithMarker(text, offset, lineEnd, '...')) {
      chunks.push({ start: chunkStart, end: Math.min(next, text.length), precedingComments, longLine });
      precedingComments = NO_LINES;
      trailingComments = undefined;
      trailingIgnores = undefined;
      longLine = undefined;
      chunkStart = Math.min(next, text.length);
    } else if (lineEnd - offset > PARSE_LIMITS.maxLineLength) {
      longLine ??= { start: offset, length: lineEnd - offset };
      trailingComments = undefined;
      trailingIgnores = undefined;
    } else if (isCommentLine(text, offset, lineEnd)) {
      const line = text.slice(offset, lineEnd);
      (trailingComments ??= []).push(line);
      const codes = line.includes('ignore=') ? ignoredCodes(line) : undefined;
      if (codes) {
        const { start, end } = trimmedBounds(text, offset, lineEnd);
        const ignore: IgnoreCandidate = { start, end, codes };
        ignores.push(ignore);
        (trailingIgnores ??= []).push(ignore);
      }
    } else if (!isBlankLine(text, offset, lineEnd)) {
      trailingComments = undefined;
      trailingIgnores = undefined;
    }
    offset = next;
  }
  if (chunkStart < text.length || chunks.length === 0) chunks.push({ start: chunkStart, end: text.length, precedingComments, longLine });
  return chunks;
}

/**
 * The comment lines at the top of `text[start, end)`, before its first content (blank lines and a bare `---`
 * skipped), and where that content starts.
 */
function leadingComments(text: string, start = 0, end = text.length): { lines: string[]; contentStart: number } {
  const lines: string[] = [];
  let offset = start;
  while (offset <= end) {
    const lineEnd = lineEndAt(text, offset, end);
    if (isCommentLine(text, offset, lineEnd)) lines.push(text.slice(offset, lineEnd));
    else if (!isBlankLine(text, offset, lineEnd) && !isBareDocumentStart(text, offset, lineEnd)) break;
    offset = lineEnd + 1;
  }
  return { lines, contentStart: offset };
}

/** The start of the first line after the one ending at `lineEnd` that is not a comment. */
function nextNonCommentLine(text: string, lineEnd: number): number {
  let offset = lineEnd + 1;
  while (offset < text.length) {
    const end = lineEndAt(text, offset, text.length);
    if (!isCommentLine(text, offset, end)) break;
    offset = end + 1;
  }
  return Math.min(offset, text.length);
}

/** Where each ignore comment applies (see IgnoreComment); those in documents beyond the analysed ones are dropped. */
function placeIgnoreComments(text: string, chunks: readonly Chunk[], candidates: readonly IgnoreCandidate[]): IgnoreComment[] {
  // Comments alone before the first `---` are the file's: a comment right above a document's content is that document's.
  const fileHeaderEnd = chunks.length > 1 && !hasContent(text, chunks[0].start, chunks[0].end) ? chunks[0].end : 0;
  const placed: IgnoreComment[] = [];
  for (const { start, end, codes, document } of candidates) {
    const chunkIndex = chunks.findIndex((chunk) => start >= chunk.start && start < chunk.end);
    if (chunkIndex < 0) continue;
    const chunk = chunks[chunkIndex];
    if (start < fileHeaderEnd) placed.push({ start, end, codes, scope: 'file' });
    else if (document !== undefined) {
      if (document < chunks.length) placed.push({ start, end, codes, scope: 'document', document });
    } else if (start < leadingComments(text, chunk.start, chunk.end).contentStart) placed.push({ start, end, codes, scope: 'document', document: chunkIndex });
    else placed.push({ start, end, codes, scope: 'line', target: nextNonCommentLine(text, lineEndAt(text, start, text.length)) });
  }
  return placed;
}

/** A line that is `---` alone (trailing whitespace allowed): it opens a document without content of its own. */
function isBareDocumentStart(text: string, start: number, end: number): boolean {
  // The marker starts the line, so the trimmed line begins there: it is the marker alone when it is 3 long.
  return startsWithMarker(text, start, end, '---') && trimmedBounds(text, start, end).end - start === 3;
}

/** Whether `text[start, end)` has a line other than blanks, comments and bare `---`/`...` markers. */
function hasContent(text: string, start = 0, end = text.length): boolean {
  for (let offset = start; offset <= end;) {
    const lineEnd = lineEndAt(text, offset, end);
    const trimmed = trimmedBounds(text, offset, lineEnd);
    const length = trimmed.end - trimmed.start;
    const isMarker = length === 3 && (text.startsWith('---', trimmed.start) || text.startsWith('...', trimmed.start));
    if (length > 0 && text.charCodeAt(trimmed.start) !== 0x23 && !isMarker) return true;
    offset = lineEnd + 1;
  }
  return false;
}

/** How a parser reports running out of stack: the `yaml` package turns it into a parse error, others throw it. */
const STACK_OVERFLOW = /Maximum call stack size exceeded/;

function tooDeep(file: YamlFile, offset: number): YamlProblem {
  return {
    code: 'YAML003',
    severity: 'error',
    message: `This document is nested more than ${PARSE_LIMITS.maxNestingDepth} levels deep and was not analysed.`,
    range: file.lines.rangeOf(offset, offset),
  };
}

/**
 * True when collections in `value` nest deeper than `limit`. Iterative, so it cannot overflow the stack itself;
 * a collection shared by several aliases is walked again only when reached at a greater depth, so alias fan-out
 * cannot make it explode.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const deepestVisit = new Map<object, number>();
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    const visited = deepestVisit.get(node);
    if (visited !== undefined && visited >= depth) continue;
    deepestVisit.set(node, depth);
    for (const child of Array.isArray(node) ? node : Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * The parser's errors, one per mistake: once the parser has lost a document's structure it reports every token
 * after the mistake ("Unexpected scalar token in YAML stream"), and one broken line may give several errors. So an
 * unexpected token after an earlier error, and an error on the line of the one before it, are that error's
 * consequences, not mistakes of their own.
 */
function syntaxMistakes(errors: readonly YAMLError[], text: string): YAMLError[] {
  const mistakes: YAMLError[] = [];
  let lastLine = -1;
  for (const error of errors) {
    const line = lineOfOffset(text, error.pos[0]);
    const consequence = mistakes.length > 0 && (error.code === 'UNEXPECTED_TOKEN' || line === lastLine);
    if (!consequence) mistakes.push(error);
    lastLine = line;
  }
  return mistakes;
}

/** The 0-based line of an offset in a document's text. */
function lineOfOffset(text: string, offset: number): number {
  let line = 0;
  for (let at = text.indexOf('\n'); at >= 0 && at < offset; at = text.indexOf('\n', at + 1)) line++;
  return line;
}

function loadWithYaml(doc: YamlDocument, problems: YamlProblem[]): unknown {
  const parsed = doc.parsed();
  const lines = doc.file.lines;
  // An error "at the end" is shown on the document's last character, not on the next document's `---`.
  const contentEnd = doc.text.trimEnd().length;
  const clampStart = (offset: number) => Math.min(offset, Math.max(0, contentEnd - 1));
  const overflow = parsed.errors.find((error) => STACK_OVERFLOW.test(error.message));
  if (overflow) {
    problems.push(tooDeep(doc.file, doc.startOffset + clampStart(overflow.pos[0])));
    return null;
  }
  const mistakes = syntaxMistakes(parsed.errors, doc.readText);
  const errors = mistakes.slice(0, PARSE_LIMITS.maxSyntaxErrorsPerDocument);
  for (const [index, error] of errors.entries()) {
    const start = clampStart(error.pos[0]);
    const end = Math.min(Math.max(error.pos[1], start + 1), Math.max(contentEnd, start + 1));
    const unreported = index === errors.length - 1 ? mistakes.length - errors.length : 0;
    problems.push({
      code: 'YAML001',
      severity: 'error',
      message: error.message.split('\n')[0] + (unreported > 0 ? ` (and ${unreported} more syntax errors in this document, not shown)` : ''),
      range: lines.rangeOf(doc.startOffset + start, doc.startOffset + end),
    });
  }
  let value: unknown;
  try {
    value = parsed.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof RangeError) {
      problems.push(tooDeep(doc.file, doc.startOffset));
      return null;
    }
    problems.push({
      code: 'YAML002',
      severity: 'error',
      message: `This document was not analysed: ${(error as Error).message.split('\n')[0]}`,
      range: doc.contentRange,
    });
    return null;
  }
  // js-yaml refuses deep documents itself; values built through aliases are checked here.
  if (nestsDeeperThan(value, PARSE_LIMITS.maxNestingDepth)) {
    problems.push(tooDeep(doc.file, doc.startOffset));
    return null;
  }
  return withPlainByteArrays(value);
}

/**
 * The `yaml` package loads `!!binary` as a Node Buffer where js-yaml gives a plain Uint8Array: the same bytes
 * become the same type whichever parser loaded the document (and survive a structured clone, which turns a
 * Buffer into a Uint8Array). A Buffer shared through an alias stays shared.
 */
function withPlainByteArrays(value: unknown): unknown {
  const replaced = new Map<Buffer, Uint8Array>();
  const plain = (child: unknown): unknown => {
    if (!Buffer.isBuffer(child)) return child;
    if (!replaced.has(child)) replaced.set(child, new Uint8Array(child));
    return replaced.get(child);
  };
  const seen = new Set<object>();
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== 'object' || node === null || seen.has(node) || ArrayBuffer.isView(node)) continue;
    seen.add(node);
    if (node instanceof Map) {
      // `!!omap` loads as a Map.
      for (const [key, child] of node) {
        node.set(key, plain(child));
        pending.push(child);
      }
      continue;
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = record[key];
      // defineProperty, not assignment: a `__proto__` key is an own property here, and assigning it would set the prototype.
      if (Buffer.isBuffer(child)) Object.defineProperty(record, key, { value: plain(child), writable: true, enumerable: true, configurable: true });
      else pending.push(child);
    }
  }
  return plain(value);
}

/** js-yaml's own depth limit, kept equal to ours; its error carries the offset where the limit was crossed. */
const JS_YAML_OPTIONS = { maxDepth: PARSE_LIMITS.maxNestingDepth } as jsYaml.LoadOptions;

function loadWithJsYaml(text: string): unknown {
  return jsYaml.load(text, JS_YAML_OPTIONS);
}

function loadCompacted(text: string): unknown {
  return compactValue(loadWithJsYaml(text));
}

function isJsYamlDepthError(error: unknown): error is jsYaml.YAMLException {
  return error instanceof jsYaml.YAMLException && /maxDepth/.test(error.reason ?? error.message);
}

function lineRange(file: YamlFile, offset: number): Range {
  const { line } = file.lines.positionAt(offset);
  const end = line + 1 < file.lines.lineCount ? file.lines.lineStart(line + 1) - 1 : file.text.length;
  return file.lines.rangeOf(offset, Math.max(offset, end));
}

function withoutEmpty(directives: Directives): Directives {
  return directives.size > 0 ? directives : NO_DIRECTIVES;
}

/** A document's directives: those in the comments before its `---` and those at the top of its own text. */
function directivesOf(precedingComments: readonly string[], leadingComments: readonly string[]): Directives {
  if (precedingComments.length === 0 && leadingComments.length === 0) return NO_DIRECTIVES;
  return withoutEmpty(parseDirectives([...precedingComments, ...leadingComments]));
}

export interface ParseOptions {
  /**
   * Copy each loaded value into its compact form (see compactValue): it halves what a long-lived language server
   * holds, at a cost of about a tenth of a one-off CLI run's time, which is over before the memory matters.
   */
  compactValues?: boolean;
}

/**
 * A template document that is still not YAML with its actions made opaque (a `range` that writes keys, a value
 * an `include` indents) is not read at all: what the parser makes of it is not what Helm renders, and its syntax
 * errors are the template's, not the YAML's. The file's COMPOSE001 says how many such documents there are.
 */
function setAsideUnreadTemplate(template: TemplateReading, document: YamlDocument, problems: YamlProblem[]): void {
  if (!problems.some((problem) => problem.code === 'YAML001')) return;
  document.value = null;
  template.unreadDocuments.push(document.index);
  problems.splice(0, problems.length, ...problems.filter((problem) => problem.code !== 'YAML001'));
}

/** Splits a file into its YAML documents and loads each; problems become data, never exceptions. */
export function parseYamlFile(file: string, text: string, { compactValues = true }: ParseOptions = {}): YamlFile {
  const result = new YamlFile(file, text);
  const template = goTemplateOf(text);
  if (template) result.template = { ...template, unreadDocuments: [] };
  // A template is read from its text with the actions made opaque: the same length, so offsets are the file's.
  const source = template?.readText ?? text;
  const ignores: IgnoreCandidate[] = [];
  const chunks = splitDocuments(source, ignores);
  result.headerDirectives = withoutEmpty(parseDirectives(leadingComments(source).lines));
  const analysedChunks = chunks.slice(0, PARSE_LIMITS.maxDocumentsPerFile);
  if (ignores.length > 0) result.ignoreComments = placeIgnoreComments(source, analysedChunks, ignores);
  analysedChunks.forEach((chunk, index) => {
    const directives = directivesOf(chunk.precedingComments, leadingComments(source, chunk.start, chunk.end).lines);
    const problems: YamlProblem[] = [];
    if (index === analysedChunks.length - 1 && chunks.length > analysedChunks.length) {
      const firstSkipped = chunks[analysedChunks.length].start;
      problems.push({
        code: 'YAML004',
        severity: 'warning',
        message: `This file has ${chunks.length} documents; only the first ${PARSE_LIMITS.maxDocumentsPerFile} are analysed.`,
        range: lineRange(result, firstSkipped),
      });
    }
    const document = new YamlDocument(result, index, chunk.start, chunk.end, null, problems, directives);
    result.documents.push(document);
    if (!hasContent(source, chunk.start, chunk.end)) return;
    if (chunk.longLine) {
      const line = result.lines.positionAt(chunk.longLine.start).line + 1;
      problems.push({
        code: 'YAML005',
        severity: 'warning',
        message: `Line ${line} is ${chunk.longLine.length} characters long (the limit is ${PARSE_LIMITS.maxLineLength}); this document was not analysed.`,
        range: result.lines.rangeOf(chunk.longLine.start, chunk.longLine.start),
      });
      return;
    }
    const chunkText = source.slice(chunk.start, chunk.end);
    // An alias needs a `*`: most documents have none, and looking for one character is cheaper than the pattern.
    if (!chunkText.includes('*') || !ALIAS_USE.test(chunkText)) {
      try {
        document.value = sharedValues.get(chunkText, compactValues ? loadCompacted : loadWithJsYaml);
        return;
      } catch (error) {
        if (isJsYamlDepthError(error) || error instanceof RangeError) {
          const at = isJsYamlDepthError(error) ? (error.mark?.position ?? 0) : 0;
          problems.push(tooDeep(result, chunk.start + at));
          return;
        }
        // fall through: the `yaml` parser reports the problem with its exact position
      }
    }
    try {
      document.value = loadWithYaml(document, problems);
    } catch (error) {
      problems.push({
        code: 'YAML003',
        severity: 'error',
        message: `This document was not analysed: ${(error as Error).message.split('\n')[0]}`,
        range: result.lines.rangeOf(chunk.start, chunk.start),
      });
    }
    if (result.template) setAsideUnreadTemplate(result.template, document, problems);
  });
  for (const document of result.documents) if (document.problems.length === 0) document.problems = NO_PROBLEMS;
  return result;
}

/** A parsed document as plain data (see YamlFileParts). */
export interface YamlDocumentParts {
  index: number;
  startOffset: number;
  endOffset: number;
  value: unknown;
  problems: readonly YamlProblem[];
  directives: Directives;
}

/**
 * A parsed file as plain data that a structured clone carries (Maps, Dates, typed arrays, shared references):
 * what the CLI's parse worker posts back, for the main thread to rebuild the same YamlFile without parsing again.
 */
export interface YamlFileParts {
  file: string;
  text: string;
  headerDirectives: Directives;
  template: TemplateReading | undefined;
  ignoreComments: readonly IgnoreComment[];
  documents: YamlDocumentParts[];
}

export function yamlFileParts(yaml: YamlFile): YamlFileParts {
  return {
    file: yaml.file,
    text: yaml.text,
    headerDirectives: yaml.headerDirectives,
    template: yaml.template,
    ignoreComments: yaml.ignoreComments,
    documents: yaml.documents.map(({ index, startOffset, endOffset, value, problems, directives }) => ({
      index,
      startOffset,
      endOffset,
      value,
      problems,
      directives,
    })),
  };
}

/** The YamlFile that parseYamlFile made, from its parts; empty lists and maps become the shared ones again. */
export function yamlFileFromParts(parts: YamlFileParts): YamlFile {
  const result = new YamlFile(parts.file, parts.text);
  result.headerDirectives = withoutEmpty(parts.headerDirectives);
  result.template = parts.template;
  if (parts.ignoreComments.length > 0) result.ignoreComments = parts.ignoreComments;
  for (const doc of parts.documents) {
    const problems = doc.problems.length > 0 ? doc.problems : NO_PROBLEMS;
    result.documents.push(new YamlDocument(result, doc.index, doc.startOffset, doc.endOffset, doc.value, problems, withoutEmpty(doc.directives)));
  }
  return result;
}

/**
 * A file that is not analysed at all (too large, binary): one empty document carrying the reason as a YAML006
 * finding at the top of the file. The text is not kept.
 */
export function unanalysedYamlFile(file: string, reason: string): YamlFile {
  const result = new YamlFile(file, '');
  const problem: YamlProblem = {
    code: 'YAML006',
    severity: 'warning',
    message: `This file was not analysed: ${reason}.`,
    range: result.lines.rangeOf(0, 0),
  };
  result.documents.push(new YamlDocument(result, 0, 0, 0, null, [problem], NO_DIRECTIVES));
  return result;
}

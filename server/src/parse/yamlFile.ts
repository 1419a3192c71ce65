import * as jsYaml from 'js-yaml';
import { isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { LineIndex, type Range } from './text';

/** A path into a YAML value: mapping keys and sequence indexes. */
export type ValuePath = readonly (string | number)[];

export interface YamlProblem {
  code: 'YAML001' | 'YAML002' | 'YAML003';
  severity: 'error' | 'warning';
  message: string;
  range: Range;
}

/** `# istio-mesh: cluster=cluster1,cluster2 chart=istiod` */
export type Directives = ReadonlyMap<string, string>;

const DIRECTIVE_LINE = /^\s*#\s*istio-mesh:\s*(.*)$/;
const DOCUMENT_START = /^---(?=\s|$)/;
const DOCUMENT_END = /^\.\.\.(?=\s|$)/;
/** An alias (`*name`) outside quotes; only such documents need the expansion limit of the slower parser. */
const ALIAS_USE = /(^|[\s[{,])\*[^\s,[\]{}]/m;
/** Aliases that resolve to more nodes than this are refused ("billion laughs"). */
const MAX_ALIAS_COUNT = 100;

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

export interface LocatedRange {
  range: Range;
  /** False when the path does not exist and the range is that of its nearest existing ancestor. */
  exact: boolean;
}

/**
 * One YAML document of a file. Its value comes from js-yaml (fast); the `yaml` CST, which gives exact
 * ranges, is built only when somebody asks for a range, so a workspace of thousands of documents pays for
 * ranges only where there is something to report.
 */
export class YamlDocument {
  private cst: Document.Parsed | undefined;

  constructor(
    readonly file: YamlFile,
    readonly index: number,
    /** Offset of the document's first character (its `---` line, if any) in the file. */
    readonly startOffset: number,
    readonly endOffset: number,
    /** The loaded value; null for an empty document or one that could not be loaded. */
    public value: unknown,
    readonly problems: readonly YamlProblem[],
    readonly directives: Directives,
  ) {}

  get text(): string {
    return this.file.text.slice(this.startOffset, this.endOffset);
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

  rangeOf(path: ValuePath, part: 'key' | 'value' = 'value'): Range {
    return this.locate(path, part).range;
  }

  /** The `yaml` package's document, built once on demand. */
  parsed(): Document.Parsed {
    this.cst ??= parseDocument(this.text, { uniqueKeys: false, keepSourceTokens: false, prettyErrors: false });
    return this.cst;
  }

  private nodeRange(node: Node): Range {
    const range = node.range ?? [0, 0, 0];
    return this.toRange(range[0], range[1]);
  }

  private toRange(start: number, end: number): Range {
    return this.file.lines.rangeOf(this.startOffset + start, this.startOffset + end);
  }
}

export class YamlFile {
  readonly lines: LineIndex;
  readonly documents: YamlDocument[] = [];
  /** Directives in the comment block at the top of the file; they apply to every document. */
  headerDirectives: Directives = new Map();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.lines = new LineIndex(text);
  }
}

interface Chunk {
  start: number;
  end: number;
  /** Comment lines just before the `---` that opens this chunk, which describe the document after them. */
  precedingComments: string[];
}

function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let chunkStart = 0;
  let trailingComments: string[] = [];
  let precedingComments: string[] = [];
  let offset = 0;
  while (offset <= text.length) {
    let lineEnd = text.indexOf('\n', offset);
    if (lineEnd < 0) lineEnd = text.length;
    const line = text.slice(offset, lineEnd);
    const next = lineEnd + 1;
    if (DOCUMENT_START.test(line)) {
      if (offset > chunkStart || chunks.length > 0) chunks.push({ start: chunkStart, end: offset, precedingComments });
      precedingComments = trailingComments;
      trailingComments = [];
      chunkStart = offset;
    } else if (DOCUMENT_END.test(line)) {
      chunks.push({ start: chunkStart, end: Math.min(next, text.length), precedingComments });
      precedingComments = [];
      trailingComments = [];
      chunkStart = Math.min(next, text.length);
    } else if (/^\s*#/.test(line)) {
      trailingComments.push(line);
    } else if (line.trim() !== '') {
      trailingComments = [];
    }
    offset = next;
  }
  if (chunkStart < text.length || chunks.length === 0) chunks.push({ start: chunkStart, end: text.length, precedingComments });
  return chunks;
}

function leadingCommentLines(text: string): string[] {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) lines.push(line);
    else if (line.trim() === '' || DOCUMENT_START.test(line) && line.trim() === '---') continue;
    else break;
  }
  return lines;
}

function hasContent(text: string): boolean {
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed !== '' && !trimmed.startsWith('#') && trimmed !== '---' && trimmed !== '...') return true;
  }
  return false;
}

function loadWithYaml(doc: YamlDocument, problems: YamlProblem[]): unknown {
  const parsed = doc.parsed();
  const lines = doc.file.lines;
  // An error "at the end" is shown on the document's last character, not on the next document's `---`.
  const contentEnd = doc.text.trimEnd().length;
  for (const error of parsed.errors) {
    const start = Math.min(error.pos[0], Math.max(0, contentEnd - 1));
    const end = Math.min(Math.max(error.pos[1], start + 1), Math.max(contentEnd, start + 1));
    problems.push({
      code: 'YAML001',
      severity: 'error',
      message: error.message.split('\n')[0],
      range: lines.rangeOf(doc.startOffset + start, doc.startOffset + end),
    });
  }
  try {
    return parsed.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    problems.push({
      code: 'YAML002',
      severity: 'error',
      message: `This document was not analysed: ${(error as Error).message.split('\n')[0]}`,
      range: doc.contentRange,
    });
    return null;
  }
}

/** Splits a file into its YAML documents and loads each; problems become data, never exceptions. */
export function parseYamlFile(file: string, text: string): YamlFile {
  const result = new YamlFile(file, text);
  const chunks = splitDocuments(text);
  result.headerDirectives = parseDirectives(leadingCommentLines(text));
  chunks.forEach((chunk, index) => {
    const chunkText = text.slice(chunk.start, chunk.end);
    const directives = parseDirectives([...chunk.precedingComments, ...leadingCommentLines(chunkText)]);
    const problems: YamlProblem[] = [];
    let value: unknown = null;
    const doc = (v: unknown) => new YamlDocument(result, index, chunk.start, chunk.end, v, problems, directives);
    if (!hasContent(chunkText)) {
      result.documents.push(doc(null));
      return;
    }
    if (!ALIAS_USE.test(chunkText)) {
      try {
        value = jsYaml.load(chunkText);
        result.documents.push(doc(value));
        return;
      } catch (error) {
        if (error instanceof RangeError) {
          const document = doc(null);
          problems.push({ code: 'YAML003', severity: 'error', message: 'This document is nested too deeply to analyse.', range: document.file.lines.rangeOf(chunk.start, chunk.start) });
          result.documents.push(document);
          return;
        }
        // fall through: the `yaml` parser reports the problem with its exact position
      }
    }
    const document = doc(null);
    try {
      document.value = loadWithYaml(document, problems);
    } catch (error) {
      problems.push({ code: 'YAML003', severity: 'error', message: `This document was not analysed: ${(error as Error).message.split('\n')[0]}`, range: result.lines.rangeOf(chunk.start, chunk.start) });
    }
    result.documents.push(document);
  });
  return result;
}

import { isScalar, Scalar } from 'yaml';

import type { Range } from './text';
import { type LocatedRange, parseYamlFile, type ValuePath, YamlDocument } from './yamlFile';

/**
 * A YAML document written inside a string of another one (Argo CD `helm.values: |`, a ConfigMap's
 * `values.yaml: |`). Its value is the parsed string; its ranges are mapped back into the host file, so a
 * finding about a key inside the string lands on that key's line and column in the host.
 *
 * Only a literal block scalar (`|`) keeps lines and columns one-to-one with its content; for any other style
 * (quoted, folded, plain) every range is the whole string's.
 */
export class EmbeddedYamlDocument extends YamlDocument {
  constructor(
    readonly host: YamlDocument,
    /** Where the string is in the host document. */
    readonly hostPath: ValuePath,
    private readonly inner: YamlDocument | undefined,
    private readonly mapRange: (range: Range) => Range,
  ) {
    super(
      host.file,
      host.index,
      host.startOffset,
      host.endOffset,
      inner?.value ?? null,
      (inner?.problems ?? []).map((p) => ({ ...p, range: mapRange(p.range) })),
      host.directives,
    );
  }

  override get contentRange(): Range {
    return this.inner ? this.mapRange(this.inner.contentRange) : this.host.rangeOf(this.hostPath);
  }

  override locate(path: ValuePath, part: 'key' | 'value' = 'value'): LocatedRange {
    if (!this.inner) return { range: this.host.rangeOf(this.hostPath), exact: path.length === 0 };
    const found = this.inner.locate(path, part);
    return { range: this.mapRange(found.range), exact: found.exact };
  }
}

/** How a block scalar's content lines sit in the host: the first content line and the indentation stripped. */
interface BlockLayout {
  firstLine: number;
  indent: number;
}

function literalBlockLayout(host: YamlDocument, node: Scalar): BlockLayout | undefined {
  if (node.type !== Scalar.BLOCK_LITERAL || !node.range) return undefined;
  const text = host.text;
  const headerEnd = text.indexOf('\n', node.range[0]);
  if (headerEnd < 0) return undefined;
  const header = text.slice(node.range[0], headerEnd);
  const lines = text
    .slice(headerEnd + 1, node.range[1])
    .split('\n')
    .filter((line) => line.trim() !== '');
  if (lines.length === 0) return undefined;
  const indentOf = (line: string) => line.length - line.trimStart().length;
  // Without an indentation indicator the first line sets the indentation; with one (`|2`) later lines may
  // start further in, and the common indentation is the least of them.
  const indent = /^\|[+-]?[1-9]|^\|[1-9]/.test(header) ? Math.min(...lines.map(indentOf)) : indentOf(lines[0]);
  const firstLine = host.file.lines.positionAt(host.startOffset + headerEnd + 1).line;
  return { firstLine, indent };
}

const embeddedCache = new WeakMap<YamlDocument, Map<string, EmbeddedYamlDocument | undefined>>();

/**
 * The YAML document written in the string at `path` of `host`, or undefined when there is no string there.
 * Cached per host document, so every reader of the same string shares one parse.
 */
export function embeddedDocument(host: YamlDocument, path: ValuePath): EmbeddedYamlDocument | undefined {
  const key = JSON.stringify(path);
  let perHost = embeddedCache.get(host);
  if (!perHost) embeddedCache.set(host, (perHost = new Map()));
  if (perHost.has(key)) return perHost.get(key);
  const embedded = buildEmbedded(host, path);
  perHost.set(key, embedded);
  return embedded;
}

/** The value at `path` of a loaded value (plain data). */
function loadedValueAt(value: unknown, path: ValuePath): unknown {
  let node = value;
  for (const segment of path) node = typeof node === 'object' && node !== null ? (node as Record<string | number, unknown>)[segment] : undefined;
  return node;
}

/**
 * Maps a column of a line of `applied` back into the same line of `written`, where the two differ only by
 * filled-in placeholders (`clusterName: {{name}}` written, `clusterName: cluster1` applied): columns before
 * and after the part that differs keep their place, and one inside it stands for the whole written part.
 */
function columnMap(written: string, applied: string): (column: number, side: 'start' | 'end') => number {
  if (written === applied) return (column) => column;
  let prefix = 0;
  while (prefix < written.length && prefix < applied.length && written[prefix] === applied[prefix]) prefix++;
  let suffix = 0;
  while (suffix < written.length - prefix && suffix < applied.length - prefix && written[written.length - 1 - suffix] === applied[applied.length - 1 - suffix])
    suffix++;
  return (column, side) => {
    if (column < prefix || (column === prefix && side === 'start')) return column;
    if (column > applied.length - suffix || (column === applied.length - suffix && side === 'end')) return column - applied.length + written.length;
    return side === 'start' ? prefix : written.length - suffix;
  };
}

/**
 * Line by line column maps from the string as applied to the string as written, or undefined when they do
 * not have the same lines (a filled-in value spanning lines): then no position inside the string is exact.
 */
function lineMaps(written: string, applied: string): ((column: number, side: 'start' | 'end') => number)[] | undefined {
  const writtenLines = written.split('\n');
  const appliedLines = applied.split('\n');
  if (writtenLines.length !== appliedLines.length) return undefined;
  return appliedLines.map((line, i) => columnMap(writtenLines[i], line));
}

/**
 * The string is parsed as it will be applied (a composed document's value: an ApplicationSet element's
 * parameters filled in), and located where it was written, in the document that wrote it.
 */
function buildEmbedded(host: YamlDocument, path: ValuePath): EmbeddedYamlDocument | undefined {
  const applied = loadedValueAt(host.value, path);
  const written = host.writtenAt(path);
  const node = written.doc.parsed().getIn(written.path, true);
  if (typeof applied !== 'string' || !isScalar(node) || typeof node.value !== 'string') return undefined;
  const wholeString = written.doc.rangeOf(written.path);
  const layout = literalBlockLayout(written.doc, node);
  const columns = lineMaps(node.value, applied);
  const innerFile = parseYamlFile(written.doc.file.file, applied);
  const inner = innerFile.documents.find((doc) => doc.value !== null || doc.problems.length > 0) ?? innerFile.documents[0];
  const mapRange =
    layout && columns
      ? (range: Range): Range => ({
          start: {
            line: layout.firstLine + range.start.line,
            character: layout.indent + (columns[range.start.line]?.(range.start.character, 'start') ?? range.start.character),
          },
          end: {
            line: layout.firstLine + range.end.line,
            character: layout.indent + (columns[range.end.line]?.(range.end.character, 'end') ?? range.end.character),
          },
        })
      : () => wholeString;
  return new EmbeddedYamlDocument(written.doc, written.path, inner, mapRange);
}

/** Positions as the LSP counts them: 0-based lines, UTF-16 code units (the units of a JS string). */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A place a person wrote something: the file (absolute path) and the range in it. */
export interface SourceLocation {
  file: string;
  range: Range;
}

/**
 * Offsets of line starts, so offset → position is a binary search instead of a scan. It keeps the starts in a
 * typed array (4 bytes a line) and not the text, so a file's text can be dropped or packed while its index lives.
 */
/** A location as a value: equal for equal places, whichever version of the file (or object) it came from. */
export function locationKey(location: SourceLocation): string {
  const { start, end } = location.range;
  return `${location.file}:${start.line}:${start.character}:${end.line}:${end.character}`;
}

export class LineIndex {
  private readonly lineStarts: Uint32Array;
  /** The length of the text, in UTF-16 units. */
  readonly length: number;

  constructor(text: string) {
    let count = 1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) count++;
    }
    const starts = new Uint32Array(count);
    let line = 1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts[line++] = i + 1;
    }
    this.lineStarts = starts;
    this.length = text.length;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line, this.lineStarts.length - 1))];
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid] <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: low, character: clamped - this.lineStarts[low] };
  }

  offsetAt(position: Position): number {
    return Math.min(this.length, this.lineStart(position.line) + Math.max(0, position.character));
  }

  rangeOf(startOffset: number, endOffset: number): Range {
    return { start: this.positionAt(startOffset), end: this.positionAt(endOffset) };
  }
}

export function compareRanges(a: Range, b: Range): number {
  return a.start.line - b.start.line || a.start.character - b.start.character || a.end.line - b.end.line || a.end.character - b.end.character;
}

/**
 * Go templates (Helm chart templates, and any YAML file with `{{ ... }}` actions where YAML structure is) are
 * not YAML until they are rendered. They are read the way helm-ls hands them to yaml-language-server: every
 * action keeps its place, so each offset (and so each finding) is the file's own. A line that holds only
 * actions (`{{- if .Values.x }}`, `{{- end }}`, `{{- include "labels" . | nindent 4 }}`) is blanked; a control
 * action inside a line (`if`, `else`, `end`, `range`, ...) is blanked too; any other inline action becomes an
 * opaque placeholder of the same length (`$VALUES_GLOBAL_NAMESPACE__`), which every rule already reads as a
 * value filled in before the file is applied.
 *
 * `{{` in a YAML comment, in a quoted scalar or in a block scalar (`|`) does not make a file a template: that is
 * where an Argo CD ApplicationSet writes its `{{.name}}`, and where Istio keeps its sidecar injection templates.
 */

/** What a Go template is read as. */
export interface GoTemplate {
  /** The text the YAML parsers read: as long as the file's text, with the actions blanked or replaced. */
  readText: string;
  /**
   * Offsets `[start, end)` of the action the file is said to be a template at: its first action in YAML
   * structure that renders a value, else its first action in YAML structure.
   */
  firstAction: { start: number; end: number };
  /** That action's text, as written. */
  firstActionText: string;
  /**
   * Offsets of the actions that may render YAML structure (maps, lists) rather than a scalar: those alone on
   * their lines that are not control actions, and inline `include`, `toYaml`, `nindent`, `tpl` and the like.
   * What they render is unknown, so a document holding one may lack fields only because they were not read.
   */
  structureActions: number[];
}

interface Action {
  start: number;
  end: number;
  /**
   * Written where YAML structure is: where a scalar starts (a value, a key, a sequence item, a line), not in a
   * comment, a quoted or block scalar, nor inside a plain scalar (`istiod-{{.Revision}}` is YAML as it is).
   */
  structural: boolean;
}

/** Actions that render no text of their own (helm-ls erases the same ones). */
const CONTROL_ACTION = /^\{\{-?\s*(?:if\b|else\b|end\b|range\b|with\b|define\b|block\b|break\b|continue\b|\/\*|\$[\w]*\s*:?=)/;
/** Functions whose output is usually YAML structure, not a scalar. */
const RENDERS_STRUCTURE = /\b(?:toYaml|toJson|toPrettyJson|nindent|indent|include|template|tpl)\b/;
/** Functions whose output is lines of YAML (a block under the key before them), never one scalar. */
const RENDERS_LINES = /\b(?:toYaml|toPrettyJson|nindent|indent)\b/;
/** A block scalar header: `|`, `>-`, `|2+`, with an optional comment after it. */
const BLOCK_SCALAR_HEADER = /^[|>][-+1-9]{0,2}[ \t]*(?:#.*)?\r?$/;
/** Flow indicators after which a new scalar starts. */
const FLOW_INDICATORS = new Set(['[', '{', ',']);

function isSpaceOrEnd(char: string | undefined): boolean {
  return char === undefined || char === ' ' || char === '\t' || char === '\r' || char === '\n';
}

function lineEndAt(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline < 0 ? text.length : newline;
}

/** The offset just after the action that starts at `start` (`{{`), or -1 when no `}}` closes it. */
function actionEnd(text: string, start: number): number {
  let at = start + 2;
  while (at < text.length) {
    if (text.startsWith('}}', at)) return at + 2;
    const char = text[at];
    if (char === '"' || char === "'") {
      // A Go string or character literal: `}}` inside it does not end the action, and it ends on its line.
      at++;
      while (at < text.length && text[at] !== char && text[at] !== '\n') at += text[at] === '\\' ? 2 : 1;
      if (text[at] !== char) return -1;
      at++;
    } else if (char === '`') {
      const close = text.indexOf('`', at + 1);
      if (close < 0) return -1;
      at = close + 1;
    } else if (text.startsWith('/*', at)) {
      const close = text.indexOf('*/', at + 2);
      if (close < 0) return -1;
      at = close + 2;
    } else {
      at++;
    }
  }
  return -1;
}

/**
 * The indentation a block scalar's content must exceed: the column of the key that owns it (`key: |`,
 * `- key: |`), or of the `-` of a sequence item that is the block scalar itself (`- |`).
 */
function blockOwnerIndent(text: string, lineStart: number, header: number): number {
  let at = lineStart;
  while (text[at] === ' ') at++;
  let dash = -1;
  while (text[at] === '-' && (text[at + 1] === ' ' || text[at + 1] === '\t')) {
    dash = at;
    at += 2;
    while (text[at] === ' ') at++;
  }
  if (at === header) return dash >= 0 ? dash - lineStart : at - lineStart - 1;
  return at - lineStart;
}

/** Every `{{ ... }}` action of the text, in order, with whether it is written where YAML structure is. */
function scanActions(text: string): Action[] {
  const actions: Action[] = [];
  /** While block scalar content lines follow: the indentation they must exceed. */
  let blockIndent: number | undefined;
  let at = 0;
  while (at < text.length) {
    const lineStart = at;
    let contentStart = at;
    while (text[contentStart] === ' ') contentStart++;
    const lineEnd = lineEndAt(text, at);
    let inBlock = false;
    if (blockIndent !== undefined) {
      const blank = text.slice(contentStart, lineEnd).trim() === '';
      if (blank || contentStart - lineStart > blockIndent) inBlock = true;
      // An action at the block's own indentation or less is template structure (blanked, the block goes on after it).
      else if (!text.startsWith('{{', contentStart)) blockIndent = undefined;
    }
    let quote: string | undefined;
    /** Whether a scalar would start here: at the line's content, after `: `, `- `, `? ` or a flow indicator. */
    let scalarStart = true;
    at = contentStart;
    while (at < text.length) {
      const char = text[at];
      if (char === '\n') {
        at++;
        if (quote) continue;
        break;
      }
      if (char === '{' && text[at + 1] === '{') {
        const end = actionEnd(text, at);
        if (end > 0) {
          actions.push({ start: at, end, structural: !quote && !inBlock && scalarStart });
          at = end;
          scalarStart = false;
          continue;
        }
      }
      if (inBlock) {
        at++;
      } else if (quote === "'") {
        if (char === "'" && text[at + 1] === "'") at += 2;
        else {
          if (char === "'") quote = undefined;
          at++;
        }
      } else if (quote === '"') {
        if (char === '\\') at += 2;
        else {
          if (char === '"') quote = undefined;
          at++;
        }
      } else if (char === '#' && (at === contentStart || text[at - 1] === ' ' || text[at - 1] === '\t')) {
        at = lineEndAt(text, at);
      } else {
        if ((char === '"' || char === "'") && scalarStart) quote = char;
        else if ((char === '|' || char === '>') && scalarStart && BLOCK_SCALAR_HEADER.test(text.slice(at, lineEndAt(text, at)))) {
          blockIndent = blockOwnerIndent(text, lineStart, at);
        }
        if (FLOW_INDICATORS.has(char)) scalarStart = true;
        else if (char === ':' || char === '-' || char === '?') scalarStart = isSpaceOrEnd(text[at + 1]) && (char === ':' || scalarStart);
        else if (!isSpaceOrEnd(char)) scalarStart = false;
        at++;
      }
    }
  }
  return actions;
}

/**
 * An opaque placeholder of exactly `length` characters (at least 2) that reads as what the action names
 * (`{{ .Release.Namespace }}` → `$RELEASE_NAMESPACE`). It is padded with spaces where the scalar ends after it
 * (YAML drops them), else with `_` so the scalar goes on as written.
 */
function placeholder(action: string, length: number, endsScalar: boolean): string {
  const words = action
    .replace(/^\{\{-?|-?\}\}$/g, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  const name = `$${/^[A-Z]/.test(words) ? '' : '_'}${words}`;
  return name.length >= length ? name.slice(0, length) : name + (endsScalar ? ' ' : '_').repeat(length - name.length);
}

/** Whether a plain scalar ends at `offset`: at the line's end, before whitespace or a flow indicator. */
function scalarEndsAt(text: string, offset: number): boolean {
  const char = text[offset];
  return isSpaceOrEnd(char) || char === ',' || char === ']' || char === '}';
}

function isBlankText(text: string): boolean {
  return text.trim() === '';
}

/**
 * The file read as a Go template, when it is one: when an action is written where YAML structure is. Undefined
 * for every other file (almost all: most hold no `{{` at all).
 */
export function goTemplateOf(text: string): GoTemplate | undefined {
  if (!text.includes('{{')) return undefined;
  const actions = scanActions(text);
  const structural = actions.filter((action) => action.structural);
  if (structural.length === 0) return undefined;
  const first = structural.find((action) => !CONTROL_ACTION.test(text.slice(action.start, action.end))) ?? structural[0];
  const chars = text.split('');
  const blank = (start: number, end: number) => {
    for (let i = start; i < end; i++) if (chars[i] !== '\n' && chars[i] !== '\r') chars[i] = ' ';
  };
  // A line is the action's alone when all else on its lines is whitespace or other actions: blank them all.
  const covered = text.split('');
  for (const action of actions) for (let i = action.start; i < action.end; i++) if (covered[i] !== '\n') covered[i] = ' ';
  const coveredText = covered.join('');
  const aloneOnItsLines = (action: Action) => {
    const lineStart = text.lastIndexOf('\n', action.start - 1) + 1;
    return isBlankText(coveredText.slice(lineStart, lineEndAt(text, action.end)));
  };
  const structureActions: number[] = [];
  for (const action of actions) {
    const written = text.slice(action.start, action.end);
    const control = CONTROL_ACTION.test(written);
    const alone = aloneOnItsLines(action);
    if (!control && (alone || RENDERS_STRUCTURE.test(written))) structureActions.push(action.start);
    // `labels: {{- include "labels" . | nindent 4 }}` renders the block its key holds: the key is left to the
    // lines after it, as when the action has a line of its own.
    const rendersBlock = !control && RENDERS_LINES.test(written) && isBlankText(coveredText.slice(action.end, lineEndAt(text, action.end)));
    if (alone || control || rendersBlock) {
      blank(action.start, action.end);
      continue;
    }
    // An inline action: its first line's part becomes the placeholder, the rest of a multi-line action blank.
    const firstLineEnd = Math.min(lineEndAt(text, action.start), action.end);
    const replacement = placeholder(written, firstLineEnd - action.start, firstLineEnd < action.end || scalarEndsAt(text, action.end));
    for (let i = 0; i < replacement.length; i++) chars[action.start + i] = replacement[i];
    blank(firstLineEnd, action.end);
  }
  return {
    readText: chars.join(''),
    firstAction: { start: first.start, end: first.end },
    firstActionText: text.slice(first.start, first.end),
    structureActions,
  };
}

// The protocol fuzzer: types random edits into real YAML through the language server, as a person would,
// and checks that the server stays up, answers, keeps its diagnostics inside the document, and ends where it
// started once every edit is undone. One engine for `npm run fuzz` (long) and the seeded test (short).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import { LineIndex } from '../../server/src/parse/text';
import { isYamlFile, readYamlText } from '../../server/src/workspace/scan';
import { type Diagnostic, fileUri, LspTestClient } from './lspClient';

/** Deterministic random numbers (mulberry32): a seed replays a run exactly. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/** Replace `text.slice(start, end)` with `insert`. */
export interface Edit {
  start: number;
  end: number;
  insert: string;
}

export function applyEdit(text: string, edit: Edit): string {
  return text.slice(0, edit.start) + edit.insert + text.slice(edit.end);
}

/** The edit that takes `applyEdit(text, edit)` back to `text`. */
export function inverseEdit(text: string, edit: Edit): Edit {
  return { start: edit.start, end: edit.start + edit.insert.length, insert: text.slice(edit.start, edit.end) };
}

const PUNCTUATION = [
  ':',
  ': ',
  '- ',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  ',',
  '&anchor ',
  '*anchor',
  '!!str ',
  '!!binary ',
  '|',
  '>-',
  '\n---\n',
  '\n...\n',
  '# ',
  '%YAML 1.2\n',
  '? ',
  '<<: *anchor\n',
  '${CLUSTER}',
  '\\',
  '@',
  '`',
];
const SWAPPED_VALUES = [
  '[]',
  '{}',
  '42',
  '-1.5e9',
  'true',
  'null',
  '~',
  '"quoted"',
  "'single'",
  '[a, b]',
  '{a: 1}',
  '\n  - item',
  '|\n  block',
  '0x1F',
  '2026-11-24',
  '.inf',
];
const RANDOM_UNITS = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\u001b',
  '\r',
  '\r\n',
  '\u2028',
  '\u00a0',
  '\ufeff',
  '\ufffd',
  '\ud800',
  '\udc00',
  '😀',
  'é',
  '\u200b',
  '\t',
];

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** The random edits: each kind of damage a half-typed, pasted or generated file shows. */
export const MUTATIONS: Record<string, (text: string, rng: Rng) => Edit> = {
  deletion(text, rng) {
    const start = rng.int(text.length + 1);
    return { start, end: Math.min(text.length, start + 1 + rng.int(24)), insert: '' };
  },
  punctuation(text, rng) {
    const at = rng.int(text.length + 1);
    return { start: at, end: at, insert: rng.pick(PUNCTUATION) };
  },
  indentation(text, rng) {
    const at = rng.pick(lineStarts(text));
    const spaces = /^ */.exec(text.slice(at))![0].length;
    if (spaces > 0 && rng.next() < 0.5) return { start: at, end: at + Math.min(spaces, 1 + rng.int(4)), insert: '' };
    return { start: at, end: at, insert: ' '.repeat(1 + rng.int(4)) };
  },
  duplicatedKey(text, rng) {
    const starts = lineStarts(text);
    const keyLines = starts.filter((start) => /^\s*[\w.-]+:/.test(text.slice(start, start + 200)));
    const start = keyLines.length > 0 ? rng.pick(keyLines) : rng.pick(starts);
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end < 0 ? text.length : end + 1);
    return { start, end: start, insert: line.endsWith('\n') ? line : line + '\n' };
  },
  tab(text, rng) {
    const at = rng.next() < 0.7 ? rng.pick(lineStarts(text)) : rng.int(text.length + 1);
    return { start: at, end: at, insert: '\t' };
  },
  typeSwap(text, rng) {
    const values = [...text.matchAll(/: +([^\n#]+)/g)];
    if (values.length === 0) return MUTATIONS.punctuation(text, rng);
    const match = rng.pick(values);
    const start = match.index! + match[0].length - match[1].length;
    return { start, end: start + match[1].length, insert: rng.pick(SWAPPED_VALUES) };
  },
  truncation(text, rng) {
    return { start: rng.int(text.length + 1), end: text.length, insert: '' };
  },
  randomBytes(text, rng) {
    const at = rng.int(text.length + 1);
    let insert = '';
    for (let n = 1 + rng.int(6); n > 0; n--) insert += rng.next() < 0.5 ? rng.pick(RANDOM_UNITS) : String.fromCharCode(rng.int(0x3000));
    return { start: at, end: at, insert };
  },
};

/** Truncation throws most of a file away: rarer than the small edits. */
const MUTATION_WEIGHTS: [keyof typeof MUTATIONS, number][] = [
  ['deletion', 5],
  ['punctuation', 6],
  ['indentation', 4],
  ['duplicatedKey', 2],
  ['tab', 2],
  ['typeSwap', 4],
  ['truncation', 1],
  ['randomBytes', 3],
];

/** An offset between the `\r` and the `\n` of a line break, which no editor sends (the server moves it before the `\r`). */
function splitsLineBreak(text: string, offset: number): boolean {
  return text.charCodeAt(offset - 1) === 13 && text.charCodeAt(offset) === 10;
}

/** An edit an editor could send: neither it nor its undo has an end inside a `\r\n`. */
function isEditorEdit(text: string, edit: Edit): boolean {
  const after = applyEdit(text, edit);
  return (
    !splitsLineBreak(text, edit.start) &&
    !splitsLineBreak(text, edit.end) &&
    !splitsLineBreak(after, edit.start) &&
    !splitsLineBreak(after, edit.start + edit.insert.length)
  );
}

function pickMutation(rng: Rng): keyof typeof MUTATIONS {
  let roll = rng.int(MUTATION_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0));
  for (const [kind, weight] of MUTATION_WEIGHTS) {
    if (roll < weight) return kind;
    roll -= weight;
  }
  throw new Error('unreachable');
}

export function randomEdit(text: string, rng: Rng): { kind: string; edit: Edit } {
  for (;;) {
    const kind = pickMutation(rng);
    const edit = MUTATIONS[kind](text, rng);
    if (isEditorEdit(text, edit)) return { kind, edit };
  }
}

/**
 * Delta debugging: the smallest sublist of `items` (by removing chunks, then single items) for which `fails`
 * still holds. `fails(items)` must hold on entry; at most `maxTries` calls.
 */
export async function minimize<T>(items: readonly T[], fails: (candidate: T[]) => Promise<boolean>, maxTries = 80): Promise<T[]> {
  let current = [...items];
  let chunks = 2;
  let tries = 0;
  while (current.length > 1 && tries < maxTries) {
    const size = Math.ceil(current.length / chunks);
    let reduced = false;
    for (let start = 0; start < current.length && tries < maxTries; start += size) {
      const candidate = [...current.slice(0, start), ...current.slice(start + size)];
      tries++;
      if (await fails(candidate)) {
        current = candidate;
        chunks = Math.max(2, chunks - 1);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (size === 1) break;
      chunks = Math.min(current.length, chunks * 2);
    }
  }
  return current;
}

export interface FuzzOptions {
  seed: number;
  /** YAML files the edits start from. */
  corpus: string[];
  /** Workspace folders the server indexes (the files around the edited one). */
  roots: string[];
  documents: number;
  editsPerDocument: number;
  /** Every request and every analysis must be answered within this. */
  answerWithinMs?: number;
  /** No new document is started after this many milliseconds. */
  timeBudgetMs?: number;
  log?: (line: string) => void;
}

export interface FuzzFailure {
  seed: number;
  file: string;
  kind: 'crash' | 'no-answer' | 'diagnostic-outside-document' | 'request-failed' | 'rule-error' | 'undo-differs';
  detail: string;
  /** The smallest text (or, for undo-differs, the original text and edits) that shows the failure again. */
  reproduction: string;
}

export interface FuzzReport {
  seed: number;
  documents: number;
  edits: number;
  requests: number;
  failures: FuzzFailure[];
  /** Answers later than the limit that did not come late again when the same text was retried. */
  unconfirmedSlowAnswers: number;
  elapsedMs: number;
}

type Range = Diagnostic['range'];

function rangeOf(text: string, edit: Edit): Range {
  const lines = new LineIndex(text);
  return { start: lines.positionAt(edit.start), end: lines.positionAt(edit.end) };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new NoAnswer(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

class NoAnswer extends Error {}
class CheckFailed extends Error {
  constructor(
    readonly kind: FuzzFailure['kind'],
    message: string,
  ) {
    super(message);
  }
}

/** Diagnostics must point into the text they were computed for. */
function outsideDocument(text: string, diagnostics: Diagnostic[]): string | undefined {
  const lines = new LineIndex(text);
  const lineLength = (line: number) => (line + 1 < lines.lineCount ? lines.lineStart(line + 1) : text.length) - lines.lineStart(line);
  for (const d of diagnostics) {
    const { start, end } = d.range;
    const inside = (p: Range['start']) => p.line >= 0 && p.character >= 0 && p.line < lines.lineCount && p.character <= lineLength(p.line);
    if (!inside(start) || !inside(end) || start.line > end.line || (start.line === end.line && start.character > end.character)) {
      return `${d.code} at ${JSON.stringify(d.range)} in a document of ${lines.lineCount} lines`;
    }
  }
  return undefined;
}

const RULE_FAILURE_LOG = /failed and was skipped|internal error|could not be built/;
const INTERNAL_ERROR = -32603;

/** Drives one server through the edits of many documents; restarts it (and records a crash) if it dies. */
class FuzzSession {
  client!: LspTestClient;
  edits = 0;
  requests = 0;
  private logCursor = 0;
  private readonly answerWithinMs: number;
  private otherFiles: Map<string, string> | undefined;

  constructor(readonly options: FuzzOptions) {
    this.answerWithinMs = options.answerWithinMs ?? 2000;
  }

  async start(): Promise<void> {
    this.client = await LspTestClient.start(this.options.roots);
    this.logCursor = 0;
    // The first analysis pays for start-up (indexing, compiling schemas): the answer-time limit is about
    // typing, so wait for one analysed document before the clock starts.
    const warmUp = join(this.options.roots[0] ?? '/', 'istio-mesh-fuzz-warm-up.yaml');
    this.client.open(warmUp, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: warm-up\n');
    await this.client.waitForDiagnostics(warmUp, () => this.client.diagnosticsVersions.get(fileUri(warmUp)) === 1, 120_000);
    this.client.close(warmUp);
  }

  async restartIfDead(): Promise<void> {
    if (!this.alive()) {
      await this.client.stop().catch(() => undefined);
      await this.start();
    }
  }

  alive(): boolean {
    return this.client.process.exitCode === null && this.client.process.signalCode === null;
  }

  async stop(): Promise<void> {
    await this.client.stop();
  }

  private assertAlive(): void {
    if (!this.alive()) throw new CheckFailed('crash', `the server exited (code ${this.client.process.exitCode}, signal ${this.client.process.signalCode})`);
  }

  /** Waits for the diagnostics of the document's current version and checks them against its text. */
  async settled(path: string, text: string): Promise<Diagnostic[]> {
    const uri = fileUri(path);
    const version = this.client.version(path);
    try {
      const diagnostics = await this.client.waitForDiagnostics(path, () => this.client.diagnosticsVersions.get(uri) === version, this.answerWithinMs);
      const outside = outsideDocument(text, diagnostics);
      if (outside) throw new CheckFailed('diagnostic-outside-document', outside);
      return diagnostics;
    } catch (error) {
      if (error instanceof CheckFailed) throw error;
      this.assertAlive();
      throw new CheckFailed('no-answer', `no diagnostics for version ${version} within ${this.answerWithinMs} ms`);
    }
  }

  /** The requests an editor sends while typing; each must be answered in time, and not with an internal error. */
  async probeRequests(path: string, text: string, rng: Rng, diagnostics: Diagnostic[]): Promise<void> {
    const lines = new LineIndex(text);
    const position = lines.positionAt(rng.int(text.length + 1));
    const textDocument = { uri: fileUri(path) };
    const requests: [string, unknown][] = [
      ['textDocument/hover', { textDocument, position }],
      ['textDocument/completion', { textDocument, position }],
    ];
    if (diagnostics.length > 0) {
      const diagnostic = rng.pick(diagnostics);
      requests.push(['textDocument/codeAction', { textDocument, range: diagnostic.range, context: { diagnostics: [diagnostic] } }]);
    }
    for (const [method, params] of requests) {
      this.requests++;
      try {
        await withTimeout(this.client.request(method, params), this.answerWithinMs, method);
      } catch (error) {
        this.assertAlive();
        if (error instanceof NoAnswer) throw new CheckFailed('no-answer', error.message);
        if ((error as { code?: number }).code === INTERNAL_ERROR) {
          throw new CheckFailed('request-failed', `${method} at ${position.line + 1}:${position.character + 1}: ${(error as Error).message.split('\n')[0]}`);
        }
      }
    }
  }

  /** Log lines that say a rule or the server failed, since the last call. */
  newFailureLogs(): string[] {
    const fresh = this.client.logs.slice(this.logCursor);
    this.logCursor = this.client.logs.length;
    return fresh.filter((line) => RULE_FAILURE_LOG.test(line));
  }

  async open(path: string, text: string): Promise<Diagnostic[]> {
    this.client.open(path, text);
    return this.settled(path, text);
  }

  edit(path: string, text: string, edit: Edit): string {
    this.client.edit(path, rangeOf(text, edit), edit.insert);
    this.edits++;
    return applyEdit(text, edit);
  }

  close(path: string): void {
    if (this.alive()) this.client.close(path);
  }

  /** The workspace around the edited file, for replaying a rule failure in-process. */
  workspaceTexts(): Map<string, string> {
    if (!this.otherFiles) {
      this.otherFiles = new Map();
      for (const root of this.options.roots) {
        for (const path of yamlFilesUnder(root)) {
          const read = readYamlText(path);
          if ('text' in read) this.otherFiles.set(path, read.text);
        }
      }
    }
    return this.otherFiles;
  }
}

export function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (name === 'node_modules' || name.startsWith('.')) return [];
      if (statSync(path).isDirectory()) return yamlFilesUnder(path);
      return isYamlFile(name) ? [path] : [];
    });
}

/** Rule failures the engine logs for `text` at `path`, analysed with the files around it, in-process. */
function ruleFailuresInProcess(session: FuzzSession, path: string, text: string): string[] {
  const logs: string[] = [];
  const workspace = new Workspace(session.options.roots);
  for (const [other, otherText] of session.workspaceTexts()) if (other !== path) workspace.setFile(other, otherText);
  workspace.setFile(path, text);
  new Analyzer(undefined, (message) => logs.push(message)).analyze(workspace, { roots: [...workspace.roots], clusters: [] });
  return logs;
}

const toLines = (text: string) => text.split(/(?<=\n)/);

/**
 * Reduces the failing text to the fewest lines that still fail the same way; undefined when the whole text
 * does not fail again (a slow answer on a loaded machine, not a property of the input).
 */
async function reproduce(session: FuzzSession, path: string, failure: CheckFailed, text: string, rng: Rng): Promise<string | undefined> {
  if (failure.kind === 'rule-error') {
    const lines = await minimize(toLines(text), async (candidate) => ruleFailuresInProcess(session, path, candidate.join('')).length > 0);
    return lines.join('');
  }
  const stillFails = async (candidate: string[]): Promise<boolean> => {
    await session.restartIfDead();
    const candidateText = candidate.join('');
    session.close(path);
    try {
      const diagnostics = await session.open(path, candidateText);
      if (failure.kind === 'request-failed' || failure.kind === 'no-answer') {
        for (let i = 0; i < 5; i++) await session.probeRequests(path, candidateText, rng, diagnostics);
      }
      return false;
    } catch (error) {
      return error instanceof CheckFailed && error.kind === failure.kind;
    }
  };
  // A late answer counts only if it is late every time: on a busy machine one late answer says little.
  const confirmations = failure.kind === 'no-answer' ? 3 : 1;
  for (let attempt = 0; attempt < confirmations; attempt++) {
    if (!(await stillFails(toLines(text)))) return failure.kind === 'no-answer' ? undefined : text;
  }
  const lines = await minimize(toLines(text), stillFails, 40);
  return lines.join('');
}

/** `edits` replayed on `original` (offsets clamped, as a subset of the edits no longer lines up) and undone. */
async function undoDiffers(session: FuzzSession, path: string, original: string, edits: Edit[]): Promise<boolean> {
  await session.restartIfDead();
  session.close(path);
  try {
    const initial = await session.open(path, original);
    const texts = [original];
    for (const edit of edits) {
      const text = texts[texts.length - 1];
      const start = Math.min(edit.start, text.length);
      const clamped = { start, end: Math.min(Math.max(edit.end, start), text.length), insert: edit.insert };
      if (!isEditorEdit(text, clamped)) continue;
      texts.push(session.edit(path, text, clamped));
    }
    let text = texts[texts.length - 1];
    for (let i = texts.length - 1; i > 0; i--) {
      const before = texts[i - 1];
      // The edit that produced texts[i] from before, recovered from the two texts.
      let prefix = 0;
      while (prefix < before.length && prefix < texts[i].length && before[prefix] === texts[i][prefix]) prefix++;
      let suffix = 0;
      while (
        suffix < before.length - prefix &&
        suffix < texts[i].length - prefix &&
        before[before.length - 1 - suffix] === texts[i][texts[i].length - 1 - suffix]
      )
        suffix++;
      const undo = { start: prefix, end: texts[i].length - suffix, insert: before.slice(prefix, before.length - suffix) };
      text = isEditorEdit(text, undo) ? session.edit(path, text, undo) : session.edit(path, text, { start: 0, end: text.length, insert: before });
    }
    const restored = await session.settled(path, text);
    return JSON.stringify(restored) !== JSON.stringify(initial);
  } catch {
    return false;
  }
}

/** Runs the fuzzer. Failures are collected (each with its seed and reproduction), never thrown. */
export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const rng = new Rng(options.seed);
  const session = new FuzzSession(options);
  const failures: FuzzFailure[] = [];
  let documents = 0;
  let unconfirmedSlowAnswers = 0;
  await session.start();
  try {
    for (let n = 0; n < options.documents && options.corpus.length > 0; n++) {
      if (options.timeBudgetMs !== undefined && Date.now() - started > options.timeBudgetMs) break;
      const path = rng.pick(options.corpus);
      const original = readFileSync(path, 'utf8');
      documents++;
      const record = (kind: FuzzFailure['kind'], detail: string, reproduction: string) => {
        failures.push({ seed: options.seed, file: path, kind, detail, reproduction });
        log(`FAILURE ${kind} in ${path} (seed ${options.seed}): ${detail}\n--- reproduction ---\n${reproduction}\n--- end ---`);
      };
      let text = original;
      const applied: Edit[] = [];
      try {
        const initial = await session.open(path, text);
        for (let i = 0; i < options.editsPerDocument; i++) {
          // Sometimes several keystrokes arrive before the server has analysed the first.
          for (let burst = rng.next() < 0.25 ? 2 + rng.int(3) : 1; burst > 0; burst--) {
            const { edit } = randomEdit(text, rng);
            applied.push(edit);
            text = session.edit(path, text, edit);
          }
          const diagnostics = await session.settled(path, text);
          await session.probeRequests(path, text, rng, diagnostics);
          const failed = session.newFailureLogs();
          if (failed.length > 0) throw new CheckFailed('rule-error', failed[0].split('\n')[0]);
        }
        // Undo as fast as a person holding ctrl+z: only the end state is awaited.
        const texts = [original];
        for (const edit of applied) texts.push(applyEdit(texts[texts.length - 1], edit));
        for (let i = applied.length - 1; i >= 0; i--) text = session.edit(path, text, inverseEdit(texts[i], applied[i]));
        const restored = await session.settled(path, text);
        if (text !== original) throw new Error("the fuzzer's own undo is wrong");
        if (JSON.stringify(restored) !== JSON.stringify(initial)) {
          const detail = `after undoing ${applied.length} edits: ${JSON.stringify(initial.map((d) => d.code))} became ${JSON.stringify(restored.map((d) => d.code))}`;
          const fewest = await minimize(applied, (subset) => undoDiffers(session, path, original, subset), 30);
          record('undo-differs', detail, `${JSON.stringify(original)}\nedits (start, end, insert), then undone: ${JSON.stringify(fewest)}`);
        }
      } catch (error) {
        if (!(error instanceof CheckFailed)) throw error;
        const failedText = text;
        const reproduction = await reproduce(session, path, error, failedText, new Rng(options.seed)).catch((e) => `(could not minimise: ${e}) ${failedText}`);
        if (reproduction === undefined) {
          unconfirmedSlowAnswers++;
          log(`slow answer in ${path} (${error.message}) did not happen again with the same text: the machine was busy`);
        } else {
          record(error.kind, error.message, JSON.stringify(reproduction));
        }
        await session.restartIfDead();
        session.newFailureLogs();
      } finally {
        session.close(path);
      }
    }
  } finally {
    await session.stop();
  }
  return { seed: options.seed, documents, edits: session.edits, requests: session.requests, failures, unconfirmedSlowAnswers, elapsedMs: Date.now() - started };
}

/** The fuzzer's starting texts: YAML files of these folders up to `maxBytes` each, in a stable order. */
export function fuzzCorpus(folders: string[], maxBytes = 256 * 1024): string[] {
  return folders.flatMap((folder) => yamlFilesUnder(folder).filter((path) => statSync(path).size <= maxBytes));
}

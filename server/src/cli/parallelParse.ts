import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { type ParseOptions, parseYamlFile, type YamlFile, yamlFileFromParts, type YamlFileParts, yamlFileParts } from '../parse/yamlFile';
import { readYamlText } from '../workspace/scan';

/*
 * `istio-mesh check` on a large tree spends a third of its time parsing YAML, on one core. One worker thread parses
 * files meanwhile and posts each parsed file back (structured clone); taking one costs the main thread about half
 * of parsing it itself, which still saves 18% of a 200-cluster run (docs/performance.md, "The CLI on two cores").
 */

/** How the CLI parses: values are not compacted (see ParseOptions), a run is over before the memory matters. */
export const CLI_PARSE_OPTIONS: ParseOptions = { compactValues: false };

export interface ParallelParseOptions {
  /** 1: every file is parsed on the main thread. More: one worker thread parses a share of them. */
  jobs: number;
  /** The worker starts only when the files to parse hold at least this many bytes (below, starting it costs more than it saves). */
  minBytes: number;
  /** The worker's script; parseWorker.js next to this module (dist/ in the bundle, out/ when compiled by tsc) by default. */
  workerScript?: string;
}

/**
 * The worker takes 60–150 ms to start, in which the main thread parses about 2 MB: below that the worker would
 * get no file and only cost its start (docs/performance.md, "The CLI on two cores").
 */
export const DEFAULT_PARALLEL_MIN_BYTES = 2 * 1024 * 1024;

/** How often the main thread, parsing its share, lets the worker's parsed files in (they queue until it does). */
const YIELD_INTERVAL_MS = 5;

export type ReadOutcome = { path: string; yaml: YamlFile } | { path: string; skipped: string };

/** One file read by readYamlText's rules (size, binary, UTF-8) and parsed: what both threads do per file. */
export function readAndParse(path: string, maxFileSize: number | undefined): ReadOutcome {
  const read = readYamlText(path, maxFileSize);
  return 'skipped' in read ? { path, skipped: read.skipped } : { path, yaml: parseYamlFile(path, read.text, CLI_PARSE_OPTIONS) };
}

/** What the main thread gives the worker (workerData). */
export interface ParseWorkerInput {
  /** The files to parse, in the order both threads take them. */
  queue: string[];
  /** Int32Array over a SharedArrayBuffer: [0] is the index of the next file to take, for either thread. */
  next: Int32Array;
  maxFileSize: number | undefined;
}

/** What the worker posts, one message per file it took. `failed`: the file's values could not be cloned. */
export type ParseWorkerMessage =
  { kind: 'parsed'; parts: YamlFileParts } | { kind: 'skipped'; path: string; reason: string } | { kind: 'failed'; path: string };

export function parseWorkerMessage(outcome: ReadOutcome): ParseWorkerMessage {
  return 'skipped' in outcome ? { kind: 'skipped', path: outcome.path, reason: outcome.skipped } : { kind: 'parsed', parts: yamlFileParts(outcome.yaml) };
}

/** The index of the next file of the queue to parse, for whichever thread asks: each file is taken once. */
export function takeNext(next: Int32Array): number {
  return Atomics.add(next, 0, 1);
}

export interface ReadFiles {
  /** One per path, in the order of the paths. */
  outcomes: ReadOutcome[];
  /** How many of them the worker thread parsed (0 when it did not run, or did not get to any). */
  parsedByWorker: number;
}

/**
 * Reads and parses `paths` (each once), sharing the work with a worker thread when there is enough of it. Both
 * threads take files from one queue, largest first, so they finish together however busy the machine is.
 * Whatever the worker does not deliver (it could not start, died, or could not post a file) the main thread
 * parses itself: the result is the same, only later.
 */
export async function readYamlFiles(paths: readonly string[], maxFileSize: number | undefined, options: ParallelParseOptions): Promise<ReadFiles> {
  const sizes = new Map(paths.map((path) => [path, parsedBytes(path, maxFileSize)]));
  const total = [...sizes.values()].reduce((sum, size) => sum + size, 0);
  if (options.jobs <= 1 || paths.length < 2 || total < options.minBytes) {
    return { outcomes: paths.map((path) => readAndParse(path, maxFileSize)), parsedByWorker: 0 };
  }
  // Largest first: the last files either thread takes are small, so neither waits long for the other.
  const queue = [...paths].sort((a, b) => sizes.get(b)! - sizes.get(a)!);
  const next = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const worker = startParseWorker({ queue, next, maxFileSize }, options.workerScript ?? join(__dirname, 'parseWorker.js'));
  const outcomes = new Map<string, ReadOutcome>();
  try {
    let yielded = performance.now();
    for (let index = takeNext(next); index < queue.length; index = takeNext(next)) {
      outcomes.set(queue[index], readAndParse(queue[index], maxFileSize));
      if (performance.now() - yielded > YIELD_INTERVAL_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        yielded = performance.now();
      }
    }
    // The queue is empty: every file the main thread did not take, the worker took.
    const delivered = await worker.deliveries(queue.filter((path) => !outcomes.has(path)));
    let parsedByWorker = 0;
    for (const path of queue) {
      if (outcomes.has(path)) continue;
      const fromWorker = delivered.get(path);
      if (fromWorker) parsedByWorker++;
      outcomes.set(path, fromWorker ?? readAndParse(path, maxFileSize));
    }
    return { outcomes: paths.map((path) => outcomes.get(path)!), parsedByWorker };
  } finally {
    void worker.stop();
  }
}

/** The bytes a file will be parsed from: none when it will be skipped (too large) or cannot be read. */
function parsedBytes(path: string, maxFileSize: number | undefined): number {
  try {
    const size = statSync(path).size;
    return maxFileSize !== undefined && size > maxFileSize ? 0 : size;
  } catch {
    return 0;
  }
}

export interface ParseWorker {
  /**
   * The files the worker delivered, by path, once it has delivered (or given up on) each of `paths`, or has
   * ended (it died, or could not start): a file missing from the map is the caller's to parse.
   */
  deliveries(paths: readonly string[]): Promise<ReadonlyMap<string, ReadOutcome>>;
  /** Ends the thread (it would otherwise stay idle, or finish a file nobody waits for). */
  stop(): Promise<number>;
}

export function startParseWorker(input: ParseWorkerInput, script: string): ParseWorker {
  const delivered = new Map<string, ReadOutcome>();
  /** Files the worker has posted (parsed, skipped or failed). */
  const given = new Set<string>();
  let ended = false;
  let awaited: { paths: ReadonlySet<string>; missing: number; resolve: () => void } | undefined;
  const settleIfDone = () => {
    if (awaited && (ended || awaited.missing === 0)) awaited.resolve();
  };
  let worker: Worker | undefined;
  try {
    worker = new Worker(script, { workerData: input });
  } catch {
    ended = true;
  }
  worker?.on('message', (message: ParseWorkerMessage) => {
    const path = message.kind === 'parsed' ? message.parts.file : message.path;
    if (message.kind === 'parsed') delivered.set(path, { path, yaml: yamlFileFromParts(message.parts) });
    else if (message.kind === 'skipped') delivered.set(path, { path, skipped: message.reason });
    given.add(path);
    if (awaited?.paths.has(path)) awaited.missing--;
    settleIfDone();
  });
  // A worker that fails to start or throws emits `error`, then `exit`: the main thread takes over, silently.
  const end = () => {
    ended = true;
    settleIfDone();
  };
  worker?.on('error', end);
  worker?.on('exit', end);
  return {
    deliveries: (paths) =>
      new Promise((resolve) => {
        const waitingFor = new Set(paths);
        awaited = { paths: waitingFor, missing: [...waitingFor].filter((path) => !given.has(path)).length, resolve: () => resolve(delivered) };
        settleIfDone();
      }),
    stop: async () => (worker ? worker.terminate() : 0),
  };
}

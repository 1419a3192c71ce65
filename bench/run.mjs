// The performance benchmark (npm run bench). For each generated mesh it measures, as median and p95 over runs:
//   1 cold start: server spawn to the first complete set of diagnostics for the workspace
//   2 keystrokes: didChange (a meshID, an unrelated field) to the publishDiagnostics of that version
//   3 the CLI's `check` on the whole tree
//   4 the server's peak memory (RSS)
//   5 parse only: js-yaml loadAll (the floor) and the `yaml` package's documents
//   6 yaml-language-server alone validating the same files with the same schemas (the peer)
// and prints a table plus the ratios (1)/(5), (3)/(5) and ours/(6); JSON goes to bench/results/.
//
//   node bench/run.mjs [--quick] [--models multi-primary,primary-remote] [--clusters 2,10,50,200] [--apps 20,200]
//                      [--runs N] [--keystrokes N] [--no-peer] [--server-only] [--peer-max-mb 80] [--peer-heap-mb 4096] [--profile-server DIR]
//                      [--server-node-args "..."] [--keystroke-kinds meshID,unrelated]
// --server-node-args "--flag ..." starts the server with these node options (V8 flags to try).
// --server-only measures (1), (2) and (4) alone: the quick loop while working on the language server.
// --profile-server writes a CPU profile of each server run (node --cpu-prof) to DIR.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';

import { BENCH_DIR, generateMesh, MODELS } from './generate.mjs';

const REPO_ROOT = join(BENCH_DIR, '..');
const SERVER = join(REPO_ROOT, 'dist', 'server.js');
const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const RESULTS_DIR = join(BENCH_DIR, 'results');

function parseArgs(argv) {
  const quick = argv.includes('--quick');
  const options = {
    models: MODELS,
    clusters: quick ? [2, 10] : [2, 10, 50, 200],
    apps: quick ? [20] : [20, 200],
    runs: quick ? 3 : undefined,
    keystrokes: quick ? 10 : 20,
    peer: true,
    serverOnly: false,
    keystrokeKinds: undefined,
    peerMaxMB: 80,
    peerHeapMB: 4096,
    serverNodeArgs: [],
    quick,
  };
  const list = (value) =>
    value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const next = () => argv[++i];
    switch (argv[i]) {
      case '--quick':
        break;
      case '--models':
        options.models = list(next());
        break;
      case '--clusters':
        options.clusters = list(next()).map(Number);
        break;
      case '--apps':
        options.apps = list(next()).map(Number);
        break;
      case '--runs':
        options.runs = Number(next());
        break;
      case '--keystrokes':
        options.keystrokes = Number(next());
        break;
      case '--no-peer':
        options.peer = false;
        break;
      case '--server-only':
        options.serverOnly = true;
        options.peer = false;
        break;
      case '--keystroke-kinds':
        options.keystrokeKinds = list(next());
        break;
      case '--peer-max-mb':
        options.peerMaxMB = Number(next());
        break;
      case '--peer-heap-mb':
        options.peerHeapMB = Number(next());
        break;
      case '--profile-server':
        options.serverNodeArgs.push('--cpu-prof', `--cpu-prof-dir=${next()}`);
        break;
      case '--server-node-args':
        options.serverNodeArgs.push(...next().split(' ').filter(Boolean));
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return options;
}

// ---------- statistics ----------

function percentile(values, p) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

const summary = (values) => ({ median: percentile(values, 50), p95: percentile(values, 95), n: values.length });

// ---------- processes ----------

/** Runs a node script to its end; resolves with its wall time, stdout and peak RSS (from /proc while it runs). */
function timeProcess(args, nodeArgs = []) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0 && code !== 1) reject(Object.assign(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(0, 2000)}`), { stderr }));
      else resolve({ ms, stdout });
    });
  });
}

/** VmHWM: the peak resident set size of a live process, in MB. */
function peakRssMB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : undefined;
}

// ---------- the language server over the protocol ----------

const fileUri = (path) => pathToFileURL(path).toString();

class ServerSession {
  constructor(root, nodeArgs = []) {
    this.root = root;
    this.published = new Map();
    this.waiters = [];
    this.spawnedAt = performance.now();
    this.child = spawn(process.execPath, [...nodeArgs, SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', () => {});
    this.connection = createMessageConnection(new StreamMessageReader(this.child.stdout), new StreamMessageWriter(this.child.stdin));
    this.connection.onNotification('textDocument/publishDiagnostics', (params) => {
      this.published.set(params.uri, params);
      this.lastPublishAt = performance.now();
      for (const waiter of [...this.waiters]) waiter(params);
    });
    this.connection.onNotification('window/logMessage', () => {});
    this.connection.onRequest('workspace/configuration', (params) =>
      params.items.map((item) => (item.section === 'files.exclude' ? {} : item.section === 'istioMesh' ? {} : null)),
    );
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onNotification('$/progress', () => {});
    this.connection.listen();
  }

  async initialize() {
    await this.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: fileUri(this.root),
      workspaceFolders: [{ uri: fileUri(this.root), name: 'mesh' }],
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, workspaceFolders: true },
        textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true } },
        window: { workDoneProgress: true },
      },
    });
    await this.connection.sendNotification('initialized', {});
  }

  /** Resolves with the first publication that satisfies `predicate` (checked against what was already published too). */
  waitFor(predicate, timeoutMs = 600_000) {
    return new Promise((resolve, reject) => {
      const waiter = (params) => {
        if (!predicate(params)) return false;
        this.waiters = this.waiters.filter((w) => w !== waiter);
        clearTimeout(timer);
        resolve(params);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching publishDiagnostics within ${timeoutMs} ms`));
      }, timeoutMs);
      for (const params of this.published.values()) if (waiter(params)) return;
      this.waiters.push(waiter);
    });
  }

  /** Resolves once every one of `count` files has diagnostics: the first complete set. */
  async waitForAllFiles(count) {
    await this.waitFor(() => this.published.size >= count);
    return performance.now() - this.spawnedAt;
  }

  /** Waits until the server has published nothing for `quietMs`, so one measurement does not bleed into the next. */
  async settle(quietMs = 100) {
    for (;;) {
      const since = performance.now() - (this.lastPublishAt ?? 0);
      if (since >= quietMs) return;
      await new Promise((r) => setTimeout(r, quietMs - since));
    }
  }

  open(path) {
    const text = readFileSync(path, 'utf8');
    const document = { uri: fileUri(path), version: 1, text };
    this.connection.sendNotification('textDocument/didOpen', { textDocument: { ...document, languageId: 'yaml' } });
    return document;
  }

  /** Replaces `from` with `to` once in the document (an incremental change, as an editor sends), and times the round trip. */
  async keystroke(document, from, to) {
    const offset = document.text.indexOf(from);
    if (offset < 0) throw new Error(`"${from}" is not in ${document.uri}`);
    const before = document.text.slice(0, offset);
    const line = before.split('\n').length - 1;
    const character = offset - (before.lastIndexOf('\n') + 1);
    document.text = before + to + document.text.slice(offset + from.length);
    document.version++;
    const version = document.version;
    const started = performance.now();
    const published = this.waitFor((p) => p.uri === document.uri && p.version === version);
    this.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: document.uri, version },
      contentChanges: [{ range: { start: { line, character }, end: { line, character: character + from.length } }, text: to }],
    });
    await published;
    return performance.now() - started;
  }

  async stop() {
    const peak = peakRssMB(this.child.pid);
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 5000))]);
      this.connection.sendNotification('exit');
    } catch {
      // the process is killed below anyway
    }
    await new Promise((r) => setTimeout(r, 200));
    if (this.child.exitCode === null) this.child.kill();
    this.connection.dispose();
    return peak;
  }
}

/** The two kinds of keystroke the issue names: one that changes the mesh's identity, one that changes nothing that matters. */
const KEYSTROKES = {
  meshID: { file: (dir) => join(dir, 'cluster1', 'istio-operator.yaml'), values: ['meshID: mesh1', 'meshID: mesh2'] },
  unrelated: { file: (dir) => join(dir, 'cluster1', 'apps', 'team-00.yaml'), values: ['perTryTimeout: 500ms', 'perTryTimeout: 750ms'] },
};

async function measureServer(mesh, keystrokes, nodeArgs, kinds = Object.keys(KEYSTROKES)) {
  const session = new ServerSession(mesh.dir, nodeArgs);
  await session.initialize();
  const coldStartMs = await session.waitForAllFiles(mesh.files);
  await session.settle();
  // Indexing and the first analysis, or the keystrokes after them: which one sets the peak says what to shrink.
  const coldStartPeakMB = peakRssMB(session.child.pid);
  const latencies = {};
  for (const [name, spec] of Object.entries(KEYSTROKES).filter(([name]) => kinds.includes(name))) {
    const document = session.open(spec.file(mesh.dir));
    await session.waitFor((p) => p.uri === document.uri && p.version === 1);
    await session.settle();
    latencies[name] = [];
    for (let i = 0; i < keystrokes; i++) {
      const [from, to] = i % 2 === 0 ? spec.values : [...spec.values].reverse();
      latencies[name].push(await session.keystroke(document, from, to));
      await session.settle(50);
    }
  }
  const peakMB = await session.stop();
  return { coldStartMs, latencies, coldStartPeakMB, peakMB };
}

// ---------- one mesh ----------

function defaultRuns(mesh) {
  if (mesh.bytes > 50e6) return 2;
  if (mesh.bytes > 5e6) return 3;
  return 5;
}

/** The peer's heap is set (`--peer-heap-mb`, default 4096), so that "out of memory" says at how much. */
async function baseline(mode, dir, peerHeapMB = 4096) {
  const nodeArgs = mode === 'yaml-ls' ? [`--max-old-space-size=${peerHeapMB}`] : [];
  try {
    const { ms, stdout } = await timeProcess([join(BENCH_DIR, 'baselines.mjs'), mode, dir], nodeArgs);
    return { wallMs: ms, ...JSON.parse(stdout.trim().split('\n').pop()) };
  } catch (error) {
    // yaml-language-server alone runs out of memory at primary-remote 200x200: that is a figure, not the end of the run.
    if (mode === 'yaml-ls' && /heap out of memory|Reached heap limit/.test(error.stderr ?? '')) return { outOfMemoryGB: peerHeapMB / 1024 };
    throw error;
  }
}

async function measureMesh(mesh, options) {
  const runs = options.runs ?? defaultRuns(mesh);
  const samples = { coldStart: [], meshIDKeystroke: [], unrelatedKeystroke: [], cli: [], coldStartPeakMB: [], peakMB: [], jsYaml: [], yaml: [], peer: [] };
  const peerRuns = options.peer && mesh.bytes <= options.peerMaxMB * 1e6 ? Math.min(runs, 3) : 0;
  let peerOutOfMemoryGB;
  for (let run = 0; run < runs; run++) {
    const server = await measureServer(mesh, options.keystrokes, options.serverNodeArgs, options.keystrokeKinds);
    samples.coldStart.push(server.coldStartMs);
    samples.meshIDKeystroke.push(...(server.latencies.meshID ?? []));
    samples.unrelatedKeystroke.push(...(server.latencies.unrelated ?? []));
    samples.coldStartPeakMB.push(server.coldStartPeakMB);
    samples.peakMB.push(server.peakMB);
    if (!options.serverOnly) {
      samples.cli.push((await timeProcess([CLI, 'check', mesh.dir, '--format', 'json', '--fail-on', 'never'])).ms);
      samples.jsYaml.push((await baseline('js-yaml', mesh.dir)).wallMs);
      samples.yaml.push((await baseline('yaml', mesh.dir)).wallMs);
    }
    if (run < peerRuns && peerOutOfMemoryGB === undefined) {
      const peer = await baseline('yaml-ls', mesh.dir, options.peerHeapMB);
      if (peer.outOfMemoryGB !== undefined) peerOutOfMemoryGB = peer.outOfMemoryGB;
      else samples.peer.push(peer.wallMs);
    }
    process.stderr.write('.');
  }
  const figures = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summary(v)]));
  if (peerOutOfMemoryGB !== undefined) figures.peerOutOfMemoryGB = peerOutOfMemoryGB;
  const ratio = (a, b) => (a !== undefined && b ? a / b : undefined);
  figures.ratios = {
    coldStartOverJsYaml: ratio(figures.coldStart.median, figures.jsYaml.median),
    cliOverJsYaml: ratio(figures.cli.median, figures.jsYaml.median),
    cliOverYaml: ratio(figures.cli.median, figures.yaml.median),
    cliOverPeer: ratio(figures.cli.median, figures.peer.median),
    coldStartOverPeer: ratio(figures.coldStart.median, figures.peer.median),
  };
  // The keystrokes in the order they were typed: a slow first one (caches filling) reads differently from a slow tail.
  const keystrokes = { meshID: samples.meshIDKeystroke.map(Math.round), unrelated: samples.unrelatedKeystroke.map(Math.round) };
  return {
    mesh: { model: mesh.model, clusters: mesh.clusters, apps: mesh.apps, files: mesh.files, documents: mesh.documents, megabytes: mesh.bytes / 1e6 },
    runs,
    figures,
    keystrokes,
  };
}

// ---------- output ----------

const fmtMs = (s) => (s?.median === undefined ? '—' : `${Math.round(s.median)}/${Math.round(s.p95)}`);
const fmtRatio = (r) => (r === undefined ? '—' : `${r.toFixed(2)}×`);

function table(results) {
  const header = [
    'mesh',
    'MB',
    'docs',
    'cold start',
    'key meshID',
    'key other',
    'CLI',
    'RSS MB (start → end)',
    'js-yaml',
    'yaml',
    'yaml-ls',
    '(1)/(5)',
    '(3)/(5)',
    'CLI/(6)',
  ];
  const rows = results.map(({ mesh, figures: f }) => [
    `${mesh.model} ${mesh.clusters}×${mesh.apps}`,
    mesh.megabytes.toFixed(1),
    String(mesh.documents),
    fmtMs(f.coldStart),
    fmtMs(f.meshIDKeystroke),
    fmtMs(f.unrelatedKeystroke),
    fmtMs(f.cli),
    f.peakMB.median === undefined ? '—' : `${Math.round(f.coldStartPeakMB.median)} → ${Math.round(f.peakMB.median)}`,
    fmtMs(f.jsYaml),
    fmtMs(f.yaml),
    f.peerOutOfMemoryGB !== undefined ? `out of memory at ${Number(f.peerOutOfMemoryGB.toFixed(2))} GB` : fmtMs(f.peer),
    fmtRatio(f.ratios.coldStartOverJsYaml),
    fmtRatio(f.ratios.cliOverJsYaml),
    fmtRatio(f.ratios.cliOverPeer),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const options = parseArgs(process.argv.slice(2));
const results = [];
const startedAt = new Date();
console.error(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} CPUs`,
);
for (const apps of options.apps) {
  for (const clusters of options.clusters) {
    for (const model of options.models) {
      const mesh = generateMesh({ model, clusters, apps });
      process.stderr.write(`${model} ${clusters}×${apps} (${(mesh.bytes / 1e6).toFixed(1)} MB) `);
      results.push(await measureMesh(mesh, options));
      // Each mesh's row as soon as it is measured: a full run takes long, and may be stopped.
      process.stderr.write(`\n${table(results.slice(-1)).split('\n').pop()}\n`);
    }
  }
}
console.log('Times in ms as median/p95; RSS = the server peak RSS after the cold start → at the end (medians); (5) = js-yaml loadAll; ratios of medians.');
console.log(table(results));
mkdirSync(RESULTS_DIR, { recursive: true });
const out = join(RESULTS_DIR, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(out, JSON.stringify({ startedAt, node: process.version, cpus: cpus().length, loadAverage: loadavg(), options, results }, null, 2) + '\n');
console.log(`\nwritten to ${out}`);

// In-process memory of the server's state: loads a generated mesh into a Workspace as the server indexes it (files
// read one after another), analyses it once, collects garbage and prints heap and RSS, before and after analysis.
// Uses the tsc output (`npx tsc -b` first); run with --expose-gc.
//
//   node --expose-gc bench/memory.mjs [model] [clusters] [apps] [--snapshot FILE]   # defaults: primary-remote 200 200
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

import { BENCH_DIR, generateMesh } from './generate.mjs';

const OUT = join(BENCH_DIR, '..', 'out', 'server', 'src');
const { Analyzer } = await import(join(OUT, 'engine', 'analysis.js'));
const { Workspace } = await import(join(OUT, 'engine', 'workspace.js'));
const { findYamlFiles, readYamlText } = await import(join(OUT, 'workspace', 'scan.js'));

const args = process.argv.slice(2);
const snapshotAt = args.indexOf('--snapshot');
const snapshot = snapshotAt >= 0 ? args.splice(snapshotAt, 2)[1] : undefined;
const [model = 'primary-remote', clusters = '200', apps = '200'] = args;
if (!global.gc) throw new Error('run with node --expose-gc');

const { dir } = generateMesh({ model, clusters: Number(clusters), apps: Number(apps) });
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const peakRss = () => {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
};
function report(label) {
  global.gc();
  const { heapUsed, rss, external } = process.memoryUsage();
  console.log(`${label}: heap ${mb(heapUsed)}, external ${mb(external)}, RSS ${mb(rss)}, peak RSS ${mb(peakRss())}`);
}

report('baseline');
const workspace = new Workspace([dir], { packTexts: !process.env.PLAIN_TEXTS });
const cpuSeconds = (since) => {
  const { user, system } = process.cpuUsage(since);
  return `${((user + system) / 1e6).toFixed(1)} s CPU`;
};
let started = performance.now();
let cpu = process.cpuUsage();
const { files } = findYamlFiles(dir);
for (const path of files) {
  const read = readYamlText(path);
  if ('text' in read) workspace.setFile(path, read.text);
}
console.log(`${model} ${clusters}×${apps}: ${files.length} files indexed in ${(performance.now() - started).toFixed(0)} ms (${cpuSeconds(cpu)})`);
report('indexed');
let analyzer = new Analyzer(undefined, (message) => console.error(message));
started = performance.now();
cpu = process.cpuUsage();
let result = analyzer.analyze(workspace, { roots: [dir], clusters: [] });
const findings = [...result.findings.values()].reduce((sum, list) => sum + list.length, 0);
console.log(`first analysis ${(performance.now() - started).toFixed(0)} ms (${cpuSeconds(cpu)}), ${findings} findings`);
report('analysed');
if (snapshot) console.log(`heap snapshot: ${writeHeapSnapshot(snapshot)}`);
// Edits that rebuild clusters (a meshID) keep two versions of them alive at once for a moment; many edits show
// whether what the analysis keeps per edit grows (EDITS=200).
const edits = Number(process.env.EDITS ?? 10);
const operatorFile = join(dir, 'cluster1', 'istio-operator.yaml');
const operatorText = workspace.getFile(operatorFile).yaml.text;
for (let i = 1; i <= edits; i++) {
  workspace.setFile(
    operatorFile,
    operatorText.replace(/meshID: \S+/, (value) => (i % 2 ? `${value}x` : value)),
  );
  analyzer.analyze(workspace, { roots: [dir], clusters: [] });
  if (i % 50 === 0 && i < edits) report(`after ${i} meshID edits`);
}
report(`after ${edits} meshID edits`);
// What the analysis keeps (models, per-cluster caches, findings) is what goes when the analyzer does.
analyzer = result = undefined;
report('analysis released');

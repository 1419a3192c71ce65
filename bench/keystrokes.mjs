// In-process keystroke cost: loads a generated mesh into a Workspace, analyses it once, then times
// `Workspace.setFile` + `Analyzer.analyze` for one-character edits of an application field and of `meshID`
// (no protocol, no debounce). Uses the tsc output (`npx tsc -b` first); run with --cpu-prof to profile.
//
//   node bench/keystrokes.mjs [model] [clusters] [apps] [edits]     # defaults: primary-remote 50 200 20
//   ONLY=app node --cpu-prof bench/keystrokes.mjs primary-remote 50 200 60
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, generateMesh } from './generate.mjs';

const OUT = join(BENCH_DIR, '..', 'out', 'server', 'src');
const { Analyzer } = await import(join(OUT, 'engine', 'analysis.js'));
const { Workspace } = await import(join(OUT, 'engine', 'workspace.js'));
const { yamlFilesUnder } = await import(join(OUT, '..', '..', 'test', 'support', 'analyze.js'));

const [model = 'primary-remote', clusters = '50', apps = '200', edits = '20'] = process.argv.slice(2);
const count = Number(edits);
const { dir } = generateMesh({ model, clusters: Number(clusters), apps: Number(apps) });
const workspace = new Workspace([dir]);
for (const path of yamlFilesUnder(dir)) workspace.setFile(path, readFileSync(path, 'utf8'));
const settings = { roots: [dir], clusters: [] };
const analyzer = new Analyzer(undefined, (message) => console.error(message));
let started = performance.now();
analyzer.analyze(workspace, settings);
console.log(`${model} ${clusters}×${apps}: first analysis ${(performance.now() - started).toFixed(0)} ms`);

const cases = [
  ['app field', join(dir, 'cluster1', 'apps', 'team-00.yaml'), /perTryTimeout: \S+/],
  ['meshID', join(dir, 'cluster1', 'istio-operator.yaml'), /meshID: \S+/],
].filter(([label]) => !process.env.ONLY || label.startsWith(process.env.ONLY));
for (const [label, path, field] of cases) {
  const original = workspace.getFile(path).yaml.text;
  const times = [];
  for (let i = 0; i < count; i++) {
    // Alternately add and remove one character, as typing and undoing does.
    const text = original.replace(field, (value) => (i % 2 ? value : `${value}x`));
    started = performance.now();
    workspace.setFile(path, text);
    analyzer.analyze(workspace, settings);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1);
  console.log(`${label}: median ${at(0.5)} ms, p95 ${at(0.95)} ms over ${count} edits`);
}

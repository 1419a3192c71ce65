// In-process keystroke cost: loads a generated mesh into a Workspace, analyses it once, then times
// `Workspace.setFile` + `Analyzer.analyze` for one-character edits of an application field and of `meshID`, and for
// a new application file typed from empty (no protocol, no debounce), as wall and CPU time. Uses the tsc output (`npx tsc -b` first); run with --cpu-prof to profile.
//
//   node bench/keystrokes.mjs [model] [clusters] [apps] [edits]     # defaults: primary-remote 50 200 20
//   ONLY=app node --cpu-prof bench/keystrokes.mjs primary-remote 50 200 60
//   VERBOSE=1 node bench/keystrokes.mjs primary-remote 200 200 20      # also every edit's wall time
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
// As the language server holds it: texts packed, so an edit's cost includes unpacking what the analysis reads.
const workspace = new Workspace([dir], { packTexts: true });
for (const path of yamlFilesUnder(dir)) workspace.setFile(path, readFileSync(path, 'utf8'));
const settings = { roots: [dir], clusters: [] };
const analyzer = new Analyzer(undefined, (message) => console.error(message));
let started = performance.now();
analyzer.analyze(workspace, settings);
console.log(`${model} ${clusters}×${apps}: first analysis ${(performance.now() - started).toFixed(0)} ms`);

/** Alternately adds and removes one character of `field`, as typing and undoing does. */
const typingIn = (field) => (path) => {
  const original = workspace.getFile(path).yaml.text;
  return Array.from({ length: count }, (_, i) => original.replace(field, (value) => (i % 2 ? value : `${value}x`)));
};
/** A new file's text as it is typed, a few characters at a time; the last ones hold a resource. */
const typingNewFile = (path) => {
  const full = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: new-app\n  namespace: team-00\nspec:\n  hosts:\n  - new-app\n';
  workspace.setFile(path, '');
  analyzer.analyze(workspace, settings);
  return Array.from({ length: count }, (_, i) => full.slice(0, Math.round(((i + 1) * full.length) / count)));
};
const cases = [
  ['app field', join(dir, 'cluster1', 'apps', 'team-00.yaml'), typingIn(/perTryTimeout: \S+/)],
  ['meshID', join(dir, 'cluster1', 'istio-operator.yaml'), typingIn(/meshID: \S+/)],
  // Until its `kind` line is complete the file holds no resource; the edits after that add it and extend it.
  ['new file', join(dir, 'cluster1', 'apps', 'team-new.yaml'), typingNewFile],
].filter(([label]) => !process.env.ONLY || label.startsWith(process.env.ONLY));
for (const [label, path, texts] of cases) {
  const times = [];
  const cpuTimes = [];
  for (const text of texts(path)) {
    started = performance.now();
    const cpu = process.cpuUsage();
    workspace.setFile(path, text);
    analyzer.analyze(workspace, settings);
    const used = process.cpuUsage(cpu);
    times.push(performance.now() - started);
    cpuTimes.push((used.user + used.system) / 1000);
  }
  if (process.env.VERBOSE) console.log(label, times.map((t) => t.toFixed(0)).join(' '));
  // Wall time waits for the CPU on a shared machine; CPU time (this process's, GC threads included) does not.
  const at = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))].toFixed(1);
  console.log(
    `${label}: wall median ${at(times, 0.5)} ms, p95 ${at(times, 0.95)} ms; CPU median ${at(cpuTimes, 0.5)} ms, p95 ${at(cpuTimes, 0.95)} ms over ${count} edits`,
  );
}

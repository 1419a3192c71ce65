// Writes the CLI's JSON findings for every example, every fixture folder and every official layout into one folder,
// so that a change meant to keep behaviour (a refactor, a formatting pass) can be shown to change no finding:
//
//   npm run build && npm run compile && node scripts/findings-snapshot.mjs /tmp/before
//   ... change ...
//   npm run build && npm run compile && node scripts/findings-snapshot.mjs /tmp/after --compare /tmp/before
//
// --compare exits 1 and names the targets whose JSON differs byte for byte.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const cli = join(repo, 'dist/cli.js');
const args = process.argv.slice(2);
const compareIndex = args.indexOf('--compare');
const baseline = compareIndex >= 0 ? resolve(args[compareIndex + 1] ?? '') : undefined;
const positional = args.filter((arg, i) => !arg.startsWith('--') && (compareIndex < 0 || i !== compareIndex + 1));
if (positional.length !== 1 || (compareIndex >= 0 && !args[compareIndex + 1])) {
  console.error('usage: node scripts/findings-snapshot.mjs OUT_DIR [--compare BASELINE_DIR]');
  process.exit(2);
}
const outDir = resolve(positional[0]);
if (!existsSync(cli)) {
  console.error('dist/cli.js is missing: run npm run build && npm run compile first');
  process.exit(2);
}

/** Folders holding an expected.json (fixture roots), found below `dir`. */
function fixtureFolders(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const folder = join(dir, entry.name);
    if (existsSync(join(folder, 'expected.json'))) found.push(folder);
    else found.push(...fixtureFolders(folder));
  }
  return found;
}

function check(cwd, target) {
  try {
    return execFileSync(process.execPath, [cli, 'check', target, '--format', 'json', '--fail-on', 'never'], {
      cwd,
      env: { ...process.env, ISTIO_MESH_JOBS: '1' },
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch (error) {
    return `exit ${error.status}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`;
  }
}

mkdirSync(outDir, { recursive: true });
const written = [];
function record(name, text) {
  const file = `${name.replace(/[\\/]/g, '__')}.json`;
  writeFileSync(join(outDir, file), text);
  written.push(file);
}

const examples = join(repo, 'examples');
record('examples', check(repo, 'examples'));
for (const entry of readdirSync(examples)) {
  if (statSync(join(examples, entry)).isDirectory()) record(`examples/${entry}`, check(repo, `examples/${entry}`));
}
for (const folder of fixtureFolders(join(repo, 'test/fixtures'))) {
  const name = relative(repo, folder);
  record(name, check(repo, name));
}

// The official layouts, laid out by the test support the official-configs test uses (compiled by `npm run compile`).
const { layOutModel, OFFICIAL_MODELS } = await import(join(repo, 'out/test/support/officialModels.js'));
const { referenceDir } = await import(join(repo, 'out/test/support/paths.js'));
const reference = referenceDir();
if (reference) {
  for (const model of OFFICIAL_MODELS) {
    for (const resolved of [false, true]) {
      const { root } = layOutModel(reference, model, { resolved });
      try {
        record(`official/${model}${resolved ? '-resolved' : ''}`, check(root, '.'));
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
  }
} else {
  console.log('the Istio reference data is absent: official layouts left out');
}
console.log(`${written.length} snapshots in ${outDir}`);

if (baseline) {
  const before = new Set(readdirSync(baseline));
  const differ = written.filter((file) => !before.has(file) || readFileSync(join(baseline, file), 'utf8') !== readFileSync(join(outDir, file), 'utf8'));
  const gone = [...before].filter((file) => !written.includes(file));
  for (const file of differ) console.log(`differs: ${file}`);
  for (const file of gone) console.log(`missing: ${file}`);
  if (differ.length || gone.length) process.exit(1);
  console.log(`all ${written.length} are byte-for-byte as in ${baseline}`);
}

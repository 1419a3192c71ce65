// Runs node's test runner on the compiled tests of the given folders (Node 20's runner takes no globs), then prints
// one summary paragraph per folder (scripts/test-summary.mjs): passed, failed, skipped and why. The exit code is
// the runner's.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

const folders = process.argv.slice(2);
const files = folders.flatMap((folder) => testFiles(join('out', 'test', folder))).sort();
if (files.length === 0) {
  console.error(`no test files under ${folders.join(', ')}`);
  process.exit(1);
}
// The runner's own report as it would be without options (spec on a terminal, TAP otherwise), and the summary
// into a file, printed once the run is over so that it is the last thing on the screen.
const summaryDir = mkdtempSync(join(tmpdir(), 'istio-mesh-test-summary-'));
const summaryFile = join(summaryDir, 'summary.txt');
const reporter = fileURLToPath(new URL('./test-summary.mjs', import.meta.url));
const result = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-concurrency=2',
    `--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`,
    '--test-reporter-destination=stdout',
    `--test-reporter=${reporter}`,
    `--test-reporter-destination=${summaryFile}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, ISTIO_MESH_TEST_SUITES: folders.join(',') } },
);
if (existsSync(summaryFile)) process.stdout.write(`\n${readFileSync(summaryFile, 'utf8')}`);
rmSync(summaryDir, { recursive: true, force: true });
process.exit(result.status ?? 1);

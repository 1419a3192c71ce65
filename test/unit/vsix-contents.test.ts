// What the extension package would contain (`vsce ls`, which lists without building): the bundles, the
// manifest, the docs diagnostics link to and the static contributions — no sources, tests, fixtures, source
// maps or node_modules (the bundles carry what they need).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { REPO_ROOT } from '../support/paths';

const REQUIRED = ['package.json', 'README.md', 'LICENSE', 'dist/client.js', 'dist/server.js', 'dist/cli.js', 'dist/parseWorker.js', 'dist/topologyPicture.js'];
const FORBIDDEN: [RegExp, string][] = [
  [/(^|\/)node_modules\//, 'node_modules'],
  [/^(client|server|test|out|scripts|bench|examples)\//, 'sources, tests or build output'],
  [/(^|\/)fixtures?\//, 'fixtures'],
  [/\.map$/, 'a source map'],
  [/\.tsx?$/, 'TypeScript source'],
  [/(^|\/)(tsconfig[^/]*\.json|package-lock\.json|\.vscodeignore|eslint\.config\.mjs|\.prettierrc\.json|\.prettierignore)$/, 'build configuration'],
  [/\.vsix$/, 'a packaged extension'],
  [/(^|\/)\.(git|github|vscode|vscode-test|e2e)\//, 'a dot folder'],
];
const MAX_FILES = 150;
// The files as `npm test` builds them (unminified, but for the topology picture's elkjs): 8.7 MiB with the picture
// (1.4 MiB of it elkjs); the packaged .vsix, minified and compressed, is 1.8 MB.
const MAX_TOTAL_BYTES = 10 * 1024 * 1024;

test('the .vsix lists only what the extension needs, and stays small', { timeout: 120_000 }, (t) => {
  const vsce = join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  if (!existsSync(vsce)) return t.skip('@vscode/vsce is not installed');
  const listed = spawnSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(listed.status, 0, listed.stderr);
  const files = listed.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  for (const required of REQUIRED) assert.ok(files.includes(required), `${required} is missing from the package`);
  const unwanted = files.flatMap((file) => FORBIDDEN.filter(([pattern]) => pattern.test(file)).map(([, what]) => `${file} (${what})`));
  assert.deepEqual(unwanted, []);
  const bytes = files.reduce((sum, file) => sum + (existsSync(join(REPO_ROOT, file)) ? statSync(join(REPO_ROOT, file)).size : 0), 0);
  t.diagnostic(`${files.length} files, ${(bytes / 1024).toFixed(0)} KiB before compression`);
  assert.ok(files.length <= MAX_FILES, `${files.length} files (at most ${MAX_FILES})`);
  assert.ok(bytes <= MAX_TOTAL_BYTES, `${bytes} bytes (at most ${MAX_TOTAL_BYTES})`);
});

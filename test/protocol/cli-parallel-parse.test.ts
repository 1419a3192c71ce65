// `istio-mesh check` (the bundled dist/cli.js) prints the same bytes, to stdout and stderr, with the same exit code,
// whether one thread parses every file, a worker thread shares the parsing, or that worker fails along the way.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';

import type { ParseWorkerInput, ParseWorkerMessage } from '../../server/src/cli/parallelParse';
import { findYamlFiles } from '../../server/src/workspace/scan';
import { generatedMeshForSuite } from '../support/benchMesh';
import { CLI_BUNDLE, EXAMPLES, FIXTURES, REPO_ROOT } from '../support/paths';

const PARSE_WORKER_BUNDLE = join(REPO_ROOT, 'dist', 'parseWorker.js');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function check(target: string, format: 'text' | 'json', env: Record<string, string>): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI_BUNDLE, 'check', target, '--format', format], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      maxBuffer: 256 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout: string; stderr: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const SINGLE_THREADED = { ISTIO_MESH_JOBS: '1' };
/** Threshold 0: the worker starts whatever the size of the tree. */
const SHARED = { ISTIO_MESH_PARALLEL_MIN_BYTES: '0' };
const WAYS_TO_PARSE: { name: string; env: Record<string, string>; formats: ('text' | 'json')[] }[] = [
  { name: 'a worker thread sharing the parsing', env: SHARED, formats: ['text', 'json'] },
  { name: 'a worker that dies after its second file', env: { ...SHARED, ISTIO_MESH_TEST_PARSE_WORKER_FAULT: 'crash:2' }, formats: ['json'] },
  { name: 'a worker that cannot post its first file', env: { ...SHARED, ISTIO_MESH_TEST_PARSE_WORKER_FAULT: 'unclonable:0' }, formats: ['json'] },
];

describe('the CLI prints the same with and without the parse worker', () => {
  const generated = generatedMeshForSuite({ model: 'multi-primary', clusters: 4, apps: 20 }, 'istio-mesh-cli-parallel-');

  const trees: [string, () => string][] = [
    ['test/fixtures', () => relative(REPO_ROOT, FIXTURES)],
    ['examples', () => relative(REPO_ROOT, EXAMPLES)],
    ['a generated mesh', generated],
  ];
  for (const [name, target] of trees) {
    test(name, { timeout: 180_000 }, async () => {
      for (const format of ['text', 'json'] as const) {
        const expected = await check(target(), format, SINGLE_THREADED);
        assert.ok(expected.stdout.length > 0 && expected.code !== 2, expected.stderr);
        for (const way of WAYS_TO_PARSE.filter((w) => w.formats.includes(format))) {
          assert.deepStrictEqual(await check(target(), format, way.env), expected, `${format} output with ${way.name}`);
        }
      }
    });
  }
});

test('dist/parseWorker.js, the bundled worker, parses the files it takes from the shared queue', async () => {
  const queue = findYamlFiles(join(EXAMPLES, 'mistakes')).files;
  const input: ParseWorkerInput = { queue, next: new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)), maxFileSize: undefined };
  const worker = new Worker(PARSE_WORKER_BUNDLE, { workerData: input });
  const messages: ParseWorkerMessage[] = [];
  worker.on('message', (message: ParseWorkerMessage) => messages.push(message));
  const exitCode = await new Promise((resolve, reject) => worker.on('exit', resolve).on('error', reject));
  assert.equal(exitCode, 0, 'the worker ends by itself once the queue is empty');
  assert.deepEqual(
    messages.map((m) => (m.kind === 'parsed' ? m.parts.file : m.kind)),
    queue,
  );
  assert.ok(messages.every((m) => m.kind === 'parsed' && m.parts.documents.length > 0));
});

// The CLI's parse worker (server/src/cli/parallelParse.ts): a file parsed on the worker thread and rebuilt on
// the main thread is the same file, value for value, as the main thread parsing it; whatever the worker fails
// to deliver, the main thread parses, so the outcome never depends on the worker.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { parallelParseFromEnvironment, UsageError } from '../../server/src/cli/check';
import { readAndParse, type ReadOutcome, readYamlFiles, startParseWorker } from '../../server/src/cli/parallelParse';
import { type YamlFile, yamlFileParts } from '../../server/src/parse/yamlFile';
import { findYamlFiles } from '../../server/src/workspace/scan';
import { generatedMeshForSuite } from '../support/benchMesh';
import { EXAMPLES, FIXTURES, REPO_ROOT } from '../support/paths';

/** The worker compiled by tsc next to parallelParse.js (out/server/src/cli/), as the in-process CLI finds it. */
const COMPILED_WORKER = join(REPO_ROOT, 'out', 'server', 'src', 'cli', 'parseWorker.js');
const FAULT_VARIABLE = 'ISTIO_MESH_TEST_PARSE_WORKER_FAULT';
const MAX_FILE_SIZE = 200_000;

function billionLaughs(levels: number): string {
  const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let level = 1; level < levels; level++) {
    const name = String.fromCharCode(97 + level);
    lines.push(
      `${name}: &${name} [${Array(9)
        .fill(`*${String.fromCharCode(96 + level)}`)
        .join(', ')}]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Files whose values or problems a structured clone could get wrong, by name; `bytes` are written as they are. */
const SPECIAL_FILES: Record<string, string | Buffer> = {
  'dates.yaml': 'created: 2001-12-14t21:59:43.10-05:00\nday: 2002-12-14\nquoted: "2002-12-14"\n',
  'numbers.yaml': 'inf: .inf\nnegativeInf: -.inf\nnan: .nan\nnegativeZero: -0.0\nbig: 12345678901234567890\noctal: 0o14\nhex: 0xC\n',
  'binary.yaml': 'data: !!binary aGVsbG8gd29ybGQ=\n',
  // js-yaml's own tags and a `__proto__` key, which must stay an own property (not become the prototype).
  'tags.yaml': '__proto__: {polluted: true}\nset: !!set {x, y}\nomap: !!omap [{a: 1}, {b: 2}]\npairs: !!pairs [{a: 1}, {a: 2}]\n',
  // An alias sends the document to the `yaml` package: shared references, merge keys, !!binary and !!omap there.
  'aliases.yaml':
    'base: &base {a: 1, list: [1, 2]}\nfirst: *base\nsecond: *base\nmerged: {<<: *base, b: 2}\nblob: &blob !!binary aGVsbG8=\nblob2: *blob\n__proto__: {polluted: true}\nomap: !!omap [{a: 1}]\n',
  'bomb.yaml': billionLaughs(10),
  'syntax-errors.yaml': 'a: [1, 2\nb: : c\n---\nok: true\n',
  'deep.yaml': `deep: ${'['.repeat(150)}${']'.repeat(150)}\n`,
  'directives.yaml':
    '# istio-mesh: cluster=c1,c2 chart=istiod\n# a comment\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n# istio-mesh: cluster=c3\nkind: ConfigMap\n...\n# istio-mesh: cluster=c4\n---\nkind: Secret\n',
  'many-documents.yaml': 'a: 1\n---\n'.repeat(1002),
  'long-line.yaml': `short: 1\n---\nlong: "${'x'.repeat(100_001)}"\n`,
  'bom.yaml': '\ufeffkind: Namespace\n',
  'empty.yaml': '',
  'comments-only.yaml': '# nothing here\n---\n# nor here\n',
  'nul.yaml': 'a: 1\n\0\n',
  'not-utf8.yaml': Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]),
  'too-large.yaml': `a: "${'x'.repeat(MAX_FILE_SIZE)}"\n`,
};

/** An outcome as comparable data: the skip reason, or the file's parts (values, problems, directives, offsets). */
function comparable(outcome: ReadOutcome | undefined): unknown {
  if (!outcome) return undefined;
  return 'skipped' in outcome ? { skipped: outcome.skipped } : yamlFileParts(outcome.yaml);
}

/** Every file of `paths` parsed on the worker alone (the main thread takes none), by path. */
async function parseAllInWorker(paths: string[]): Promise<ReadonlyMap<string, ReadOutcome>> {
  const next = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const worker = startParseWorker({ queue: paths, next, maxFileSize: MAX_FILE_SIZE }, COMPILED_WORKER);
  try {
    return await worker.deliveries(paths);
  } finally {
    await worker.stop();
  }
}

function assertSameAsMainThread(paths: string[], fromWorker: ReadonlyMap<string, ReadOutcome>): void {
  for (const path of paths) assert.deepStrictEqual(comparable(fromWorker.get(path)), comparable(readAndParse(path, MAX_FILE_SIZE)), path);
}

async function withFault<T>(fault: string, run: () => Promise<T>): Promise<T> {
  process.env[FAULT_VARIABLE] = fault;
  try {
    return await run();
  } finally {
    delete process.env[FAULT_VARIABLE];
  }
}

describe('special values', () => {
  let dir: string;
  let paths: string[];
  let fromWorker: ReadonlyMap<string, ReadOutcome>;
  const value = (name: string, document = 0) =>
    (fromWorker.get(join(dir, name)) as { yaml: YamlFile }).yaml.documents[document].value as Record<string, unknown>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'istio-mesh-parse-worker-'));
    for (const [name, content] of Object.entries(SPECIAL_FILES)) writeFileSync(join(dir, name), content);
    // Listed, then gone before it is read: "unreadable", as a file deleted during a scan.
    paths = [...Object.keys(SPECIAL_FILES), 'deleted.yaml'].map((name) => join(dir, name));
    fromWorker = await parseAllInWorker(paths);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('every file: the worker delivers what the main thread parses (values, problems, directives, skip reasons)', () => {
    assert.equal(fromWorker.size, paths.length);
    assertSameAsMainThread(paths, fromWorker);
  });

  test('the files cover every parse problem and skip reason', () => {
    const codes = new Set([...fromWorker.values()].flatMap((o) => ('yaml' in o ? o.yaml.documents.flatMap((d) => d.problems.map((p) => p.code)) : [])));
    assert.deepEqual([...codes].sort(), ['YAML001', 'YAML002', 'YAML003', 'YAML004', 'YAML005']);
    const skipped = [...fromWorker.values()].flatMap((o) => ('skipped' in o ? [o.skipped.replace(/\(\d.*\)/, '(…)')] : [])).sort();
    assert.deepEqual(skipped, ['binary content (a NUL byte)', 'larger than istioMesh.maxFileSize (…)', 'not UTF-8 text', 'unreadable: ENOENT']);
  });

  test('dates, infinities, NaN and -0 keep their types', () => {
    assert.ok(value('dates.yaml').created instanceof Date);
    assert.equal((value('dates.yaml').day as Date).toISOString(), '2002-12-14T00:00:00.000Z');
    const numbers = value('numbers.yaml');
    assert.equal(numbers.inf, Infinity);
    assert.equal(numbers.negativeInf, -Infinity);
    assert.ok(Number.isNaN(numbers.nan));
    assert.ok(Object.is(numbers.negativeZero, -0));
  });

  test('!!binary is a plain Uint8Array from either parser, and an aliased one stays shared', () => {
    for (const bytes of [value('binary.yaml').data, value('aliases.yaml').blob]) {
      assert.ok(bytes instanceof Uint8Array && !Buffer.isBuffer(bytes));
    }
    assert.equal(Buffer.from(value('binary.yaml').data as Uint8Array).toString(), 'hello world');
    assert.equal(value('aliases.yaml').blob, value('aliases.yaml').blob2);
  });

  test('aliases stay shared references; a `__proto__` key stays an own property', () => {
    const aliases = value('aliases.yaml');
    assert.equal(aliases.first, aliases.second);
    assert.ok(aliases.omap instanceof Map);
    for (const withProto of [aliases, value('tags.yaml')]) {
      assert.equal(Object.getPrototypeOf(withProto), Object.prototype);
      assert.deepEqual(Object.getOwnPropertyDescriptor(withProto, '__proto__')?.value, { polluted: true });
    }
  });

  test("directives: the header, a document's own, and those before a `---`", () => {
    const yaml = (fromWorker.get(join(dir, 'directives.yaml')) as { yaml: YamlFile }).yaml;
    assert.deepEqual(
      [...yaml.headerDirectives],
      [
        ['cluster', 'c1,c2'],
        ['chart', 'istiod'],
      ],
    );
    // The comment between `...` and `---` is a document of its own, and describes the next one too.
    assert.deepEqual(
      yaml.documents.map((d) => d.directives.get('cluster')),
      ['c1,c2', 'c3', 'c4', 'c4'],
    );
  });
});

describe("every file of the repository's trees", () => {
  const generated = generatedMeshForSuite({ model: 'primary-remote', clusters: 3, apps: 20 }, 'istio-mesh-parse-worker-mesh-');

  for (const [name, root] of [
    ['test/fixtures', FIXTURES],
    ['examples', EXAMPLES],
    ['a generated mesh', generated],
  ] as const) {
    test(`${name}: the worker delivers what the main thread parses`, async () => {
      const { files } = findYamlFiles(typeof root === 'string' ? root : root());
      assert.ok(files.length > 10, `${files.length} files`);
      assertSameAsMainThread(files, await parseAllInWorker(files));
    });
  }
});

describe('sharing and failures', () => {
  let files: string[];
  let singleThreaded: unknown[];
  before(() => {
    files = findYamlFiles(FIXTURES).files;
    singleThreaded = files.map((path) => comparable(readAndParse(path, MAX_FILE_SIZE)));
  });
  const readShared = (workerScript = COMPILED_WORKER) => readYamlFiles(files, MAX_FILE_SIZE, { jobs: 2, minBytes: 0, workerScript });

  test('files are in the order given, whichever thread parsed them', async () => {
    const shared = await readShared();
    assert.deepEqual(shared.outcomes.map(comparable), singleThreaded);
  });

  test('a worker that cannot start: the main thread parses everything', async () => {
    const shared = await readShared(join(REPO_ROOT, 'no-such-parse-worker.js'));
    assert.equal(shared.parsedByWorker, 0);
    assert.deepEqual(shared.outcomes.map(comparable), singleThreaded);
  });

  test('a worker that dies mid-run delivers what it parsed before; the main thread parses the rest', async () => {
    const delivered = await withFault('crash:3', () => parseAllInWorker(files));
    assert.equal(delivered.size, 3);
    const shared = await withFault('crash:1', () => readShared());
    assert.deepEqual(shared.outcomes.map(comparable), singleThreaded);
  });

  test('a file the worker cannot post (a value structured clone refuses) is parsed by the main thread', async () => {
    const delivered = await withFault('unclonable:2', () => parseAllInWorker(files));
    assert.equal(delivered.size, files.length - 1);
    assert.ok(!delivered.has(files[2]));
    const shared = await withFault('unclonable:0', () => readShared());
    assert.deepEqual(shared.outcomes.map(comparable), singleThreaded);
  });

  test('below the threshold, or with one job, no worker starts', async () => {
    const small = await readYamlFiles(files, MAX_FILE_SIZE, { jobs: 2, minBytes: Number.MAX_SAFE_INTEGER, workerScript: COMPILED_WORKER });
    const oneJob = await readYamlFiles(files, MAX_FILE_SIZE, { jobs: 1, minBytes: 0, workerScript: COMPILED_WORKER });
    for (const read of [small, oneJob]) {
      assert.equal(read.parsedByWorker, 0);
      assert.deepEqual(read.outcomes.map(comparable), singleThreaded);
    }
  });
});

test('ISTIO_MESH_JOBS=1 turns the worker off; ISTIO_MESH_PARALLEL_MIN_BYTES sets the threshold; bad values are usage errors', () => {
  assert.equal(parallelParseFromEnvironment({ ISTIO_MESH_JOBS: '1' }).jobs, 1);
  assert.equal(parallelParseFromEnvironment({}).jobs, 2);
  assert.equal(parallelParseFromEnvironment({ ISTIO_MESH_PARALLEL_MIN_BYTES: '0' }).minBytes, 0);
  for (const env of [{ ISTIO_MESH_JOBS: '0' }, { ISTIO_MESH_JOBS: 'two' }, { ISTIO_MESH_PARALLEL_MIN_BYTES: '-1' }]) {
    assert.throws(() => parallelParseFromEnvironment(env), UsageError);
  }
});

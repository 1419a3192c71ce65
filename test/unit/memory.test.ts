import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import * as jsYaml from 'js-yaml';

import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import { compactValue, PackedText, rememberedByText, sharedString } from '../../server/src/parse/compact';
import { LineIndex } from '../../server/src/parse/text';
import { parseYamlFile } from '../../server/src/parse/yamlFile';
import { analyzeFolder, describeFindings, yamlFilesUnder } from '../support/analyze';
import { EXAMPLES, FIXTURES } from '../support/paths';

const RULE_FIXTURES = join(FIXTURES, 'rules');

test('a compacted value equals the loaded one, prototypes and odd keys included', () => {
  const text = [
    'metadata: {name: reviews-a-rather-long-name, labels: {app: reviews, version: v1}}',
    'spec:',
    '  hosts: [reviews.bookinfo.svc.cluster.local, "*.example.com"]',
    '  ports: [{number: 9080, name: http}, {number: 15443}]',
    '  empty: []',
    '  created: 2026-11-24',
    '  ratio: .inf',
    '  "__proto__": {polluted: true}',
  ].join('\n');
  const compacted = compactValue(jsYaml.load(text)) as Record<string, unknown>;
  assert.deepStrictEqual(compacted, jsYaml.load(text));
  assert.equal(Object.getPrototypeOf(compacted.spec), Object.prototype, 'a `__proto__` key stays a key, not a prototype');
  assert.ok(Object.prototype.hasOwnProperty.call(compacted.spec, '__proto__'));
  assert.ok((compacted.spec as Record<string, unknown>).created instanceof Date);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('a value JSON carries unchanged is compacted to an equal value', () => {
  const text = 'kind: Service\nspec:\n  ports: [{port: 9080, name: http}, {port: 0.5}]\n  "__proto__": {polluted: true}\n  "8080": numeric key\n  flag: yes\n';
  const compacted = compactValue(jsYaml.load(text)) as Record<string, Record<string, unknown>>;
  assert.deepStrictEqual(compacted, jsYaml.load(text));
  assert.deepStrictEqual(Object.keys(compacted.spec), Object.keys((jsYaml.load(text) as Record<string, Record<string, unknown>>).spec));
  assert.equal(Object.getPrototypeOf(compacted.spec), Object.prototype);
  assert.ok(Object.prototype.hasOwnProperty.call(compacted.spec, '__proto__'));
  assert.equal(compactValue(-0), -0);
});

test('a shared string is equal to its source, whatever it holds', () => {
  for (const text of ['', 'a', '8080', '0x10', '__proto__', 'constructor', 'reviews.bookinfo.svc.cluster.local', 'π 東京 🚀']) {
    assert.equal(sharedString(text), text);
  }
  const long = 'x'.repeat(40) + 'tail';
  assert.equal(sharedString(long.slice(1)), long.slice(1));
});

test('a packed text unpacks to exactly the same text, and lone surrogates are not packed', () => {
  const texts = ['', 'apiVersion: v1\r\nkind: Service\r\n', `name: "東京 🚀 é"\n${'- item\n'.repeat(5000)}`];
  for (const text of texts) assert.equal(new PackedText(text).text, text);
  // More texts than are kept unpacked, read again in the order they were packed: each is unpacked from its bytes.
  const many = Array.from({ length: 40 }, (_, i) => `index: ${i}\n`);
  const packed = many.map((text) => new PackedText(text));
  packed.forEach((p, i) => assert.equal(p.text, many[i]));
  assert.equal(PackedText.canPack('broken \uD800 surrogate'), false);
  assert.equal(PackedText.canPack('whole 🚀 pair'), true);
});

test('long documents copied into several files are packed once more, and every file unpacks to its own text', () => {
  const secret = (cluster: string) =>
    `kind: Secret\nmetadata: {name: istio-remote-secret-${cluster}}\nstringData:\n  ${cluster}: |\n${'    token: QkTfPA2dWQuZYGLp6f3eVdyE8WlZ1Xad2yK\n'.repeat(40)}`;
  const short = (name: string) => `kind: Namespace\nmetadata: {name: ${name}}\n`;
  const texts = [
    [secret('cluster2'), short('a'), secret('cluster3')].join('---\n'),
    ['# a header comment\n' + short('b'), secret('cluster3'), secret('cluster2'), short('c')].join('---\n'),
    [short('x'), secret('cluster2'), secret('cluster3')].join('---\n'),
    [`name: "東京 🚀"\n${short('d')}`, secret('cluster2') + '\r\n'].join('---\n'),
  ];
  const files = texts.map((text, i) => {
    const file = parseYamlFile(`/mesh/${i}.yaml`, text);
    file.packText();
    return file;
  });
  // More files than are kept unpacked, so each text below is inflated from its parts.
  for (let i = 0; i < 20; i++) parseYamlFile(`/mesh/other-${i}.yaml`, short(`n${i}`)).packText();
  files.forEach((file, i) => assert.equal(file.text, texts[i]));
  const partsOf = (file: unknown) => ((file as { packedText: unknown }).packedText as { parts: Uint8Array[] }).parts;
  const [first, second, third] = files.map(partsOf);
  assert.equal(first.length, 3, 'two long documents on their own and the short one between them');
  // The first copy is packed on its own (most texts are written once), the second is entered, and the third finds it.
  assert.notStrictEqual(first[2], second[1]);
  assert.strictEqual(second[1], third[2], 'the same document in two files is one packed copy');
});

test('a document copied into several files is loaded once more, then its copies share one value', () => {
  const secret = `kind: Secret\nmetadata: {name: istio-remote-secret-cluster2}\nstringData:\n  cluster2: |\n${'    token: QkTfPA2dWQuZYGLp6f3eVdyE8WlZ1Xad2yK\n'.repeat(40)}`;
  const service = 'kind: Service\nmetadata: {name: reviews, namespace: bookinfo}\nspec: {ports: [{port: 9080}]}\n';
  const unique = (name: string) => `kind: Namespace\nmetadata: {name: ${name}-${Math.random()}}\n`;
  const [a, b, c] = ['a', 'b', 'c'].map((name) => parseYamlFile(`/mesh/${name}.yaml`, [unique(name), secret, service].join('---\n')));
  assert.deepStrictEqual(a.documents[1].value, jsYaml.load(secret));
  // The first copy is not entered (most texts are written once), the second is, and the third finds it.
  assert.strictEqual(b.documents[1].value, c.documents[1].value);
  assert.strictEqual(b.documents[2].value, c.documents[2].value);
  assert.deepStrictEqual(a.documents[2].value, c.documents[2].value);
  assert.notStrictEqual(b.documents[0].value, c.documents[0].value, 'different texts, different values');
  assert.notStrictEqual(b.documents[1], c.documents[1], 'each file keeps its own document, with its own place');
});

test('what is read from a text is read once per text, for the texts used last', () => {
  const reads: string[] = [];
  const lengthOf = rememberedByText((text) => {
    reads.push(text);
    return { length: text.length };
  }, 2);
  const first = lengthOf('apiVersion: v1');
  assert.strictEqual(lengthOf('apiVersion: v1'), first, 'an equal text gets the same result');
  lengthOf('kind: Config');
  lengthOf('apiVersion: v1');
  lengthOf('users: []');
  assert.deepStrictEqual(reads, ['apiVersion: v1', 'kind: Config', 'users: []'], 'a text used again is kept over an older one');
  lengthOf('kind: Config');
  assert.deepStrictEqual(reads.slice(3), ['kind: Config'], 'beyond the limit, the text used longest ago is read again');
});

test('a file whose text is packed gives the same text, ranges and positions', () => {
  const text = [
    '# istio-mesh: cluster=cluster1',
    'apiVersion: v1',
    'kind: Namespace',
    'metadata: {name: istio-system, labels: {topology.istio.io/network: network1}}',
    '---',
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: "reviews 東京"',
    'spec:',
    '  ports:',
    '  - port: 9080',
  ].join('\r\n');
  const plain = parseYamlFile('/mesh/a.yaml', text);
  const packed = parseYamlFile('/mesh/a.yaml', text);
  packed.packText();
  assert.equal(packed.text, text);
  const paths = [
    ['metadata', 'labels', 'topology.istio.io/network'],
    ['metadata', 'name'],
    ['spec', 'ports', 0, 'port'],
    ['spec', 'missing'],
  ];
  plain.documents.forEach((doc, i) => {
    for (const path of paths) {
      assert.deepStrictEqual(packed.documents[i].locate(path, 'value'), doc.locate(path, 'value'));
      assert.deepStrictEqual(packed.documents[i].locate(path, 'key'), doc.locate(path, 'key'));
    }
    assert.deepStrictEqual(packed.documents[i].value, doc.value);
    assert.deepStrictEqual(packed.documents[i].directives, doc.directives);
  });
  const lines = new LineIndex(text);
  for (const offset of [0, 10, text.indexOf('\r\n') + 1, text.indexOf('東京'), text.length, text.length + 5]) {
    assert.deepStrictEqual(packed.lines.positionAt(offset), lines.positionAt(offset));
  }
});

test('ranges stay exact when more documents are located than there are CSTs kept', () => {
  const text = Array.from({ length: 150 }, (_, i) => `kind: Service\nmetadata:\n  name: svc-${i}\n`).join('---\n');
  const file = parseYamlFile('/mesh/many.yaml', text);
  const first = file.documents.map((doc) => doc.rangeOf(['metadata', 'name']));
  // A second pass rebuilds the CSTs the first one evicted.
  const second = file.documents.map((doc) => doc.rangeOf(['metadata', 'name']));
  assert.deepStrictEqual(second, first);
  assert.deepStrictEqual(first[149], { start: { line: 149 * 4 + 2, character: 8 }, end: { line: 149 * 4 + 2, character: 15 } });
});

test('every rule fixture gives the same findings, ranges included, when the workspace packs its texts', () => {
  for (const name of readdirSync(RULE_FIXTURES)) {
    const root = join(RULE_FIXTURES, name);
    const settingsFile = join(root, 'settings.json');
    const settings = existsSync(settingsFile) ? JSON.parse(readFileSync(settingsFile, 'utf8')) : {};
    const clusters = settings.clusters ?? [];
    const now = settings.now ? new Date(settings.now) : undefined;
    const workspace = new Workspace([root], { packTexts: true });
    for (const path of yamlFilesUnder(root)) workspace.setFile(path, readFileSync(path, 'utf8'));
    const result = new Analyzer().analyze(workspace, { roots: [root], clusters, now });
    const packed = describeFindings([...result.findings.values()].flat(), root);
    assert.deepStrictEqual(packed, describeFindings(analyzeFolder(root, clusters, now).findings, root), name);
  }
});

/** Freezes a loaded value and everything in it: in strict-mode code, a write to it then throws. */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || ArrayBuffer.isView(value)) return;
  Object.freeze(value);
  for (const child of Array.isArray(value) ? value : Object.values(value)) deepFreeze(child);
}

test('no analysis writes to a loaded value, which equal documents share (every rule fixture and example)', () => {
  const folders = [
    ...readdirSync(RULE_FIXTURES).map((name) => join(RULE_FIXTURES, name)),
    ...readdirSync(EXAMPLES)
      .map((name) => join(EXAMPLES, name))
      .filter((path) => statSync(path).isDirectory()),
  ];
  for (const root of folders) {
    const settingsFile = join(root, 'settings.json');
    const settings = existsSync(settingsFile) ? JSON.parse(readFileSync(settingsFile, 'utf8')) : {};
    const clusters = settings.clusters ?? [];
    const now = settings.now ? new Date(settings.now) : undefined;
    const workspace = new Workspace([root]);
    for (const path of yamlFilesUnder(root)) {
      for (const doc of workspace.setFile(path, readFileSync(path, 'utf8')).yaml.documents) deepFreeze(doc.value);
    }
    // A rule that throws (a write to a frozen value does) is logged; this logger fails the test with it.
    const result = new Analyzer(undefined, (message) => assert.fail(`${relative(FIXTURES, root)}: ${message}`)).analyze(workspace, {
      roots: [root],
      clusters,
      now,
    });
    const frozen = describeFindings([...result.findings.values()].flat(), root);
    assert.deepStrictEqual(frozen, describeFindings(analyzeFolder(root, clusters, now).findings, root), root);
  }
});

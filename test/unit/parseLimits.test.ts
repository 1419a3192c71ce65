// Hostile and generated YAML: every limit ends in a finding that says what happened, quickly, and never in
// an exception, a hang or a stack overflow — in the parser or in the rules that read what it produced.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as jsYaml from 'js-yaml';

import { nestsDeeperThan, PARSE_LIMITS, parseYamlFile, type YamlFile } from '../../server/src/parse/yamlFile';
import { analyzeTexts } from '../support/analyze';

const ROOT = '/workspace';

function problemCodes(file: YamlFile): string[] {
  return file.documents.flatMap((doc) => doc.problems.map((p) => p.code));
}

/**
 * Parses and analyses with every rule (a rule failure is logged, and analyzeTexts turns logs into errors). The
 * budget catches a blow-up (an alias bomb walked path by path takes minutes), not speed: speed is the benchmark's,
 * and a loaded CI machine must not fail a correct parser.
 */
function parseAndAnalyse(text: string, budgetMs = 20_000): YamlFile {
  const started = Date.now();
  const file = parseYamlFile(`${ROOT}/hostile.yaml`, text);
  analyzeTexts(ROOT, { 'hostile.yaml': text });
  const elapsed = Date.now() - started;
  assert.ok(elapsed < budgetMs, `took ${elapsed} ms`);
  return file;
}

function billionLaughs(levels: number): string {
  const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let level = 1; level < levels; level++) {
    const name = String.fromCharCode(97 + level);
    const previous = String.fromCharCode(96 + level);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
  }
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: laughs\nstringData:\n  ${lines.join('\n  ')}\n`;
}

test('a billion-laughs alias bomb gives YAML002, not a hang', () => {
  const file = parseAndAnalyse(billionLaughs(10));
  assert.deepEqual(problemCodes(file), ['YAML002']);
  assert.equal(file.documents[0].value, null);
});

test('flow collections nested thousands deep give YAML003', () => {
  const file = parseAndAnalyse(`spec: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
  assert.deepEqual(problemCodes(file), ['YAML003']);
  assert.match(file.documents[0].problems[0].message, /nested more than 100 levels/);
});

test('block mappings nested deeper than the limit give YAML003 where the limit is crossed', () => {
  const depth = PARSE_LIMITS.maxNestingDepth + 20;
  const text = Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' leaf\n';
  const file = parseAndAnalyse(text);
  assert.deepEqual(problemCodes(file), ['YAML003']);
  assert.ok(file.documents[0].problems[0].range.start.line >= PARSE_LIMITS.maxNestingDepth - 1);
});

test('deep nesting in a document with aliases (read by the slower parser) gives YAML003 too', () => {
  const deep = `${'['.repeat(300)}*x${']'.repeat(300)}`;
  const file = parseAndAnalyse(`x: &x 1\nspec: ${deep}\n`);
  assert.deepEqual(problemCodes(file), ['YAML003']);
});

test('aliases that fan out but stay under the expansion limit load, and the depth check stays cheap', () => {
  const text = 'base: &b {k: 1}\nl1: &l1 [*b, *b]\nl2: [*l1, *l1]\n';
  const file = parseAndAnalyse(text);
  assert.deepEqual(problemCodes(file), []);
  assert.ok(file.documents[0].value);
});

test('merge keys give the same value whichever parser loads the document (an alias sends it to the slower one)', () => {
  const merged = 'kind: ConfigMap\ndata:\n  x: 0\n  <<: [{x: 1, y: 2}, {y: 3, z: 4}]\n';
  const withAlias = 'defaults: &defaults {x: 1, y: 2}\ndata:\n  <<: *defaults\n  x: 5\nmore:\n  <<: [*defaults, {z: 4}]\n';
  assert.deepEqual(parseYamlFile(`${ROOT}/merged.yaml`, merged).documents[0].value, jsYaml.load(merged));
  const file = parseAndAnalyse(withAlias);
  assert.deepEqual(problemCodes(file), []);
  assert.deepEqual(file.documents[0].value, { defaults: { x: 1, y: 2 }, data: { x: 5, y: 2 }, more: { x: 1, y: 2, z: 4 } });
  assert.deepEqual(file.documents[0].value, jsYaml.load(withAlias));
});

test('nestsDeeperThan counts depth through shared nodes without walking every path', () => {
  let shared: unknown = { leaf: 1 };
  for (let i = 0; i < 40; i++) shared = [shared, shared];
  const started = Date.now();
  assert.equal(nestsDeeperThan(shared, 100), false);
  assert.equal(nestsDeeperThan(shared, 20), true);
  // 2^40 paths walked one by one would never finish: the bound catches that, not a slow machine.
  assert.ok(Date.now() - started < 5_000);
});

test('thousands of documents in one file: the first ones are analysed and YAML004 marks where analysis stops', () => {
  const count = PARSE_LIMITS.maxDocumentsPerFile + 500;
  const text = Array.from({ length: count }, (_, i) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns${i}\n`).join('---\n');
  const file = parseAndAnalyse(text);
  assert.equal(file.documents.length, PARSE_LIMITS.maxDocumentsPerFile);
  const limit = file.documents.flatMap((doc) => doc.problems).filter((p) => p.code === 'YAML004');
  assert.equal(limit.length, 1);
  assert.equal(limit[0].range.start.line, PARSE_LIMITS.maxDocumentsPerFile * 5 - 1, 'on the --- of the first document not analysed');
  assert.match(limit[0].message, new RegExp(`has ${count} documents; only the first ${PARSE_LIMITS.maxDocumentsPerFile}`));
});

test('a very long line skips its document with YAML005; the other documents are analysed', () => {
  const long = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: ${'x'.repeat(PARSE_LIMITS.maxLineLength + 1)}\n`;
  const text = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: first\n---\n${long}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: last\n`;
  const file = parseAndAnalyse(text);
  assert.deepEqual(problemCodes(file), ['YAML005']);
  const problem = file.documents[1].problems[0];
  assert.equal(problem.range.start.line, 10);
  assert.match(problem.message, /^Line 11 is 100009 characters long \(the limit is 100000\)/);
  assert.equal(file.documents[1].value, null);
  assert.deepEqual((file.documents[2].value as { metadata: unknown }).metadata, { name: 'last' });
});

test('binary bytes, tabs, control characters and lone surrogates are ordinary problems, not exceptions', () => {
  for (const text of [
    'a: \u0000\u0001\u0002\n',
    'a:\n\tb: 1\n',
    'kind: Secret\napiVersion: v1\ndata: {x: "\uD800"}\n',
    '\uFEFF\uFFFE: [}\n',
    '%YAML 9.9\n---\n!!binary x\n',
  ]) {
    parseAndAnalyse(text);
  }
});

test('a document with hundreds of syntax errors reports the first 100 and says how many more there are', () => {
  const text = Array.from({ length: 400 }, (_, i) => `key${i}: [unclosed, "quote\n  - {`).join('\n') + '\n';
  const file = parseAndAnalyse(text);
  const problems = file.documents.flatMap((doc) => doc.problems);
  assert.equal(problems.length, PARSE_LIMITS.maxSyntaxErrorsPerDocument);
  assert.ok(problems.every((p) => p.code === 'YAML001'));
  assert.match(problems[problems.length - 1].message, /\(and \d+ more syntax errors in this document, not shown\)$/);
});

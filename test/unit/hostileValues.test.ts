// Bad input never throws out of a rule: values of the wrong type (a string where a list is expected, a list
// where a mapping is, null, a placeholder, infinity) swapped into real resources, analysed with every rule and
// the files around them. A rule that throws is logged by the engine, and analyzeTexts turns that into an error.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { test } from 'node:test';

import * as jsYaml from 'js-yaml';

import { isRecord } from '../../server/src/resources/resource';
import { analyzeTexts } from '../support/analyze';
import { fuzzCorpus, Rng, yamlFilesUnder } from '../support/fuzz';
import { EXAMPLES, FIXTURES } from '../support/paths';

const HOSTILE_VALUES: unknown[] = [null, 'text', 42, -1, true, [], {}, ['x'], { x: 1 }, '${VAR}', Infinity, '', [[]], [{ name: null }]];
const FILES_TO_TRY = 40;
const SWAPS_PER_FILE = 6;

type Path = (string | number)[];

/** Every path into a value (mappings and lists), breadth first, up to a bound. */
function pathsOf(value: unknown, limit = 400): Path[] {
  const paths: Path[] = [];
  const pending: [unknown, Path][] = [[value, []]];
  while (pending.length > 0 && paths.length < limit) {
    const [node, path] = pending.shift()!;
    if (path.length > 0) paths.push(path);
    if (Array.isArray(node)) node.forEach((child, index) => pending.push([child, [...path, index]]));
    else if (isRecord(node)) for (const [key, child] of Object.entries(node)) pending.push([child, [...path, key]]);
  }
  return paths;
}

function withValueAt(root: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
  return copy;
}

test('resources with values of the wrong type are analysed without any rule throwing', () => {
  const rng = new Rng(99);
  const corpus = fuzzCorpus([EXAMPLES, FIXTURES].filter(existsSync), 64 * 1024);
  const failures: string[] = [];
  let analyses = 0;
  for (let n = 0; n < FILES_TO_TRY && corpus.length > 0; n++) {
    const file = rng.pick(corpus);
    let documents: unknown[];
    try {
      documents = jsYaml.loadAll(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    const resourceIndexes = documents.flatMap((doc, index) => (isRecord(doc) && typeof doc.kind === 'string' ? [index] : []));
    if (resourceIndexes.length === 0) continue;
    const root = dirname(file);
    const neighbours = Object.fromEntries(yamlFilesUnder(root).map((path) => [relative(root, path), readFileSync(path, 'utf8')]));
    for (let swap = 0; swap < SWAPS_PER_FILE; swap++) {
      const index = rng.pick(resourceIndexes);
      const paths = pathsOf(documents[index]);
      const path = rng.pick(paths);
      const value = rng.pick(HOSTILE_VALUES);
      const mutated = documents.map((doc, i) => (i === index ? withValueAt(doc, path, value) : doc));
      const text = mutated.map((doc) => jsYaml.dump(doc, { noRefs: true })).join('---\n');
      try {
        analyses++;
        analyzeTexts(root, { ...neighbours, [relative(root, file)]: text });
      } catch (error) {
        failures.push(`${relative(FIXTURES, file)} with ${path.join('.')} = ${JSON.stringify(value)}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
  assert.ok(analyses > 50, `only ${analyses} analyses`);
  assert.deepEqual(failures, []);
});

// The injected grammar colours `# istio-mesh:` directives, each `key=value` of them included (`cluster=`, `chart=`,
// `ignore=` with its comma list); the words of a reason after them stay comment text.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { REPO_ROOT } from '../support/paths';

const grammar = JSON.parse(readFileSync(join(REPO_ROOT, 'syntaxes', 'istio-mesh-placeholders.tmLanguage.json'), 'utf8')) as {
  repository: Record<string, { match: string }>;
};

/** The `key=value` settings the grammar colours in a comment line, as [key, value]. */
function colouredSettings(line: string): [string, string][] {
  const directive = new RegExp(grammar.repository.directive.match).exec(line);
  if (!directive) return [];
  const setting = new RegExp(grammar.repository['directive-setting'].match, 'g');
  return [...directive[3].matchAll(setting)].map((m) => [m[1], m[3]]);
}

test('ignore= is coloured as a directive setting, with its whole comma list of codes', () => {
  assert.deepEqual(colouredSettings('# istio-mesh: ignore=MESH600,MESH601 rotated by hand until the CA moves'), [['ignore', 'MESH600,MESH601']]);
  assert.deepEqual(colouredSettings('  # istio-mesh: cluster=cluster1 ignore=SCHEMA003'), [
    ['cluster', 'cluster1'],
    ['ignore', 'SCHEMA003'],
  ]);
  assert.deepEqual(colouredSettings('# a plain comment: ignore=MESH600'), []);
});

// An edit of a file that composition reads keeps the models only when it cannot change them: an ApplicationSet
// broken twice and then restored holds no resource in any of those states, yet its Applications come back.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import { FIXTURES } from '../support/paths';

const ROOT = join(FIXTURES, 'rules', 'MESH101-applicationset-element');
const FILE = join(ROOT, 'control-planes.yaml');

test('restoring a broken ApplicationSet brings back the findings of its Applications, as a fresh analysis does', () => {
  const settings = { roots: [ROOT], clusters: [] };
  const workspace = new Workspace([ROOT]);
  for (const name of readdirSync(ROOT).filter((n) => /\.ya?ml$/.test(n))) workspace.setFile(join(ROOT, name), readFileSync(join(ROOT, name), 'utf8'));
  const analyzer = new Analyzer(undefined, (message) => assert.fail(message));
  const codes = (result: ReturnType<Analyzer['analyze']>) =>
    [...result.findings.values()]
      .flat()
      .map((f) => f.code)
      .sort();
  const original = readFileSync(FILE, 'utf8');
  const fresh = codes(analyzer.analyze(workspace, settings));
  assert.ok(fresh.includes('MESH101'), `the fixture's finding (${fresh.join(', ')})`);
  for (const text of [original.replace('spec:\n', 'spec:\n  [\n'), original.replace('spec:\n', 'spec:\n  [[\n'), original]) {
    workspace.setFile(FILE, text);
    const incremental = codes(analyzer.analyze(workspace, settings));
    assert.deepEqual(incremental, codes(new Analyzer().analyze(workspace, settings)), `after ${JSON.stringify(text.slice(-3))}`);
  }
});

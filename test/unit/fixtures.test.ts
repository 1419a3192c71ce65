// Data-driven rule tests: every folder under test/fixtures/rules/ is a small workspace with expected.json,
// the complete list of findings it must produce, each once; settings.json may give `clusters`, a fixed `now` (ISO
// time) and `rules` (istioMesh.rules).
// UPDATE_EXPECT=1 rewrites the expectations for review.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { analyzeFolder, describeFindings, repeatedFindings } from '../support/analyze';
import { FIXTURES } from '../support/paths';

const RULE_FIXTURES = join(FIXTURES, 'rules');

for (const name of readdirSync(RULE_FIXTURES).sort()) {
  const folder = join(RULE_FIXTURES, name);
  test(`fixture ${name}`, () => {
    const settingsFile = join(folder, 'settings.json');
    const settings = existsSync(settingsFile) ? JSON.parse(readFileSync(settingsFile, 'utf8')) : {};
    const { findings } = analyzeFolder(folder, settings.clusters ?? [], settings.now ? new Date(settings.now) : undefined, settings.rules);
    assert.deepEqual(repeatedFindings(findings, folder), [], `${name}: a finding is reported twice at one place`);
    const actual = describeFindings(findings, folder);
    const expectedFile = join(folder, 'expected.json');
    if (process.env.UPDATE_EXPECT === '1') {
      writeFileSync(expectedFile, JSON.stringify(actual, null, 2) + '\n');
      return;
    }
    assert.ok(existsSync(expectedFile), `${name}: expected.json is missing (run with UPDATE_EXPECT=1 and review it)`);
    assert.deepEqual(actual, JSON.parse(readFileSync(expectedFile, 'utf8')));
  });
}

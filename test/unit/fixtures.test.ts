// Data-driven rule tests: every folder under test/fixtures/rules/ is a small workspace named `<CODE>-<behaviour>`
// (test/unit/codes.test.ts keeps each code's folders), and checks that code's findings only, so rewording one
// rule rewrites its own fixtures and no others. Its expected.json:
//
//   {
//     "alsoChecks": ["MESH203"],   // optional: more codes compared, for a fixture about an interaction of codes
//     "findings": [ { "code", "severity", "file", "range", "message", "cluster"?, "related"? }, ... ]
//   }
//
// `findings` is the complete list, each once, of the findings of the folder's code and of the `alsoChecks` codes,
// and of any finding another one of those was folded into (engine/folding.ts): a consequence folded into its cause
// shows there, in the cause's message and related information, so a fixture about the consequence still shows it.
// Findings of other codes are not compared here; test/unit/examples.test.ts and official-configs.test.ts keep every
// rule's findings exact over the examples and the official layouts. settings.json may give `clusters`, a fixed
// `now` (ISO time) and `rules` (istioMesh.rules).
// UPDATE_EXPECT=1 rewrites `findings` (keeping `alsoChecks`) for review.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import type { Finding } from '../../server/src/rules/finding';
import { analyzeFolder, describeFindings, type ExpectedFinding, repeatedFindings } from '../support/analyze';
import { FIXTURES } from '../support/paths';

const RULE_FIXTURES = join(FIXTURES, 'rules');

interface Expected {
  alsoChecks?: string[];
  findings: ExpectedFinding[];
}

/** The related information engine/folding.ts gives a cause for each consequence folded into it: `so … (CODE)`. */
const FOLDED_CONSEQUENCE = /^so .* \(([A-Z]+\d+)\)$/s;

/** A finding of one of `codes`, or one that a finding of one of them was folded into. */
function isChecked(finding: Finding, codes: ReadonlySet<string>): boolean {
  return codes.has(finding.code) || (finding.related ?? []).some((r) => codes.has(FOLDED_CONSEQUENCE.exec(r.message)?.[1] ?? ''));
}

for (const name of readdirSync(RULE_FIXTURES).sort()) {
  const folder = join(RULE_FIXTURES, name);
  test(`fixture ${name}`, () => {
    const settingsFile = join(folder, 'settings.json');
    const settings = existsSync(settingsFile) ? JSON.parse(readFileSync(settingsFile, 'utf8')) : {};
    const { findings } = analyzeFolder(folder, settings.clusters ?? [], settings.now ? new Date(settings.now) : undefined, settings.rules);
    assert.deepEqual(repeatedFindings(findings, folder), [], `${name}: a finding is reported twice at one place`);
    const expectedFile = join(folder, 'expected.json');
    const expected: Expected | undefined = existsSync(expectedFile) ? JSON.parse(readFileSync(expectedFile, 'utf8')) : undefined;
    const alsoChecks = expected?.alsoChecks ?? [];
    const codes = new Set([name.split('-')[0], ...alsoChecks]);
    const actual = describeFindings(
      findings.filter((finding) => isChecked(finding, codes)),
      folder,
    );
    if (process.env.UPDATE_EXPECT === '1') {
      writeFileSync(expectedFile, JSON.stringify({ ...(alsoChecks.length ? { alsoChecks } : {}), findings: actual }, null, 2) + '\n');
      return;
    }
    assert.ok(expected, `${name}: expected.json is missing (run with UPDATE_EXPECT=1 and review it)`);
    assert.deepEqual(actual, expected.findings);
  });
}

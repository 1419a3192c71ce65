// Every finding code links to docs/rules/<CODE>.md: each registered rule must have its page, and the index
// (docs/rules/README.md) lists them all with their titles. UPDATE_EXPECT=1 rewrites the index.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { UNUSED_SUPPRESSION } from '../../server/src/engine/tuning';
import { ALL_RULES } from '../../server/src/rules';
import { REPO_ROOT } from '../support/paths';

const RULES_DOCS = join(REPO_ROOT, 'docs', 'rules');
const INDEX = join(RULES_DOCS, 'README.md');

/** The first heading of a page: its title as people read it in the index. */
function pageTitle(code: string): string {
  const text = readFileSync(join(RULES_DOCS, `${code}.md`), 'utf8');
  return (/^#\s+(.*)$/m.exec(text)?.[1] ?? code).replace(/^`?[A-Z]+\d+`?\s*[:—–-]\s*/, '').trim();
}

function renderIndex(): string {
  const codes = readdirSync(RULES_DOCS)
    .filter((f) => /^[A-Z]+\d+\.md$/.test(f))
    .map((f) => f.slice(0, -3))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const severity = new Map<string, string>([...ALL_RULES.map((r) => [r.code, r.severity] as const), [UNUSED_SUPPRESSION, 'information']]);
  const rows = codes.map((code) => `| [${code}](${code}.md) | ${severity.get(code) ?? 'varies'} | ${pageTitle(code).replace(/\|/g, '\\|')} |`);
  return `# Findings\n\nEvery finding Istio Mesh reports has a stable code and a page here; the editor's diagnostics link to it.\n\n| code | severity | what it means |\n|---|---|---|\n${rows.join('\n')}\n`;
}

test('every registered rule has its docs page', () => {
  const missing = ALL_RULES.filter((rule) => !existsSync(join(RULES_DOCS, `${rule.code}.md`))).map((rule) => rule.code);
  assert.deepEqual(missing, []);
});

test('docs/rules/README.md indexes every page', () => {
  const expected = renderIndex();
  if (process.env.UPDATE_EXPECT === '1') writeFileSync(INDEX, expected);
  assert.equal(readFileSync(INDEX, 'utf8'), expected);
});

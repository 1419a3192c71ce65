// Meta-tests, as typescript-eslint and Istio's analyzers keep a rule, its docs and its tests together: every code a
// finding may have is registered once, has its page docs/rules/<CODE>.md (for a rule, titled with the rule's
// title) and at least one fixture folder test/fixtures/rules/<CODE>-<behaviour>/; every page and every fixture
// folder belongs to a code; the index (docs/rules/README.md) lists every page. UPDATE_EXPECT=1 rewrites the index.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { UNUSED_SUPPRESSION } from '../../server/src/engine/tuning';
import { YAML_PROBLEM_CODES } from '../../server/src/parse/yamlFile';
import { ALL_RULES } from '../../server/src/rules';
import { FIXTURES, REPO_ROOT } from '../support/paths';

const RULES_DOCS = join(REPO_ROOT, 'docs', 'rules');
const INDEX = join(RULES_DOCS, 'README.md');
const RULE_FIXTURES = join(FIXTURES, 'rules');
const SOURCES = join(REPO_ROOT, 'server', 'src');

/**
 * Codes reported by no rule, the ones the engine adds to the rules' codes as known (engine/analysis.ts): parse
 * problems and ignore comments that silence nothing. They have no rule object, so no declared title.
 */
const CODES_OUTSIDE_RULES: readonly string[] = [...YAML_PROBLEM_CODES, UNUSED_SUPPRESSION];
const ALL_CODES = [...ALL_RULES.map((rule) => rule.code), ...CODES_OUTSIDE_RULES];
/**
 * Codes no fixture folder can produce. YAML006 is reported only for a document open in the editor that is too large
 * or binary; such a file on disk is skipped with a log line instead (test/protocol/limits.test.ts covers both).
 */
const CODES_WITHOUT_FIXTURES: readonly string[] = ['YAML006'];
const byCode = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

/** The first heading of a page without its code: its title as people read it in the index. */
function pageTitle(code: string): string {
  const text = readFileSync(join(RULES_DOCS, `${code}.md`), 'utf8');
  return (/^#\s+(.*)$/m.exec(text)?.[1] ?? code).replace(/^`?[A-Z]+\d+`?\s*[:—–-]\s*/, '').trim();
}

const docPages = () =>
  readdirSync(RULES_DOCS)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .map((f) => f.slice(0, -3))
    .sort(byCode);

/** The code a fixture folder is named after: what comes before its first `-`. */
const fixtureCode = (folder: string) => folder.split('-')[0];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

function renderIndex(): string {
  const severity = new Map<string, string>([...ALL_RULES.map((r) => [r.code, r.severity] as const), [UNUSED_SUPPRESSION, 'information']]);
  const rows = docPages().map((code) => `| [${code}](${code}.md) | ${severity.get(code) ?? 'varies'} | ${pageTitle(code).replace(/\|/g, '\\|')} |`);
  return `# Findings\n\nEvery finding Istio Mesh reports has a stable code and a page here; the editor's diagnostics link to it.\n\n| code | severity | what it means |\n|---|---|---|\n${rows.join('\n')}\n`;
}

test('every rule is registered once, and no two rules or other reporters share a code', () => {
  assert.equal(new Set(ALL_RULES).size, ALL_RULES.length, 'a rule object is listed twice in ALL_RULES');
  const seen = new Set<string>();
  const repeated = ALL_CODES.filter((code) => seen.has(code) || !seen.add(code));
  assert.deepEqual(repeated, []);
  for (const code of ALL_CODES) assert.match(code, /^[A-Z]+\d{3}$/, `${code} is not of the form LETTERS and three digits`);
});

test('every code written in the server sources is a registered code', () => {
  const known = new Set(ALL_CODES);
  const unknown = sourceFiles(SOURCES).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/['"`]([A-Z]+\d{3})['"`]/g)]
      .map((m) => m[1])
      .filter((code) => !known.has(code))
      .map((code) => `${file}: ${code}`),
  );
  assert.deepEqual(unknown, []);
});

test('every code has its docs page, and every page belongs to a code', () => {
  const pages = docPages();
  assert.deepEqual(
    ALL_CODES.filter((code) => !pages.includes(code)),
    [],
    'codes without a page',
  );
  assert.deepEqual(
    pages.filter((page) => !ALL_CODES.includes(page)),
    [],
    'pages of no code',
  );
});

test("every rule's docs page is titled with the rule's title", () => {
  const differing = ALL_RULES.filter((rule) => pageTitle(rule.code) !== rule.title).map(
    (rule) => `${rule.code}: page "${pageTitle(rule.code)}", rule "${rule.title}"`,
  );
  assert.deepEqual(differing, []);
});

test('every code has a fixture folder <CODE>-<behaviour>, and every fixture folder is named after a code', () => {
  const folders = readdirSync(RULE_FIXTURES);
  const covered = new Set(folders.map(fixtureCode));
  assert.deepEqual(
    ALL_CODES.filter((code) => !covered.has(code) && !CODES_WITHOUT_FIXTURES.includes(code)),
    [],
    'codes without a fixture folder',
  );
  assert.deepEqual(
    CODES_WITHOUT_FIXTURES.filter((code) => covered.has(code)),
    [],
    'codes said to have no fixture that have one',
  );
  assert.deepEqual(
    folders.filter((folder) => !/^[A-Z]+\d{3}-[a-z0-9]+(-[a-z0-9]+)*$/.test(folder) || !ALL_CODES.includes(fixtureCode(folder))),
    [],
    'fixture folders not named <CODE>-<behaviour> after a registered code',
  );
});

test('docs/rules/README.md indexes every page', () => {
  const expected = renderIndex();
  if (process.env.UPDATE_EXPECT === '1') writeFileSync(INDEX, expected);
  assert.equal(readFileSync(INDEX, 'utf8'), expected);
});

// `istio-mesh check` as CI runs it (the bundled dist/cli.js): the text, JSON, SARIF and GitHub formats, the
// filters (--min-severity, --ignore), --version, usage errors and the exit codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { test } from 'node:test';

import { escapeGithubData, escapeGithubProperty, SHORT_MESSAGE_LENGTH, shortMessage } from '../../server/src/cli/checkOutput';
import { CLI_BUNDLE, REPO_ROOT } from '../support/paths';

interface JsonFinding {
  file: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity: string;
  code: string;
  message: string;
  cluster?: string;
  related?: { file: string; range: JsonFinding['range']; message: string }[];
}

function cli(args: string[], cwd = REPO_ROOT) {
  const run = spawnSync(process.execPath, [CLI_BUNDLE, ...args], { cwd, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const check = (args: string[], cwd = REPO_ROOT) => cli(['check', ...args], cwd);

/** A finding's line under its file: `  line:col  severity  message  code`. */
const FINDING_LINE = /^ {2}(\d+):(\d+) +(error|warning|information|hint) +(.+?) +([A-Z]+\d+)$/;
const SUMMARY = /^(\d+) problems? \((\d+) errors?, (\d+) warnings?, (\d+) infos?\)$/;
const MISTAKES = 'examples/mistakes';
const CLEAN = 'examples/multi-primary';

/** The text output as groups: each file with its findings, then the summary. */
function parseText(stdout: string): { groups: { file: string; rows: RegExpExecArray[] }[]; summary: RegExpExecArray } {
  const lines = stdout.trimEnd().split('\n');
  const summary = SUMMARY.exec(lines.pop()!);
  assert.ok(summary, `the last line is the summary: ${stdout.slice(-200)}`);
  const groups: { file: string; rows: RegExpExecArray[] }[] = [];
  for (const block of lines.join('\n').split('\n\n').filter(Boolean)) {
    const [file, ...rows] = block.trimEnd().split('\n');
    assert.ok(!file.startsWith(' ') && rows.length > 0, `a file name, then its findings: ${block.slice(0, 300)}`);
    groups.push({ file, rows: rows.map((row) => FINDING_LINE.exec(row) ?? assert.fail(`not a finding line: ${row}`)) });
  }
  return { groups, summary };
}

/** One IstioOperator whose only problem is a removed value: a warning, no error. */
function warningOnlyFolder(): string {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-cli-'));
  writeFileSync(
    join(root, 'istio.yaml'),
    'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      mtls:\n        enabled: true\n',
  );
  return root;
}

function withWarningOnlyFolder(run: (root: string) => void): void {
  const root = warningOnlyFolder();
  try {
    run(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('text output: findings grouped under their file, one `line:col  severity  message  code` line each, then the summary', () => {
  const run = check([MISTAKES, '--fail-on', 'never']);
  const { groups, summary } = parseText(run.stdout);
  assert.ok(groups.length > 1, run.stdout);
  assert.equal(new Set(groups.map((g) => g.file)).size, groups.length, 'each file once');
  assert.ok(
    groups.every((g) => g.file.startsWith(`${MISTAKES}/`)),
    'files are relative to the current folder',
  );
  const rows = groups.flatMap((g) => g.rows);
  const count = (severity: string) => rows.filter((row) => row[3] === severity).length;
  assert.deepEqual(summary.slice(1).map(Number), [rows.length, count('error'), count('warning'), count('information') + count('hint')]);
  for (const row of rows) assert.ok(row[4].length <= SHORT_MESSAGE_LENGTH, `a message over ${SHORT_MESSAGE_LENGTH} characters: ${row[4]}`);
  assert.ok(
    rows.some((row) => row[4].endsWith('…')),
    'long messages are cut',
  );
  for (const group of groups) {
    const codeColumns = new Set(group.rows.map((row) => row[0].lastIndexOf(row[5])));
    assert.equal(codeColumns.size, 1, `the codes of ${group.file} are aligned`);
  }
});

test('`npm run check:examples` prints no line over 200 characters', () => {
  const run = check(['examples', '--fail-on', 'never']);
  const long = `${run.stdout}\n${run.stderr}`.split('\n').filter((line) => line.length > 200);
  assert.deepEqual(long, []);
  assert.equal(run.code, 0);
});

test('JSON output: the same findings with whole messages, 0-based ranges, files and related files relative to the current folder', () => {
  const text = parseText(check([MISTAKES]).stdout).groups.flatMap((g) => g.rows.map((row) => ({ file: g.file, row })));
  const run = check([MISTAKES, '--format', 'json']);
  const findings = JSON.parse(run.stdout) as JsonFinding[];
  assert.equal(findings.length, text.length);
  findings.forEach((finding, i) => {
    const { file, row } = text[i];
    const [, line, column, severity, message, code] = row;
    assert.deepEqual(
      [finding.file, finding.range.start.line + 1, finding.range.start.character + 1, finding.severity, shortMessage(finding.message), finding.code],
      [file, Number(line), Number(column), severity, message.trimEnd(), code],
    );
    assert.ok(finding.range.end.line >= finding.range.start.line);
    for (const related of finding.related ?? []) {
      assert.ok(!isAbsolute(related.file) && !related.file.startsWith('..'), related.file);
      assert.equal(typeof related.message, 'string');
    }
  });
  assert.ok(
    findings.some((f) => f.message.length > SHORT_MESSAGE_LENGTH),
    'JSON keeps the whole message',
  );
  const meshIdMismatch = findings.find((f) => f.code === 'MESH101');
  assert.ok(meshIdMismatch?.cluster, 'a cluster-dependent finding names its cluster');
  assert.ok(meshIdMismatch.related?.length, 'and points at the file it disagrees with');
});

test('--verbose prints whole messages', () => {
  const whole = (JSON.parse(check([MISTAKES, '--format', 'json']).stdout) as JsonFinding[]).map((f) => f.message);
  const verbose = parseText(check([MISTAKES, '--verbose']).stdout).groups.flatMap((g) => g.rows.map((row) => row[4].trimEnd()));
  assert.deepEqual(verbose, whole);
});

test('a message is cut at a word, with "…", at most 160 characters; a short one is left as it is', () => {
  const long = `${'word '.repeat(60)}end`;
  const cut = shortMessage(long);
  assert.ok(cut.length <= SHORT_MESSAGE_LENGTH && cut.endsWith('word…'), cut);
  assert.equal(shortMessage('short message'), 'short message');
});

test('SARIF 2.1.0: rules with help and helpUri to their docs page, results with physical locations (1-based)', () => {
  const json = JSON.parse(check([MISTAKES, '--format', 'json']).stdout) as JsonFinding[];
  const run = check([MISTAKES, '--format', 'sarif']);
  assert.equal(run.code, 1, 'the exit code does not depend on the format');
  const sarif = JSON.parse(run.stdout);
  assert.equal(sarif.version, '2.1.0');
  assert.match(sarif.$schema, /sarif-2\.1\.0/);
  assert.equal(sarif.runs.length, 1);
  const [sarifRun] = sarif.runs;
  const { driver } = sarifRun.tool;
  assert.equal(driver.name, 'istio-mesh');
  assert.equal(driver.version, JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version);
  const ruleIds = driver.rules.map((rule: { id: string }) => rule.id);
  assert.deepEqual(ruleIds, [...new Set(json.map((f) => f.code))].sort(), 'one rule per code reported');
  for (const rule of driver.rules) {
    assert.match(rule.helpUri, new RegExp(`^https?://.+/docs/rules/${rule.id}\\.md$`));
    assert.ok(rule.shortDescription.text.length > 0 && rule.shortDescription.text !== rule.id, `${rule.id} has its title`);
    assert.match(rule.help.markdown, new RegExp(`^# ${rule.id}`));
  }
  assert.equal(sarifRun.columnKind, 'utf16CodeUnits');
  assert.equal(sarifRun.results.length, json.length);
  interface SarifResult {
    ruleId: string;
    ruleIndex: number;
    level: string;
    message: { text: string };
    locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region: Record<string, number> } }[];
    relatedLocations?: unknown[];
  }
  (sarifRun.results as SarifResult[]).forEach((result, i) => {
    const finding = json[i];
    assert.equal(result.ruleId, finding.code);
    assert.equal(driver.rules[result.ruleIndex].id, result.ruleId);
    assert.equal(result.level, { error: 'error', warning: 'warning', information: 'note', hint: 'note' }[finding.severity]);
    assert.equal(result.message.text, finding.message);
    const { artifactLocation, region } = result.locations[0].physicalLocation;
    assert.equal(artifactLocation.uri, finding.file);
    assert.equal(artifactLocation.uriBaseId, 'SRCROOT');
    assert.deepEqual(region, {
      startLine: finding.range.start.line + 1,
      startColumn: finding.range.start.character + 1,
      endLine: finding.range.end.line + 1,
      endColumn: finding.range.end.character + 1,
    });
    assert.equal(result.relatedLocations?.length ?? 0, finding.related?.length ?? 0);
  });
  assert.match(sarifRun.originalUriBaseIds.SRCROOT.uri, /^file:\/\/.*\/$/);
});

test('--format github: one workflow command per finding (notice for information), then the summary', () => {
  const json = JSON.parse(check([MISTAKES, '--format', 'json']).stdout) as JsonFinding[];
  const lines = check([MISTAKES, '--format', 'github']).stdout.trimEnd().split('\n');
  assert.match(lines.pop()!, SUMMARY);
  assert.equal(lines.length, json.length);
  lines.forEach((line, i) => {
    const finding = json[i];
    const command = { error: 'error', warning: 'warning', information: 'notice', hint: 'notice' }[finding.severity];
    const { start, end } = finding.range;
    const properties = `file=${finding.file},line=${start.line + 1},col=${start.character + 1},endLine=${end.line + 1},endColumn=${end.character + 1},title=${finding.code}`;
    assert.equal(line, `::${command} ${properties}::${escapeGithubData(finding.message)}`);
  });
});

test('GitHub escaping: % CR LF in messages; also : and , in properties', () => {
  assert.equal(escapeGithubData('100% done\r\nnext: a, b'), '100%25 done%0D%0Anext: a, b');
  assert.equal(escapeGithubProperty('dir:a,b%/x.yaml'), 'dir%3Aa%2Cb%25/x.yaml');
});

test('--min-severity leaves out findings below it, and they no longer count for --fail-on', () => {
  withWarningOnlyFolder((root) => {
    assert.equal(check([root, '--fail-on', 'warning']).code, 1);
    const run = check([root, '--fail-on', 'warning', '--min-severity', 'error']);
    assert.equal(run.code, 0);
    assert.equal(run.stdout.trim(), '0 problems (0 errors, 0 warnings, 0 infos)');
  });
  const all = JSON.parse(check([MISTAKES, '--format', 'json']).stdout) as JsonFinding[];
  const warnings = JSON.parse(check([MISTAKES, '--format', 'json', '--min-severity', 'warning']).stdout) as JsonFinding[];
  assert.deepEqual(
    warnings,
    all.filter((f) => f.severity === 'error' || f.severity === 'warning'),
  );
});

test('--ignore CODE (repeatable, or a comma list) leaves out that code, as istioMesh.rules "off" does', () => {
  const all = JSON.parse(check([MISTAKES, '--format', 'json']).stdout) as JsonFinding[];
  const [first, second] = [...new Set(all.map((f) => f.code))];
  for (const args of [
    ['--ignore', first, '--ignore', second],
    ['--ignore', `${first},${second}`],
  ]) {
    const kept = JSON.parse(check([MISTAKES, '--format', 'json', ...args]).stdout) as JsonFinding[];
    assert.deepEqual(
      kept,
      all.filter((f) => f.code !== first && f.code !== second),
      args.join(' '),
    );
  }
  withWarningOnlyFolder((root) => assert.equal(check([root, '--fail-on', 'warning', '--ignore', 'iop001']).code, 0));
});

test('--version prints the version of package.json', () => {
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  for (const args of [['--version'], ['check', '--version']]) {
    const run = cli(args);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, `${version}\n`);
  }
});

test('exit codes: 1 when a finding reaches --fail-on (default error), 0 otherwise', () => {
  assert.equal(check([MISTAKES]).code, 1);
  assert.equal(check([MISTAKES, '--fail-on', 'never']).code, 0);
  assert.equal(check([CLEAN, '--fail-on', 'warning']).code, 0, 'information never fails');
  withWarningOnlyFolder((root) => {
    const warned = check([root]);
    assert.match(warned.stdout, / warning {2}.+ {2}IOP001\n/);
    assert.equal(warned.code, 0, 'a warning does not reach the default --fail-on error');
    assert.equal(check([root, '--fail-on', 'warning']).code, 1);
  });
});

test('exit code 2 on bad usage: the reason, then one line saying where the usage is', () => {
  const badUsages = [
    [CLEAN, '--format', 'xml'],
    [CLEAN, '--fail-on', 'info'],
    [CLEAN, '--min-severity', 'hint'],
    [CLEAN, '--ignore', ','],
    [CLEAN, '--no-such-option'],
    ['no/such/folder'],
  ];
  for (const args of badUsages) {
    const run = check(args);
    assert.equal(run.code, 2, args.join(' '));
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^istio-mesh: .+\nRun istio-mesh check --help for usage\n$/, args.join(' '));
  }
  assert.match(cli(['chekc']).stderr, /^istio-mesh: unknown command: chekc\nRun istio-mesh --help for usage\n$/);
  assert.match(check(['--help']).stdout, /^Usage: istio-mesh check .*--format text\|json\|sarif\|github/);
});

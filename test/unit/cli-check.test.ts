// `istio-mesh check` as CI runs it (the bundled dist/cli.js): the text and JSON formats and the exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
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

function check(args: string[], cwd = REPO_ROOT) {
  const run = spawnSync(process.execPath, [CLI_BUNDLE, 'check', ...args], { cwd, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const TEXT_LINE = /^(\S+):(\d+):(\d+) {2}(error|warning|information|hint) +(\S+) +(.+)$/;
const MISTAKES = 'examples/mistakes';
const CLEAN = 'examples/multi-primary';

/** One IstioOperator whose only problem is a removed value: a warning, no error. */
function warningOnlyFolder(): string {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-cli-'));
  writeFileSync(
    join(root, 'istio.yaml'),
    'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      mtls:\n        enabled: true\n',
  );
  return root;
}

test('text output: one `file:line:col  severity  code  message` line per finding (1-based), then a summary', () => {
  const run = check([MISTAKES]);
  const lines = run.stdout.trimEnd().split('\n');
  const summary = lines.pop()!;
  assert.ok(lines.length > 0, run.stdout);
  for (const line of lines) assert.match(line, TEXT_LINE);
  const errors = lines.filter((line) => TEXT_LINE.exec(line)![4] === 'error').length;
  const warnings = lines.filter((line) => TEXT_LINE.exec(line)![4] === 'warning').length;
  assert.match(summary, new RegExp(`^${lines.length} findings: ${errors} error\\(s\\), ${warnings} warning\\(s\\), \\d+ information$`));
  assert.ok(lines.every((line) => line.startsWith(`${MISTAKES}/`)), 'files are relative to the current folder');
});

test('JSON output: the same findings with 0-based ranges, files and related files relative to the current folder', () => {
  const text = check([MISTAKES]).stdout.trimEnd().split('\n').slice(0, -1);
  const run = check([MISTAKES, '--format', 'json']);
  const findings = JSON.parse(run.stdout) as JsonFinding[];
  assert.equal(findings.length, text.length);
  findings.forEach((finding, i) => {
    const [, file, line, column, severity, code, message] = TEXT_LINE.exec(text[i])!;
    assert.deepEqual(
      [finding.file, finding.range.start.line + 1, finding.range.start.character + 1, finding.severity, finding.code, finding.message],
      [file, Number(line), Number(column), severity, code, message],
    );
    assert.ok(finding.range.end.line >= finding.range.start.line);
    for (const related of finding.related ?? []) {
      assert.ok(!isAbsolute(related.file) && !related.file.startsWith('..'), related.file);
      assert.equal(typeof related.message, 'string');
    }
  });
  const meshIdMismatch = findings.find((f) => f.code === 'MESH101');
  assert.ok(meshIdMismatch?.cluster, 'a cluster-dependent finding names its cluster');
  assert.ok(meshIdMismatch.related?.length, 'and points at the file it disagrees with');
});

test('exit codes: 1 when a finding reaches --fail-on (default error), 0 otherwise', () => {
  const warningOnly = warningOnlyFolder();
  try {
    assert.equal(check([MISTAKES]).code, 1);
    assert.equal(check([MISTAKES, '--fail-on', 'never']).code, 0);
    assert.equal(check([CLEAN, '--fail-on', 'warning']).code, 0, 'information never fails');
    const warned = check([warningOnly]);
    assert.match(warned.stdout, / warning +IOP001 /);
    assert.equal(warned.code, 0, 'a warning does not reach the default --fail-on error');
    assert.equal(check([warningOnly, '--fail-on', 'warning']).code, 1);
  } finally {
    rmSync(warningOnly, { recursive: true, force: true });
  }
});

test('exit code 2 on bad usage, with the reason and the usage on stderr', () => {
  for (const args of [[CLEAN, '--format', 'xml'], [CLEAN, '--fail-on', 'info'], [CLEAN, '--no-such-option'], ['no/such/folder']]) {
    const run = check(args);
    assert.equal(run.code, 2, args.join(' '));
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^istio-mesh: .+\nUsage: istio-mesh check/, args.join(' '));
  }
});

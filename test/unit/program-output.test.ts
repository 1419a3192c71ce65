// What kubectl prints is checked before it is used: a program that prints nothing, garbage, or fails ends
// `istio-mesh apply` with one message naming the program and quoting (redacted, truncated) what it printed,
// never with a stack trace. The programs are small shell scripts written into a temporary folder.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { readKubeContexts } from '../../server/src/apply/kubeconfig';
import { ProgramOutputError } from '../../server/src/apply/programs';
import { CLI_BUNDLE, FIXTURES } from '../support/paths';

const dir = mkdtempSync(join(tmpdir(), 'istio-mesh-programs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes an executable shell script named `name` whose body is `script`; returns its path. */
function fakeProgram(name: string, script: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

const TOKEN = 'eyJhbGciOiJSUzI1NiIsImtpZCI6InNlY3JldCJ9.fake-token-value';
const CONTEXTS_JSON =
  '{"kind":"Config","contexts":[{"name":"kind-dev","context":{"cluster":"dev"}}],"clusters":[{"name":"dev","cluster":{"server":"https://10.0.0.1"}}]}';

const programs = {
  silent: fakeProgram('silent-kubectl', 'exit 0'),
  garbage: fakeProgram('garbage-kubectl', `echo "Welcome to the jump host"; echo "token: ${TOKEN}"`),
  verbose: fakeProgram('verbose-kubectl', `i=0; while [ $i -lt 400 ]; do printf 'not json at all '; i=$((i+1)); done`),
  notAKubeconfig: fakeProgram('array-kubectl', `echo '[1, 2, 3]'`),
  failing: fakeProgram('failing-kubectl', `echo "error: request with Authorization: Bearer ${TOKEN} was refused" >&2; exit 3`),
  failingSilently: fakeProgram('quiet-failing-kubectl', 'exit 4'),
  // Reads contexts like kubectl, then fails every apply without a word.
  applyFailsSilently: fakeProgram('apply-fails-kubectl', `if [ "$1" = config ]; then echo '${CONTEXTS_JSON}'; exit 0; fi\ncat >/dev/null\nexit 1`),
};

async function readError(program: string): Promise<ProgramOutputError> {
  const error = await readKubeContexts(program, { PATH: process.env.PATH }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof ProgramOutputError, `expected a ProgramOutputError, got ${String(error)}`);
  return error;
}

describe('kube contexts read from a program that is not kubectl', () => {
  test('no output: the program and "printed nothing"', async () => {
    assert.equal((await readError(programs.silent)).message, `${programs.silent} config view -o json printed nothing (kubectl prints the kubeconfig as JSON)`);
  });

  test('text that is not JSON is quoted on one line, credentials redacted', async () => {
    const { message } = await readError(programs.garbage);
    assert.equal(message, `${programs.garbage} config view -o json printed something that is not JSON: "Welcome to the jump host token: [REDACTED]"`);
  });

  test('long output is cut to 200 characters', async () => {
    const { message } = await readError(programs.verbose);
    assert.ok(message.endsWith('…"'), message);
    assert.ok(message.length < programs.verbose.length + 300, `${message.length} characters`);
  });

  test('JSON that is not an object', async () => {
    assert.match((await readError(programs.notAKubeconfig)).message, /printed JSON that is not a kubeconfig: "\[1, 2, 3\]"$/);
  });

  test('a failure says the exit code and what the program said on stderr, redacted', async () => {
    const { message } = await readError(programs.failing);
    assert.equal(message, `${programs.failing} config view -o json exited with code 3: "error: request with Authorization: Bearer [REDACTED] was refused"`);
    assert.equal((await readError(programs.failingSilently)).message, `${programs.failingSilently} config view -o json exited with code 4 and printed nothing`);
  });

  test('a program that cannot be run', async () => {
    assert.match(
      (await readError(join(dir, 'no-such-program'))).message,
      /no-such-program config view -o json could not be run \(ENOENT\) and printed nothing$/,
    );
  });

  test('a kubeconfig without contexts is no error', async () => {
    const empty = fakeProgram('empty-kubectl', `echo '{"kind":"Config","contexts":null,"clusters":null}'`);
    assert.deepEqual(await readKubeContexts(empty, { PATH: process.env.PATH }), { contexts: [], currentContext: undefined });
  });
});

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_BUNDLE, ...args], { cwd: join(FIXTURES, 'apply'), env: { PATH: process.env.PATH } }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}

describe('istio-mesh apply --kubectl PROGRAM', () => {
  const applySample = (kubectl: string) => cli('apply', 'cluster2/sample.yaml', '--context', 'kind-dev', '--yes', '--kubectl', kubectl);

  for (const [name, program] of Object.entries({
    nothing: programs.silent,
    garbage: programs.garbage,
    'JSON that is not a kubeconfig': programs.notAKubeconfig,
    'a failure': programs.failing,
  })) {
    test(`a program that prints ${name} ends in one message, exit code 1, no stack trace`, async () => {
      const run = await applySample(program);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.ok(lines[0].startsWith(`istio-mesh apply: ${program} config view -o json `), lines[0]);
      assert.doesNotMatch(run.stderr, /SyntaxError|\n\s+at /);
      assert.ok(!run.stderr.includes(TOKEN), run.stderr);
    });
  }

  test('an apply step that fails without output says the exit code and that it printed nothing', async () => {
    const run = await applySample(programs.applyFailsSilently);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /kubectl exited with code 1 and printed nothing/);
  });
});

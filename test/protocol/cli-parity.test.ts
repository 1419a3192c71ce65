// One engine: the language server publishes, for every file of a folder, exactly the findings `istio-mesh check`
// prints for that folder (code, severity, range, message, related locations).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

import { findYamlFiles } from '../../server/src/workspace/scan';
import { type Diagnostic, fileUri, LspTestClient } from '../support/lspClient';
import { CLI_BUNDLE, EXAMPLES } from '../support/paths';

type Range = Diagnostic['range'];
interface CliFinding {
  file: string;
  range: Range;
  severity: string;
  code: string;
  message: string;
  related?: { file: string; range: Range; message: string }[];
}

const SEVERITY_NAMES = ['', 'error', 'warning', 'information', 'hint'];
const at = (range: Range) => `${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}`;

const fromCli = (root: string, f: CliFinding) =>
  [f.code, f.severity, at(f.range), f.message, ...(f.related ?? []).map((r) => `${fileUri(resolve(root, r.file))}@${at(r.range)}: ${r.message}`)].join(' | ');
const fromServer = (d: Diagnostic) =>
  [
    d.code,
    SEVERITY_NAMES[d.severity ?? 0],
    at(d.range),
    d.message,
    ...(d.relatedInformation ?? []).map((r) => `${r.location.uri}@${at(r.location.range)}: ${r.message}`),
  ].join(' | ');

for (const example of ['mistakes', 'primary-remote-multi-network']) {
  test(`the server publishes what the CLI reports for examples/${example}`, async () => {
    const root = join(EXAMPLES, example);
    const cli = spawnSync(process.execPath, [CLI_BUNDLE, 'check', '.', '--format', 'json', '--fail-on', 'never'], { cwd: root, encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    const expected = new Map<string, string[]>();
    for (const finding of JSON.parse(cli.stdout) as CliFinding[]) {
      const path = resolve(root, finding.file);
      expected.set(path, [...(expected.get(path) ?? []), fromCli(root, finding)]);
    }
    assert.ok(expected.size > 0, 'the example has findings to compare');

    const client = await LspTestClient.start([root]);
    try {
      for (const path of findYamlFiles(root).files) {
        const want = (expected.get(path) ?? []).sort();
        const same = (d: Diagnostic[]) => JSON.stringify(d.map(fromServer).sort()) === JSON.stringify(want);
        if (want.length) {
          const got = await client.waitForDiagnostics(path, same).catch(() => client.diagnostics.get(fileUri(path)) ?? []);
          assert.deepEqual(got.map(fromServer).sort(), want, path);
        }
      }
      // Files the CLI found nothing in have nothing published, once the others are in.
      for (const path of findYamlFiles(root).files) {
        if (!expected.has(path)) assert.deepEqual(client.diagnostics.get(fileUri(path)) ?? [], [], path);
      }
    } finally {
      await client.stop();
    }
  });
}

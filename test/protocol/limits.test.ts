// Files too large, binary or not UTF-8, on disk or open in the editor: each gets a logged skip or a finding
// that says it was not analysed, quickly, and the rest of the workspace keeps working.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { LspTestClient } from '../support/lspClient';

const BROKEN = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: [unclosed\n';
const MEGABYTE = 1024 * 1024;

test('huge, binary and non-UTF-8 files are skipped with a log line; huge and binary open documents get YAML006', { timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-limits-'));
  const huge = join(root, 'huge.yaml');
  const binary = join(root, 'binary.yaml');
  const latin1 = join(root, 'latin1.yaml');
  const healthy = join(root, 'healthy.yaml');
  const fiftyMegabytes = `# generated\n${'key: value\n'.repeat(Math.ceil((50 * MEGABYTE) / 11))}`;
  writeFileSync(huge, fiftyMegabytes);
  writeFileSync(binary, Buffer.from([0x6b, 0x3a, 0x20, 0x00, 0x01, 0xff, 0x0a]));
  writeFileSync(latin1, Buffer.from('name: caf\xe9\n', 'latin1'));
  writeFileSync(healthy, BROKEN);
  const client = await LspTestClient.start([root]);
  try {
    await client.waitForDiagnostics(healthy, (d) => d.some((x) => x.code === 'YAML001'), 30_000);
    const logs = () => client.logs.join('\n');
    assert.match(logs(), /skipped .*huge\.yaml: larger than istioMesh\.maxFileSize/);
    assert.match(logs(), /skipped .*binary\.yaml: binary content/);
    assert.match(logs(), /skipped .*latin1\.yaml: not UTF-8 text/);

    const started = Date.now();
    client.open(huge, fiftyMegabytes);
    const [tooLarge] = await client.waitForDiagnostics(huge, (d) => d.length > 0, 60_000);
    assert.equal(tooLarge.code, 'YAML006');
    assert.deepEqual(tooLarge.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
    assert.match(tooLarge.message, /^This file was not analysed: larger than istioMesh\.maxFileSize/);
    assert.ok(Date.now() - started < 60_000, `a 50 MB document took ${Date.now() - started} ms`);

    client.open(binary, 'k: \u0000\u0001\n');
    const [notText] = await client.waitForDiagnostics(binary, (d) => d.length > 0);
    assert.equal(notText.code, 'YAML006');
    assert.match(notText.message, /binary content/);

    // The rest keeps working: fixing the healthy file clears its error, and typing into the huge one is answered.
    client.open(healthy, BROKEN);
    client.edit(healthy, { start: { line: 2, character: 17 }, end: { line: 2, character: 26 } }, 'ns}');
    await client.waitForDiagnostics(healthy, (d) => d.length === 0);
    client.edit(huge, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, '# edited\n');
    const hover = client
      .request('textDocument/hover', { textDocument: { uri: `file://${huge}` }, position: { line: 1, character: 2 } })
      .catch(() => 'answered with an error');
    // Each keystroke into 50 MB still copies 50 MB (the protocol library's text model): answered, if not
    // instantly — on a loaded machine it takes seconds.
    await Promise.race([hover, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 30 s')), 30_000))]);

    // Cut below the limit, the same document is analysed again.
    client.edit(huge, { start: { line: 3, character: 0 }, end: { line: Math.ceil((50 * MEGABYTE) / 11) + 1, character: 0 } }, '');
    await client.waitForDiagnostics(huge, (d) => d.length === 0, 30_000);
    assert.equal(client.logs.filter((l) => l.includes(`not analysing open document ${huge}`)).length, 1, 'logged once, not on every keystroke');
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('an alias bomb and a deeply nested document in the editor give YAML002 and YAML003 at once', async () => {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-limits-'));
  const bomb = join(root, 'bomb.yaml');
  const deep = join(root, 'deep.yaml');
  const client = await LspTestClient.start([root]);
  try {
    const levels = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...Array.from({ length: 9 }, (_, i) => {
        const [name, previous] = [String.fromCharCode(98 + i), String.fromCharCode(97 + i)];
        return `${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`;
      }),
    ];
    client.open(bomb, levels.join('\n') + '\n');
    client.open(deep, `spec: ${'{a: '.repeat(5000)}1${'}'.repeat(5000)}\n`);
    const [aliases] = await client.waitForDiagnostics(bomb, (d) => d.length > 0, 5000);
    const [nested] = await client.waitForDiagnostics(deep, (d) => d.length > 0, 5000);
    assert.equal(aliases.code, 'YAML002');
    assert.equal(nested.code, 'YAML003');
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

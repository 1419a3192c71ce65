// A finding inside an Argo CD `helm.values` string (a YAML block scalar) is published at the exact line and
// column of the key inside the string, and goes away when the key is corrected in the editor.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { LspTestClient } from '../support/lspClient';
import { EXAMPLES } from '../support/paths';

test('MESH101 for a meshID set inside an Argo CD helm.values string is published on that line and column', async () => {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-argocd-'));
  cpSync(join(EXAMPLES, 'argocd'), root, { recursive: true });
  const file = join(root, 'cluster2.yaml');
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.trim() === 'meshID: mesh1');
  const character = lines[line].indexOf('mesh1');
  const client = await LspTestClient.start([root]);
  try {
    client.open(file, text);
    client.edit(file, { start: { line, character }, end: { line, character: character + 5 } }, 'mesh9');
    const diagnostics = await client.waitForDiagnostics(file, (d) => d.some((x) => x.code === 'MESH101'));
    const mismatch = diagnostics.find((d) => d.code === 'MESH101')!;
    assert.deepEqual(mismatch.range, { start: { line, character }, end: { line, character: character + 5 } });
    client.edit(file, { start: { line, character }, end: { line, character: character + 5 } }, 'mesh1');
    await client.waitForDiagnostics(file, (d) => !d.some((x) => x.code === 'MESH101'));
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

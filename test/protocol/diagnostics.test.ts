import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { LspTestClient } from '../support/lspClient';

test('a YAML syntax error in a file on disk is published at its position, and fixing it in the editor clears it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-protocol-'));
  const file = join(root, 'gateway.yaml');
  const text = 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n  selector: {istio: eastwestgateway\n';
  writeFileSync(file, text);
  const client = await LspTestClient.start([root]);
  try {
    const broken = await client.waitForDiagnostics(file, (d) => d.some((x) => x.code === 'YAML001'));
    const syntax = broken.find((d) => d.code === 'YAML001')!;
    assert.equal(syntax.source, 'istio-mesh');
    assert.ok(syntax.range.start.line >= 5, `syntax error reported at line ${syntax.range.start.line}`);
    assert.match(syntax.codeDescription!.href, /docs\/rules\/YAML001\.md$/);
    client.open(file, text);
    client.edit(file, { start: { line: 5, character: 35 }, end: { line: 5, character: 35 } }, '}');
    await client.waitForDiagnostics(file, (d) => !d.some((x) => x.code === 'YAML001'));
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

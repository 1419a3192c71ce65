// Tuning findings through the real server: an ignore comment typed in the editor clears its diagnostic, and the
// istioMesh.rules setting (read through workspace/configuration) turns a code off or changes its severity.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { LspTestClient } from '../support/lspClient';

const GATEWAY =
  'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n  selector: {istio: gw}\n  servers:\n    - tls: {mode: PASTHROUGH}\n      port: {number: 443, name: tls, protocol: TLS}\n      hosts: ["a.example.com"]\n';
const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n    - port: many\n';

function folder(): { root: string; gateway: string; service: string } {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-tuning-'));
  const gateway = join(root, 'gateway.yaml');
  const service = join(root, 'service.yaml');
  writeFileSync(gateway, GATEWAY);
  writeFileSync(service, SERVICE);
  return { root, gateway, service };
}

test('an ignore comment typed above a document clears its diagnostic; removing the finding makes the comment SUPPRESS001', async () => {
  const { root, gateway } = folder();
  const client = await LspTestClient.start([root]);
  try {
    await client.waitForDiagnostics(gateway, (d) => d.some((x) => x.code === 'SCHEMA003'));
    client.open(gateway, GATEWAY);
    client.edit(gateway, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, '# istio-mesh: ignore=SCHEMA003 a custom Envoy build\n');
    await client.waitForDiagnostics(gateway, (d) => d.length === 0);
    client.edit(gateway, { start: { line: 8, character: 21 }, end: { line: 8, character: 21 } }, 'S');
    const unused = await client.waitForDiagnostics(gateway, (d) => d.some((x) => x.code === 'SUPPRESS001'));
    assert.deepEqual(
      unused.filter((d) => String(d.code).startsWith('S')).map((d) => [d.code, d.severity, d.range.start.line]),
      [['SUPPRESS001', 3, 0]],
    );
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('istioMesh.rules from workspace/configuration: a code turned off is not published, another is published at its new severity', async () => {
  const { root, gateway, service } = folder();
  const client = await LspTestClient.start([root], { settings: { rules: { SCHEMA003: 'off', SCHEMA002: 'warning' } } });
  try {
    const published = await client.waitForDiagnostics(service, (d) => d.some((x) => x.code === 'SCHEMA002'));
    assert.deepEqual(
      published.map((d) => [d.code, d.severity]),
      [['SCHEMA002', 2]],
    );
    await client.waitForDiagnostics(gateway, (d) => d.length === 0);
    client.settings = {};
    client.notify('workspace/didChangeConfiguration', { settings: {} });
    await client.waitForDiagnostics(gateway, (d) => d.some((x) => x.code === 'SCHEMA003' && x.severity === 1));
    await client.waitForDiagnostics(service, (d) => d.some((x) => x.code === 'SCHEMA002' && x.severity === 1));
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

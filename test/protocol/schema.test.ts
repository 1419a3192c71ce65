// Schema completion and hover through the language server, as an editor sees them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { fileUri, LspTestClient } from '../support/lspClient';
import { EXAMPLES } from '../support/paths';

interface CompletionList {
  items: { label: string }[];
}
interface Hover {
  contents: { kind: string; value: string };
}

const GATEWAY_AND_SERVICE_ENTRY = [
  'apiVersion: networking.istio.io/v1',
  'kind: Gateway',
  'metadata:',
  '  name: cross-network-gateway',
  '  namespace: istio-system',
  'spec:',
  '  selector:',
  '    istio: eastwestgateway',
  '  servers:',
  '    - port:',
  '        number: 15443',
  '        name: tls',
  '        protocol: TLS',
  '      tls:',
  '        mode: ',
  '      hosts:',
  '        - "*.local"',
  '---',
  'apiVersion: networking.istio.io/v1',
  'kind: ServiceEntry',
  'metadata:',
  '  name: external',
  'spec:',
  '  hosts: [api.example.com]',
  '  resolution: ',
  '---',
  'apiVersion: v1',
  'kind: Secret',
  'metadata:',
  '  name: cacerts',
  'data:',
  '  ca-key.pem: c3VwZXJzZWNyZXRrZXk=',
  '',
].join('\n');

async function withServer(initializationOptions: Record<string, unknown>, run: (client: LspTestClient, file: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-schema-'));
  const file = join(root, 'gateway.yaml');
  writeFileSync(file, GATEWAY_AND_SERVICE_ENTRY);
  const client = await LspTestClient.start([root], { initializationOptions });
  try {
    client.open(file, GATEWAY_AND_SERVICE_ENTRY);
    await run(client, file);
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

const at = (file: string, line: number, character: number) => ({ textDocument: { uri: fileUri(file) }, position: { line, character } });

test('completion offers the TLS modes of a Gateway server, and each document of a file gets its own schema', async () => {
  await withServer({}, async (client, file) => {
    const modes = await client.request<CompletionList>('textDocument/completion', at(file, 14, 14));
    const labels = modes.items.map((item) => item.label);
    assert.ok(labels.includes('PASSTHROUGH'), `got ${labels.join(', ')}`);
    assert.ok(labels.includes('AUTO_PASSTHROUGH'));
    const resolutions = await client.request<CompletionList>('textDocument/completion', at(file, 24, 14));
    const resolutionLabels = resolutions.items.map((item) => item.label);
    assert.ok(resolutionLabels.includes('DNS'), `got ${resolutionLabels.join(', ')}`);
    assert.ok(!resolutionLabels.includes('PASSTHROUGH'));
  });
});

test('hover on a field shows our description with the istio.io link; on a Secret entry, never its value', async () => {
  await withServer({ schemaCompletionAndHover: true }, async (client, file) => {
    const hover = await client.request<Hover | null>('textDocument/hover', at(file, 14, 9));
    assert.ok(hover, 'a hover for tls.mode');
    assert.equal(hover.contents.kind, 'markdown');
    assert.match(hover.contents.value, /AUTO_PASSTHROUGH` forwards mTLS traffic between networks/);
    assert.match(hover.contents.value, /\(https:\/\/istio\.io\/latest\/docs\/reference\/config\/networking\/gateway\/\)/);
    for (const character of [3, 16, 24]) {
      const secretHover = await client.request<Hover | null>('textDocument/hover', at(file, 31, character));
      assert.doesNotMatch(JSON.stringify(secretHover), /c3VwZXJzZWNyZXRrZXk|supersecretkey/);
    }
    const dataHover = await client.request<Hover | null>('textDocument/hover', at(file, 30, 1));
    assert.match(dataHover?.contents.value ?? '', /base64/);
  });
});

test("with schemaCompletionAndHover: false (Red Hat YAML installed) schema items step aside, the mesh's own stay", async () => {
  await withServer({ schemaCompletionAndHover: false }, async (client, file) => {
    const capabilities = client.initializeResult?.capabilities ?? {};
    assert.ok(capabilities.completionProvider, 'completion is still served: Gateway names are nothing Red Hat knows');
    assert.equal(capabilities.hoverProvider, true);
    const modes = await client.request<CompletionList>('textDocument/completion', at(file, 14, 14));
    assert.ok(!modes.items.some((item) => item.label === 'PASSTHROUGH'), 'no schema completion: Red Hat offers it');
    const hover = await client.request<Hover | null>('textDocument/hover', at(file, 14, 9));
    assert.doesNotMatch(hover?.contents.value ?? '', /AUTO_PASSTHROUGH` forwards mTLS traffic/, 'no schema hover: Red Hat shows it');
  });
  const mesh = join(EXAMPLES, 'primary-remote');
  const routes = join(mesh, 'cluster1', 'expose-istiod.yaml');
  const client = await LspTestClient.start([mesh], { initializationOptions: { schemaCompletionAndHover: false } });
  try {
    const lines = readFileSync(routes, 'utf8').split('\n');
    const line = lines.findIndex((l, i) => i > lines.findIndex((x) => x.startsWith('  gateways:')) && l.includes('- istiod-gateway'));
    client.open(routes, lines.map((l, i) => (i === line ? '    - ' : l)).join('\n'));
    await client.waitForDiagnostics(routes, () => true);
    const names = await client.request<CompletionList>('textDocument/completion', { textDocument: { uri: fileUri(routes) }, position: { line, character: 6 } });
    assert.ok(
      names.items.some((item) => item.label === 'istiod-gateway'),
      `the mesh's Gateway names are offered (got ${names.items.map((i) => i.label).join(', ')})`,
    );
  } finally {
    await client.stop();
  }
});

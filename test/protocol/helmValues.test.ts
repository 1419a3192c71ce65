// Helm values files the engine reads as an Istio chart's values get that chart's keys as completion, and a hover on
// each key saying which chart it belongs to; files that are not chart values get none of it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { fileUri, LspTestClient } from '../support/lspClient';

const ISTIOD_VALUES = `# istio-mesh: chart=istiod
global:
  meshID: mesh1
  multiCluster:
    clusterName: cluster1
  network: network1
  
pilot:
  env: {}
`;
const GATEWAY_VALUES = `name: istio-eastwestgateway
networkGateway: network1

`;
const NAMESPACE = `apiVersion: v1
kind: Namespace
metadata:
  name: istio-system

`;

interface CompletionList {
  items: { label: string; detail?: string }[];
}

async function withMesh(run: (client: LspTestClient, root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-helm-values-'));
  mkdirSync(join(root, 'cluster1'));
  writeFileSync(join(root, 'cluster1', 'istiod-values.yaml'), ISTIOD_VALUES);
  writeFileSync(join(root, 'cluster1', 'eastwest-gateway-values.yaml'), GATEWAY_VALUES);
  writeFileSync(join(root, 'cluster1', 'istio-system.yaml'), NAMESPACE);
  const client = await LspTestClient.start([root]);
  try {
    await run(client, root);
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

async function labelsAt(client: LspTestClient, file: string, line: number, character: number): Promise<string[]> {
  client.open(file);
  await client.waitForDiagnostics(file, () => true);
  const result = await client.request<CompletionList | null>('textDocument/completion', {
    textDocument: { uri: fileUri(file) },
    position: { line, character },
  });
  return (result?.items ?? []).map((item) => item.label);
}

test("a gateway chart values file completes the chart's top-level keys, without those already written", async () => {
  await withMesh(async (client, root) => {
    const labels = await labelsAt(client, join(root, 'cluster1', 'eastwest-gateway-values.yaml'), 2, 0);
    for (const key of ['networkGatewayPorts', 'service', 'revision', 'labels']) assert.ok(labels.includes(key), `${key} offered: ${labels.join(', ')}`);
    assert.ok(!labels.includes('name') && !labels.includes('networkGateway'), `written keys offered again: ${labels.join(', ')}`);
    // The istiod chart's keys are not the gateway chart's.
    assert.ok(!labels.includes('istiodRemote'), labels.join(', '));
  });
});

test("under global: of istiod values, the completion is global's keys; at the top, the chart's", async () => {
  await withMesh(async (client, root) => {
    const file = join(root, 'cluster1', 'istiod-values.yaml');
    const underGlobal = await labelsAt(client, file, 6, 2);
    for (const key of ['remotePilotAddress', 'externalIstiod', 'meshNetworks']) assert.ok(underGlobal.includes(key), `${key}: ${underGlobal.join(', ')}`);
    assert.ok(!underGlobal.includes('meshID') && !underGlobal.includes('istiodRemote'), underGlobal.join(', '));
    const top = await labelsAt(client, file, 6, 0);
    assert.ok(top.includes('istiodRemote') && !top.includes('global') && !top.includes('remotePilotAddress'), top.join(', '));
  });
});

test('hover on a chart key names the chart; a file that is no chart values gets no chart keys', async () => {
  await withMesh(async (client, root) => {
    const gateway = join(root, 'cluster1', 'eastwest-gateway-values.yaml');
    client.open(gateway);
    await client.waitForDiagnostics(gateway, () => true);
    const hover = await client.request<{ contents: { value: string } } | null>('textDocument/hover', {
      textDocument: { uri: fileUri(gateway) },
      position: { line: 0, character: 2 },
    });
    assert.match(
      hover?.contents.value ?? '',
      /\*\*name\*\*: a value of Istio's `gateway` chart \(github\.com\/istio\/istio @ [0-9a-f]+ manifests\/charts\/gateway\/values\.schema\.json\)/,
    );
    const namespace = await labelsAt(client, join(root, 'cluster1', 'istio-system.yaml'), 4, 0);
    assert.ok(!namespace.includes('networkGatewayPorts') && !namespace.includes('istiodRemote'), namespace.join(', '));
  });
});

// istioMesh/topology, the request behind the Istio Mesh view and the topology picture, against the bundled server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import type { MeshViewNode } from '../../server/src/features/meshView';
import type { TopologyResult } from '../../server/src/lsp/protocol';
import { LspTestClient } from '../support/lspClient';
import { FIXTURES } from '../support/paths';

const MESH = join(FIXTURES, 'topology', 'primary-remote-multi-network');

function all(node: MeshViewNode): MeshViewNode[] {
  return [node, ...(node.children ?? []).flatMap(all)];
}

test("istioMesh/topology gives the mesh model with the client's contexts, and follows an edit", async () => {
  const client = await LspTestClient.start([MESH]);
  try {
    const file = join(MESH, 'west', 'eastwest.yaml');
    const text = readFileSync(file, 'utf8');
    client.open(file, text);
    await client.waitForDiagnostics(file, (d) => d.some((x) => x.code === 'MESH104'));
    const { meshes } = await client.request<TopologyResult>('istioMesh/topology', { contexts: { west: 'kind-west' } });
    assert.equal(meshes.length, 1);
    const [mesh] = meshes;
    assert.deepEqual(
      mesh.children!.map((network) => `${network.label}: ${network.children!.map((c) => `${c.label} (${c.description})`).join(', ')}`),
      ['Network net-east: east (primary · no kube context chosen · 1 info)', 'Network net-west: west (remote · context kind-west · 1 error)'],
    );
    assert.deepEqual(
      mesh.edges.map((e) => e.kind),
      ['serves', 'discovers'],
    );
    const westGateway = all(mesh).find((n) => n.id === 'primary-remote-multi-network#cluster:west/gateway:istio-eastwestgateway')!;
    assert.equal(westGateway.findings?.errors, 1);
    assert.ok(!JSON.stringify(meshes).includes('topology-fixture-token'));

    // The label fixed in the editor: the gateway's finding is gone from the model on the next request.
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('topology.istio.io/network: net-east'));
    const character = lines[line].indexOf('net-east');
    client.edit(file, { start: { line, character }, end: { line, character: character + 'net-east'.length } }, 'net-west');
    await client.waitForDiagnostics(file, (d) => !d.some((x) => x.code === 'MESH104'));
    const after = await client.request<TopologyResult>('istioMesh/topology', {});
    const fixed = all(after.meshes[0]).find((n) => n.id === westGateway.id)!;
    assert.equal(fixed.findings, undefined);
    assert.match(fixed.description!, /network net-west/);
  } finally {
    await client.stop();
  }
});

// The requests the extension's apply commands make: the plan comes from the server, which holds unsaved buffers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileUri, LspTestClient } from '../support/lspClient';
import { FIXTURES } from '../support/paths';
import type { ApplyPlan } from '../../server/src/apply/plan';

const MESH = join(FIXTURES, 'apply');

test('istioMesh/applyPlan plans the unsaved buffer; clusterOf and meshClusters describe the mesh', async () => {
  const client = await LspTestClient.start([MESH]);
  try {
    const file = join(MESH, 'cluster1', 'namespace.yaml');
    client.open(file, readFileSync(file, 'utf8').replace('network1', 'network1-unsaved'));
    await client.waitForDiagnostics(file, () => true);
    const plan = await client.request<ApplyPlan>('istioMesh/applyPlan', { uris: [fileUri(file)] });
    assert.deepEqual(plan.files.map((f) => f.source), ['unsaved-buffer']);
    assert.equal(plan.steps.length, 1);
    assert.equal(plan.steps[0].cluster, 'cluster1');
    assert.match(plan.steps[0].documents[0].text, /network1-unsaved/);
    assert.deepEqual(await client.request('istioMesh/clusterOf', { uri: fileUri(file) }), { clusters: ['cluster1'] });
    assert.deepEqual(await client.request('istioMesh/meshClusters', {}), { clusters: ['cluster1', 'cluster2'] });
    const clusterPlan = await client.request<ApplyPlan>('istioMesh/applyPlan', { clusters: ['cluster2'] });
    assert.deepEqual(clusterPlan.remoteSecrets.map((s) => `${s.holder}<-${s.remote}`), ['cluster2<-cluster1']);
  } finally {
    await client.stop();
  }
});

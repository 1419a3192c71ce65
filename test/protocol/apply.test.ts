// The requests the extension's apply commands make: the plan comes from the server, which holds unsaved buffers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import type { ApplyPlan } from '../../server/src/apply/plan';
import type { MeshClustersResult } from '../../server/src/lsp/protocol';
import { fileUri, LspTestClient } from '../support/lspClient';
import { FIXTURES } from '../support/paths';

const MESH = join(FIXTURES, 'apply');

test('istioMesh/applyPlan plans the unsaved buffer; clusterOf and meshClusters describe the mesh', async () => {
  const client = await LspTestClient.start([MESH]);
  try {
    const file = join(MESH, 'cluster1', 'namespace.yaml');
    client.open(file, readFileSync(file, 'utf8').replace('network1', 'network1-unsaved'));
    await client.waitForDiagnostics(file, () => true);
    const plan = await client.request<ApplyPlan>('istioMesh/applyPlan', { uris: [fileUri(file)] });
    assert.deepEqual(
      plan.files.map((f) => f.source),
      ['unsaved-buffer'],
    );
    assert.equal(plan.steps.length, 1);
    assert.equal(plan.steps[0].cluster, 'cluster1');
    assert.match(plan.steps[0].documents[0].text, /network1-unsaved/);
    const clusterOf = await client.request<MeshClustersResult>('istioMesh/clusterOf', { uri: fileUri(file) });
    assert.deepEqual(
      clusterOf.clusters.map((c) => `${c.key} ${c.name} ${c.mesh}`),
      ['cluster1 cluster1 apply'],
    );
    const all = await client.request<MeshClustersResult>('istioMesh/meshClusters', {});
    assert.deepEqual(
      all.clusters.map((c) => c.key),
      ['cluster1', 'cluster2'],
    );
    const clusterPlan = await client.request<ApplyPlan>('istioMesh/applyPlan', { clusters: ['cluster2'] });
    assert.deepEqual(
      clusterPlan.remoteSecrets.map((s) => `${s.holder}<-${s.remote}`),
      ['cluster2<-cluster1'],
    );
  } finally {
    await client.stop();
  }
});

test('in a folder of two meshes, clusters are named with their mesh, and a cluster plan keeps to its mesh', async () => {
  const root = join(FIXTURES, 'apply-meshes');
  const client = await LspTestClient.start([root]);
  try {
    await client.waitForDiagnostics(join(root, 'prod', 'cluster1', 'istio.yaml'), () => true);
    const all = await client.request<MeshClustersResult>('istioMesh/meshClusters', {});
    assert.deepEqual(
      all.clusters.map((c) => c.key),
      ['prod/cluster1', 'prod/cluster2', 'staging/cluster1', 'staging/cluster2'],
    );
    const plan = await client.request<ApplyPlan>('istioMesh/applyPlan', { clusters: ['staging/cluster1'] });
    assert.deepEqual([...new Set(plan.steps.map((s) => s.cluster))], ['staging/cluster1']);
    assert.ok(
      plan.files.every((f) => f.path.includes(join('staging', 'cluster1'))),
      plan.files.map((f) => f.path).join(', '),
    );
    assert.deepEqual(
      plan.clusters.map((c) => `${c.name} of ${c.mesh}`),
      ['cluster1 of staging'],
    );
  } finally {
    await client.stop();
  }
});

test('a template plan says which variables are filled from the setting, which are computed, and which are unknown', async () => {
  const root = join(FIXTURES, 'apply-template');
  const client = await LspTestClient.start([root]);
  try {
    await client.waitForDiagnostics(join(root, 'cluster2', 'namespace.yaml'), () => true);
    const plan = await client.request<ApplyPlan>('istioMesh/applyPlan', { clusters: ['cluster2'], variables: { CLUSTER2_NETWORK: 'network1' } });
    const variables = Object.fromEntries(
      plan.variables.map((v) => [
        v.name,
        v.value !== undefined ? `${v.value} (${v.source})` : v.computedBy ? `computed in ${v.computedBy.cluster}` : 'unknown',
      ]),
    );
    assert.deepEqual(variables, { CLUSTER2_NETWORK: 'network1 (setting)', DISCOVERY_ADDRESS: 'computed in cluster1' });
    assert.deepEqual(
      plan.clusters.map((c) => c.key),
      ['cluster1', 'cluster2'],
      'the cluster the address is read in needs a context too',
    );
    const unset = await client.request<ApplyPlan>('istioMesh/applyPlan', { clusters: ['cluster2'] });
    assert.equal(unset.variables.find((v) => v.name === 'CLUSTER2_NETWORK')?.value, undefined);
  } finally {
    await client.stop();
  }
});

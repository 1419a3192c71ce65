// The model behind the Istio Mesh view and the topology picture (features/meshView.ts), on a primary-remote mesh of
// two networks (test/fixtures/topology/primary-remote-multi-network) and on the bundled examples.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';

import { meshView, type MeshViewMesh, type MeshViewNode } from '../../server/src/features/meshView';
import { analyzeFolder } from '../support/analyze';
import { EXAMPLES, FIXTURES } from '../support/paths';

const FOLDER = join(FIXTURES, 'topology', 'primary-remote-multi-network');

function viewOf(folder: string, contexts = new Map<string, string>()): MeshViewMesh[] {
  const { meshes, findings } = analyzeFolder(folder);
  return meshView(meshes, findings, () => contexts, [folder], folder);
}

function all(node: MeshViewNode): MeshViewNode[] {
  return [node, ...(node.children ?? []).flatMap(all)];
}

function byId(mesh: MeshViewMesh, id: string): MeshViewNode {
  const node = all(mesh).find((n) => n.id === id);
  assert.ok(node, `no row ${id}`);
  return node;
}

function rows(node: MeshViewNode): string[] {
  return (node.children ?? []).map((c) => `${c.kind} ${c.label}${c.description ? ` — ${c.description}` : ''}`);
}

describe('the mesh view model', () => {
  const [mesh] = viewOf(FOLDER, new Map([['east', 'kind-east']]));
  const east = byId(mesh, 'primary-remote-multi-network#cluster:east');
  const west = byId(mesh, 'primary-remote-multi-network#cluster:west');

  test('mesh → network → cluster, with the model, meshID, role, context and finding counts', () => {
    assert.equal(mesh.description, 'primary-remote · multi-network · meshID orbit');
    assert.deepEqual(rows(mesh), [
      'network Network net-east — 1 cluster · east-west gateway istio-eastwestgateway in east',
      'network Network net-west — 1 cluster · east-west gateway istio-eastwestgateway in west',
    ]);
    assert.deepEqual(
      mesh.children!.map((network) => rows(network)),
      [['cluster east — primary · context kind-east · 1 info'], ['cluster west — remote · no kube context chosen · 1 error']],
    );
    assert.deepEqual(west.findings, { errors: 1, warnings: 0, infos: 0 });
    assert.equal(east.clusterKey, 'east');
  });

  test('a cluster lists its relations, control plane, east-west gateway (what it exposes), remote secrets and namespace', () => {
    assert.deepEqual(rows(east), [
      'relation primary of west',
      'relation discovers west',
      'control-plane Control plane east-control-plane — IstioOperator east/control-plane.yaml · revision stable · Istio 1.24',
      'gateway East-west gateway istio-eastwestgateway — network net-east · ports 15021, 15443, 15012, 15017 · exposes istiod and services',
      'remote-secret Remote secret istio-remote-secret-west — discovers west · east/remote-secret-west.yaml',
      'namespace Namespace istio-system — east/namespace.yaml',
    ]);
    assert.deepEqual(rows(west), [
      'relation remote of east',
      'control-plane Remote profile west-remote — IstioOperator west/remote.yaml',
      'gateway East-west gateway istio-eastwestgateway — network net-east · ports 15021, 15443, 15012, 15017 · exposes services',
      'namespace Namespace istio-system — west/namespace.yaml',
    ]);
    const gateway = east.children!.find((c) => c.kind === 'gateway')!;
    assert.deepEqual(gateway.exposes, ['istiod', 'services']);
    assert.deepEqual(rows(gateway), ['exposure exposes istiod (Gateway istiod-gateway)', 'exposure exposes services (Gateway cross-network-gateway)']);
    // The remote's gateway is configured by its primary's istiod, from the primary's Gateway.
    assert.deepEqual(rows(west.children!.find((c) => c.kind === 'gateway')!), ['exposure exposes services (Gateway cross-network-gateway of east)']);
  });

  test('relations name the cluster at their other end and open the line that says so', () => {
    const remoteOf = west.children![0];
    assert.deepEqual(remoteOf.relation, { kind: 'remote-of', target: east.id });
    const line = readFileSync(remoteOf.location!.path, 'utf8').split('\n')[remoteOf.location!.line];
    assert.match(line, /topology\.istio\.io\/controlPlaneClusters: east/);
    assert.equal(relative(FOLDER, east.children![1].location!.path), join('east', 'remote-secret-west.yaml'));
    assert.deepEqual(
      mesh.edges.map((e) => `${e.kind} ${e.from.replace(/\/.*/, '')} → ${e.to}`),
      ['serves primary-remote-multi-network#cluster:east → primary-remote-multi-network#cluster:west', `discovers ${east.id} → ${west.id}`],
    );
    assert.ok(all(mesh).some((n) => n.id === mesh.edges[0].from && n.kind === 'control-plane'));
  });

  test('every row says what it is in its accessible label, not only counts', () => {
    assert.equal(west.accessibleLabel, 'Cluster west: remote, remote of east, network net-west, no kube context chosen, 1 error');
    assert.equal(
      west.children![0].accessibleLabel,
      "Relation: west is remote of east (east's istiod serves it: its topology.istio.io/controlPlaneClusters annotation names it)",
    );
    assert.equal(
      east.children![1].accessibleLabel,
      "Relation: east discovers west (its istiod reads west's API server through the remote secret istio-remote-secret-west)",
    );
    for (const node of all(mesh)) {
      assert.ok(node.accessibleLabel.length > node.label.length, `"${node.accessibleLabel}" says more than the label "${node.label}"`);
      assert.doesNotMatch(node.accessibleLabel, /^\d/, `"${node.accessibleLabel}" starts with what the row is`);
    }
  });

  test('a finding is counted on the row it concerns: the gateway whose label names the wrong network', () => {
    const gateway = west.children!.find((c) => c.kind === 'gateway')!;
    assert.deepEqual(gateway.findings, { errors: 1, warnings: 0, infos: 0 });
    assert.equal(west.children!.find((c) => c.kind === 'control-plane')!.findings, undefined);
  });

  test('ids are unique, and no row carries a credential', () => {
    const ids = all(mesh).map((n) => n.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(!JSON.stringify(mesh).includes('topology-fixture-token'));
    assert.ok(!JSON.stringify(mesh).includes('west.orbit.example.internal'));
  });
});

describe('the mesh view of other meshes', () => {
  test('three primaries on two networks: each discovers the other two, none serves another', () => {
    const [mesh] = viewOf(join(FIXTURES, 'topology', 'multi-primary-three-clusters'));
    assert.equal(mesh.description, 'multi-primary · multi-network · meshID triad');
    assert.deepEqual(
      mesh.children!.map((network) => `${network.label}: ${rows(network).join(', ')}`),
      [
        'Network net-blue: cluster alpha — primary · no kube context chosen · 1 info, cluster beta — primary · no kube context chosen',
        'Network net-green: cluster gamma — primary · no kube context chosen',
      ],
    );
    const discovers = mesh.edges.filter((e) => e.kind === 'discovers').map((e) => `${e.from.split(':').pop()} → ${e.to.split(':').pop()}`);
    assert.deepEqual(discovers, ['alpha → beta', 'alpha → gamma', 'beta → alpha', 'beta → gamma', 'gamma → alpha', 'gamma → beta']);
    assert.equal(mesh.edges.filter((e) => e.kind === 'serves').length, 0);
  });

  test('every example gives unique ids and rows whose locations are files of the example', () => {
    for (const name of ['primary-remote', 'multi-primary', 'helm', 'flux', 'argocd', 'sail', 'kustomize', 'mistakes', 'ambient']) {
      const folder = join(EXAMPLES, name);
      for (const mesh of viewOf(folder)) {
        const nodes = all(mesh);
        assert.equal(new Set(nodes.map((n) => n.id)).size, nodes.length, `${name}: unique ids`);
        for (const node of nodes) if (node.location) assert.ok(node.location.path.startsWith(folder), `${name}: ${node.location.path}`);
        const ids = new Set(nodes.map((n) => n.id));
        for (const edge of mesh.edges) assert.ok(ids.has(edge.from) && ids.has(edge.to), `${name}: edge ${edge.from} → ${edge.to} joins two rows`);
      }
    }
  });
});

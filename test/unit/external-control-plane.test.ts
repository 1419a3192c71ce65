// The external control plane model: an istiod that runs in one cluster and serves another is that cluster's
// control plane hosted elsewhere, not a second cluster of the same name; in-cluster models stay as they were.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { analyzeFolder, analyzeTexts } from '../support/analyze';
import { FIXTURES } from '../support/paths';

const ROOT = '/workspace/ecp';

test('the istio.io-style external control plane fixture: remote1 served from the external cluster', () => {
  const folder = join(FIXTURES, 'rules', 'MESH102-clean-external-control-plane');
  const { meshes } = analyzeFolder(folder);
  assert.equal(meshes.length, 1);
  const mesh = meshes[0];
  assert.equal(mesh.controlPlaneModel, 'external-control-plane');
  const host = mesh.clusters.get('external')!;
  const remote = mesh.clusters.get('remote1')!;
  assert.equal(host.role, 'external-control-plane');
  assert.equal(remote.role, 'remote');
  const [hosted] = mesh.hostedControlPlanes;
  assert.equal(hosted.evidence, 'local-cluster-secret-watcher');
  assert.equal(hosted.served.value, 'remote1', 'named by its CLUSTER_ID env');
  assert.equal(hosted.host, 'external');
  assert.equal(remote.meshID?.value, 'mesh1');
  assert.equal(remote.network, 'network1');
  // Everything in the external folder (the hosted istiod, its Gateway, the cluster's own istiod) is the host's.
  for (const resource of mesh.resources.filter((r) => r.file.includes(`${join(folder, 'external')}`))) {
    assert.deepEqual(mesh.assignments.get(resource)?.clusters, ['external'], resource.displayName);
  }
  assert.deepEqual(
    host.gateways.map((g) => g.name),
    ['istio-ingressgateway'],
  );
});

const externalIstiod = (extra: string) => `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  namespace: external-istiod
spec:
  profile: empty
  components:
    pilot:
      enabled: true
  values:
    global:
      istioNamespace: external-istiod
      externalIstiod: true
      meshID: mesh1
      multiCluster:
        clusterName: spoke
${extra}`;

const remoteConfig = (namespace: string) => `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  profile: remote
  values:
    global:
      istioNamespace: ${namespace}
      configCluster: true
      remotePilotAddress: 203.0.113.10
    istiodRemote:
      injectionPath: /inject/cluster/spoke/net/network1
`;

test('a directive puts an external istiod in its host cluster, even in a flat folder', () => {
  const { meshes, findings } = analyzeTexts(ROOT, {
    'external-istiod.yaml': `# istio-mesh: cluster=hub\n${externalIstiod('')}`,
    'remote.yaml': `# istio-mesh: cluster=spoke\n${remoteConfig('istio-system')}`,
  });
  const mesh = meshes[0];
  assert.equal(mesh.hostedControlPlanes[0]?.evidence, 'placement');
  assert.equal(mesh.clusters.get('hub')?.role, 'external-control-plane');
  assert.equal(mesh.clusters.get('spoke')?.role, 'remote');
  assert.deepEqual(
    findings.filter((f) => f.severity === 'error').map((f) => f.code),
    [],
  );
});

test('an external istiod sharing its namespace with the remote install is recognised without any other signal', () => {
  const { meshes } = analyzeTexts(ROOT, { 'hub/external-istiod.yaml': externalIstiod(''), 'spoke/remote.yaml': remoteConfig('external-istiod') });
  assert.equal(meshes[0].hostedControlPlanes[0]?.evidence, 'external-namespace');
  assert.equal(meshes[0].hostedControlPlanes[0]?.host, 'hub', 'named by its folder, as no install names the hub');
});

test('a primary and a remote that both say one cluster name (in istio-system) are still a duplicate, not an external control plane', () => {
  const { meshes, findings } = analyzeTexts(ROOT, {
    'c1/primary.yaml': externalIstiod('').replace('istioNamespace: external-istiod', 'istioNamespace: istio-system'),
    'c2/remote.yaml': remoteConfig('istio-system'),
  });
  assert.deepEqual(meshes[0].hostedControlPlanes, []);
  assert.notEqual(meshes[0].controlPlaneModel, 'external-control-plane');
  assert.equal(findings.filter((f) => f.code === 'MESH102').length, 2);
});

// MESH106: with three or more clusters, a network that differs in one cluster is that cluster's mistake only
// when it misspells the others' (or the mesh has no east-west gateway at all): `zone-b` beside `zone-a` is a
// network of its own, `netwrok1` beside `network1` is a typo.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { analyzeTexts } from '../support/analyze';

function controlPlane(cluster: string, network: string): string {
  return `apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: ${cluster}\nspec:\n  values:\n    global:\n      meshID: mesh1\n      multiCluster:\n        clusterName: ${cluster}\n      network: ${network}\n`;
}

const EAST_WEST = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: eastwest
spec:
  profile: empty
  components:
    ingressGateways:
    - name: istio-eastwestgateway
      enabled: true
      label:
        istio: eastwestgateway
        topology.istio.io/network: NETWORK
`;

/** Three clusters, the third in `odd`; cluster1 has an east-west gateway, so only a misspelling is evidence. */
function oddOneOutFindings(shared: string, odd: string): string[] {
  const { findings } = analyzeTexts('/mesh', {
    'one/istiod.yaml': controlPlane('cluster1', shared),
    'one/eastwest.yaml': EAST_WEST.replace('NETWORK', shared),
    'two/istiod.yaml': controlPlane('cluster2', shared),
    'three/istiod.yaml': controlPlane('cluster3', odd),
  });
  return findings.filter((f) => f.code === 'MESH106').map((f) => f.location.file);
}

const CASES: [shared: string, odd: string, misspelt: boolean][] = [
  ['network1', 'netwrok1', true],
  ['network1', 'Network-1', true],
  ['network1', 'netork1', true],
  ['network1', 'networx1', true],
  ['network1', 'network2', false],
  ['network1', 'network11', false],
  ['zone-a', 'zone-b', false],
  ['east', 'west', false],
];

for (const [shared, odd, misspelt] of CASES) {
  test(`"${odd}" beside "${shared}" ${misspelt ? 'is' : 'is not'} reported as the odd one out`, () => {
    assert.deepEqual(oddOneOutFindings(shared, odd), misspelt ? ['/mesh/three/istiod.yaml'] : []);
  });
}

test("with no east-west gateway anywhere, the odd cluster is offered its gateway, and generating it brings back the other network's MESH203", () => {
  const texts: Record<string, string> = {
    'one/istiod.yaml': controlPlane('cluster1', 'network1'),
    'two/istiod.yaml': controlPlane('cluster2', 'network1'),
    'three/istiod.yaml': controlPlane('cluster3', 'network2'),
  };
  const before = analyzeTexts('/mesh', texts).findings.filter((f) => f.severity === 'warning' || f.severity === 'error');
  assert.deepEqual(
    before.map((f) => `${f.code} ${f.location.file}`),
    ['MESH106 /mesh/three/istiod.yaml'],
  );
  const [oddOneOut] = before;
  assert.deepEqual(
    oddOneOut.fixes?.map((fix) => [fix.title, fix.preferred ?? false]),
    [
      ['Change to network "network1"', false],
      ['Generate cluster3-eastwest-gateway.yaml', false],
    ],
  );
  const [creation] = oddOneOut.fixes![1].edits;
  assert.ok('createFile' in creation);
  assert.equal(creation.createFile, '/mesh/three/cluster3-eastwest-gateway.yaml');
  const after = analyzeTexts('/mesh', { ...texts, 'three/cluster3-eastwest-gateway.yaml': creation.content }).findings;
  assert.deepEqual(
    after.filter((f) => f.severity === 'warning' || f.severity === 'error').map((f) => `${f.code} ${f.location.file}`),
    // The new gateway still needs its expose-services Gateway (MESH204), as any east-west gateway does.
    ['MESH203 /mesh/one/istiod.yaml', 'MESH203 /mesh/two/istiod.yaml', 'MESH204 /mesh/three/cluster3-eastwest-gateway.yaml'],
  );
});

test('a misspelt network is offered only the shared network, preferred', () => {
  const { findings } = analyzeTexts('/mesh', {
    'one/istiod.yaml': controlPlane('cluster1', 'network1'),
    'two/istiod.yaml': controlPlane('cluster2', 'network1'),
    'three/istiod.yaml': controlPlane('cluster3', 'netwrok1'),
  });
  const oddOneOut = findings.find((f) => f.code === 'MESH106');
  assert.deepEqual(
    oddOneOut?.fixes?.map((fix) => [fix.title, fix.preferred ?? false]),
    [['Change to network "network1"', true]],
  );
});

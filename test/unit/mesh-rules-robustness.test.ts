// The mesh rules must not throw on wrongly typed input (the test analyzer turns a rule failure into a throw),
// and must still report what can be judged.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { analyzeTexts } from '../support/analyze';

test('mesh identity and deployment-model rules survive wrongly typed values', () => {
  const { findings } = analyzeTexts('/virtual/bad-types', {
    'cluster1/istio.yaml': `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  components:
    ingressGateways:
      - name: istio-eastwestgateway
        label: [not, a, map]
        k8s:
          env: "NOT_A_LIST"
          service:
            ports: {port: 15443}
      - just-a-string
  values:
    global:
      meshID: [mesh1]
      multiCluster:
        clusterName: cluster1
      network: network1
      externalIstiod: "yes"
`,
    'cluster1/gateways.yaml': `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: istiod-gateway
spec:
  selector: istio=eastwestgateway
  servers: "all of them"
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: istiod-vs
spec:
  gateways: istiod-gateway
  tls:
    - match: "port 15012"
      route: 7
`,
    'cluster2/istio.yaml': `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  profile: remote
  values:
    istiodRemote:
      injectionPath: 42
    global:
      multiCluster: cluster2
      remotePilotAddress: 10.0.0.1
`,
    'cluster2/istio-system.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: istio-system
  labels: "topology.istio.io/network=network2"
  annotations: [topology.istio.io/controlPlaneClusters]
`,
  });
  const codes = new Set(findings.map((f) => f.code));
  // cluster2 names itself nowhere readable: its control plane has no usable cluster name.
  assert.ok(codes.has('MESH103'), `MESH103 expected, got ${[...codes].join(', ')}`);
  for (const finding of findings) assert.equal(typeof finding.message, 'string');
});

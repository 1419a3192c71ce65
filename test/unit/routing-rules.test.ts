// Host matching and the robustness of the gateway/VirtualService/ServiceEntry/Service rules.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { gatewayOffersHost, hostsOverlap, parseGatewayHost, parseGatewayReference } from '../../server/src/resources/hosts';
import { analyzeTexts } from '../support/analyze';
import { REFERENCE_SKIP_REASON, referenceDir } from '../support/paths';

const OUR_CODES = /^MESH(40\d|50\d|701)$/;

test('host names overlap with exact names, * and *.suffix wildcards, case-insensitively', () => {
  assert.ok(hostsOverlap('*', 'anything.example.com'));
  assert.ok(hostsOverlap('*.example.com', 'a.example.com'));
  assert.ok(hostsOverlap('a.example.com', '*.example.com'));
  assert.ok(hostsOverlap('*.example.com', '*.b.example.com'));
  assert.ok(hostsOverlap('Shop.Example.com', 'shop.example.com'));
  assert.ok(!hostsOverlap('*.example.com', 'example.com'));
  assert.ok(!hostsOverlap('a.example.com', 'b.example.com'));
  assert.ok(!hostsOverlap('*.a.example.com', '*.b.example.com'));
});

test('gateway hosts offer themselves to the namespaces their prefix names', () => {
  const own = parseGatewayHost('./portal.example.com', 'istio-system');
  assert.deepEqual(own, { namespace: 'istio-system', host: 'portal.example.com' });
  assert.ok(gatewayOffersHost(own, 'portal.example.com', 'istio-system'));
  assert.ok(!gatewayOffersHost(own, 'portal.example.com', 'web'));
  assert.ok(gatewayOffersHost(parseGatewayHost('*/portal.example.com', 'istio-system'), 'portal.example.com', 'web'));
  assert.ok(gatewayOffersHost(parseGatewayHost('web/*', 'istio-system'), 'portal.example.com', 'web'));
  assert.ok(!gatewayOffersHost(parseGatewayHost('web/*', 'istio-system'), 'portal.example.com', 'shop'));
  assert.ok(gatewayOffersHost(parseGatewayHost('portal.example.com', 'istio-system'), 'portal.example.com', 'shop'));
});

test('gateway references resolve unqualified names in the referrer namespace', () => {
  assert.deepEqual(parseGatewayReference('gw', 'shop'), { namespace: 'shop', name: 'gw' });
  assert.deepEqual(parseGatewayReference('edge/gw', 'shop'), { namespace: 'edge', name: 'gw' });
});

test('malformed Gateways, VirtualServices, ServiceEntries and Services never make a rule throw', () => {
  // analyzeTexts turns a failing rule into a thrown error, so reaching the assertions means every rule coped.
  const malformed = [
    'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g1}\nspec: {selector: [a, b], servers: "none"}',
    'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g2}\nspec:\n  selector: {istio: x}\n  servers:\n  - port: {number: "eighty", protocol: 7}\n    tls: {mode: [PASSTHROUGH]}\n    hosts: host\n  - 42\n  - port: 80',
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v1}\nspec: {hosts: 3, gateways: g1, tls: {match: 1}}',
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v2}\nspec:\n  hosts: [null, {a: 1}]\n  gateways: [g2, null]\n  tls:\n  - match: [{port: x, gateways: 5}, null]\n  - "route"',
    'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: s1}\nspec: {hosts: [a.b.global], addresses: 240.0.0.1, endpoints: [{ports: [15443]}, 7], ports: {number: 80}}',
    'apiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec: {ports: [{port: "x"}, "y"], type: [1]}',
    'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: io}\nspec: {profile: empty, components: {ingressGateways: {name: x}}, values: {global: {meshNetworks: {n1: {gateways: [{port: abc}, 3]}}}}}',
  ];
  const files = Object.fromEntries(malformed.map((text, i) => [`c1/bad-${i}.yaml`, `# istio-mesh: cluster=c1,c2\n${text}\n`]));
  const { findings } = analyzeTexts('/malformed', files);
  assert.ok(Array.isArray(findings));
});

test(
  'the official expose-istiod and expose-services samples with the docs east-west gateway give no routing findings',
  { skip: referenceDir() ? false : REFERENCE_SKIP_REASON },
  () => {
    const reference = referenceDir()!;
    const read = (...path: string[]) => readFileSync(join(reference, ...path), 'utf8');
    const files = {
      'cluster1/cluster1.yaml': read('istio.io', 'multi-primary_multi-network', 'cluster1.yaml'),
      'cluster1/eastwest-gateway.yaml': read('istio', 'generated', 'eastwest-gateway-network1.yaml'),
      'cluster1/expose-istiod.yaml': read('istio', 'samples', 'multicluster', 'expose-istiod.yaml'),
      'cluster1/expose-services.yaml': read('istio', 'samples', 'multicluster', 'expose-services.yaml'),
      'cluster2/cluster2.yaml': read('istio.io', 'multi-primary_multi-network', 'cluster2.yaml'),
      'cluster2/eastwest-gateway.yaml': read('istio', 'generated', 'eastwest-gateway-network2.yaml'),
      'cluster2/expose-services.yaml': read('istio', 'samples', 'multicluster', 'expose-services.yaml'),
    };
    const { findings, meshes } = analyzeTexts('/official', files);
    assert.deepEqual([...meshes[0].clusters.keys()].sort(), ['cluster1', 'cluster2'], 'the docs files form two clusters');
    const ours = findings.filter((f) => OUR_CODES.test(f.code)).map((f) => `${f.code} ${f.message}`);
    assert.deepEqual(ours, []);
  },
);

test('a Gateway selector typo is found against the docs east-west gateway, and only then', { skip: referenceDir() ? false : REFERENCE_SKIP_REASON }, () => {
  const reference = referenceDir()!;
  const eastwest = readFileSync(join(reference, 'istio', 'generated', 'eastwest-gateway-network1.yaml'), 'utf8');
  const exposeServices = readFileSync(join(reference, 'istio', 'samples', 'multicluster', 'expose-services.yaml'), 'utf8');
  const broken = exposeServices.replace('istio: eastwestgateway', 'istio: eastwestgatway');
  assert.notEqual(broken, exposeServices);
  const header = '# istio-mesh: cluster=cluster1\n';
  const { findings } = analyzeTexts('/typo', { 'eastwest.yaml': header + eastwest, 'expose-services.yaml': header + broken });
  assert.deepEqual(
    findings.filter((f) => OUR_CODES.test(f.code)).map((f) => f.code),
    ['MESH403'],
  );
});

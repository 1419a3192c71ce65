// Go templates (Helm chart templates) are read with each action opaque and every offset kept, and the resources
// they render belong to the cluster(s) the chart is installed in.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import type { MeshModel } from '../../server/src/mesh/model';
import { goTemplateOf } from '../../server/src/parse/goTemplate';
import { parseYamlFile } from '../../server/src/parse/yamlFile';
import { isPlaceholder } from '../../server/src/resources/resource';
import { analyzeFolder, analyzeTexts } from '../support/analyze';
import { EXAMPLES, FIXTURES } from '../support/paths';

const TWO_PRIMARIES = join(FIXTURES, 'rules', 'MESH204-services-not-exposed');

// The shape of issue 21's example, written for this test.
const CROSS_NETWORK_TEMPLATE = `{{- if .Values.eastwest.enabled }}
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: cross-network-gateway
  namespace: {{ .Values.global.gatewayNamespace }}
spec:
  selector:
    istio: {{ .Values.eastwest.selector | default "eastwestgateway" }}
  servers:
    - port: {number: 15443, name: tls, protocol: TLS}
      tls: {mode: AUTO_PASSTHROUGH}
      hosts: ["*.local"]
{{- end }}
`;

test('a template is read with its actions opaque, at the offsets they were written at', () => {
  const template = goTemplateOf(CROSS_NETWORK_TEMPLATE);
  assert.ok(template);
  assert.equal(template.readText.length, CROSS_NETWORK_TEMPLATE.length);
  const lines = template.readText.split('\n');
  assert.deepEqual(
    lines.map((l) => l.length),
    CROSS_NETWORK_TEMPLATE.split('\n').map((l) => l.length),
  );
  // Control lines carry no YAML; inline actions are placeholders where they were.
  assert.equal(lines[0].trim(), '');
  assert.equal(lines[13].trim(), '');
  assert.match(lines[5], /^ {2}namespace: \$VALUES_GLOBAL_GATEWAYNAMESPACE *$/);
  assert.equal(template.firstActionText, '{{ .Values.global.gatewayNamespace }}');

  const file = parseYamlFile('/w/templates/gw.yaml', CROSS_NETWORK_TEMPLATE);
  assert.deepEqual(
    file.documents.flatMap((d) => d.problems),
    [],
  );
  const value = file.documents[0].value as { metadata: { namespace: string }; spec: { selector: { istio: string }; servers: { port: { number: number } }[] } };
  assert.ok(isPlaceholder(value.metadata.namespace) && isPlaceholder(value.spec.selector.istio));
  assert.equal(value.spec.servers[0].port.number, 15443);
  // A literal is located where it is written (line 11, `15443`).
  assert.equal(file.documents[0].rangeOf(['spec', 'servers', 0, 'port', 'number']).start.line, 10);
  assert.equal(file.text, CROSS_NETWORK_TEMPLATE, 'the file keeps its text as written');
});

test('{{ }} in comments, quoted, block or plain scalars does not make a file a template', () => {
  const notTemplates = [
    '# rendered by {{ .Release.Name }}\nkind: ConfigMap\n',
    'metadata:\n  name: \'{{.cluster}}-istiod\'\n  server: "{{ .server }}"\n',
    'spec:\n  templatePatch: |\n    {{- if .autoSync }}\n    spec: {}\n    {{- end }}\n',
    'metadata:\n  name: istiod-vs-{{.Revision}}\n',
    'data:\n  config: |-\n    policy: enabled\n    template: |\n      foo: {{ .Values.x }}\n',
  ];
  for (const text of notTemplates) assert.equal(goTemplateOf(text), undefined, text);
  assert.ok(goTemplateOf('data:\n  config: |\n{{- if .Values.x }}\n    a: b\n{{- end }}\n'), 'an action that ends a block scalar is template structure');
});

test('an inline action that renders a block leaves its key to the lines after it', () => {
  const file = parseYamlFile(
    '/w/templates/x.yaml',
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n  labels: {{- include "labels" . | nindent 4 }}\n    topology.istio.io/network: network1\n',
  );
  assert.deepEqual(file.template?.unreadDocuments, []);
  assert.deepEqual((file.documents[0].value as { metadata: { labels: unknown } }).metadata.labels, { 'topology.istio.io/network': 'network1' });
});

test('a template document that is not YAML even so is set aside, without syntax errors', () => {
  const text =
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations: {{ include "a" . }}\n    owner: me\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ .Release.Namespace }}\n';
  const file = parseYamlFile('/w/templates/x.yaml', text);
  assert.deepEqual(file.template?.unreadDocuments, [0]);
  assert.equal(file.documents[0].value, null);
  assert.deepEqual(
    file.documents.flatMap((d) => d.problems),
    [],
  );
  assert.ok(file.documents[1].value);
});

test('the issue example: 67 syntax errors before, one information after', () => {
  const root = join(EXAMPLES, '..', 'virtual-chart');
  const { findings } = analyzeTexts(root, {
    'charts/mesh-gateways/Chart.yaml': 'apiVersion: v2\nname: mesh-gateways\nversion: 0.1.0\n',
    'charts/mesh-gateways/templates/cross-network-gw.yaml': CROSS_NETWORK_TEMPLATE,
  });
  assert.deepEqual(
    findings.map((f) => `${relative(root, f.location.file)}:${f.location.range.start.line + 1} ${f.code}`),
    ['charts/mesh-gateways/templates/cross-network-gw.yaml:6 COMPOSE001'],
  );
});

function clustersOf(mesh: MeshModel, kind: string, name: string): string[] {
  const resource = mesh.resources.find((r) => r.kind === kind && r.name === name);
  assert.ok(resource, `${kind} ${name}`);
  return mesh.assignments.get(resource)?.clusters ?? [];
}

test("examples/helm-chart: the chart's Gateways count for the cluster its release values file names", () => {
  const { findings, meshes } = analyzeFolder(join(EXAMPLES, 'helm-chart'));
  assert.deepEqual(
    findings.filter((f) => f.severity !== 'information'),
    [],
  );
  assert.equal(meshes.length, 1);
  const mesh = meshes[0];
  assert.equal(mesh.controlPlaneModel, 'primary-remote');
  for (const name of ['istiod-gateway', 'cross-network-gateway']) assert.deepEqual(clustersOf(mesh, 'Gateway', name), ['cluster1']);
  const gateway = mesh.resources.find((r) => r.name === 'istiod-gateway')!;
  assert.equal(mesh.assignments.get(gateway)?.reason, 'chart-install');
  const templates = join(EXAMPLES, 'helm-chart', 'charts', 'mesh-gateways', 'templates');
  assert.equal(findings.filter((f) => f.code === 'COMPOSE001' && f.location.file.startsWith(templates)).length, 2);
});

test("a chart installed by a Flux HelmRelease from its folder belongs to the release's cluster", () => {
  const root = join(EXAMPLES, '..', 'virtual-flux-chart');
  const { meshes } = analyzeTexts(root, {
    // Two primaries in two networks, as the MESH204 fixture has them.
    'cluster1/istio.yaml': readFileSync(join(TWO_PRIMARIES, 'cluster1', 'istio.yaml'), 'utf8'),
    'cluster2/istio.yaml': readFileSync(join(TWO_PRIMARIES, 'cluster2', 'istio.yaml'), 'utf8'),
    'flux/gateways-cluster2.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: mesh-gateways
  namespace: flux-system
spec:
  kubeConfig:
    secretRef:
      name: cluster2-kubeconfig
  chart:
    spec:
      chart: ./charts/mesh-gateways
      sourceRef:
        kind: GitRepository
        name: mesh
`,
    'charts/mesh-gateways/Chart.yaml': 'apiVersion: v2\nname: mesh-gateways\nversion: 0.1.0\n',
    'charts/mesh-gateways/templates/cross-network-gw.yaml': CROSS_NETWORK_TEMPLATE,
  });
  assert.equal(meshes.length, 1);
  assert.deepEqual(clustersOf(meshes[0], 'Gateway', 'cross-network-gateway'), ['cluster2']);
});

// Argo CD ApplicationSets in the mesh model: each generator element (a list element, a cluster Secret the
// clusters generator selects) becomes one Application whose templated values are located at the element (or
// Secret) that gave them, its destination says the cluster, and hovering a template value shows each cluster's.
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import { ComposedYamlDocument, compositionUnitOf } from '../../server/src/compose';
import { composedValueHover } from '../../server/src/features/composedHover';
import type { MeshModel } from '../../server/src/mesh/model';
import type { Range } from '../../server/src/parse/text';
import type { Resource } from '../../server/src/resources/resource';
import { analyzeFolder, analyzeTexts, formatRange } from '../support/analyze';
import { EXAMPLES } from '../support/paths';

const EXAMPLE = join(EXAMPLES, 'applicationset');
const ROOT = join(EXAMPLES, '..', 'virtual-applicationset');

function onlyMesh(meshes: MeshModel[]): MeshModel {
  assert.equal(meshes.length, 1);
  return meshes[0];
}

function writtenAt(root: string, resource: Resource, path: (string | number)[]): string {
  const { file, range } = resource.location(path);
  return `${relative(root, file)}:${formatRange(range)}`;
}

function application(mesh: MeshModel, name: string): Resource {
  const found = mesh.resources.find((r) => r.kind === 'Application' && r.name === name);
  assert.ok(found, `Application ${name}`);
  return found;
}

test('examples/applicationset is a multi-primary, multi-network mesh made of generated Applications', () => {
  const { findings, meshes } = analyzeFolder(EXAMPLE);
  assert.deepEqual(
    findings.filter((f) => f.severity === 'error' || f.severity === 'warning'),
    [],
  );
  const mesh = onlyMesh(meshes);
  assert.deepEqual([...mesh.clusters.keys()].sort(), ['cluster1', 'cluster2']);
  assert.equal(mesh.controlPlaneModel, 'multi-primary');
  assert.equal(mesh.multiNetwork, true);
  for (const [name, cluster] of mesh.clusters) {
    assert.equal(cluster.network, name.replace('cluster', 'network'));
    assert.deepEqual(cluster.resources.map((r) => r.name).sort(), [
      `${name}-istio-base`,
      `${name}-istio-eastwestgateway`,
      `${name}-istiod`,
      'cross-network-gateway',
    ]);
    assert.deepEqual(
      cluster.gateways.map((g) => g.networkLabel?.value),
      [name.replace('cluster', 'network')],
    );
  }
  // The Argo CD cluster Secrets are read by the clusters generator, not applied to a mesh cluster.
  assert.equal(
    mesh.resources.some((r) => r.kind === 'Secret'),
    false,
  );
});

test('a generated value is located at the element or cluster Secret that gave it, else at the template', () => {
  const mesh = onlyMesh(analyzeFolder(EXAMPLE).meshes);
  const istiod = application(mesh, 'cluster2-istiod');
  assert.equal(istiod.string(['spec', 'source', 'helm', 'valuesObject', 'global', 'multiCluster', 'clusterName']), 'cluster2');
  assert.equal(
    writtenAt(EXAMPLE, istiod, ['spec', 'source', 'helm', 'valuesObject', 'global', 'multiCluster', 'clusterName']),
    'control-planes.yaml:16:22-16:30',
  );
  assert.equal(writtenAt(EXAMPLE, istiod, ['spec', 'source', 'helm', 'valuesObject', 'global', 'meshID']), 'control-planes.yaml:31:23-31:28');
  // `'{{.cluster}}-istiod'` mixes the parameter with text: it is the template's line.
  assert.equal(writtenAt(EXAMPLE, istiod, ['metadata', 'name']), 'control-planes.yaml:20:13-20:34');
  assert.equal(mesh.assignments.get(istiod)?.reason, 'gitops-target');
  const gateway = application(mesh, 'cluster1-istio-eastwestgateway');
  // A label key with dots (`topology.istio.io/network`) in the older `{{metadata.labels.<key>}}` form.
  assert.equal(writtenAt(EXAMPLE, gateway, ['spec', 'source', 'helm', 'valuesObject', 'networkGateway']), 'clusters.yaml:12:32-12:40');
  assert.equal(writtenAt(EXAMPLE, gateway, ['spec', 'destination', 'server']), 'clusters.yaml:16:11-16:44');
  assert.equal(compositionUnitOf(gateway)?.label, 'ApplicationSet istio-eastwestgateway, cluster cluster1');
});

test('hovering a template value lists what it becomes for each element', () => {
  const { meshes } = analyzeFolder(EXAMPLE);
  const doc = application(onlyMesh(meshes), 'cluster1-istiod').doc;
  assert.ok(doc instanceof ComposedYamlDocument);
  const base = doc.base;
  const offset = base.file.lines.offsetAt({ line: 32, character: 30 }); // the `clusterName: '{{.cluster}}'` line
  const hover = composedValueHover(base, offset, meshes);
  assert.ok(hover, 'a hover on the template value');
  assert.match(hover, /\| cluster1 \| ApplicationSet istiod, element 1 \(cluster1\) \| `cluster1` \| control-planes\.yaml:14 \|/);
  assert.match(hover, /\| cluster2 \| ApplicationSet istiod, element 2 \(cluster2\) \| `cluster2` \| control-planes\.yaml:16 \|/);
});

const CLUSTER_SECRETS = `
apiVersion: v1
kind: Secret
metadata:
  name: east
  labels:
    argocd.argoproj.io/secret-type: cluster
    env: prod
data:
  name: ZWFzdA==
  server: aHR0cHM6Ly9lYXN0LmV4YW1wbGUuY29t
---
apiVersion: v1
kind: Secret
metadata:
  name: lab
  labels:
    argocd.argoproj.io/secret-type: cluster
    env: lab
stringData:
  name: lab
  server: https://lab.example.com
`;

function istiodSet(generator: string, goTemplate: boolean, clusterName: string): string {
  return `
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: istiod
spec:
  goTemplate: ${goTemplate}
  generators:
${generator}
  template:
    metadata:
      name: istiod
    spec:
      source:
        repoURL: https://istio-release.storage.googleapis.com/charts
        chart: istiod
        helm:
          valuesObject:
            global:
              meshID: mesh1
              multiCluster:
                clusterName: ${clusterName}
      destination:
        server: https://kubernetes.default.svc
`;
}

function clusterNames(mesh: MeshModel): string[] {
  return mesh.installs.map((i) => i.resource.string(['spec', 'source', 'helm', 'valuesObject', 'global', 'multiCluster', 'clusterName'])!).sort();
}

test('the clusters generator selects cluster Secrets by label, reading base64 names and the generator values', () => {
  const generator = `    - clusters:
        selector:
          matchExpressions:
            - {key: env, operator: In, values: [prod]}
        values:
          clusterName: '{{.name}}-mesh'`;
  const { meshes } = analyzeTexts(ROOT, { 'clusters.yaml': CLUSTER_SECRETS, 'set.yaml': istiodSet(generator, true, "'{{ .values.clusterName }}'") });
  const mesh = onlyMesh(meshes);
  assert.deepEqual(clusterNames(mesh), ['east-mesh']);
  // The lab cluster was not selected: its Secret is left as it is written.
  assert.deepEqual(
    mesh.resources.filter((r) => r.kind === 'Secret').map((r) => r.name),
    ['lab'],
  );
});

test('goTemplate `index` reads a label key; an expression it cannot resolve stays a placeholder', () => {
  const generator = `    - clusters: {}`;
  const indexed = onlyMesh(
    analyzeTexts(ROOT, { 'clusters.yaml': CLUSTER_SECRETS, 'set.yaml': istiodSet(generator, true, `'{{ index .metadata.labels "env" }}'`) }).meshes,
  );
  assert.deepEqual(clusterNames(indexed), ['lab', 'prod']);
  const piped = onlyMesh(analyzeTexts(ROOT, { 'clusters.yaml': CLUSTER_SECRETS, 'set.yaml': istiodSet(generator, true, `'{{ .name | upper }}'`) }).meshes);
  assert.deepEqual(clusterNames(piped), ['{{ .name | upper }}', '{{ .name | upper }}']);
  // Without goTemplate the Go form is not a parameter either.
  const legacy = onlyMesh(analyzeTexts(ROOT, { 'clusters.yaml': CLUSTER_SECRETS, 'set.yaml': istiodSet(generator, false, `'{{.name}}'`) }).meshes);
  assert.deepEqual(clusterNames(legacy), ['{{.name}}', '{{.name}}']);
});

test('malformed ApplicationSets generate nothing and never throw', () => {
  const broken = [
    'spec: {generators: "list", template: {spec: {}}}',
    'spec: {generators: [{list: {elements: "cluster1"}}], template: {spec: {}}}',
    'spec: {generators: [{list: {elements: [1, null, [2]]}}], template: {spec: {}}}',
    'spec: {generators: [{clusters: {selector: {matchExpressions: "x"}}}], template: "text"}',
    'spec: {generators: [{list: {elements: [{cluster: {nested: true}}]}}], template: {metadata: {name: "{{cluster}}"}, spec: {destination: {server: "{{cluster}}"}}}}',
  ];
  for (const spec of broken) {
    const { meshes } = analyzeTexts(ROOT, {
      'clusters.yaml': CLUSTER_SECRETS,
      'set.yaml': `apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: x}\n${spec}\n`,
    });
    assert.equal(meshes.flatMap((m) => m.installs).length, 0, spec);
  }
});

test('a helm.values string is filled in per element before it is read, each value located at its placeholder', () => {
  const set = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: istiod
spec:
  generators:
    - list:
        elements:
          - name: east
          - name: west
  template:
    metadata:
      name: 'istiod-{{name}}'
    spec:
      destination:
        name: '{{name}}'
        namespace: istio-system
      source:
        chart: istiod
        repoURL: https://istio-release.storage.googleapis.com/charts
        helm:
          values: |
            global:
              meshID: mesh1
              multiCluster:
                clusterName: {{name}}
              network: net-{{name}}-1
`;
  const mesh = onlyMesh(analyzeTexts(ROOT, { 'set.yaml': set }).meshes);
  const west = mesh.installs.find((i) => i.clusterName?.value === 'west');
  assert.ok(west, 'the west element names its cluster');
  assert.equal(west.network?.value, 'net-west-1');
  // The placeholder's own columns, and the written text's around a placeholder mixed with text.
  const at = (value: { location(): { file: string; range: Range } }) => `${relative(ROOT, value.location().file)}:${formatRange(value.location().range)}`;
  assert.equal(at(west.clusterName!), 'set.yaml:26:30-26:38');
  assert.equal(at(west.network!), 'set.yaml:27:24-27:38');
  assert.deepEqual([...mesh.clusters.keys()].sort(), ['east', 'west']);
});

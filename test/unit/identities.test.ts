// Find references and rename of a cluster name, network or meshID: every place a mesh writes it, nothing else.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import { identityAt, identityOccurrences, invalidNewName, meshOfFile, renameRefusal } from '../../server/src/features/identities';
import { EXAMPLES } from '../support/paths';
import { controlPlaneText } from '../support/texts';

const ROOT = '/mesh';
const KUBECONFIG_VALUE = 'a3ViZWNvbmZpZyBvZiBjbHVzdGVyMQ==';

const FILES: Record<string, string> = {
  'cluster1/istio.yaml': controlPlaneText('cluster1'),
  'cluster2/istio.yaml': controlPlaneText('cluster2'),
  'cluster2/istio-system.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: istio-system
  labels:
    topology.istio.io/network: network1
  annotations:
    topology.istio.io/controlPlaneClusters: "cluster1, cluster3"
`,
  'cluster2/remote-secret-cluster1.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-cluster1
  namespace: istio-system
  labels:
    istio/multiCluster: "true"
  annotations:
    networking.istio.io/cluster: cluster1
data:
  cluster1: ${KUBECONFIG_VALUE}
`,
  'shared/sample.yaml': `# istio-mesh: cluster=cluster1,cluster2
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: sample
data:
  note: cluster1 is where this started
`,
};

function setUp() {
  const workspace = new Workspace([ROOT]);
  for (const [path, text] of Object.entries(FILES)) workspace.setFile(`${ROOT}/${path}`, text);
  const result = new Analyzer().analyze(workspace, { roots: [ROOT], clusters: [] });
  return { workspace, meshes: result.meshes };
}

function at(path: string, text: string, nth = 1) {
  const { workspace, meshes } = setUp();
  const file = workspace.getFile(`${ROOT}/${path}`)!;
  let offset = -1;
  for (let i = 0; i < nth; i++) offset = file.yaml.text.indexOf(text, offset + 1);
  const mesh = meshOfFile(meshes, file)!;
  const identity = identityAt(file, offset + 1, mesh);
  const occurrences = identity ? identityOccurrences(mesh, identity, (p) => workspace.getFile(p)) : [];
  return { file, identity, occurrences, workspace };
}

const written = (run: ReturnType<typeof at>) =>
  run.occurrences.map((o) => {
    const file = run.workspace.getFile(o.location.file)!;
    const line = file.yaml.text.split('\n')[o.location.range.start.line];
    return `${o.location.file.slice(ROOT.length + 1)}:${o.location.range.start.line + 1} ${line.slice(o.location.range.start.character, o.location.range.end.character)} in "${line.trim()}"`;
  });

test('every place the mesh writes cluster1, from its install config', () => {
  const run = at('cluster1/istio.yaml', 'cluster1');
  assert.deepEqual(run.identity && { kind: run.identity.kind, value: run.identity.value }, { kind: 'cluster', value: 'cluster1' });
  assert.deepEqual(written(run), [
    'cluster1/istio.yaml:8 cluster1 in "clusterName: cluster1"',
    'cluster2/istio-system.yaml:8 cluster1 in "topology.istio.io/controlPlaneClusters: "cluster1, cluster3""',
    'cluster2/remote-secret-cluster1.yaml:4 cluster1 in "name: istio-remote-secret-cluster1"',
    'cluster2/remote-secret-cluster1.yaml:9 cluster1 in "networking.istio.io/cluster: cluster1"',
    'cluster2/remote-secret-cluster1.yaml:11 cluster1 in "cluster1: ' + KUBECONFIG_VALUE + '"',
    'shared/sample.yaml:1 cluster1 in "# istio-mesh: cluster=cluster1,cluster2"',
  ]);
  // The secret's value (a kubeconfig) and free text that merely mentions the name are not identities.
  assert.ok(run.occurrences.every((o) => o.location.range.end.character - o.location.range.start.character === 'cluster1'.length));
});

test('the same places are found from a remote secret key and from a directive', () => {
  assert.equal(at('cluster2/remote-secret-cluster1.yaml', 'cluster1:').occurrences.length, 6);
  assert.equal(at('shared/sample.yaml', 'cluster1').occurrences.length, 6);
  assert.equal(at('shared/sample.yaml', 'cluster1 is where').identity, undefined, 'free text is not a reference');
});

test('a network and a meshID', () => {
  assert.deepEqual(
    written(at('cluster2/istio-system.yaml', 'network1')).map((w) => w.split(' ')[0]),
    ['cluster1/istio.yaml:9', 'cluster2/istio-system.yaml:6', 'cluster2/istio.yaml:9'],
  );
  assert.equal(at('cluster1/istio.yaml', 'mesh1').occurrences.length, 2);
});

test('rename refuses placeholders and template files, and names that are not names', () => {
  const { file } = at('cluster1/istio.yaml', 'cluster1');
  assert.match(
    renameRefusal(file, {
      kind: 'cluster',
      value: '${CLUSTER}',
      location: { file: file.path, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } },
    })!,
    /placeholder/,
  );
  assert.match(renameRefusal(file, undefined)!, /cluster name, a network or a meshID/);
  assert.equal(invalidNewName('cluster-east'), undefined);
  assert.match(invalidNewName('east cluster')!, /not a valid name/);
});

test('an ApplicationSet: the list element a template puts in clusterName, and the cluster Secret a clusters generator reads', () => {
  const root = join(EXAMPLES, 'applicationset');
  const workspace = new Workspace([root]);
  for (const name of ['clusters.yaml', 'control-planes.yaml', 'expose-services.yaml', 'gateways.yaml'])
    workspace.setFile(join(root, name), readFileSync(join(root, name), 'utf8'));
  const analysed = new Analyzer().analyze(workspace, { roots: [root], clusters: [] });
  const found = (path: string, text: string) => {
    const file = workspace.getFile(join(root, path))!;
    const mesh = meshOfFile(analysed.meshes, file)!;
    const identity = identityAt(file, file.yaml.text.indexOf(text) + text.trim().length, mesh);
    assert.ok(identity, `${text} in ${path} is an identity`);
    return identityOccurrences(mesh, identity, (p) => workspace.getFile(p)).map((o) => {
      const line = readFileSync(o.location.file, 'utf8').split('\n')[o.location.range.start.line];
      return `${o.location.file.slice(root.length + 1)}: ${line.trim()}`;
    });
  };
  assert.equal(analysed.meshes.length, 1);
  const cluster1 = [
    'clusters.yaml: name: cluster1',
    'control-planes.yaml: - cluster: cluster1',
    'expose-services.yaml: # istio-mesh: cluster=cluster1,cluster2',
  ];
  assert.deepEqual(found('control-planes.yaml', 'cluster: cluster1'), cluster1);
  assert.deepEqual(found('clusters.yaml', '  name: cluster1\n'), cluster1, 'from the cluster Secret, which the mesh reads only through the generator');
  assert.deepEqual(found('control-planes.yaml', 'network: network2'), [
    'clusters.yaml: topology.istio.io/network: network2',
    'control-planes.yaml: network: network2',
  ]);
});

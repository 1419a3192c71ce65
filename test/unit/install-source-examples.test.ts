// examples/{helm,flux,argocd,sail,ambient} hold the same mesh installed five ways: each checks clean, models
// the same clusters, and the same deliberate mistake gives the same finding code whatever the source.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import { analyzeFolder, analyzeTexts, formatRange, yamlFilesUnder } from '../support/analyze';
import { EXAMPLES } from '../support/paths';

const SOURCES = ['helm', 'flux', 'argocd', 'sail', 'ambient'];

/** The folder's files as texts, with `edit` applied to the file whose relative path is `target`. */
function filesWith(folder: string, target: (path: string) => boolean, edit: (text: string) => string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const path of yamlFilesUnder(folder)) {
    const name = relative(folder, path);
    const text = readFileSync(path, 'utf8');
    files[name] = target(name) ? edit(text) : text;
  }
  return files;
}

const inCluster2 = (name: string) => name.includes('cluster2');
const errorsAndWarnings = (findings: { severity: string; code: string }[]) =>
  findings
    .filter((f) => f.severity === 'error' || f.severity === 'warning')
    .map((f) => f.code)
    .sort();

for (const source of SOURCES) {
  test(`examples/${source} checks clean and models two primaries in two networks`, () => {
    const { findings, meshes } = analyzeFolder(join(EXAMPLES, source));
    assert.deepEqual(errorsAndWarnings(findings), []);
    assert.equal(meshes.length, 1);
    const mesh = meshes[0];
    assert.deepEqual([...mesh.clusters.values()].map((c) => `${c.name}:${c.role}:${c.network}:${c.meshID?.value}`).sort(), [
      'cluster1:primary:network1:mesh1',
      'cluster2:primary:network2:mesh1',
    ]);
    assert.equal(mesh.controlPlaneModel, 'multi-primary');
  });

  test(`examples/${source}: a meshID typo in cluster2 is MESH101, a network typo is MESH104`, () => {
    const root = join(EXAMPLES, source);
    const meshTypo = analyzeTexts(
      root,
      filesWith(root, inCluster2, (t) => t.replace('meshID: mesh1', 'meshID: mesh-1')),
    );
    assert.deepEqual(errorsAndWarnings(meshTypo.findings), ['MESH101', 'MESH101']);
    // The east-west gateway (or the istio-system label) names another network than the control plane.
    const networkTypo = analyzeTexts(
      root,
      filesWith(root, inCluster2, (t) =>
        t
          .replace('networkGateway: network2', 'networkGateway: network-2')
          .replace('topology.istio.io/network: network2', 'topology.istio.io/network: network-2'),
      ),
    );
    assert.ok(errorsAndWarnings(networkTypo.findings).includes('MESH104'), source);
  });
}

test('a finding inside an Argo CD helm.values string lands on the key inside the block scalar', () => {
  const root = join(EXAMPLES, 'argocd');
  const files = filesWith(
    root,
    (n) => n === 'cluster2.yaml',
    (t) => t.replace('          meshID: mesh1', '          meshId: mesh1'),
  );
  const { findings } = analyzeTexts(root, files);
  const unknown = findings.find((f) => f.code === 'MESH811');
  assert.ok(unknown, 'the misspelt key is reported');
  const line = files['cluster2.yaml'].split('\n').findIndex((l) => l.includes('meshId: mesh1'));
  const column = files['cluster2.yaml'].split('\n')[line].indexOf('meshId');
  assert.equal(formatRange(unknown.location.range), `${line + 1}:${column + 1}-${line + 1}:${column + 7}`);
  assert.match(unknown.message, /global\.meshId/);
});

test("Flux valuesFrom: a value from the ConfigMap is reported in the ConfigMap's values.yaml string", () => {
  const root = join(EXAMPLES, 'flux');
  const files = filesWith(
    root,
    (n) => n === 'cluster2.yaml',
    (t) => t.replace('      meshID: mesh1', '      meshID: mesh2'),
  );
  const { findings } = analyzeTexts(root, files);
  const mismatch = findings.find((f) => f.code === 'MESH101' && f.cluster === 'cluster2');
  assert.ok(mismatch);
  const line = files['cluster2.yaml'].split('\n').findIndex((l) => l.includes('meshID: mesh2'));
  assert.equal(mismatch.location.range.start.line, line);
});

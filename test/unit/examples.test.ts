// examples/: every official-model folder checks clean and is a mesh of its own; examples/mistakes reports
// the mistakes its comments announce, and nothing from it leaks into the other folders.
import assert from 'node:assert/strict';
import { join, relative, sep } from 'node:path';
import { test } from 'node:test';

import { analyzeFolder } from '../support/analyze';
import { EXAMPLES } from '../support/paths';

const MODEL_FOLDERS = ['multi-primary', 'multi-primary-multi-network', 'primary-remote', 'primary-remote-multi-network'];
/** The same multi-primary, multi-network mesh in every install form (test/unit/install-source-examples.test.ts). */
const SOURCE_FOLDERS = ['helm', 'flux', 'argocd', 'sail', 'ambient'];
/**
 * Composed configs: a kustomize base with one overlay per cluster (test/unit/compose.test.ts), an ApplicationSet repo
 * (test/unit/applicationset.test.ts), a Helm umbrella chart (test/unit/umbrella.test.ts), a chart of templates
 * (test/unit/chart-templates.test.ts).
 */
const COMPOSED_FOLDERS = ['kustomize', 'applicationset', 'umbrella', 'helm-chart'];
/** Files every cluster shares: a `common/` folder no cluster claims, applied to each. */
const SHARED_FOLDERS = ['shared-files'];

test('checking examples/ reports problems in examples/mistakes only, one mesh per folder', () => {
  const { findings, meshes } = analyzeFolder(EXAMPLES);
  assert.deepEqual(
    meshes.map((m) => relative(EXAMPLES, m.root)).sort(),
    [...MODEL_FOLDERS, ...SOURCE_FOLDERS, ...COMPOSED_FOLDERS, ...SHARED_FOLDERS, 'mistakes'].sort(),
  );
  const problems = findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
  const outside = problems.filter((f) => relative(EXAMPLES, f.location.file).split(sep)[0] !== 'mistakes');
  assert.deepEqual(
    outside.map((f) => `${relative(EXAMPLES, f.location.file)} ${f.code} ${f.message}`),
    [],
  );
  const byCode = (code: string) =>
    problems
      .filter((f) => f.code === code)
      .map((f) => `${f.cluster}:${relative(EXAMPLES, f.location.file)}`)
      .sort();
  assert.deepEqual(byCode('MESH101'), [`east:${join('mistakes', 'east', 'control-plane.yaml')}`, `west:${join('mistakes', 'west', 'control-plane.yaml')}`]);
  assert.deepEqual(byCode('MESH104'), [`west:${join('mistakes', 'west', 'istio-system.yaml')}`]);
  assert.deepEqual(byCode('MESH201'), [`edge:${join('mistakes', 'edge', 'remote-profile.yaml')}`]);
  assert.deepEqual(byCode('MESH203'), [`west:${join('mistakes', 'west', 'control-plane.yaml')}`]);
  assert.deepEqual(byCode('MESH205'), [`east:${join('mistakes', 'east', 'control-plane.yaml')}`]);
});

for (const folder of MODEL_FOLDERS) {
  test(`examples/${folder} models its clusters as the official ${folder} setup does`, () => {
    const { meshes } = analyzeFolder(`${EXAMPLES}${sep}${folder}`);
    assert.equal(meshes.length, 1);
    const mesh = meshes[0];
    assert.deepEqual([...mesh.clusters.keys()].sort(), ['cluster1', 'cluster2']);
    assert.equal(mesh.multiNetwork, folder.endsWith('multi-network'));
    assert.equal(mesh.controlPlaneModel, folder.startsWith('primary-remote') ? 'primary-remote' : 'multi-primary');
  });
}

test('examples/shared-files: the common/ folder counts in every cluster and is said to be unassigned once', () => {
  const { findings, meshes } = analyzeFolder(join(EXAMPLES, 'shared-files'));
  assert.equal(meshes.length, 1);
  assert.deepEqual([...meshes[0].clusters.keys()].sort(), ['east', 'west']);
  assert.deepEqual(
    findings.filter((f) => f.severity === 'error' || f.severity === 'warning').map((f) => `${f.code} ${f.message}`),
    [],
  );
  const unassigned = findings.filter((f) => f.code === 'MESH001');
  assert.deepEqual(
    unassigned.map((f) => relative(EXAMPLES, f.location.file)),
    [join('shared-files', 'common', 'expose-services.yaml')],
  );
  assert.match(unassigned[0].message, /# istio-mesh: cluster=east/);
});

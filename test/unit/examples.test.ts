// examples/: every official-model folder checks clean and is a mesh of its own; examples/mistakes reports
// the mistakes its comments announce, and nothing from it leaks into the other folders. With the official layouts
// (official-configs.test.ts) this is the sweep over every rule: fixtures compare only their own codes' findings.
import assert from 'node:assert/strict';
import { join, relative, sep } from 'node:path';
import { test } from 'node:test';

import type { Finding } from '../../server/src/rules/finding';
import { analyzeFolder, countByCode } from '../support/analyze';
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

/** Each mesh is told once that it commits no remote secrets (MESH300) and no cacerts (MESH600). */
const NOTHING_SECRET_COMMITTED = { MESH300: 1, MESH600: 1 };
/**
 * Every finding of examples/, information included, counted by code in each folder: a finding any rule adds or
 * loses there fails this test.
 */
const FINDINGS_PER_FOLDER: Record<string, Record<string, number>> = {
  ambient: NOTHING_SECRET_COMMITTED,
  applicationset: NOTHING_SECRET_COMMITTED,
  argocd: NOTHING_SECRET_COMMITTED,
  flux: NOTHING_SECRET_COMMITTED,
  helm: NOTHING_SECRET_COMMITTED,
  /** Its two chart templates and the remote's placeholder discovery address are each said to be templates. */
  'helm-chart': { ...NOTHING_SECRET_COMMITTED, COMPOSE001: 3 },
  kustomize: NOTHING_SECRET_COMMITTED,
  /** Loud on purpose: the mistakes its comments announce. */
  mistakes: { ...NOTHING_SECRET_COMMITTED, IOP001: 1, MESH101: 2, MESH104: 1, MESH201: 1, MESH203: 1, MESH205: 1 },
  'multi-primary': NOTHING_SECRET_COMMITTED,
  'multi-primary-multi-network': NOTHING_SECRET_COMMITTED,
  /** The remote's discovery address is a placeholder, as the official guide writes it. */
  'primary-remote': { ...NOTHING_SECRET_COMMITTED, COMPOSE001: 1 },
  'primary-remote-multi-network': { ...NOTHING_SECRET_COMMITTED, COMPOSE001: 1 },
  sail: NOTHING_SECRET_COMMITTED,
  /** Its common/ folder is unassigned, once (below). */
  'shared-files': { ...NOTHING_SECRET_COMMITTED, MESH001: 1 },
  umbrella: NOTHING_SECRET_COMMITTED,
};

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
  const folderOf = (f: Finding) => relative(EXAMPLES, f.location.file).split(sep)[0];
  const folders = [...new Set(findings.map(folderOf))];
  assert.deepEqual(Object.fromEntries(folders.map((folder) => [folder, countByCode(findings.filter((f) => folderOf(f) === folder))])), FINDINGS_PER_FOLDER);
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

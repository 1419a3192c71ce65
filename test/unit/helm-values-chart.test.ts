// Which chart a Helm values file is for, in the order the README documents: the `# istio-mesh: chart=` comment,
// then the `istioMesh.helmValues` setting, then the file's content.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import type { HelmValuesSetting } from '../../server/src/mesh/helmValues';

const ROOT = '/workspace';

/** The chart of every install read from `files`, by file name. */
function chartsOf(files: Record<string, string>, helmValues: HelmValuesSetting[]): Record<string, string | undefined> {
  const workspace = new Workspace([ROOT]);
  for (const [name, text] of Object.entries(files)) workspace.setFile(join(ROOT, name), text);
  const { meshes } = new Analyzer(undefined, (message) => {
    throw new Error(message);
  }).analyze(workspace, { roots: [ROOT], clusters: [], helmValues });
  const charts: Record<string, string | undefined> = {};
  for (const install of meshes.flatMap((mesh) => mesh.installs)) charts[install.resource.file.slice(ROOT.length + 1)] = install.chart?.value;
  return charts;
}

const ISTIOD_CONTENT = 'global:\n  meshID: mesh1\n  multiCluster:\n    clusterName: cluster1\n  network: network1\n';
/** Values whose keys say no chart: only the setting or a comment can tell. */
const SILENT_CONTENT = 'replicaCount: 2\nresources:\n  requests:\n    cpu: 100m\n';

test('content alone decides when there is neither a comment nor a setting', () => {
  assert.deepEqual(chartsOf({ 'cluster1/istiod.yaml': ISTIOD_CONTENT, 'cluster1/other.yaml': SILENT_CONTENT }, []), { 'cluster1/istiod.yaml': 'istiod' });
});

test('the istioMesh.helmValues setting makes a silent values file that chart, and wins over content', () => {
  const settings = [
    { chart: 'gateway', paths: ['**/eastwest-*.yaml'] },
    { chart: 'base', paths: ['cluster1/base-values.yaml'] },
  ];
  const charts = chartsOf({ 'cluster1/eastwest-values.yaml': SILENT_CONTENT, 'cluster1/base-values.yaml': ISTIOD_CONTENT }, settings);
  assert.deepEqual(charts, { 'cluster1/eastwest-values.yaml': 'gateway', 'cluster1/base-values.yaml': 'base' });
});

test('the chart= comment wins over the setting', () => {
  const settings = [{ chart: 'gateway', paths: ['**/*.yaml'] }];
  const charts = chartsOf({ 'cluster1/istiod.yaml': `# istio-mesh: chart=istiod\n${SILENT_CONTENT}`, 'cluster1/gateway.yaml': SILENT_CONTENT }, settings);
  assert.deepEqual(charts, { 'cluster1/istiod.yaml': 'istiod', 'cluster1/gateway.yaml': 'gateway' });
});

test("another CNI's values with a `cni:` key are not the istio cni chart's", () => {
  const istioCni = 'cni:\n  ambient:\n    enabled: true\nglobal:\n  platform: gke\n';
  const otherCni = 'cni:\n  exclusive: false\nipam:\n  mode: kubernetes\nhubble:\n  enabled: true\nkubeProxyReplacement: true\n';
  assert.deepEqual(chartsOf({ 'istio-cni.yaml': istioCni, 'cilium.yaml': otherCni }, []), { 'istio-cni.yaml': 'cni' });
});

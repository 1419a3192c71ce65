// Every quick fix is checked the way a user would judge it: apply it, analyse again, and the finding is gone
// without any new syntax or schema problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { LineIndex } from '../../server/src/parse/text';
import type { Finding, Fix } from '../../server/src/rules/finding';
import { analyzeTexts } from '../support/analyze';

const ROOT = '/virtual/mesh';

function applyFix(files: Record<string, string>, fix: Fix): Record<string, string> {
  const next = { ...files };
  for (const edit of fix.edits) {
    if ('createFile' in edit) {
      next[edit.createFile.slice(ROOT.length + 1)] = edit.content;
      continue;
    }
    const name = edit.location.file.slice(ROOT.length + 1);
    const lines = new LineIndex(next[name]);
    const start = lines.offsetAt(edit.location.range.start);
    const end = lines.offsetAt(edit.location.range.end);
    next[name] = next[name].slice(0, start) + edit.newText + next[name].slice(end);
  }
  return next;
}

const operator = (cluster: string, body: string) => `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: ${cluster}
spec:
  values:
    global:
${body}`;

const MESH = {
  'cluster1/istio.yaml': operator('cluster1', '      meshID: mesh1\n      multiCluster:\n        clusterName: cluster1\n      network: network1\n'),
  'cluster2/istio.yaml': operator('cluster2', '      meshID: mesh1\n      multiCluster:\n        clusterName: cluster2\n      network: network1\n'),
  'cluster3/istio.yaml': operator('cluster3', '      meshID: "mesh-1"\n      multiCluster:\n        clusterName: cluster3\n      network: network1\n'),
  'cluster4/istio.yaml': operator('cluster4', '      multiCluster:\n        clusterName: cluster4\n      network: network1\n'),
  'cluster3/istio-system.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n  labels:\n    topology.istio.io/network: network9\n',
};

function fixable(findings: Finding[]): Finding[] {
  return findings.filter((f) => f.fixes?.length);
}

test('every quick fix on a mesh with mistakes removes its finding and adds no syntax or schema problem', () => {
  const before = analyzeTexts(ROOT, MESH).findings;
  const candidates = fixable(before);
  const codes = new Set(candidates.map((f) => f.code));
  assert.ok(codes.has('MESH101') && codes.has('MESH104'), `fixable codes: ${[...codes]}`);
  for (const finding of candidates) {
    const fixed = applyFix(MESH, finding.fixes![0]);
    const after = analyzeTexts(ROOT, fixed).findings;
    const same = (f: Finding) => f.code === finding.code && f.location.file === finding.location.file && f.message === finding.message;
    assert.ok(!after.some(same), `"${finding.fixes![0].title}" left ${finding.code} in place`);
    const broken = after.filter((f) => /^(YAML|SCHEMA)/.test(f.code));
    assert.deepEqual(broken.map((f) => `${f.code} ${f.message}`), [], `"${finding.fixes![0].title}" broke ${join(finding.location.file)}`);
  }
});

test('a missing meshID is inserted under global, indented like its siblings', () => {
  const finding = analyzeTexts(ROOT, MESH).findings.find((f) => f.code === 'MESH101' && f.severity === 'warning');
  assert.ok(finding?.fixes, 'no fix for the missing meshID');
  const fixed = applyFix(MESH, finding.fixes[0]);
  assert.match(fixed['cluster4/istio.yaml'], /\n    global:\n      meshID: mesh1\n      multiCluster:\n/);
});

test('generators create the missing east-west gateway and the Gateways that expose services and istiod', () => {
  const multiNetwork = {
    'cluster1/istio.yaml': operator('cluster1', '      meshID: mesh1\n      multiCluster:\n        clusterName: cluster1\n      network: network1\n      externalIstiod: true\n'),
    'cluster2/istio.yaml': 'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  profile: remote\n  values:\n    istiodRemote:\n      injectionPath: /inject/cluster/cluster2/net/network2\n    global:\n      remotePilotAddress: 192.0.2.10\n',
  };
  let files: Record<string, string> = multiNetwork;
  const generated: string[] = [];
  // Each round applies the generators offered; the next round sees what they created.
  for (let round = 0; round < 4; round++) {
    const findings = analyzeTexts(ROOT, files).findings.filter((f) => f.fixes?.some((fix) => fix.edits.some((e) => 'createFile' in e)));
    if (findings.length === 0) break;
    for (const finding of findings) {
      const fix = finding.fixes!.find((x) => x.edits.some((e) => 'createFile' in e))!;
      generated.push(fix.title);
      files = applyFix(files, fix);
    }
  }
  assert.ok(generated.includes('Generate cluster1-eastwest-gateway.yaml'), `generated: ${generated}`);
  assert.ok(generated.includes('Generate cluster1-expose-services.yaml'), `generated: ${generated}`);
  assert.ok(generated.includes('Generate cluster1-expose-istiod.yaml'), `generated: ${generated}`);
  const remaining = analyzeTexts(ROOT, files).findings.filter((f) => ['MESH202', 'MESH203', 'MESH204'].includes(f.code) || /^(YAML|SCHEMA)/.test(f.code));
  assert.deepEqual(remaining.map((f) => `${f.code} ${f.location.file}: ${f.message}`), []);
});

test('for a cluster installed with Helm, the east-west gateway is generated as values of the gateway chart', () => {
  const example = join(__dirname, '..', '..', '..', 'examples', 'helm');
  const files: Record<string, string> = {};
  for (const cluster of ['cluster1', 'cluster2']) {
    for (const name of ['istio-base-values.yaml', 'istiod-values.yaml', 'istio-system.yaml', 'expose-services.yaml', 'eastwest-gateway-values.yaml']) {
      if (cluster === 'cluster2' && name === 'eastwest-gateway-values.yaml') continue;
      files[`${cluster}/${name}`] = readFileSync(join(example, cluster, name), 'utf8');
    }
  }
  const missing = analyzeTexts(ROOT, files).findings.find((f) => f.code === 'MESH203' && f.cluster === 'cluster2');
  const fix = missing?.fixes?.[0];
  assert.equal(fix?.title, 'Generate cluster2-eastwest-gateway-values.yaml');
  const fixed = applyFix(files, fix!);
  assert.match(fixed['cluster2/cluster2-eastwest-gateway-values.yaml'], /^name: istio-eastwestgateway\nnetworkGateway: network2\n/m);
  const after = analyzeTexts(ROOT, fixed).findings.filter((f) => f.code === 'MESH203' || /^(YAML|SCHEMA|MESH811)/.test(f.code));
  assert.deepEqual(after.map((f) => `${f.code} ${f.message}`), []);
});

// One mistake, one finding: a finding explained by another that is reported is folded into it (named in its
// message, pointed at in its related information), and comes back on its own once the cause is fixed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { Analyzer } from '../../server/src/engine/analysis';
import { foldConsequences } from '../../server/src/engine/folding';
import { Workspace } from '../../server/src/engine/workspace';
import type { MeshModel } from '../../server/src/mesh/model';
import type { Resource } from '../../server/src/resources/resource';
import type { Finding } from '../../server/src/rules/finding';
import type { MeshRule } from '../../server/src/rules/rule';
import { describeFindings, yamlFilesUnder } from '../support/analyze';
import { FIXTURES } from '../support/paths';

const ROOT = '/workspace';
const BROKEN = 'the settings mode is broken';

function configMap(name: string, data: Record<string, string>): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: ${v}\n`)
    .join('')}`;
}

function configMapNamed(mesh: MeshModel, name: string): Resource | undefined {
  return mesh.resources.find((r) => r.kind === 'ConfigMap' && r.name === name);
}

function finding(code: string, resource: Resource, message: string, facts: Pick<Finding, 'explains' | 'explainedBy' | 'consequence'>): Finding {
  return { code, severity: 'warning', message, location: resource.location(['data']), ...facts };
}

/** The cause: settings.yaml says `mode: broken`. */
const cause: MeshRule = {
  scope: 'mesh',
  code: 'TEST911',
  title: 'broken mode',
  severity: 'error',
  check(mesh) {
    const settings = configMapNamed(mesh, 'settings');
    return settings?.string(['data', 'mode']) === 'broken'
      ? [{ ...finding('TEST911', settings, 'The mode is broken.', { explains: [BROKEN] }), severity: 'error' }]
      : [];
  },
};

/** A consequence that ends with the cause: it reads the same value. */
const followsOnlyFromCause: MeshRule = {
  scope: 'mesh',
  code: 'TEST912',
  title: 'no traffic',
  severity: 'warning',
  check(mesh) {
    const settings = configMapNamed(mesh, 'settings');
    return settings?.string(['data', 'mode']) === 'broken'
      ? [finding('TEST912', settings, 'No traffic flows.', { explainedBy: [BROKEN], consequence: 'no traffic flows' })]
      : [];
  },
};

/**
 * A consequence that also holds on its own (the peer file is wrong too). It declares what it reads, so the engine
 * keeps its finding while the peer file is unchanged: folding must still see it after an edit of the cause's file.
 */
const alsoHoldsOnItsOwn: MeshRule = {
  scope: 'mesh',
  code: 'TEST913',
  title: 'peer unreachable',
  severity: 'warning',
  reads: (mesh) => [configMapNamed(mesh, 'peer')],
  check(mesh) {
    const peer = configMapNamed(mesh, 'peer');
    return peer?.string(['data', 'address']) === 'unset'
      ? [finding('TEST913', peer, 'The peer is unreachable.', { explainedBy: [BROKEN], consequence: 'the peer is unreachable' })]
      : [];
  },
};

function codes(findings: Map<string, Finding[]>): string[] {
  return [...findings.values()]
    .flat()
    .map((f) => f.code)
    .sort();
}

test('a cause with two consequences is one finding; fixing the cause brings back the consequence that still holds', () => {
  const rules = [cause, followsOnlyFromCause, alsoHoldsOnItsOwn];
  const analyzer = new Analyzer(rules, (message) => assert.fail(message));
  const workspace = new Workspace([ROOT]);
  const settings = { roots: [ROOT], clusters: [] };
  workspace.setFile(`${ROOT}/settings.yaml`, configMap('settings', { mode: 'broken' }));
  workspace.setFile(`${ROOT}/peer.yaml`, configMap('peer', { address: 'unset' }));

  const broken = analyzer.analyze(workspace, settings);
  assert.deepEqual(codes(broken.findings), ['TEST911']);
  const [root] = [...broken.findings.values()].flat();
  assert.equal(root.message, 'The mode is broken. So no traffic flows (and 1 more: see related information).');
  assert.deepEqual(
    root.related?.map((r) => [r.location.file, r.message]),
    [
      [`${ROOT}/settings.yaml`, 'so no traffic flows (TEST912)'],
      [`${ROOT}/peer.yaml`, 'so the peer is unreachable (TEST913)'],
    ],
  );

  // The fix, as a keystroke: only settings.yaml changes; TEST913's finding is the cached one.
  workspace.setFile(`${ROOT}/settings.yaml`, configMap('settings', { mode: 'fast' }));
  const fixed = analyzer.analyze(workspace, settings);
  assert.deepEqual(codes(fixed.findings), ['TEST913']);
  assert.equal(fixed.findings.get(`${ROOT}/peer.yaml`)?.[0].message, 'The peer is unreachable.');
  assert.ok(fixed.changed.has(`${ROOT}/peer.yaml`) && fixed.changed.has(`${ROOT}/settings.yaml`));

  // Breaking it again folds the consequences again, as an analysis from scratch does.
  workspace.setFile(`${ROOT}/settings.yaml`, configMap('settings', { mode: 'broken' }));
  const again = analyzer.analyze(workspace, settings);
  const fresh = new Analyzer(rules, (message) => assert.fail(message)).analyze(workspace, settings);
  assert.deepEqual(describeFindings([...again.findings.values()].flat(), ROOT), describeFindings([...fresh.findings.values()].flat(), ROOT));
  assert.deepEqual(codes(again.findings), ['TEST911']);
});

test('a consequence goes to the reported cause nearest it, through a folded cause, and findings that only explain each other stay', () => {
  const at = (file: string) => ({ file, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } });
  const base = { severity: 'warning' as const, message: 'm' };
  const findings: Finding[] = [
    { ...base, code: 'FAR', location: at('/w/a/x.yaml'), explains: ['fact'] },
    { ...base, code: 'NEAR', location: at('/w/b/x.yaml'), explains: ['fact'] },
    { ...base, code: 'DIRECT', location: at('/w/b/y.yaml'), explainedBy: ['fact'], explains: ['second'] },
    { ...base, code: 'INDIRECT', location: at('/w/a/z.yaml'), explainedBy: ['second'] },
    { ...base, code: 'CYCLE1', location: at('/w/c.yaml'), explains: ['one'], explainedBy: ['two'] },
    { ...base, code: 'CYCLE2', location: at('/w/c.yaml'), explains: ['two'], explainedBy: ['one'] },
    { ...base, code: 'UNEXPLAINED', location: at('/w/d.yaml'), explainedBy: ['nobody reports this'] },
  ];
  const folded = foldConsequences(findings);
  assert.deepEqual(
    folded.map((f) => f.code),
    ['FAR', 'NEAR', 'CYCLE1', 'CYCLE2', 'UNEXPLAINED'],
  );
  assert.deepEqual(
    folded[1].related?.map((r) => r.message),
    ['so DIRECT: m (DIRECT)', 'so INDIRECT: m (INDIRECT)'],
  );
  assert.equal(folded[0], findings[0], 'a cause that explains nothing reported is returned as it is');
  const nothingToFold = findings.slice(0, 2);
  assert.equal(foldConsequences(nothingToFold), nothingToFold);
});

test('fixing the gateway name of the istiod cascade in the editor brings back the exposure finding that still holds', () => {
  const folder = join(FIXTURES, 'rules', 'MESH401-folds-istiod-exposure');
  const workspace = new Workspace([folder]);
  for (const path of yamlFilesUnder(folder)) workspace.setFile(path, readFileSync(path, 'utf8'));
  const analyzer = new Analyzer(undefined, (message) => assert.fail(message));
  const settings = { roots: [folder], clusters: [] };
  const run = () => [...analyzer.analyze(workspace, settings).findings.values()].flat();
  const problems = (findings: Finding[]) =>
    findings
      .filter((f) => f.severity !== 'information')
      .map((f) => f.code)
      .sort();
  assert.deepEqual(problems(run()), ['MESH401']);

  // The gateway name corrected, but the webhook route (15017) deleted in the same edit: 15012 is routed now.
  const exposure = join(folder, 'primary', 'istiod-exposure.yaml');
  const text = readFileSync(exposure, 'utf8');
  const edited = text.replace('- istiod-gw', '- istiod-gateway').replace(/ {2}- match:\n {4}- port: 15017[\s\S]*$/, '');
  assert.notEqual(edited, text);
  workspace.setFile(exposure, edited);
  const after = run();
  // MESH202 is reported on its own again, with the unrouted webhook server (MESH406) as its consequence.
  assert.deepEqual(problems(after), ['MESH202']);
  const exposureFinding = after.find((f) => f.code === 'MESH202')!;
  assert.match(exposureFinding.message, /missing a VirtualService routing port 15017[^;]*\(see samples/);
  assert.deepEqual(
    exposureFinding.related?.slice(1).map((r) => r.message),
    ['so the PASSTHROUGH server on port 15017 of Gateway istio-system/istiod-gateway routes nowhere (MESH406)'],
  );
});

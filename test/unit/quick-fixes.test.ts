// Every quick fix is checked the way a user would judge it: apply it, analyse again, and the finding is gone
// without any new syntax or schema problem.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { test } from 'node:test';

import * as jsYaml from 'js-yaml';

import { suppressionFix } from '../../server/src/engine/tuning';
import { codeActionsFor } from '../../server/src/features/codeActions';
import { type GeneratedFileKind, generatorFix } from '../../server/src/generators/eastWest';
import { LineIndex } from '../../server/src/parse/text';
import { parseYamlFile } from '../../server/src/parse/yamlFile';
import type { Finding, Fix } from '../../server/src/rules/finding';
import { analyzeTexts, yamlFilesUnder } from '../support/analyze';

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
    assert.deepEqual(
      broken.map((f) => `${f.code} ${f.message}`),
      [],
      `"${finding.fixes![0].title}" broke ${join(finding.location.file)}`,
    );
  }
});

test('a missing meshID is inserted under global, indented like its siblings', () => {
  const finding = analyzeTexts(ROOT, MESH).findings.find((f) => f.code === 'MESH101' && f.severity === 'warning');
  assert.ok(finding?.fixes, 'no fix for the missing meshID');
  const fixed = applyFix(MESH, finding.fixes[0]);
  assert.match(fixed['cluster4/istio.yaml'], /\n {4}global:\n {6}meshID: mesh1\n {6}multiCluster:\n/);
});

test('generators create the missing east-west gateway and the Gateways that expose services and istiod', () => {
  const multiNetwork = {
    'cluster1/istio.yaml': operator(
      'cluster1',
      '      meshID: mesh1\n      multiCluster:\n        clusterName: cluster1\n      network: network1\n      externalIstiod: true\n',
    ),
    'cluster2/istio.yaml':
      'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  profile: remote\n  values:\n    istiodRemote:\n      injectionPath: /inject/cluster/cluster2/net/network2\n    global:\n      remotePilotAddress: 192.0.2.10\n',
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
  // cluster1/ names the cluster: the files are named as the docs name them, without it.
  for (const title of ['Generate eastwest-gateway.yaml', 'Generate expose-istiod.yaml', 'Generate expose-services.yaml'])
    assert.ok(generated.includes(title), `generated: ${generated.join(', ')}`);
  assert.ok(
    files['cluster1/eastwest-gateway.yaml'] && files['cluster1/expose-istiod.yaml'] && files['cluster1/expose-services.yaml'],
    Object.keys(files).join(', '),
  );
  const remaining = analyzeTexts(ROOT, files).findings.filter((f) => ['MESH202', 'MESH203', 'MESH204'].includes(f.code) || /^(YAML|SCHEMA)/.test(f.code));
  assert.deepEqual(
    remaining.map((f) => `${f.code} ${f.location.file}: ${f.message}`),
    [],
  );
});

test('a generated file is named like the files around it', () => {
  const named = (nextTo: string, cluster: string, kind: GeneratedFileKind, files: string[]) => {
    const fix = generatorFix(join(ROOT, nextTo), cluster, kind, '', { root: ROOT, files: files.map((f) => join(ROOT, f)) });
    const edit = fix.edits[0];
    assert.ok('createFile' in edit);
    assert.equal(fix.title, `Generate ${basename(edit.createFile)}`);
    return relative(ROOT, edit.createFile);
  };
  // The folder names the cluster: the name the docs give the file.
  assert.equal(
    named('clusters/cluster2/istio.yaml', 'cluster2', 'expose-services', ['clusters/cluster2/istio.yaml']),
    'clusters/cluster2/expose-services.yaml',
  );
  // One folder for several clusters: the cluster's name in front.
  assert.equal(named('cluster2.yaml', 'cluster2', 'eastwest-gateway', ['cluster1.yaml', 'cluster2.yaml']), 'cluster2-eastwest-gateway.yaml');
  // The other cluster's file spells it east-west, and the folder's files end in .yml.
  assert.equal(
    named('cluster2/istio.yml', 'cluster2', 'eastwest-gateway', ['cluster1/istio.yml', 'cluster1/east-west-gateway.yml', 'cluster2/istio.yml']),
    'cluster2/east-west-gateway.yml',
  );
  // A file of that name is already there (for another gateway): the cluster's name keeps them apart.
  assert.equal(
    named('cluster2/gateways.yaml', 'cluster2', 'expose-services', ['cluster2/gateways.yaml', 'cluster2/expose-services.yaml']),
    'cluster2/cluster2-expose-services.yaml',
  );
  // A folder above the mesh that happens to carry the cluster's name says nothing about its files.
  assert.equal(named('cluster2.yaml', 'mesh', 'expose-istiod', ['cluster2.yaml']), 'mesh-expose-istiod.yaml');
});

/** An example folder's YAML as files under ROOT, without the documents `drop` says cluster2's east-west gateway is. */
function exampleWithoutEastWest(folder: string, drop: (name: string, document: string) => boolean): Record<string, string> {
  const example = join(__dirname, '..', '..', '..', 'examples', folder);
  const files: Record<string, string> = {};
  for (const path of yamlFilesUnder(example)) {
    const name = relative(example, path);
    const kept = readFileSync(path, 'utf8')
      .split(/^---\n/m)
      .filter((document) => !drop(name, document));
    if (kept.length) files[name] = kept.join('---\n');
  }
  return files;
}

/** Generates cluster2's missing east-west gateway from MESH203's fix, and checks the mesh is whole again. */
function generateEastWestGateway(files: Record<string, string>, title: string, file: string): string {
  const missing = analyzeTexts(ROOT, files).findings.find((f) => f.code === 'MESH203' && f.cluster === 'cluster2');
  const fix = missing?.fixes?.[0];
  assert.equal(fix?.title, title);
  const fixed = applyFix(files, fix!);
  const after = analyzeTexts(ROOT, fixed).findings.filter((f) => f.severity === 'error' || f.severity === 'warning' || /^(YAML|SCHEMA)/.test(f.code));
  assert.deepEqual(
    after.map((f) => `${f.code} ${f.message}`),
    [],
  );
  assert.ok(fixed[file], `${file} was created`);
  return fixed[file];
}

test('for a cluster installed with Helm, the east-west gateway is generated as values of the gateway chart', () => {
  const files = exampleWithoutEastWest('helm', (name) => name === join('cluster2', 'eastwest-gateway-values.yaml'));
  const generated = generateEastWestGateway(files, 'Generate eastwest-gateway-values.yaml', 'cluster2/eastwest-gateway-values.yaml');
  assert.match(generated, /^name: istio-eastwestgateway\nnetworkGateway: network2\n/m);
});

test('for a cluster installed with the Sail Operator, the east-west gateway is generated as gateway chart values', () => {
  const files = exampleWithoutEastWest('sail', (name) => name === join('cluster2', 'eastwest-gateway-values.yaml'));
  const generated = generateEastWestGateway(files, 'Generate eastwest-gateway-values.yaml', 'cluster2/eastwest-gateway-values.yaml');
  assert.match(generated, /^# istio-mesh: cluster=cluster2 chart=gateway\n/);
});

const isEastWestRelease = (name: string, document: string) => name === 'cluster2.yaml' && document.includes('name: cluster2-istio-eastwestgateway');

test("for a cluster installed by Flux, the east-west gateway is a HelmRelease sent where istiod's release goes", () => {
  const generated = generateEastWestGateway(
    exampleWithoutEastWest('flux', isEastWestRelease),
    'Generate cluster2-eastwest-gateway.yaml',
    'cluster2-eastwest-gateway.yaml',
  );
  const release = jsYaml.load(
    generated
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n'),
  ) as { spec: Record<string, unknown> };
  assert.deepEqual(release.spec, {
    interval: '10m',
    releaseName: 'istio-eastwestgateway',
    targetNamespace: 'istio-system',
    kubeConfig: { secretRef: { name: 'cluster2-kubeconfig' } },
    chart: { spec: { chart: 'gateway', version: '1.27.1', sourceRef: { kind: 'HelmRepository', name: 'istio' } } },
    values: { name: 'istio-eastwestgateway', networkGateway: 'network2' },
  });
});

test("for a cluster installed by Argo CD, the east-west gateway is an Application to istiod's destination", () => {
  const generated = generateEastWestGateway(
    exampleWithoutEastWest('argocd', isEastWestRelease),
    'Generate cluster2-eastwest-gateway.yaml',
    'cluster2-eastwest-gateway.yaml',
  );
  const application = jsYaml.load(generated) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  assert.deepEqual(application.metadata, { name: 'cluster2-istio-eastwestgateway', namespace: 'argocd' });
  assert.deepEqual(application.spec, {
    project: 'default',
    source: {
      repoURL: 'https://istio-release.storage.googleapis.com/charts',
      chart: 'gateway',
      targetRevision: '1.27.1',
      helm: { releaseName: 'istio-eastwestgateway', valuesObject: { name: 'istio-eastwestgateway', networkGateway: 'network2' } },
    },
    destination: { name: 'cluster2', namespace: 'istio-system' },
  });
});

/** The "Suppress CODE for this document" fix of a finding, made on the file as analysed. */
function suppressFix(files: Record<string, string>, finding: Finding): Fix {
  const name = finding.location.file.slice(ROOT.length + 1);
  const fix = suppressionFix(parseYamlFile(finding.location.file, files[name]), finding);
  assert.ok(fix, `no suppression offered for ${finding.code} in ${name}`);
  assert.equal(fix.title, `Suppress ${finding.code} for this document`);
  return fix;
}

const sameFinding = (a: Finding) => (b: Finding) => a.code === b.code && a.location.file === b.location.file && a.message === b.message;

test('"Suppress CODE for this document" on every finding: applied, the finding is gone and nothing new is reported', () => {
  const before = analyzeTexts(ROOT, MESH).findings;
  assert.ok(before.length > 3);
  for (const finding of before) {
    const fixed = applyFix(MESH, suppressFix(MESH, finding));
    const after = analyzeTexts(ROOT, fixed).findings;
    assert.ok(!after.some(sameFinding(finding)), `${finding.code} is still reported`);
    const added = after.filter((f) => !before.some(sameFinding(f)));
    assert.deepEqual(
      added.map((f) => `${f.code} ${f.message}`),
      [],
      `suppressing ${finding.code} in ${finding.location.file}`,
    );
  }
});

test("the suppression goes above the document's content, after its `---`, or joins the ignore comment already there", () => {
  const files = {
    'gateways.yaml':
      'kind: Namespace\napiVersion: v1\nmetadata: {name: a}\n---\n# two gateways\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  selector: {istio: g}\n  servers:\n    - tls: {mode: PASTHROUGH}\n      port: {number: 443, name: tls, protocol: TLS}\n      hosts: ["a.example.com"]\n',
  };
  const finding = analyzeTexts(ROOT, files).findings.find((f) => f.code === 'SCHEMA003')!;
  const once = applyFix(files, suppressFix(files, finding));
  assert.match(once['gateways.yaml'], /\n---\n# two gateways\n# istio-mesh: ignore=SCHEMA003\napiVersion: networking.istio.io\/v1\n/);
  const withOther = { 'gateways.yaml': files['gateways.yaml'].replace('# two gateways', '# istio-mesh: ignore=MESH406 reviewed') };
  const joined = applyFix(
    withOther,
    suppressFix(
      withOther,
      analyzeTexts(ROOT, withOther).findings.find((f) => f.code === 'SCHEMA003')!,
    ),
  );
  assert.match(joined['gateways.yaml'], /\n# istio-mesh: ignore=MESH406,SCHEMA003 reviewed\n/);
});

const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: sample\n';

test('MESH001: "Assign this file to cluster X" inserts the comment the message spells out, X from the folder when one matches', () => {
  // A folder named exactly after a cluster assigns the file; one that mentions it (cluster3-apps) suggests it.
  const files = { ...MESH, 'clusters/cluster3-apps/namespace.yaml': NAMESPACE, 'shared/namespace.yaml': NAMESPACE };
  const unassigned = analyzeTexts(ROOT, files).findings.filter((f) => f.code === 'MESH001');
  const inFolder = unassigned.find((f) => f.location.file.endsWith('clusters/cluster3-apps/namespace.yaml'))!;
  assert.match(inFolder.message, /"# istio-mesh: cluster=cluster3" comment at its top/);
  assert.deepEqual(
    inFolder.fixes!.map((fix) => [fix.title, fix.preferred]),
    [
      ['Assign this file to cluster cluster3', true],
      ['Assign this file to cluster cluster1', false],
      ['Assign this file to cluster cluster2', false],
      ['Assign this file to cluster cluster4', false],
    ],
  );
  const shared = unassigned.find((f) => f.location.file.endsWith('shared/namespace.yaml'))!;
  assert.match(shared.message, /"# istio-mesh: cluster=cluster1" comment/);
  assert.deepEqual(
    shared.fixes!.map((fix) => fix.title),
    ['cluster1', 'cluster2', 'cluster3', 'cluster4'].map((c) => `Assign this file to cluster ${c}`),
  );
  assert.ok(
    shared.fixes!.every((fix) => !fix.preferred),
    'no folder names a cluster: no choice is obvious',
  );
  for (const finding of [inFolder, shared]) {
    const fixed = applyFix(files, finding.fixes![0]);
    const name = finding.location.file.slice(ROOT.length + 1);
    const comment = /"(# istio-mesh: cluster=[^"]+)"/.exec(finding.message)![1];
    assert.ok(fixed[name].startsWith(`${comment}\n${NAMESPACE}`), fixed[name]);
    assert.ok(!analyzeTexts(ROOT, fixed).findings.some(sameFinding(finding)), `${name} is assigned`);
  }
});

test('MESH101 between two clusters that disagree: both values are offered, neither preferred, and either makes the mesh agree', () => {
  const files = { 'cluster1/istio.yaml': MESH['cluster1/istio.yaml'], 'cluster3/istio.yaml': MESH['cluster3/istio.yaml'] };
  const findings = analyzeTexts(ROOT, files).findings.filter((f) => f.code === 'MESH101');
  const onCluster3 = findings.find((f) => f.cluster === 'cluster3')!;
  assert.deepEqual(
    onCluster3.fixes!.map((fix) => [fix.title, fix.preferred]),
    [
      ['Change meshID to "mesh1"', false],
      ['Change meshID of cluster1 to "mesh-1"', false],
    ],
  );
  for (const fix of onCluster3.fixes!) {
    const after = analyzeTexts(ROOT, applyFix(files, fix)).findings;
    assert.deepEqual(
      after.filter((f) => f.code === 'MESH101' || /^(YAML|SCHEMA)/.test(f.code)).map((f) => f.message),
      [],
      fix.title,
    );
  }
  assert.match(applyFix(files, onCluster3.fixes![1])['cluster1/istio.yaml'], /meshID: mesh-1\n/);
});

/** A rule fixture's YAML as files under ROOT. */
function fixtureFiles(name: string): Record<string, string> {
  const folder = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'rules', name);
  return Object.fromEntries(yamlFilesUnder(folder).map((path) => [relative(folder, path), readFileSync(path, 'utf8')]));
}

/** Each finding of `code` in a fixture offers a fix; applied, the finding is gone and no syntax or schema problem appears. */
function assertFixesClear(fixture: string, code: string): Finding[] {
  const files = fixtureFiles(fixture);
  const findings = analyzeTexts(ROOT, files).findings.filter((f) => f.code === code);
  assert.ok(findings.length > 0, `${fixture} reports no ${code}`);
  for (const finding of findings) {
    assert.ok(finding.fixes?.length, `no fix for: ${finding.message}`);
    const after = analyzeTexts(ROOT, applyFix(files, finding.fixes[0])).findings;
    assert.ok(!after.some(sameFinding(finding)), `"${finding.fixes[0].title}" left: ${finding.message}`);
    assert.deepEqual(
      after.filter((f) => /^(YAML|SCHEMA)/.test(f.code)).map((f) => f.message),
      [],
      finding.fixes[0].title,
    );
  }
  return findings;
}

test('MESH303: a missing istio/multiCluster label is inserted, a wrong one set to "true"', () => {
  const findings = assertFixesClear('MESH303-no-label', 'MESH303');
  assert.deepEqual(findings.map((f) => f.fixes![0].title).sort(), ['Change istio/multiCluster to "true"', 'Label with istio/multiCluster: "true"']);
});

test('MESH307: the data key, annotation and name of a remote secret renamed to the cluster of the mesh, the kubeconfig untouched', () => {
  for (const fixture of ['MESH307-names-disagree', 'MESH307-folds-key-typo']) {
    const [finding] = assertFixesClear(fixture, 'MESH307');
    const fix = finding.fixes![0];
    assert.equal(fix.preferred, true);
    for (const edit of fix.edits) assert.ok('newText' in edit && !edit.newText.includes('\n'), `${fix.title} rewrites only a name`);
  }
});

test('IOP001: a removed value is removed with its lines; a renamed profile is changed to its new name', () => {
  const findings = assertFixesClear('IOP001-removed-values', 'IOP001');
  assert.ok(
    findings.every((f) => f.fixes![0].title.startsWith('Remove ')),
    findings.map((f) => f.fixes![0].title).join(', '),
  );
  const files = { 'remote/istio.yaml': 'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  profile: external\n' };
  const renamed = analyzeTexts(ROOT, files).findings.find((f) => f.code === 'IOP001')!;
  assert.equal(renamed.fixes![0].title, 'Change profile to remote');
  assert.equal(applyFix(files, renamed.fixes![0])['remote/istio.yaml'], files['remote/istio.yaml'].replace('external', 'remote'));
});

test('"Did you mean" of SCHEMA001 and SCHEMA003 applied: the field or value is changed to the suggestion', () => {
  const files = {
    'gateway.yaml':
      'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: web}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n    - port: {number: 443, name: https, protocol: HTTPZ}\n      hostz: ["a.example.com"]\n      tls: {mode: SIMPLE, credentialName: a}\n',
  };
  for (const code of ['SCHEMA001', 'SCHEMA003']) {
    const finding = analyzeTexts(ROOT, files).findings.find((f) => f.code === code)!;
    assert.ok(finding?.fixes, `no fix for ${code}: ${finding?.message}`);
    const after = analyzeTexts(ROOT, applyFix(files, finding.fixes[0])).findings;
    assert.ok(!after.some(sameFinding(finding)), `${finding.fixes[0].title} left ${finding.message}`);
  }
});

test('source.fixAll takes the preferred fix of each finding of the document, skipping fixes that touch a taken edit, another file or create one', () => {
  const path = `${ROOT}/namespace.yaml`;
  const file = parseYamlFile(path, NAMESPACE);
  const at = (line: number, character: number, end = character) => ({ file: path, range: { start: { line, character }, end: { line, character: end } } });
  const finding = (code: string, line: number, fix: Fix): Finding => ({ code, severity: 'warning', message: code, location: at(line, 0, 4), fixes: [fix] });
  const insert = (newText: string, preferred = true): Fix => ({ title: newText, preferred, edits: [{ location: at(4, 0), newText }] });
  const findings = [
    finding('LABEL', 3, insert('  labels: {a: b}\n')),
    finding('ANNOTATION', 3, insert('  labels: {c: d}\n')),
    finding('CHOICE', 3, insert('  annotations: {e: f}\n', false)),
    finding('ELSEWHERE', 0, { title: 'other file', preferred: true, edits: [{ location: { ...at(0, 0), file: `${ROOT}/other.yaml` }, newText: 'x' }] }),
    finding('CREATE', 0, { title: 'create', preferred: true, edits: [{ createFile: `${ROOT}/new.yaml`, content: 'x' }] }),
    finding('VERSION', 0, { title: 'apiVersion', preferred: true, edits: [{ location: at(0, 12, 14), newText: 'v1' }] }),
  ];
  const convert = { toDiagnostic: (f: Finding) => ({ range: f.location.range, message: f.message, code: f.code }), toUri: (p: string) => `file://${p}` };
  const whole = { start: { line: 0, character: 0 }, end: { line: 4, character: 0 } };
  const [fixAll, ...rest] = codeActionsFor(findings, whole, [], convert, file, ['source.fixAll']);
  assert.deepEqual(rest, []);
  assert.equal(fixAll.kind, 'source.fixAll');
  assert.deepEqual(
    fixAll.diagnostics!.map((d) => d.code),
    ['VERSION', 'LABEL'],
  );
  const change = fixAll.edit!.documentChanges![0] as { edits: { newText: string }[] };
  assert.deepEqual(
    change.edits.map((e) => e.newText),
    ['v1', '  labels: {a: b}\n'],
  );
  assert.ok(
    codeActionsFor(findings, whole, [], convert, file).every((a) => a.kind === 'quickfix'),
    'without `only`, quick fixes only',
  );
  assert.deepEqual(codeActionsFor(findings, whole, [], convert, undefined, ['source.fixAll']), [], 'not on a text newer than the one analysed');
});

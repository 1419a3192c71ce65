// Trust providers other than a committed cacerts Secret (cert-manager, istio-csr, SPIRE): how their values are
// read, the quick fixes of their findings, the hover on a Certificate/issuer, and that no key material is shown.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import { hoverFromMesh } from '../../server/src/features/meshHover';
import { type RootOfTrust, sameRoot, type TrustBundle } from '../../server/src/mesh/trust';
import type { ValuePath, YamlDocument } from '../../server/src/parse/yamlFile';
import { bundleFacts, guessTrustChart, mountedFileSource, vaultMount } from '../../server/src/resources/certManager';
import { Located, valueAt } from '../../server/src/resources/resource';
import type { Finding, TextReplacement } from '../../server/src/rules/finding';
import { analyzeFolder, yamlFilesUnder } from '../support/analyze';
import { FIXTURES } from '../support/paths';

const RULES = join(FIXTURES, 'rules');

function fixtureWorkspace(name: string): { workspace: Workspace; root: string } {
  const root = join(RULES, name);
  const workspace = new Workspace([root]);
  for (const path of yamlFilesUnder(root)) workspace.setFile(path, readFileSync(path, 'utf8'));
  return { workspace, root };
}

function findingsOf(name: string, code: string): Finding[] {
  return analyzeFolder(join(RULES, name))
    .findings.filter((f) => f.code === code)
    .sort((a, b) => a.location.file.localeCompare(b.location.file));
}

/** The text a fix's only edit writes, and the 0-based line it writes at. */
function onlyEdit(finding: Finding): TextReplacement {
  assert.equal(finding.fixes?.length, 1, `${finding.code} offers one fix`);
  const [edit] = finding.fixes![0].edits;
  assert.ok('location' in edit);
  return edit;
}

test('a Vault signing path names its PKI mount', () => {
  assert.equal(vaultMount('pki_int/sign/istio-ca'), 'pki_int');
  assert.equal(vaultMount('/v1/pki/root/sign-intermediate'), 'pki');
  assert.equal(vaultMount('teams/mesh/pki/issue/workloads'), 'teams/mesh/pki');
  assert.equal(vaultMount('pki_only'), 'pki_only');
});

test('istio-csr and SPIRE values are told apart from their keys, other values are not claimed', () => {
  assert.equal(guessTrustChart({ app: { certmanager: { issuer: { name: 'istio-ca' } } } }), 'cert-manager-istio-csr');
  assert.equal(guessTrustChart({ app: { server: { clusterID: 'cluster1' } } }), 'cert-manager-istio-csr');
  assert.equal(guessTrustChart({ global: { spire: { trustDomain: 'example.org' } } }), 'spire');
  assert.equal(guessTrustChart({ 'spire-server': { federation: { enabled: true } } }), 'spire');
  assert.equal(guessTrustChart({ app: { name: 'web' }, global: { meshID: 'mesh1' } }), undefined);
  assert.equal(guessTrustChart(['not', 'values']), undefined);
});

test('MESH606 offers the issuer kind that exists, or the near issuer name', () => {
  const [wrongName, wrongKind] = findingsOf('MESH606-issuer-not-found', 'MESH606');
  assert.equal(wrongName.fixes?.[0].title, 'Change the issuer to mesh-root-ca');
  assert.equal(onlyEdit(wrongName).newText, 'mesh-root-ca');
  assert.equal(wrongKind.fixes?.[0].title, 'Set kind: ClusterIssuer');
  const insertion = onlyEdit(wrongKind);
  assert.equal(insertion.newText, '    kind: ClusterIssuer\n');
  assert.equal(insertion.location.range.start.line, 15, 'inserted inside issuerRef, before its name');
});

test('MESH607 and MESH608 fixes write the missing istio-csr and istiod values', () => {
  const [clusterId] = findingsOf('MESH607-istio-csr-mistakes', 'MESH607');
  assert.equal(clusterId.fixes?.[0].title, 'Set clusterID to cluster1');
  assert.equal(onlyEdit(clusterId).newText, '    clusterID: cluster1\n');
  const [ownCa] = findingsOf('MESH607-istio-csr-mistakes', 'MESH608');
  assert.equal(onlyEdit(ownCa).newText, '      caAddress: "cert-manager-istio-csr.cert-manager.svc:443"\n');
});

test("MESH614 sets istio-csr's trust domain to istiod's, replacing it or writing it under app.tls", () => {
  const [written, unset] = findingsOf('MESH614-istio-csr-trust-domain-mismatch', 'MESH614');
  assert.equal(written.fixes?.[0].title, 'Set app.tls.trustDomain to mesh.example.com');
  assert.equal(onlyEdit(written).newText, 'mesh.example.com');
  assert.equal(onlyEdit(unset).newText, '  tls:\n    trustDomain: mesh.example.com\n');
});

test('MESH611 offers the mesh trust domain for SPIRE; MESH610 offers the one the other clusters use', () => {
  const [spire] = findingsOf('MESH611-spire-trust-domain-mismatch', 'MESH611');
  assert.equal(onlyEdit(spire).newText, 'mesh.example.org');
  const [domains] = findingsOf('MESH610-trust-domains-differ', 'MESH610');
  assert.equal(onlyEdit(domains).newText, 'cluster2.example.com');
  assert.notEqual(domains.fixes?.[0].preferred, true, 'changing a trust domain is one choice among two (aliases), not the obvious one');
});

test('committed key material is reported by where it is, never by what it is', () => {
  const cases: { fixture: string; file: string; secret: string }[] = [
    { fixture: 'MESH601-cert-manager-roots-differ', file: 'cluster2/root-ca-issuer.yaml', secret: 'tls.key' },
    { fixture: 'MESH601-cert-manager-vault-mounts-differ', file: 'cluster2/vault-issuer.yaml', secret: 'token' },
  ];
  for (const { fixture, file, secret } of cases) {
    const text = readFileSync(join(RULES, fixture, file), 'utf8');
    const written = text
      .slice(text.indexOf(`${secret}:`) + secret.length + 1)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && l !== '|');
    const value = secret === 'token' ? written[0] : written.slice(1, 3).join('');
    const all = analyzeFolder(join(RULES, fixture)).findings;
    const [notice] = all.filter((f) => f.code === 'MESH612');
    assert.ok(notice, `${fixture}: MESH612 reported`);
    assert.equal(notice.severity, 'information');
    const shown = all.flatMap((f) => [f.message, ...(f.related ?? []).map((r) => r.message)]).join('\n');
    for (let i = 0; i + 8 <= value.length; i += 4) assert.ok(!shown.includes(value.slice(i, i + 8)), `${fixture}: no fragment of the ${secret} value is shown`);
    assert.ok(!/PRIVATE KEY|hvs\./.test(shown));
  }
});

test('hovering a Certificate or issuer shows which clusters share its root, without key material', () => {
  const { workspace, root } = fixtureWorkspace('MESH601-clean-cert-manager-ca-issuer');
  const { meshes } = new Analyzer().analyze(workspace, { roots: [root], clusters: [] });
  const certificate = workspace.getFile(join(root, 'cluster1', 'istio-ca-certificate.yaml'))!;
  const onCertificate = hoverFromMesh(certificate, certificate.yaml.text.indexOf('secretName'), meshes) ?? '';
  assert.match(onCertificate, /\*\*Root of trust\*\*: "CN=Istio Mesh Test Root A, O=Istio Mesh fixtures" \(SHA-256 A5:E2:A0:3E/);
  assert.match(onCertificate, /Used by: cluster1\n\nShares this root with: cluster2/);
  const issuer = workspace.getFile(join(root, 'shared', 'root-ca-issuer.yaml'))!;
  const onIssuer = hoverFromMesh(issuer, issuer.yaml.text.indexOf('mesh-root-ca'), meshes) ?? '';
  assert.match(onIssuer, /^Belongs to clusters \*\*cluster1, cluster2\*\*/);
  assert.match(onIssuer, /Used by: cluster1, cluster2/);
  assert.ok(!/BEGIN|PRIVATE/.test(onCertificate + onIssuer));

  const differ = fixtureWorkspace('MESH601-cert-manager-vault-mounts-differ');
  const result = new Analyzer().analyze(differ.workspace, { roots: [differ.root], clusters: [] });
  const vaultIssuer = differ.workspace.getFile(join(differ.root, 'cluster1', 'vault-issuer.yaml'))!;
  const onVault = hoverFromMesh(vaultIssuer, vaultIssuer.yaml.text.indexOf('pki_istio'), result.meshes) ?? '';
  assert.match(onVault, /Vault PKI mount `pki_istio` at https:\/\/vault.example.com:8200/);
  assert.match(onVault, /Different root in: cluster2/);
});

test('a cacerts Secret still takes part in MESH601 beside other providers: one root compared by fingerprint', () => {
  const root = '/virtual/mixed';
  const caSecret = readFileSync(join(RULES, 'MESH601-clean-cert-manager-ca-issuer', 'shared', 'root-ca-issuer.yaml'), 'utf8').replace(
    '# istio-mesh: cluster=cluster1,cluster2\n',
    '',
  );
  const cacerts = readFileSync(join(RULES, 'MESH601-roots-differ', 'cluster2', 'cacerts.yaml'), 'utf8');
  const iop = (cluster: string) =>
    `apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      meshID: mesh1\n      multiCluster:\n        clusterName: ${cluster}\n      network: network1\n`;
  const certificate = readFileSync(join(RULES, 'MESH601-clean-cert-manager-ca-issuer', 'cluster1', 'istio-ca-certificate.yaml'), 'utf8');
  const workspace = new Workspace([root]);
  const files: Record<string, string> = {
    'cluster1/istio-cluster1.yaml': iop('cluster1'),
    'cluster1/istio-ca-certificate.yaml': certificate,
    'cluster1/root-ca-issuer.yaml': caSecret,
    'cluster2/istio-cluster2.yaml': iop('cluster2'),
    'cluster2/cacerts.yaml': cacerts,
  };
  for (const [name, text] of Object.entries(files)) workspace.setFile(join(root, name), text);
  const { findings } = new Analyzer().analyze(workspace, { roots: [root], clusters: [] });
  const differ = [...findings.values()]
    .flat()
    .filter((f) => f.code === 'MESH601')
    .map((f) => f.cluster)
    .sort();
  // cluster2's cacerts chains to Root B, cluster1's CA issuer holds Root A.
  assert.deepEqual(differ, ['cluster1', 'cluster2']);
});

test('trust objects of the wrong shape are read without throwing, as if unset', () => {
  const iop = (cluster: string) =>
    `apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig: [not, a, map]\n  values:\n    global:\n      meshID: mesh1\n      caAddress: [list]\n      multiCluster:\n        clusterName: ${cluster}\n    sidecarInjectorWebhook:\n      templates:\n        spire: "{}"\n`;
  const files: Record<string, string> = {
    'cluster1/istio.yaml': iop('cluster1'),
    'cluster1/certificate.yaml':
      'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: istio-ca\n  namespace: istio-system\nspec:\n  secretName: cacerts\n  issuerRef: just-a-string\n',
    'cluster1/issuer.yaml': 'apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: broken\nspec:\n  vault: [server, path]\n  ca: 42\n',
    'cluster1/spire-values.yaml': 'global:\n  spire: {trustDomain: [x]}\nspire-server:\n  upstreamAuthority: yes\n  federation: {enabled: "maybe"}\n',
    'cluster2/istio.yaml': iop('cluster2'),
    'cluster2/istio-csr-values.yaml':
      'app:\n  certmanager: {issuer: 7}\n  server: {clusterID: {nested: true}}\n  tls: {rootCAFile: [x]}\nvolumeMounts: 5\nvolumes: {root-ca: true}\n',
    'cluster2/bundle.yaml':
      'apiVersion: trust.cert-manager.io/v1alpha1\nkind: Bundle\nmetadata:\n  name: roots\nspec:\n  sources: [{inLine: 7}, {secret: x}, {configMap: {name: [y]}}]\n  target: {configMap: {key: [1]}, namespaceSelector: {matchLabels: [a]}}\n',
  };
  const root = '/virtual/malformed';
  const workspace = new Workspace([root]);
  for (const [name, text] of Object.entries(files)) workspace.setFile(join(root, name), text);
  const { findings } = new Analyzer(undefined, (message) => {
    throw new Error(message);
  }).analyze(workspace, { roots: [root], clusters: [] });
  const trustCodes = [...findings.values()]
    .flat()
    .map((f) => f.code)
    .filter((code) => /^MESH6(0[5-9]|1\d)$/.test(code));
  // A value of the wrong type counts as unset, so the chart defaults apply: istio-csr's clusterID "Kubernetes"
  // (MESH607), no caAddress beside istio-csr (MESH608), SPIRE's "example.org" against "cluster.local" (MESH611).
  assert.deepEqual(trustCodes.sort(), ['MESH607', 'MESH608', 'MESH611']);
});

/** A values reader over a plain object; its locations are never resolved here. */
function valuesOf(values: unknown) {
  const doc = {} as YamlDocument;
  return { get: (path: ValuePath) => valueAt(values, path), located: <T>(path: ValuePath, value: T) => new Located(value, doc, path) };
}

test("istio-csr's rootCAFile is traced through volumeMounts and volumes to a Secret or ConfigMap key", () => {
  const mounted = (volume: unknown, mount: Record<string, unknown> = { name: 'root-ca', mountPath: '/var/run/secrets/istio-csr/' }) =>
    mountedFileSource(
      valuesOf({ volumeMounts: [mount], volumes: ['not-a-map', { name: 'root-ca', ...(volume as object) }] }),
      '/var/run/secrets/istio-csr/ca.pem',
    );
  const secret = mounted({ secret: { secretName: 'istio-root-ca' } });
  assert.deepEqual([secret?.kind, secret?.name.value, secret?.key], ['Secret', 'istio-root-ca', 'ca.pem']);
  const remapped = mounted({ configMap: { name: 'mesh-roots', items: [{ key: 'root-certs.pem', path: 'ca.pem' }] } });
  assert.deepEqual([remapped?.kind, remapped?.name.value, remapped?.key], ['ConfigMap', 'mesh-roots', 'root-certs.pem']);
  assert.equal(mounted({ configMap: { name: 'mesh-roots', items: [{ key: 'other', path: 'other.pem' }] } }), undefined, 'items that do not project the file');
  const subPath = mounted({ secret: { secretName: 'roots' } }, { name: 'root-ca', mountPath: '/var/run/secrets/istio-csr/ca.pem', subPath: 'bundle.pem' });
  assert.equal(subPath?.key, 'bundle.pem');
  assert.equal(mounted({ emptyDir: {} }), undefined, 'a volume that is no Secret or ConfigMap');
  assert.equal(mountedFileSource(valuesOf({ volumeMounts: 'oops', volumes: { name: 1 } }), '/etc/ca.pem'), undefined);
});

test('a trust-manager Bundle is read for its sources, targets and namespace selector, whatever its shape', () => {
  const resource = (spec: unknown) => {
    const { workspace, root } = { workspace: new Workspace(['/virtual/bundle']), root: '/virtual/bundle' };
    const text = `apiVersion: trust.cert-manager.io/v1alpha1\nkind: Bundle\nmetadata:\n  name: mesh-roots\nspec: ${JSON.stringify(spec)}\n`;
    workspace.setFile(join(root, 'bundle.yaml'), text);
    return workspace.getFile(join(root, 'bundle.yaml'))!.resources[0];
  };
  const facts = bundleFacts(
    resource({
      sources: [{ inLine: 'PEM' }, { useDefaultCAs: true }, { secret: { name: 'root-b', key: 'ca.crt' } }, { configMap: { name: 'roots' } }, 'junk'],
      target: { configMap: { key: 'ca.pem' }, namespaceSelector: { matchLabels: { trust: 'mesh' } } },
    }),
  );
  assert.deepEqual(
    facts.sources.map((s) => s.type),
    ['inLine', 'useDefaultCAs', 'Secret', 'ConfigMap'],
  );
  assert.deepEqual(
    facts.targets.map((t) => `${t.kind}:${t.key.value}`),
    ['ConfigMap:ca.pem'],
  );
  assert.deepEqual(facts.namespaceLabels, { trust: 'mesh' });
  const broken = bundleFacts(resource({ sources: 'all', target: ['configMap'] }));
  assert.deepEqual([broken.sources, broken.targets, broken.namespaceLabels], [[], [], undefined]);
});

test('roots that differ are one trust when each trust bundle holds the other root, and unjudged when a bundle is incomplete', () => {
  const at = new Located('x', {} as YamlDocument, []);
  const bundle = (fingerprints: string[], complete = true): TrustBundle => ({ fingerprints, description: 'bundle', complete, at });
  const root = (fingerprint: string, trusts?: TrustBundle): RootOfTrust => ({
    kind: 'certificates',
    fingerprints: [fingerprint],
    description: fingerprint,
    at,
    trusts,
  });
  assert.equal(sameRoot(root('A'), root('B')), false, 'no bundles: different roots differ, as before');
  assert.equal(sameRoot(root('A', bundle(['A', 'B'])), root('B', bundle(['B', 'A']))), true, 'federated');
  assert.equal(sameRoot(root('A', bundle(['A', 'B'])), root('B')), false, 'cluster2 trusts only its own root');
  assert.equal(sameRoot(root('A', bundle(['A'], false)), root('B', bundle(['B', 'A']))), undefined, 'a bundle with a part outside the workspace');
  assert.equal(sameRoot(root('A', bundle(['A'])), root('A', bundle(['A']))), true);
  const vault: RootOfTrust = { kind: 'vault', key: 'v|pki', description: 'vault', at };
  assert.equal(sameRoot(vault, root('A', bundle(['A']))), undefined, 'a Vault root is not compared with PEMs');
});

test('hovering a Bundle names it as part of the trust of the clusters it federates, without key material', () => {
  const { workspace, root } = fixtureWorkspace('MESH601-clean-trust-manager-federated-roots');
  const { meshes } = new Analyzer().analyze(workspace, { roots: [root], clusters: [] });
  const bundle = workspace.getFile(join(root, 'cluster1', 'mesh-roots-bundle.yaml'))!;
  const onBundle = hoverFromMesh(bundle, bundle.yaml.text.indexOf('mesh-roots'), meshes) ?? '';
  assert.match(onBundle, /\*\*Root of trust\*\*: "CN=Istio Mesh Test Root A, O=Istio Mesh fixtures"/);
  assert.match(onBundle, /Used by: cluster1/);
  assert.match(
    onBundle,
    /\*\*Trust bundle\*\* \(trust-manager Bundle mesh-roots\): "CN=Istio Mesh Test Root A[^"]*" \([^)]*\), "CN=Istio Mesh Test Root B[^"]*" \([^)]*\) from trust-manager Bundle mesh-roots/,
  );
  assert.match(onBundle, /Federated \(each trusts the other's root\) with: cluster2/);
  const issuer = workspace.getFile(join(root, 'cluster2', 'istio-ca-issuer.yaml'))!;
  const onIssuer = hoverFromMesh(issuer, issuer.yaml.text.indexOf('istio-ca'), meshes) ?? '';
  assert.match(onIssuer, /\*\*Trust bundle\*\* \(app.tls.rootCAFile\): .* from Secret istio-root-ca key ca.pem/);
  assert.ok(!/BEGIN|PRIVATE/.test(onBundle + onIssuer));
});

test('a Bundle whose sources are not in the workspace says so, and its gaps are not judged', () => {
  const source = join(RULES, 'MESH601-trust-manager-bundle-lacks-root');
  const root = '/virtual/bundle-sources-elsewhere';
  const workspace = new Workspace([root]);
  for (const path of yamlFilesUnder(source)) {
    const text = readFileSync(path, 'utf8');
    // cluster1's Bundle also takes cluster2's root from a Secret that is kept outside the repository.
    const edited = path.endsWith('mesh-roots-bundle.yaml')
      ? text.replace('  target:\n', '    - secret:\n        name: partner-root\n        key: ca.crt\n  target:\n')
      : text;
    workspace.setFile(join(root, path.slice(source.length + 1)), edited);
  }
  const { findings, meshes } = new Analyzer().analyze(workspace, { roots: [root], clusters: [] });
  assert.deepEqual(
    [...findings.values()].flat().filter((f) => f.code === 'MESH601'),
    [],
    'cluster2 trusts cluster1; what cluster1 trusts besides is not known',
  );
  const trusts = meshes[0].clusters.get('cluster1')!.trustProviders[0].root.trusts;
  assert.equal(trusts?.complete, false);
  assert.match(trusts?.description ?? '', /Secret partner-root key ca\.crt \(not in the workspace\)/);
});

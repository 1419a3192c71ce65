// Remote secrets and cacerts carry credentials and CA keys. This plants distinctive secrets in secrets that
// have every kind of mistake the rules report, and asserts that none of them reaches a finding, its related
// information, or the CLI's text and JSON output.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { formatGithub, formatJson, formatSarif, formatText } from '../../server/src/cli/checkOutput';
import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import type { Finding } from '../../server/src/rules/finding';
import { FIXTURES } from '../support/paths';
import { controlPlaneText } from '../support/texts';

const ROOT = '/planted';
const TOKEN = 'SECRET-TOKEN-xyz';
const CLIENT_KEY = 'SECRET-CLIENT-KEY-data-8f2c';
const CLIENT_CERT = 'SECRET-CLIENT-CERT-data-77aa';
const PASSWORD = 'SECRET-PASSWORD-hunter2';
const SERVER = 'https://secret-apiserver-4411.example.invalid:6443';

const pem = (name: string) => readFileSync(join(FIXTURES, 'certs', `${name}.pem`), 'utf8');
const indent = (text: string, spaces: number) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => ' '.repeat(spaces) + l)
    .join('\n');

const controlPlane = controlPlaneText;

/** A remote secret whose kubeconfig carries every planted credential; `broken` removes its current-context. */
function remoteSecret(options: { name: string; key: string; annotation: string; namespace?: string; labelled?: boolean; broken?: boolean }): string {
  const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: ${options.key}
  cluster:
    server: ${SERVER}
    certificate-authority-data: ${Buffer.from(CLIENT_CERT).toString('base64')}
contexts:
- name: ${options.key}
  context:
    cluster: ${options.broken ? 'elsewhere' : options.key}
    user: ${options.key}
${options.broken ? '' : `current-context: ${options.key}\n`}users:
- name: ${options.key}
  user:
    token: ${TOKEN}
    client-certificate-data: ${CLIENT_CERT}
    client-key-data: ${CLIENT_KEY}
    password: ${PASSWORD}
`;
  return `apiVersion: v1
kind: Secret
metadata:
  name: ${options.name}
  namespace: ${options.namespace ?? 'istio-system'}
  annotations:
    networking.istio.io/cluster: ${options.annotation}
${options.labelled === false ? '' : '  labels:\n    istio/multiCluster: "true"\n'}stringData:
  ${options.key}: |
${indent(kubeconfig, 4)}
`;
}

function cacerts(values: Record<string, string>, encoding: 'data' | 'stringData'): string {
  const body = Object.entries(values).map(([key, text]) =>
    encoding === 'data' ? `  ${key}: ${Buffer.from(text).toString('base64')}` : `  ${key}: |\n${indent(text, 4)}`,
  );
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\n${encoding}:\n${body.join('\n')}\n`;
}

const FILES: Record<string, string> = {
  'cluster1/istio.yaml': controlPlane('cluster1'),
  'cluster2/istio.yaml': controlPlane('cluster2'),
  'cluster3/istio.yaml': controlPlane('cluster3'),
  // Unlabelled, wrong namespace, unknown cluster, name/annotation disagreeing, invalid kubeconfig.
  'cluster1/remote-secret.yaml': remoteSecret({
    name: 'istio-remote-secret-cluster-2',
    key: 'cluster2',
    annotation: 'c2',
    namespace: 'default',
    labelled: false,
    broken: true,
  }),
  'cluster1/remote-secret-unknown.yaml': remoteSecret({ name: 'istio-remote-secret-remote', key: 'remote', annotation: 'remote' }),
  // A cluster holding its own secret.
  'cluster2/remote-secret.yaml': remoteSecret({ name: 'istio-remote-secret-cluster2', key: 'cluster2', annotation: 'cluster2' }),
  // A key that does not match its certificate, a certificate signed by another root.
  'cluster1/cacerts.yaml': cacerts(
    {
      'ca-cert.pem': pem('ca-a1-cert'),
      'ca-key.pem': pem('stray-key'),
      'root-cert.pem': pem('root-b-cert'),
      'cert-chain.pem': pem('ca-a1-cert') + pem('root-a-cert'),
    },
    'stringData',
  ),
  // An expired CA, base64-encoded as kubectl writes it; its root differs from cluster1's.
  'cluster2/cacerts.yaml': cacerts(
    {
      'ca-cert.pem': pem('ca-expired-cert'),
      'ca-key.pem': pem('ca-expired-key'),
      'root-cert.pem': pem('root-a-cert'),
      'cert-chain.pem': pem('ca-expired-cert') + pem('root-a-cert'),
    },
    'data',
  ),
};

/** Every planted credential, and long runs of every PEM body and its base64 form (a certificate or key body must never show). */
function forbiddenStrings(): string[] {
  const planted = [TOKEN, CLIENT_KEY, CLIENT_CERT, PASSWORD, SERVER, 'secret-apiserver-4411', Buffer.from(CLIENT_CERT).toString('base64')];
  const pemNames = ['ca-a1-cert', 'stray-key', 'root-b-cert', 'root-a-cert', 'ca-expired-cert', 'ca-expired-key'];
  const bodyChunks = pemNames.flatMap((name) => {
    const text = pem(name);
    const body = text.split('\n').filter((line) => line && !line.startsWith('-----'));
    const encoded = Buffer.from(text).toString('base64');
    return [...body.filter((line) => line.length >= 16), ...(encoded.match(/.{1,32}/g) ?? []).filter((c) => c.length === 32)];
  });
  return [...planted, ...bodyChunks];
}

function analyze(): Finding[] {
  const workspace = new Workspace([ROOT]);
  for (const [name, text] of Object.entries(FILES)) workspace.setFile(join(ROOT, name), text);
  const result = new Analyzer(undefined, (message) => {
    throw new Error(message);
  }).analyze(workspace, { roots: [ROOT], clusters: [], now: new Date('2026-01-01T00:00:00Z') });
  return [...result.findings.values()].flat();
}

test('the planted secrets produce the findings they should', () => {
  const codes = new Set(analyze().map((f) => f.code));
  for (const code of ['MESH301', 'MESH302', 'MESH303', 'MESH304', 'MESH305', 'MESH306', 'MESH307', 'MESH601', 'MESH602', 'MESH603', 'MESH604']) {
    assert.ok(codes.has(code), `expected a ${code} finding; got ${[...codes].sort().join(', ')}`);
  }
});

test('no credential, key or certificate body appears in findings or CLI output', () => {
  const input = Object.values(FILES).join('\n');
  for (const planted of [TOKEN, CLIENT_KEY, CLIENT_CERT, PASSWORD, SERVER]) assert.ok(input.includes(planted), `the input carries ${planted}`);
  const findings = analyze();
  assert.ok(findings.length > 10, 'the planted mistakes are reported');
  const outputs = {
    'findings (as data)': JSON.stringify(findings),
    'text output': formatText(findings, ROOT, true),
    'JSON output': formatJson(findings, ROOT),
    'SARIF output': formatSarif(findings, ROOT),
    'GitHub annotations': formatGithub(findings, ROOT),
  };
  for (const [where, output] of Object.entries(outputs)) {
    for (const secret of forbiddenStrings()) assert.ok(!output.includes(secret), `${where} contains secret material: ${secret.slice(0, 12)}…`);
  }
});

test('secret material is not kept on the mesh model', () => {
  const workspace = new Workspace([ROOT]);
  for (const [name, text] of Object.entries(FILES)) workspace.setFile(join(ROOT, name), text);
  const { meshes } = new Analyzer().analyze(workspace, { roots: [ROOT], clusters: [] });
  // The views' own facts: the Resource and the document behind each located value are the file itself.
  const factsOnly = (key: string, value: unknown) => (key === 'resource' || key === 'doc' ? undefined : value);
  const views = meshes.flatMap((mesh) => [...mesh.remoteSecrets, ...[...mesh.clusters.values()].flatMap((c) => (c.cacerts ? [c.cacerts] : []))]);
  const serialised = JSON.stringify(views, factsOnly);
  assert.ok(serialised.includes('cluster2'), 'the facts were collected');
  for (const secret of forbiddenStrings()) assert.ok(!serialised.includes(secret), `model facts contain secret material: ${secret.slice(0, 12)}…`);
});

// The typed views of remote secrets and cacerts: the facts they compute, and that odd shapes never throw.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { readCaCerts } from '../../server/src/resources/cacerts';
import { kubeconfigProblems, readRemoteSecret, remoteSecretClusters } from '../../server/src/resources/remoteSecret';
import { isPlaceholder, type Resource } from '../../server/src/resources/resource';
import { readWorkspaceFile } from '../../server/src/resources/workspaceFile';
import { analyzeTexts } from '../support/analyze';
import { FIXTURES } from '../support/paths';

const pem = (name: string) => readFileSync(join(FIXTURES, 'certs', `${name}.pem`), 'utf8');

function secretOf(text: string): Resource {
  const [resource] = readWorkspaceFile('/views/secret.yaml', text).resources;
  assert.ok(resource, 'the text is a recognised Secret');
  return resource;
}

function cacertsYaml(values: Record<string, string>): string {
  const body = Object.entries(values).map(([key, text]) => `  ${key}: ${Buffer.from(text).toString('base64')}`);
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\ndata:\n${body.join('\n')}\n`;
}

test('cacerts facts: fingerprints, subjects and validity come from the PEMs', () => {
  const resource = secretOf(
    cacertsYaml({
      'ca-cert.pem': pem('ca-a1-cert'),
      'ca-key.pem': pem('ca-a1-key'),
      'root-cert.pem': pem('root-a-cert'),
      'cert-chain.pem': pem('ca-a1-cert') + pem('root-a-cert'),
    }),
  );
  const facts = readCaCerts(resource, ['cluster1'])!;
  const root = new X509Certificate(pem('root-a-cert'));
  assert.equal(facts.rootCert?.certificates[0].fingerprint, root.fingerprint256);
  // The fingerprint is the SHA-256 of the DER certificate, as `openssl x509 -fingerprint -sha256` prints it.
  assert.equal(root.fingerprint256.replace(/:/g, '').toLowerCase(), createHash('sha256').update(root.raw).digest('hex'));
  assert.match(facts.caCert!.certificates[0].subject, /CN=Istio Mesh Test Intermediate A1/);
  assert.equal(facts.caCert!.certificates[0].notAfter.toISOString(), '2124-01-01T00:00:00.000Z');
  assert.equal(facts.caCert!.certificates[0].isCA, true);
  assert.equal(facts.caSignedByRoot, true);
  assert.equal(facts.keyMatchesCert, true);
  assert.equal(facts.chainProblem, undefined);
  assert.deepEqual(facts.missingKeys, []);
});

test('cacerts facts: a foreign key, a foreign root and a placeholder', () => {
  const mismatched = readCaCerts(
    secretOf(cacertsYaml({ 'ca-cert.pem': pem('ca-b-cert'), 'ca-key.pem': pem('ca-a1-key'), 'root-cert.pem': pem('root-a-cert') })),
    [],
  )!;
  assert.equal(mismatched.keyMatchesCert, false);
  assert.equal(mismatched.caSignedByRoot, false);
  const templated = readCaCerts(
    secretOf(
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\nstringData:\n  ca-cert.pem: ${CA_CERT}\n  ca-key.pem: ${CA_KEY}\n  root-cert.pem: ${ROOT_CERT}\n',
    ),
    [],
  )!;
  assert.equal(templated.rootCert?.placeholder, true);
  assert.equal(templated.rootCert?.problem, undefined);
  assert.equal(templated.caSignedByRoot, undefined);
});

test('remote secret facts: identities and kubeconfig problems', () => {
  const resource = secretOf(`apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-cluster2
  labels: {istio/multiCluster: "true"}
stringData:
  cluster2: |
    clusters: [{name: c2, cluster: {server: https://example.invalid}}]
    contexts: [{name: c2, context: {cluster: c2, user: u}}]
    users: [{name: u, user: {token: t}}]
`);
  const secret = readRemoteSecret(resource, { clusters: ['cluster1'], reason: 'folder' })!;
  assert.deepEqual(remoteSecretClusters(secret), ['cluster2']);
  assert.deepEqual(secret.holders, ['cluster1']);
  assert.deepEqual(kubeconfigProblems(secret.entries[0].kubeconfig), ['it has no current-context']);
  // Named after its own cluster by file name only: that does not make cluster2 its holder.
  assert.deepEqual(readRemoteSecret(resource, { clusters: ['cluster2'], reason: 'file-name' })!.holders, []);
});

test('secrets of odd shapes are read without throwing', () => {
  const shapes = [
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\ndata: [a, b]\n',
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\ndata:\n  ca-cert.pem: 42\n  root-cert.pem: {a: 1}\n  ca-key.pem: "!!not base64!!"\n',
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\nstringData:\n  ca-cert.pem: "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----"\n  ca-key.pem: "-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----"\n',
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: istio-remote-secret-x\n  labels: "istio/multiCluster"\n  annotations: [networking.istio.io/cluster]\nstringData:\n  x: "[not, a, mapping]"\n',
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: istio-remote-secret-y\nstringData:\n  y: |\n    clusters: cluster\n    contexts: [1, 2, {name: {a: b}}]\n    users: {u: 1}\n    current-context: [a]\n',
  ];
  const files = Object.fromEntries(shapes.map((text, index) => [`cluster${index}/secret.yaml`, text]));
  // analyzeTexts makes a failing rule throw, so this also proves that no rule failed on these shapes.
  const { findings } = analyzeTexts('/odd', files);
  assert.ok(
    findings.some((f) => f.code === 'MESH602'),
    'unreadable cacerts values are reported',
  );
  assert.ok(
    findings.some((f) => f.code === 'MESH305'),
    'unusable kubeconfigs are reported',
  );
});

test('placeholders are told from values, including long values with no placeholder character', () => {
  const placeholders = ['${DISCOVERY_ADDRESS}', 'https://${HOST}:15012', '$CTX_CLUSTER1', '{{ .Values.meshID }}', '<your-mesh-id>', '{cluster_name}'];
  const values = [
    'mesh1',
    'istiod.istio-system.svc:15012',
    'a<b>c',
    '$lowercase',
    '${1}:${2}',
    '__param_$1',
    `${'QUJD'.repeat(2000)}`,
    '<unclosed',
    'x'.repeat(4000) + '{',
  ];
  for (const value of placeholders) assert.equal(isPlaceholder(value), true, value);
  for (const value of values) assert.equal(isPlaceholder(value), false, value.slice(0, 40));
});

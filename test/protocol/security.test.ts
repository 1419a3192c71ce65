// Credentials planted in remote secrets, kubeconfigs and cacerts must appear nowhere the product prints:
// diagnostics, hovers, completions, code actions, the server's log and stderr, and the CLI's text and JSON.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';

import { type Diagnostic, fileUri, LspTestClient } from '../support/lspClient';
import { CLI_BUNDLE } from '../support/paths';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Each planted value is distinctive, so finding it (or its base64) anywhere is a leak. */
const PLANTED = {
  token: 'tok-PLANTED-Zq81Lm4Vx7Rw2Ne9Ub3Kc6',
  bearer: 'eyJhbGciOiJSUzI1NiJ9.PLANTED-Jw7Hs2Qp9Xv4.sig-Mn5Tb8',
  password: 'pw-PLANTED-Gf3Dk8Ys1Ah6',
  clientKeyData: b64('-----BEGIN RSA PRIVATE KEY-----\nPLANTEDclientKeyBody0123456789abcdefghijklmnop\n-----END RSA PRIVATE KEY-----\n'),
  clientCertData: b64('-----BEGIN CERTIFICATE-----\nPLANTEDclientCertBody0123456789abcdefghijklmno\n-----END CERTIFICATE-----\n'),
  caData: b64('-----BEGIN CERTIFICATE-----\nPLANTEDclusterCaBody0123456789abcdefghijklmnopq\n-----END CERTIFICATE-----\n'),
  execArg: '--token-secret=PLANTED-exec-Rt4Yu7Io0P',
  execEnv: 'env-PLANTED-Wq2Er5Ty8U',
  authProvider: 'refresh-PLANTED-Hj6Kl9Zx3C',
  caKeyLine: 'PLANTEDcaKeyPemLine0123456789ABCDEFGHIJKLMNOPQRSTUV',
  rootCertLine: 'PLANTEDrootCertPemLine0123456789ABCDEFGHIJKLMNOPQRS',
  tlsKeyLine: 'PLANTEDtlsKeyLine0123456789abcdefghijklmnopqrstuvw',
};

function kubeconfig(cluster: string, server: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${cluster}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${PLANTED.caData}`,
    'contexts:',
    `- name: ${cluster}`,
    `  context: {cluster: ${cluster}, user: ${cluster}}`,
    `current-context: ${cluster}`,
    'users:',
    `- name: ${cluster}`,
    '  user:',
    `    token: ${PLANTED.token}`,
    `    client-key-data: ${PLANTED.clientKeyData}`,
    `    client-certificate-data: ${PLANTED.clientCertData}`,
    `    password: ${PLANTED.password}`,
    '    exec:',
    '      command: get-credentials',
    `      args: ["${PLANTED.execArg}"]`,
    `      env: [{name: SECRET, value: ${PLANTED.execEnv}}]`,
    `    auth-provider: {name: oidc, config: {refresh-token: ${PLANTED.authProvider}, id-token: ${PLANTED.bearer}}}`,
  ].join('\n');
}

const indent = (text: string, spaces: number) =>
  text
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');
const pem = (kind: string, line: string) => `-----BEGIN ${kind}-----\n${line}\n-----END ${kind}-----\n`;

const FILES: Record<string, string> = {
  'cluster1/control-plane.yaml':
    'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: control-plane\nspec:\n  values:\n    global:\n      meshID: mesh1\n      multiCluster:\n        clusterName: cluster1\n      network: network1\n',
  'cluster2/control-plane.yaml':
    'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: remote\nspec:\n  profile: remote\n  values:\n    global:\n      meshID: mesh2\n      multiCluster:\n        clusterName: cluster2\n      network: network2\n      remotePilotAddress: 10.0.0.1\n',
  // stringData kubeconfig whose key does not match the cluster it points at: findings are about it.
  'cluster1/remote-secret-string.yaml': [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: istio-remote-secret-cluster2',
    '  namespace: istio-system',
    '  labels: {istio/multiCluster: "true"}',
    '  annotations: {networking.istio.io/cluster: cluster2}',
    'stringData:',
    '  cluster3: |',
    indent(kubeconfig('cluster3', 'https://cluster3.invalid:6443'), 4),
    '',
  ].join('\n'),
  // base64 data, in the namespace istiod does not read.
  'cluster1/remote-secret-data.yaml': [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: istio-remote-secret-cluster2',
    '  namespace: default',
    '  labels: {istio/multiCluster: "true"}',
    'data:',
    `  cluster2: ${b64(kubeconfig('cluster2', 'https://cluster2.invalid:6443'))}`,
    '',
  ].join('\n'),
  // A half-typed secret: a syntax error right next to credentials.
  'cluster1/remote-secret-broken.yaml': [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: istio-remote-secret-broken',
    '  labels: {istio/multiCluster: "true"}',
    'stringData:',
    `  broken: {token: ${PLANTED.token}, password: "${PLANTED.password}`,
    '',
  ].join('\n'),
  'cluster1/cacerts.yaml': [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: cacerts',
    '  namespace: istio-system',
    'data:',
    `  ca-key.pem: ${b64(pem('RSA PRIVATE KEY', PLANTED.caKeyLine))}`,
    `  root-cert.pem: ${b64(pem('CERTIFICATE', PLANTED.rootCertLine))}`,
    'stringData:',
    '  tls.key: |',
    indent(pem('PRIVATE KEY', PLANTED.tlsKeyLine), 4),
    '',
  ].join('\n'),
  'cluster1/kubeconfig.yaml': kubeconfig('cluster1', 'https://cluster1.invalid:6443') + '\n',
};

/** Every planted value, and the base64 forms a leak could take. */
const NEEDLES = [...Object.values(PLANTED), ...Object.values(PLANTED).map(b64), 'PLANTED'];

/** Where something was printed as `<redacted>`: the redaction at work (reported, not asserted). */
const redactedIn = new Map<string, number>();

function leaks(where: string, output: string): string[] {
  const redactions = output.split('<redacted>').length - 1;
  const kind = where.split(' in ')[0];
  if (redactions > 0) redactedIn.set(kind, (redactedIn.get(kind) ?? 0) + redactions);
  return NEEDLES.filter((needle) => output.includes(needle)).map((needle) => `${where} contains ${needle}`);
}

test('planted credentials appear in no diagnostic, hover, completion, code action, log line or CLI output', { timeout: 240_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-secrets-'));
  for (const [name, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  const found: string[] = [];
  const client = await LspTestClient.start([root], { initializationOptions: { schemaCompletionAndHover: true } });
  try {
    const secretFiles = Object.keys(FILES)
      .filter((name) => !name.endsWith('control-plane.yaml'))
      .map((name) => join(root, name));
    for (const path of secretFiles) client.open(path, readFileSync(path, 'utf8'));
    for (const path of secretFiles) await client.waitForDiagnostics(path, () => client.diagnosticsVersions.get(fileUri(path)) === 1, 60_000);
    const diagnostics = [...client.diagnostics.entries()];
    assert.ok(
      diagnostics.some(([, list]) => list.length > 0),
      'the planted files produce findings to look into',
    );
    found.push(...leaks('diagnostics', JSON.stringify(diagnostics)));

    let hovers = 0;
    for (const path of secretFiles) {
      const textDocument = { uri: fileUri(path) };
      const lines = readFileSync(path, 'utf8').split('\n');
      for (const [line, content] of lines.entries()) {
        const positions = Array.from({ length: content.length + 1 }, (_, character) => ({ line, character }));
        const answers = await Promise.all(
          positions.map((position) => client.request('textDocument/hover', { textDocument, position }).catch((e) => String(e))),
        );
        hovers += answers.length;
        found.push(...leaks(`hover in ${path}:${line + 1}`, JSON.stringify(answers)));
        const samples = [0, Math.floor(content.length / 2), content.length].map((character) => ({ line, character }));
        const completions = await Promise.all(
          samples.map((position) => client.request('textDocument/completion', { textDocument, position }).catch((e) => String(e))),
        );
        found.push(...leaks(`completion in ${path}:${line + 1}`, JSON.stringify(completions)));
      }
      const fileDiagnostics: Diagnostic[] = client.diagnostics.get(fileUri(path)) ?? [];
      for (const diagnostic of fileDiagnostics) {
        const actions = await client
          .request('textDocument/codeAction', { textDocument, range: diagnostic.range, context: { diagnostics: [diagnostic] } })
          .catch((e) => String(e));
        found.push(...leaks(`code action in ${path}`, JSON.stringify(actions)));
      }
    }
    assert.ok(hovers > 1000, `hovered ${hovers} positions`);
    found.push(...leaks('server log and stderr', client.logs.join('\n')));
  } finally {
    await client.stop();
  }

  for (const format of ['text', 'json']) {
    const cli = spawnSync(process.execPath, [CLI_BUNDLE, 'check', root, '--format', format, '--fail-on', 'never'], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.ok(cli.stdout.length > 0);
    if (format === 'json') assert.ok(Array.isArray(JSON.parse(cli.stdout)), 'the JSON output stays JSON');
    found.push(...leaks(`CLI ${format} stdout`, cli.stdout), ...leaks(`CLI ${format} stderr`, cli.stderr));
  }
  rmSync(root, { recursive: true, force: true });
  t.diagnostic(`printed as <redacted>: ${JSON.stringify(Object.fromEntries(redactedIn))}`);
  assert.deepEqual(found, []);
});

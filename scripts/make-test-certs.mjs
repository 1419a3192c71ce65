#!/usr/bin/env node
// Creates the test-only CAs the trust fixtures need (roots, intermediates, a stray key, an expired and an
// expiring CA) with openssl, ONCE, into test/fixtures/certs/, and renders the `cacerts` Secrets of the trust
// fixtures from them. Certificates get fixed absolute dates, so findings never depend on when this ran; the
// "good" ones are valid until 2124 so the fixtures never rot. Existing PEMs are kept (their fingerprints are in
// expected.json files) unless --force is given; the Secrets are always re-rendered.
//
//   node scripts/make-test-certs.mjs [--force]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CERTS = join(REPO, 'test', 'fixtures', 'certs');
const RULE_FIXTURES = join(REPO, 'test', 'fixtures', 'rules');
const force = process.argv.includes('--force');

const GOOD = { start: '20240101000000Z', end: '21240101000000Z' };
/** Authorities by name: key algorithm, subject, issuer (absent for a root) and validity. */
const AUTHORITIES = {
  'root-a': { key: 'ec', cn: 'Istio Mesh Test Root A', ...GOOD },
  'root-b': { key: 'ec', cn: 'Istio Mesh Test Root B', ...GOOD },
  'ca-a1': { key: 'ec', cn: 'Istio Mesh Test Intermediate A1', issuer: 'root-a', ...GOOD },
  'ca-a2': { key: 'ec', cn: 'Istio Mesh Test Intermediate A2', issuer: 'root-a', ...GOOD },
  'ca-b': { key: 'rsa', cn: 'Istio Mesh Test Intermediate B', issuer: 'root-b', ...GOOD },
  'ca-expired': { key: 'ec', cn: 'Istio Mesh Test Expired Intermediate', issuer: 'root-a', start: '20200101000000Z', end: '20250601000000Z' },
  'ca-expiring': { key: 'ec', cn: 'Istio Mesh Test Expiring Intermediate', issuer: 'root-a', start: '20250101000000Z', end: '20260115000000Z' },
};
/** A key that belongs to no certificate: the "mismatched key". */
const STRAY_KEYS = ['stray'];

const certFile = (name) => join(CERTS, `${name}-cert.pem`);
const keyFile = (name) => join(CERTS, `${name}-key.pem`);

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

function generateKey(path, algorithm) {
  const options = algorithm === 'rsa' ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'] : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  openssl(['genpkey', ...options, '-out', path]);
}

/** `openssl ca` is the openssl 3.0 command that takes absolute start and end dates. */
function caConfig(dir) {
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  mkdirSync(join(dir, 'issued'));
  const config = join(dir, 'ca.cnf');
  writeFileSync(
    config,
    [
      '[ca]',
      'default_ca = test_ca',
      '[test_ca]',
      `database = ${join(dir, 'index.txt')}`,
      `new_certs_dir = ${join(dir, 'issued')}`,
      `serial = ${join(dir, 'serial')}`,
      'default_md = sha256',
      'policy = any_name',
      'unique_subject = no',
      'copy_extensions = none',
      'email_in_dn = no',
      '[any_name]',
      'commonName = supplied',
      'organizationName = optional',
      '[req]',
      'distinguished_name = req_dn',
      'prompt = no',
      '[req_dn]',
      'CN = unused',
      '[ca_extensions]',
      'basicConstraints = critical, CA:true',
      'keyUsage = critical, keyCertSign, cRLSign, digitalSignature',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid:always',
      '',
    ].join('\n'),
  );
  return config;
}

function generateAuthorities() {
  mkdirSync(CERTS, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'istio-mesh-certs-'));
  try {
    const config = caConfig(work);
    for (const [name, spec] of Object.entries(AUTHORITIES)) {
      generateKey(keyFile(name), spec.key);
      const csr = join(work, `${name}.csr`);
      openssl(['req', '-new', '-config', config, '-key', keyFile(name), '-subj', `/O=Istio Mesh fixtures/CN=${spec.cn}`, '-out', csr]);
      const signer = spec.issuer ? ['-cert', certFile(spec.issuer), '-keyfile', keyFile(spec.issuer)] : ['-selfsign', '-keyfile', keyFile(name)];
      openssl([
        'ca',
        '-batch',
        '-notext',
        '-config',
        config,
        ...signer,
        '-in',
        csr,
        '-out',
        certFile(name),
        '-startdate',
        spec.start,
        '-enddate',
        spec.end,
        '-extensions',
        'ca_extensions',
      ]);
    }
    for (const name of STRAY_KEYS) generateKey(keyFile(name), 'ec');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const pem = (path) => readFileSync(path, 'utf8').trim() + '\n';
const certs = (...names) =>
  names
    .flat()
    .map((n) => pem(certFile(n)))
    .join('');

/**
 * The cacerts Secrets of the fixtures. Each value is built from the PEMs above, or is literal text to model a
 * broken value. `encoding: 'data'` writes base64 `data`, as `kubectl create secret generic` does.
 */
function istioCacerts({ ca, key = ca, root, chain = [ca, root].flat() }) {
  return {
    'ca-cert.pem': certs(ca),
    'ca-key.pem': pem(keyFile(key)),
    'root-cert.pem': certs(root),
    'cert-chain.pem': certs(...chain),
  };
}

/** Built after the PEMs exist. */
const fixtureSecrets = () => [
  { path: 'MESH601-roots-differ/cluster1/cacerts.yaml', values: istioCacerts({ ca: 'ca-a1', root: 'root-a' }) },
  { path: 'MESH601-roots-differ/cluster2/cacerts.yaml', values: istioCacerts({ ca: 'ca-b', root: 'root-b' }) },
  { path: 'MESH601-clean-shared-root/cluster1/cacerts.yaml', values: istioCacerts({ ca: 'ca-a1', root: 'root-a' }) },
  { path: 'MESH601-clean-shared-root/cluster2/cacerts.yaml', values: istioCacerts({ ca: 'ca-a2', root: 'root-a' }), encoding: 'data' },
  // A root bundle during a rotation (old and new roots) still shares a root with the other cluster.
  { path: 'MESH601-clean-shared-root/cluster3/cacerts.yaml', values: istioCacerts({ ca: 'ca-a2', root: ['root-b', 'root-a'], chain: ['ca-a2', 'root-a'] }) },
  { path: 'MESH602-ca-not-signed-by-root/cluster1/cacerts.yaml', values: omit(istioCacerts({ ca: 'ca-b', root: 'root-a' }), 'cert-chain.pem') },
  { path: 'MESH602-key-mismatch/cluster1/cacerts.yaml', values: istioCacerts({ ca: 'ca-a1', key: 'stray', root: 'root-a' }) },
  { path: 'MESH602-chain-broken/cluster1/cacerts.yaml', values: istioCacerts({ ca: 'ca-a1', root: 'root-a', chain: ['ca-a2', 'root-a'] }) },
  { path: 'MESH602-chain-broken/cluster2/cacerts.yaml', values: istioCacerts({ ca: 'ca-a2', root: 'root-a', chain: ['ca-a2', 'root-b'] }) },
  {
    path: 'MESH602-incomplete-and-unreadable/cluster1/cacerts.yaml',
    values: { ...omit(istioCacerts({ ca: 'ca-a1', root: 'root-a' }), 'ca-key.pem'), 'cert-chain.pem': 'not a certificate\n' },
  },
  { path: 'MESH602-clean/cluster1/cacerts.yaml', values: istioCacerts({ ca: 'ca-a1', root: 'root-a' }), encoding: 'data' },
  // cert-manager's kubernetes.io/tls layout, which istiod also reads.
  {
    path: 'MESH602-clean/cluster2/cacerts.yaml',
    values: { 'tls.crt': certs('ca-a2', 'root-a'), 'tls.key': pem(keyFile('ca-a2')), 'ca.crt': certs('root-a') },
    type: 'kubernetes.io/tls',
  },
  { path: 'MESH603-expired-and-expiring/cluster1/cacerts.yaml', values: istioCacerts({ ca: 'ca-expired', root: 'root-a' }) },
  { path: 'MESH603-expired-and-expiring/cluster2/cacerts.yaml', values: istioCacerts({ ca: 'ca-expiring', root: 'root-a' }) },
  { path: 'MESH604-one-cluster-without-cacerts/cluster1/cacerts.yaml', values: istioCacerts({ ca: 'ca-a1', root: 'root-a' }) },
];

function omit(values, ...keys) {
  return Object.fromEntries(Object.entries(values).filter(([k]) => !keys.includes(k)));
}

function indent(text, spaces) {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');
}

function renderSecret({ values, encoding = 'stringData', type = 'Opaque' }) {
  const body = Object.entries(values).map(([key, text]) =>
    encoding === 'data' ? `  ${key}: ${Buffer.from(text).toString('base64')}` : `  ${key}: |\n${indent(text, 4)}`,
  );
  return [
    '# Test-only CA generated by scripts/make-test-certs.mjs: not a real credential.',
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: cacerts',
    '  namespace: istio-system',
    `type: ${type}`,
    `${encoding}:`,
    ...body,
    '',
  ].join('\n');
}

const missing = [...Object.keys(AUTHORITIES).flatMap((n) => [certFile(n), keyFile(n)]), ...STRAY_KEYS.map(keyFile)].filter((p) => !existsSync(p));
if (force || missing.length) {
  generateAuthorities();
  console.log(`generated ${Object.keys(AUTHORITIES).length} CAs and ${STRAY_KEYS.length} stray key(s) in ${CERTS}`);
}
const secrets = fixtureSecrets();
for (const secret of secrets) {
  const path = join(RULE_FIXTURES, secret.path);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderSecret(secret));
}
console.log(`rendered ${secrets.length} cacerts secrets under ${RULE_FIXTURES}`);

import { type CaCerts, type PemEntry, readCaCerts } from '../../resources/cacerts';
import type { Finding, RelatedInformation } from '../finding';
import type { ResourceRule } from '../rule';
import { describeCertificate } from './common';

function firstCertificate(entry: PemEntry | undefined): string {
  const certificate = entry?.certificates[0];
  return certificate ? ` ${describeCertificate(certificate)}` : '';
}

function related(entry: PemEntry | undefined, message: string): RelatedInformation[] {
  return entry ? [{ location: entry.key.location('key'), message }] : [];
}

/** Each inconsistency of one cacerts secret, reported on the key that holds the culprit. */
function problemsOf(cacerts: CaCerts): { entry?: PemEntry; message: string; related?: RelatedInformation[] }[] {
  const problems: { entry?: PemEntry; message: string; related?: RelatedInformation[] }[] = [];
  for (const entry of [cacerts.caCert, cacerts.caKey, cacerts.rootCert, cacerts.certChain]) {
    if (entry?.problem) problems.push({ entry, message: `${entry.key.value} of the cacerts secret ${entry.problem}.` });
  }
  if (cacerts.missingKeys.length) {
    problems.push({
      message: `The cacerts secret lacks ${cacerts.missingKeys.join(', ')}: istiod does not use an incomplete plug-in CA and signs with a self-signed root of its own instead.`,
    });
  }
  if (cacerts.caSignedByRoot === false) {
    problems.push({
      entry: cacerts.caCert,
      message: `ca-cert.pem${firstCertificate(cacerts.caCert)} is not signed by root-cert.pem${firstCertificate(cacerts.rootCert)}: workload certificates this CA signs do not verify against the root the mesh trusts.`,
      related: related(cacerts.rootCert, 'root-cert.pem'),
    });
  }
  if (cacerts.chainProblem) {
    problems.push({
      entry: cacerts.certChain,
      message: `${cacerts.chainProblem.message}: it must run from ca-cert.pem through any intermediates to the root.`,
    });
  }
  if (cacerts.keyMatchesCert === false) {
    problems.push({
      entry: cacerts.caKey,
      message: `ca-key.pem is not the private key of ca-cert.pem${firstCertificate(cacerts.caCert)}: istiod cannot sign workload certificates with this pair.`,
      related: related(cacerts.caCert, 'ca-cert.pem'),
    });
  }
  return problems;
}

export const caCertsInconsistent: ResourceRule = {
  scope: 'resource',
  code: 'MESH602',
  title: 'The cacerts certificates, chain and key do not belong together',
  severity: 'error',
  check(resource) {
    const cacerts = readCaCerts(resource, []);
    if (!cacerts) return [];
    return problemsOf(cacerts).map((problem): Finding => ({
      code: caCertsInconsistent.code,
      severity: caCertsInconsistent.severity,
      location: problem.entry?.key.location('key') ?? resource.location(['metadata', 'name']),
      message: problem.message,
      ...(problem.related?.length ? { related: problem.related } : {}),
    }));
  },
};

import type { CaCerts, CertificateFacts, PemEntry } from '../../resources/cacerts';
import type { Finding } from '../finding';
import type { MeshRule } from '../rule';
import { cacertsOfMesh, clusterOf, describeCertificate } from './common';

const DAY_MS = 24 * 60 * 60 * 1000;
export const EXPIRY_WARNING_DAYS = 30;

/** Each CA certificate of the secret once, with the first key that holds it (ca-cert, then chain, then root). */
function certificatesOf(cacerts: CaCerts): { certificate: CertificateFacts; entry: PemEntry }[] {
  const seen = new Set<string>();
  const result: { certificate: CertificateFacts; entry: PemEntry }[] = [];
  for (const entry of [cacerts.caCert, cacerts.certChain, cacerts.rootCert]) {
    for (const certificate of entry?.certificates ?? []) {
      if (seen.has(certificate.fingerprint)) continue;
      seen.add(certificate.fingerprint);
      result.push({ certificate, entry: entry! });
    }
  }
  return result;
}

const day = (date: Date) => date.toISOString().slice(0, 10);

export const caCertificateExpiry: MeshRule = {
  scope: 'mesh',
  code: 'MESH603',
  title: 'A CA certificate has expired or expires within 30 days',
  severity: 'error',
  check(mesh) {
    const now = mesh.now.getTime();
    return cacertsOfMesh(mesh).flatMap((cacerts) =>
      certificatesOf(cacerts).flatMap(({ certificate, entry }): Finding[] => {
        const remainingDays = Math.floor((certificate.notAfter.getTime() - now) / DAY_MS);
        const expired = certificate.notAfter.getTime() <= now;
        if (!expired && remainingDays >= EXPIRY_WARNING_DAYS) return [];
        const what = `The CA certificate ${describeCertificate(certificate)} in ${entry.key.value}`;
        return [
          {
            code: caCertificateExpiry.code,
            severity: expired ? 'error' : 'warning',
            location: entry.key.location('key'),
            cluster: clusterOf(cacerts),
            message: expired
              ? `${what} expired on ${day(certificate.notAfter)}: istiod cannot issue valid workload certificates, and mTLS fails. Rotate the plug-in CA.`
              : `${what} expires on ${day(certificate.notAfter)} (in ${remainingDays} day${remainingDays === 1 ? '' : 's'}): rotate the plug-in CA before then.`,
          },
        ];
      }),
    );
  },
};

import type { MeshRule } from '../rule';
import { rootFingerprints, type CaCerts } from '../../resources/cacerts';
import type { Cluster } from '../../mesh/model';
import { describeCertificate, mintsCertificates } from './common';

interface ClusterTrust {
  cluster: Cluster;
  cacerts: CaCerts;
  roots: Set<string>;
}

function describeRoots(cacerts: CaCerts): string {
  return cacerts.rootCert?.certificates.map(describeCertificate).join(', ') ?? '';
}

export const rootCertificatesDiffer: MeshRule = {
  scope: 'mesh',
  code: 'MESH601',
  title: 'The root certificates of the clusters differ',
  severity: 'error',
  check(mesh) {
    const trusts: ClusterTrust[] = [...mesh.clusters.values()]
      .filter(mintsCertificates)
      .flatMap((cluster) => {
        const cacerts = cluster.cacerts;
        const roots = cacerts ? rootFingerprints(cacerts) : [];
        return cacerts && roots.length ? [{ cluster, cacerts, roots: new Set(roots) }] : [];
      })
      .sort((a, b) => a.cluster.name.localeCompare(b.cluster.name));
    return trusts.flatMap((own) => {
      // Sharing any root is enough: a bundle of old and new roots during a rotation is fine.
      const strangers = trusts.filter((other) => other !== own && ![...other.roots].some((fp) => own.roots.has(fp)));
      if (!strangers.length || !own.cacerts.rootCert) return [];
      return [{
        code: rootCertificatesDiffer.code,
        severity: rootCertificatesDiffer.severity,
        location: own.cacerts.rootCert.key.location('key'),
        cluster: own.cluster.name,
        related: strangers.flatMap((other) =>
          other.cacerts.rootCert ? [{ location: other.cacerts.rootCert.key.location('key'), message: `root-cert.pem of ${other.cluster.name}: ${describeRoots(other.cacerts)}` }] : [],
        ),
        message:
          `${own.cluster.name} trusts ${describeRoots(own.cacerts)} in root-cert.pem, which ${strangers.map((s) => s.cluster.name).join(', ')} ${strangers.length === 1 ? 'does' : 'do'} not: ` +
          `workloads reject the other cluster's certificates ("x509: certificate signed by unknown authority"). Issue every cluster's intermediate CA from one root.`,
      }];
    });
  },
};

import type { Cluster, MeshModel } from '../../mesh/model';
import { isCaCertsSecret, readCaCerts, shortFingerprint, type CaCerts, type CertificateFacts } from '../../resources/cacerts';
import { contextVariable } from '../secrets/places';

export const PLUGIN_CA_DOCS = 'https://istio.io/latest/docs/tasks/security/cert-management/plugin-ca-cert/';

/** `kubectl create secret generic cacerts ...` for one cluster, as the plug-in CA task writes it. */
export function createCacertsCommand(cluster: string, namespace: string): string {
  const files = ['ca-cert.pem', 'ca-key.pem', 'root-cert.pem', 'cert-chain.pem'].map((f) => `--from-file=${cluster}/${f}`).join(' ');
  return `kubectl create secret generic cacerts -n ${namespace} ${files} --context=${contextVariable(cluster)}`;
}

/** `"CN=Root A" (SHA-256 AB:CD:…)`: how a certificate is named in messages; never its body. */
export function describeCertificate(certificate: CertificateFacts): string {
  return `"${certificate.subject}" (SHA-256 ${shortFingerprint(certificate.fingerprint)})`;
}

/** Clusters whose istiod signs workload certificates: a remote's workloads are signed by its primary. */
export function mintsCertificates(cluster: Cluster): boolean {
  return cluster.role !== 'remote';
}

/** Every `cacerts` Secret of the mesh, assigned to a cluster or not, each once. */
export function cacertsOfMesh(mesh: MeshModel): CaCerts[] {
  return mesh.resources.filter(isCaCertsSecret).flatMap((resource) => {
    const cacerts = readCaCerts(resource, mesh.assignments.get(resource)?.clusters ?? []);
    return cacerts ? [cacerts] : [];
  });
}

export function clusterOf(cacerts: CaCerts): string | undefined {
  return cacerts.holders.length === 1 ? cacerts.holders[0] : undefined;
}

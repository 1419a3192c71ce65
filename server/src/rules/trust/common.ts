import type { Cluster, MeshModel } from '../../mesh/model';
import { selectResources } from '../../mesh/selection';
import type { TrustProvider } from '../../mesh/trust';
import { type CaCerts, describeCertificate, isCaCertsSecret, readCaCerts } from '../../resources/cacerts';
import { contextVariable } from '../secrets/places';

export const PLUGIN_CA_DOCS = 'https://istio.io/latest/docs/tasks/security/cert-management/plugin-ca-cert/';

/** `kubectl create secret generic cacerts ...` for one cluster, as the plug-in CA task writes it. */
export function createCacertsCommand(cluster: string, namespace: string): string {
  const files = ['ca-cert.pem', 'ca-key.pem', 'root-cert.pem', 'cert-chain.pem'].map((f) => `--from-file=${cluster}/${f}`).join(' ');
  return `kubectl create secret generic cacerts -n ${namespace} ${files} --context=${contextVariable(cluster)}`;
}

export { describeCertificate };

/** Clusters whose istiod signs workload certificates: a remote's workloads are signed by its primary. */
export function mintsCertificates(cluster: Cluster): boolean {
  return cluster.role !== 'remote';
}

/** Every `cacerts` Secret of the mesh, assigned to a cluster or not, each once. */
export function cacertsOfMesh(mesh: MeshModel): CaCerts[] {
  return selectResources(mesh, 'cacerts', isCaCertsSecret).flatMap((resource) => {
    const cacerts = readCaCerts(resource, mesh.assignments.get(resource)?.clusters ?? []);
    return cacerts ? [cacerts] : [];
  });
}

export function clusterOf(cacerts: CaCerts): string | undefined {
  return cacerts.holders.length === 1 ? cacerts.holders[0] : undefined;
}

/** The provider that gives a cluster its root of trust, when its files hold one. */
export function trustProviderOf(cluster: Cluster): TrustProvider | undefined {
  return cluster.trustProviders[0];
}

/** `cert-manager Certificate istio-system/cacerts (cluster1, cluster2); SPIRE (...) (cluster3)`: the providers found, each once. */
export function describeProviders(clusters: readonly Cluster[]): string {
  const byDescription = new Map<string, string[]>();
  for (const cluster of clusters) {
    const provider = trustProviderOf(cluster);
    if (!provider) continue;
    byDescription.set(provider.description, [...(byDescription.get(provider.description) ?? []), cluster.name]);
  }
  return [...byDescription].map(([description, names]) => `${description} (${names.join(', ')})`).join('; ');
}

import { type Cluster, type MeshModel, presentResources } from '../../mesh/model';
import { resourcesOfKind } from '../../mesh/selection';
import { resolveIssuer, type TrustProvider } from '../../mesh/trust';
import {
  CERTIFICATE_KIND,
  certificateIssuerRef,
  CLUSTER_ISSUER_KIND,
  ISSUER_KIND,
  type IssuerRef,
  ISTIO_CSR_CHART,
  ISTIO_CSR_DEFAULT_CLUSTER_ID,
  istioCsrFacts,
  readTrustChart,
  type TrustChartValues,
} from '../../resources/certManager';
import type { InstallConfig } from '../../resources/installConfig';
import { HELM_VALUES_KIND } from '../../resources/installSources';
import type { Resource } from '../../resources/resource';
import type { Finding, Fix } from '../finding';
import { insertValueFix, replaceValueFix } from '../fixes';
import type { MeshRule } from '../rule';
import { closest } from '../schema/validator';
import { clusterAnchor } from '../secrets/places';

const ISTIO_CSR_DOCS = 'https://cert-manager.io/docs/usage/istio-csr/';

/** The issuer reference a resource makes: a Certificate's `issuerRef`, istio-csr's `app.certmanager.issuer` when written. */
function issuerRefOf(resource: Resource, mesh: MeshModel): IssuerRef | undefined {
  if (resource.kind === CERTIFICATE_KIND) return certificateIssuerRef(resource);
  const chart = readTrustChart(resource, mesh.resources);
  if (chart?.chart !== ISTIO_CSR_CHART) return undefined;
  const { issuer } = istioCsrFacts(chart);
  return issuer.name ? issuer : undefined;
}

/** The fix and the hint for a reference that resolves nowhere: the other kind of the same name, else a near name. */
function suggestion(ref: IssuerRef, issuers: readonly Resource[], resource: Resource): { hint: string; fix?: Fix } {
  const otherKind = ref.kind === ISSUER_KIND ? CLUSTER_ISSUER_KIND : ISSUER_KIND;
  if (issuers.some((i) => i.kind === otherKind && i.name === ref.resolvedName)) {
    const title = `Set kind: ${otherKind}`;
    const fix = ref.kindAt
      ? replaceValueFix(title, ref.kindAt, otherKind)
      : ref.anchor.doc === resource.doc
        ? insertValueFix(title, ref.anchor.doc, [...ref.anchor.path, 'kind'], otherKind)
        : undefined;
    return { hint: ` A ${otherKind} of that name exists: the reference needs \`kind: ${otherKind}\`.`, fix };
  }
  const names = issuers
    .filter((i) => i.kind === ref.kind && (ref.kind === CLUSTER_ISSUER_KIND || !ref.namespace || !i.namespace || i.namespace === ref.namespace))
    .flatMap((i) => (i.name ? [i.name] : []));
  const near = closest(ref.resolvedName, names);
  if (!near) return { hint: names.length ? ` The ${ref.kind}s there: ${names.join(', ')}.` : '' };
  return { hint: ` Did you mean ${near}?`, fix: ref.name ? replaceValueFix(`Change the issuer to ${near}`, ref.name, near) : undefined };
}

function issuersOf(cluster: Cluster): readonly Resource[] {
  return resourcesOfKind(cluster.resources, ISSUER_KIND, CLUSTER_ISSUER_KIND);
}

export const issuerNotFound: MeshRule = {
  scope: 'mesh',
  code: 'MESH606',
  title: 'An issuerRef names no Issuer or ClusterIssuer of the workspace',
  severity: 'error',
  check(mesh) {
    // Only these kinds make issuer references (issuerRefOf): listing them per model keeps a keystroke off the whole mesh.
    return resourcesOfKind(mesh, CERTIFICATE_KIND, HELM_VALUES_KIND, 'HelmRelease', 'Application').flatMap((resource): Finding[] => {
      const ref = issuerRefOf(resource, mesh);
      if (!ref?.builtIn || ref.name?.isPlaceholder) return [];
      // Judged only where the workspace holds the cluster's issuers: otherwise they are simply kept elsewhere.
      const clusters = (mesh.assignments.get(resource)?.clusters ?? []).flatMap((name) => {
        const cluster = mesh.clusters.get(name);
        return cluster && issuersOf(cluster).length > 0 && !resolveIssuer(ref, presentResources(mesh, cluster)) ? [cluster] : [];
      });
      if (!clusters.length) return [];
      const { hint, fix } = suggestion(ref, issuersOf(clusters[0]), resource);
      const where = ref.kind === ISSUER_KIND ? ` in namespace ${ref.namespace ?? '(the default one)'}` : '';
      return [
        {
          code: issuerNotFound.code,
          severity: issuerNotFound.severity,
          location: (ref.name ?? ref.anchor).location(),
          cluster: clusters.length === 1 ? clusters[0].name : undefined,
          message:
            `${resource.kind === CERTIFICATE_KIND ? resource.displayName : 'istio-csr'} asks ${ref.kind} ${ref.resolvedName}${where} for certificates, but ${clusters.map((c) => c.name).join(', ')} ${clusters.length === 1 ? 'has' : 'have'} no such issuer: ` +
            `cert-manager never issues it, so istiod gets no CA and workloads no certificates.${hint}`,
          ...(fix ? { fixes: [{ ...fix, preferred: true }] } : {}),
        },
      ];
    });
  },
};

function istioCsrProviders(cluster: Cluster): (TrustProvider & { chart: TrustChartValues })[] {
  return cluster.trustProviders.filter((p): p is TrustProvider & { chart: TrustChartValues } => p.kind === 'istio-csr' && p.chart !== undefined);
}

/** The istiod installs of a cluster that sign certificates (a remote's workloads are signed by its primary). */
function istiodInstalls(cluster: Cluster): InstallConfig[] {
  return cluster.role === 'remote' ? [] : cluster.controlPlanes;
}

export const istioCsrClusterId: MeshRule = {
  scope: 'mesh',
  code: 'MESH607',
  title: "istio-csr's clusterID is not the cluster's clusterName",
  severity: 'error',
  check(mesh) {
    return [...mesh.clusters.values()].flatMap((cluster) => {
      const clusterName = istiodInstalls(cluster)
        .map((i) => i.clusterName)
        .find((n) => n && !n.isPlaceholder);
      if (!clusterName) return [];
      return istioCsrProviders(cluster).flatMap(({ chart }): Finding[] => {
        const { clusterID } = istioCsrFacts(chart);
        if (clusterID?.isPlaceholder) return [];
        const id = clusterID?.value ?? ISTIO_CSR_DEFAULT_CLUSTER_ID;
        if (id === clusterName.value) return [];
        // Unset: point at `app.server` (or the values as a whole), where the key belongs.
        const server = chart.values.get(['app', 'server']) !== undefined ? chart.values.located(['app', 'server'], undefined) : undefined;
        const location = clusterID?.location() ?? server?.location('key') ?? chart.anchor.location();
        const title = `Set clusterID to ${clusterName.value}`;
        const fix = clusterID
          ? replaceValueFix(title, clusterID, clusterName.value)
          : chart.plainValuesFile
            ? insertValueFix(title, chart.resource.doc, ['app', 'server', 'clusterID'], clusterName.value)
            : undefined;
        return [
          {
            code: istioCsrClusterId.code,
            severity: istioCsrClusterId.severity,
            location,
            cluster: cluster.name,
            related: [{ location: clusterName.location(), message: `istiod's clusterName in ${cluster.name}` }],
            message:
              `istio-csr in ${cluster.name} ${clusterID ? `has clusterID "${id}"` : `sets no app.server.clusterID (so "${ISTIO_CSR_DEFAULT_CLUSTER_ID}")`}, but istiod calls the cluster "${clusterName.value}": ` +
              `istio-csr rejects the workloads' certificate requests, which carry istiod's cluster name. Set app.server.clusterID to ${clusterName.value} (${ISTIO_CSR_DOCS}).`,
            ...(fix ? { fixes: [{ ...fix, preferred: true }] } : {}),
          },
        ];
      });
    });
  },
};

/** The address of istio-csr's gRPC service, as its chart names it. */
function istioCsrAddress(chart: TrustChartValues): string {
  return `cert-manager-istio-csr.${chart.namespace ?? 'cert-manager'}.svc:443`;
}

export const istiodOwnCaWithIstioCsr: MeshRule = {
  scope: 'mesh',
  code: 'MESH608',
  title: 'istio-csr is installed but istiod still signs with its own CA',
  severity: 'error',
  check(mesh) {
    return [...mesh.clusters.values()].flatMap((cluster) => {
      const [provider] = istioCsrProviders(cluster);
      const installs = istiodInstalls(cluster);
      if (!provider || !installs.length || installs.some((i) => i.caAddress)) return [];
      const location = clusterAnchor(cluster);
      if (!location) return [];
      const address = istioCsrAddress(provider.chart);
      const install = installs[0];
      const fix = install.values
        ? undefined
        : insertValueFix(`Set global.caAddress to ${address}`, install.resource.doc, [...install.valuesPath, 'global', 'caAddress'], address);
      return [
        {
          code: istiodOwnCaWithIstioCsr.code,
          severity: istiodOwnCaWithIstioCsr.severity,
          location,
          cluster: cluster.name,
          related: [{ location: provider.anchor.location(), message: `istio-csr of ${cluster.name}` }],
          message:
            `${cluster.name} installs istio-csr, but its istiod sets no global.caAddress: workloads still get certificates from istiod's own self-signed CA, not from cert-manager. ` +
            `Set global.caAddress to ${address} and turn istiod's CA off (pilot env ENABLE_CA_SERVER=false) (${ISTIO_CSR_DOCS}).`,
          ...(fix ? { fixes: [{ ...fix, preferred: true }] } : {}),
        },
      ];
    });
  },
};

export const caAddressWithoutIstioCsr: MeshRule = {
  scope: 'mesh',
  code: 'MESH609',
  title: 'global.caAddress points at istio-csr, which the cluster does not install',
  severity: 'warning',
  check(mesh) {
    return [...mesh.clusters.values()].flatMap((cluster) => {
      if (istioCsrProviders(cluster).length) return [];
      return istiodInstalls(cluster).flatMap((install): Finding[] => {
        const address = install.caAddress;
        if (!address || address.isPlaceholder || !address.value.includes('istio-csr')) return [];
        return [
          {
            code: caAddressWithoutIstioCsr.code,
            severity: caAddressWithoutIstioCsr.severity,
            location: address.location(),
            cluster: cluster.name,
            message:
              `istiod of ${cluster.name} sends certificate requests to istio-csr (${address.value}), but the workspace installs no istio-csr in ${cluster.name}: ` +
              `without it no workload gets a certificate. Install the cert-manager-istio-csr chart in ${cluster.name} (or assign its values to the cluster), or remove global.caAddress (${ISTIO_CSR_DOCS}).`,
          },
        ];
      });
    });
  },
};

import { dirname, join, sep } from 'node:path';

import { type Cluster, type MeshModel, targetVersionOfResource } from '../mesh/model';
import { presentEastWestGateways, sortedClusters } from '../mesh/topology';
import chartKeys from '../resources/helmChartKeys.json';
import { type InstallConfig, isAmbient, isExternalIstiod, isRemoteProfile } from '../resources/installConfig';
import { locatedBoolean, locatedString } from '../resources/installConfig';
import { isHboneEastWestGateway, istioChartName } from '../resources/installSources';
import { compareMinors, istioMinorOf, judgeRemoval, versionFact } from '../resources/istioVersions';
import { isRecord, type Located, type Resource } from '../resources/resource';
import { clusterNameLocation } from './deploymentModel';
import type { Finding, Severity } from './finding';
import { relatedAt } from './meshIdentity';
import type { MeshRule, ResourceRule } from './rule';

/**
 * MESH8xx: checks that come with installing by Helm values, Flux, Argo CD, the Sail Operator and ambient.
 * Every rule works on `InstallConfig`s, so it does not matter which of these a cluster was installed with.
 */

function finding(code: string, severity: Severity, message: string, at: Located<unknown>, cluster?: string, related: Finding['related'] = []): Finding {
  return { code, severity, message, location: at.location(), ...(cluster ? { cluster } : {}), ...(related.length ? { related } : {}) };
}

const chartOf = (install: InstallConfig) => istioChartName(install.chart?.value);

/** The installs of a cluster made from one Istio chart. */
function chartInstalls(cluster: Cluster, chart: string): InstallConfig[] {
  return cluster.installs.filter((i) => chartOf(i) === chart);
}

/** MESH801: the releases of one cluster say different things about the same setting. */
export const releasesDisagree: MeshRule = {
  scope: 'mesh',
  code: 'MESH801',
  title: 'Helm releases of one cluster disagree',
  severity: 'error',
  check(mesh) {
    const findings: Finding[] = [];
    for (const cluster of sortedClusters(mesh)) {
      const istiod = chartInstalls(cluster, 'istiod')[0];
      if (!istiod?.values) continue;
      for (const base of chartInstalls(cluster, 'base')) {
        if (!base.values) continue;
        const baseExternal = locatedBoolean(base.values, ['global', 'externalIstiod']);
        // istiod may say it with global.externalIstiod or with the EXTERNAL_ISTIOD env (the docs' remote does).
        const istiodSays = istiod.externalIstiod ?? istiod.pilotEnv.get('EXTERNAL_ISTIOD');
        if ((baseExternal?.value === true) !== isExternalIstiod(istiod) && (baseExternal || istiodSays)) {
          const at: Located<unknown> = baseExternal ?? istiodSays!;
          findings.push(
            finding(
              'MESH801',
              'error',
              `The istio-base and istiod releases of cluster ${cluster.name} disagree on externalIstiod (${baseExternal?.value ?? 'unset'} and ${istiodSays?.value ?? 'unset'}): the docs set global.externalIstiod on both, or the base chart's validation webhook and istiod's do not match.`,
              at,
              cluster.name,
              [relatedAt(at === baseExternal ? (istiodSays ?? istiod.chart!) : base.chart!, 'the other release')],
            ),
          );
        }
        const baseProfile = locatedString(base.values, ['profile']);
        if ((baseProfile?.value === 'remote') !== isRemoteProfile(istiod) && (baseProfile?.value === 'remote' || isRemoteProfile(istiod))) {
          const at = baseProfile ?? istiod.profile!;
          findings.push(
            finding(
              'MESH801',
              'error',
              `The istio-base and istiod releases of cluster ${cluster.name} disagree on profile=remote: a remote installs both charts with profile=remote, a primary neither.`,
              at,
              cluster.name,
            ),
          );
        }
      }
    }
    return findings;
  },
};

/** MESH802: an istiod release pointed at another control plane but installed as a full istiod. */
export const helmRemoteWithoutProfile: MeshRule = {
  scope: 'mesh',
  code: 'MESH802',
  title: 'A Helm remote is installed without profile=remote',
  severity: 'error',
  check(mesh) {
    return mesh.installs
      .filter((i) => chartOf(i) === 'istiod' && !isRemoteProfile(i) && (i.remotePilotAddress || i.injectionPath || i.injectionURL))
      .map((install) => {
        const at = install.remotePilotAddress ?? install.injectionPath ?? install.injectionURL!;
        const clusters = mesh.assignments.get(install.resource)?.clusters ?? [];
        return finding(
          'MESH802',
          'error',
          "This istiod release points at another cluster's control plane (remotePilotAddress/injectionPath) but is not installed with profile=remote: since Istio 1.24 the istiod chart installs a full control plane unless `profile: remote` is set (with `global.configCluster: true` when this cluster also holds the config).",
          at,
          clusters.length === 1 ? clusters[0] : undefined,
        );
      });
  },
};

/**
 * MESH803: the istiod-remote chart, removed in Istio 1.24. An install of a version that still has it is an
 * information naming the upgrade step; one of a newer version, or of no version the files say, fails.
 */
export const removedIstiodRemoteChart: MeshRule = {
  scope: 'mesh',
  code: 'MESH803',
  title: 'The removed istiod-remote chart',
  severity: 'error',
  check(mesh) {
    const fact = versionFact('chart-istiod-remote-removed');
    const instead = 'install the istiod chart with `profile: remote` (and `global.configCluster: true` for a config cluster) instead';
    return mesh.installs
      .filter((i) => chartOf(i) === 'istiod-remote')
      .map((install) => {
        const fix =
          install.source === 'Helm values'
            ? []
            : [
                {
                  title: 'Use the istiod chart',
                  edits: [{ location: install.chart!.location(), newText: install.chart!.value.replace(/istiod-remote$/, 'istiod') }],
                },
              ];
        const { severity, removedIn, context } = judgeRemoval(fact, targetVersionOfResource(mesh, install.resource));
        const message =
          severity === 'warning'
            ? `The istiod-remote chart was removed in Istio ${removedIn}; ${context}: ${instead} (${fact.link}).`
            : `The istiod-remote chart was removed in Istio ${removedIn}; ${context}. When upgrading to ${removedIn}: ${instead} (${fact.link}).`;
        return { ...finding('MESH803', severity === 'warning' ? 'error' : 'information', message, install.chart!), ...(fix.length ? { fixes: fix } : {}) };
      });
  },
};

/** MESH804: control planes of one mesh more than one minor version apart. */
export const controlPlaneVersionSkew: MeshRule = {
  scope: 'mesh',
  code: 'MESH804',
  title: 'Control planes of one mesh more than one minor version apart',
  severity: 'warning',
  check(mesh) {
    const versioned = mesh.installs.flatMap((install) => {
      const minor = install.installsControlPlane && install.version && !install.version.isPlaceholder ? istioMinorOf(install.version.value) : undefined;
      return minor ? [{ install, version: install.version!, minor }] : [];
    });
    if (versioned.length < 2) return [];
    const newest = versioned.reduce((a, b) => (compareMinors(b.minor, a.minor) > 0 ? b : a));
    return versioned
      .filter((v) => compareMinors(newest.minor, v.minor) > 1)
      .map((v) => {
        const clusters = mesh.assignments.get(v.install.resource)?.clusters ?? [];
        return finding(
          'MESH804',
          'warning',
          `This control plane is at ${v.version.value}, more than one minor version behind ${newest.version.value}: Istio supports multicluster meshes whose control planes are at most one minor version apart (as during a canary upgrade).`,
          v.version,
          clusters.length === 1 ? clusters[0] : undefined,
          [relatedAt(newest.version, 'the newest control plane')],
        );
      });
  },
};

function ambientInstall(cluster: Cluster): InstallConfig | undefined {
  return cluster.installs.find(isAmbient);
}

/** The clusters of a multicluster mesh that run a control plane (ambient checks are about the multicluster link). */
function multiclusterControlPlanes(mesh: MeshModel): Cluster[] {
  const clusters = sortedClusters(mesh).filter((c) => c.controlPlanes.length > 0);
  return clusters.length >= 2 ? clusters : [];
}

/** MESH805: ambient and sidecar clusters linked into one mesh. */
export const ambientSidecarMix: MeshRule = {
  scope: 'mesh',
  code: 'MESH805',
  title: 'Ambient and sidecar clusters in one multicluster mesh',
  severity: 'error',
  check(mesh) {
    const clusters = multiclusterControlPlanes(mesh);
    const ambient = clusters.filter(ambientInstall);
    if (ambient.length === 0 || ambient.length === clusters.length) return [];
    const reference = ambientInstall(ambient[0])!;
    return clusters
      .filter((c) => !ambientInstall(c))
      .map((cluster) => {
        const install = cluster.controlPlanes[0];
        return {
          code: 'MESH805',
          severity: 'error' as const,
          message: `Cluster ${cluster.name} runs sidecars while ${ambient.map((c) => c.name).join(', ')} run${ambient.length === 1 ? 's' : ''} ambient: ambient multicluster links only ambient clusters (install every cluster with profile ambient).`,
          location: install.profile?.location() ?? clusterNameLocation(install),
          cluster: cluster.name,
          related: [relatedAt(reference.profile!, `ambient profile of ${ambient[0].name}`)],
        };
      });
  },
};

const MULTI_NETWORK_FLAG = 'AMBIENT_ENABLE_MULTI_NETWORK';

/** MESH806: an ambient control plane of a multicluster mesh without AMBIENT_ENABLE_MULTI_NETWORK. */
export const ambientMultiNetworkFlag: MeshRule = {
  scope: 'mesh',
  code: 'MESH806',
  title: 'Ambient multicluster without AMBIENT_ENABLE_MULTI_NETWORK',
  severity: 'error',
  check(mesh) {
    return multiclusterControlPlanes(mesh).flatMap((cluster) => {
      const install = cluster.controlPlanes.find(isAmbient);
      if (!install || install.pilotEnv.get(MULTI_NETWORK_FLAG)?.value === 'true') return [];
      const set = install.pilotEnv.get(MULTI_NETWORK_FLAG);
      return [
        finding(
          'MESH806',
          'error',
          `The ambient control plane of cluster ${cluster.name} does not set ${MULTI_NETWORK_FLAG}="true": without it istiod does not send traffic to other clusters' networks through their east-west gateways.`,
          set ?? install.profile!,
          cluster.name,
        ),
      ];
    });
  },
};

/** MESH807: an ambient cluster whose east-west gateways are all sidecar-style (15443), none HBONE. */
export const ambientGatewayNotHbone: MeshRule = {
  scope: 'mesh',
  code: 'MESH807',
  title: 'An ambient cluster has no HBONE east-west gateway',
  severity: 'warning',
  check(mesh) {
    return multiclusterControlPlanes(mesh).flatMap((cluster) => {
      const gateways = presentEastWestGateways(mesh, cluster);
      if (!ambientInstall(cluster) || gateways.length === 0 || gateways.some(isHboneEastWestGateway)) return [];
      return [
        finding(
          'MESH807',
          'warning',
          `Cluster ${cluster.name} runs ambient, but its east-west gateway ${gateways[0].name} is the sidecar kind (AUTO_PASSTHROUGH on 15443): ambient clusters reach each other through a Gateway API Gateway of class istio-east-west listening for HBONE on 15008 (gen-eastwest-gateway.sh --ambient).`,
          gateways[0].declaration,
          cluster.name,
        ),
      ];
    });
  },
};

/** MESH808: ztunnel's clusterName or network differs from istiod's in the same cluster. */
export const ztunnelIdentityMismatch: MeshRule = {
  scope: 'mesh',
  code: 'MESH808',
  title: "ztunnel's clusterName or network differs from istiod's",
  severity: 'error',
  check(mesh) {
    const findings: Finding[] = [];
    for (const cluster of sortedClusters(mesh)) {
      const istiod = cluster.controlPlanes[0];
      if (!istiod) continue;
      for (const install of cluster.installs) {
        const ztunnel = install.ztunnel;
        if (!ztunnel) continue;
        const pairs: [string, Located<string> | undefined, Located<string> | undefined][] = [
          ['clusterName', ztunnel.clusterName, istiod.clusterName],
          ['network', ztunnel.network, istiod.network],
        ];
        for (const [field, own, expected] of pairs) {
          if (!own || !expected || own.isPlaceholder || expected.isPlaceholder || own.value === expected.value) continue;
          findings.push(
            finding(
              'MESH808',
              'error',
              `ztunnel's ${field} "${own.value}" differs from istiod's "${expected.value}" in cluster ${cluster.name}: ztunnel identifies its workloads with it, so traffic between clusters is routed to the wrong cluster or network.`,
              own,
              cluster.name,
              [relatedAt(expected, `istiod's ${field}`)],
            ),
          );
        }
        if (!ztunnel.clusterName && istiod.clusterName && multiclusterControlPlanes(mesh).length > 0) {
          findings.push(
            finding(
              'MESH808',
              'error',
              `ztunnel of cluster ${cluster.name} sets no multiCluster.clusterName: it then calls its cluster "Kubernetes", not "${istiod.clusterName.value}" as istiod does.`,
              ztunnel.network ?? install.chart ?? install.resource.located(['kind'], install.resource.kind),
              cluster.name,
              [relatedAt(istiod.clusterName, "istiod's clusterName")],
            ),
          );
        }
      }
    }
    return findings;
  },
};

/** MESH809: ambient multicluster models the docs call unsupported (primary-remote) or untested (single network). */
export const ambientUnsupportedModel: MeshRule = {
  scope: 'mesh',
  code: 'MESH809',
  title: 'An ambient multicluster model that is not supported',
  severity: 'information',
  check(mesh) {
    const clusters = multiclusterControlPlanes(mesh);
    const ambient = clusters.find(ambientInstall);
    if (!ambient) return [];
    const at = ambientInstall(ambient)!.profile!;
    if (mesh.controlPlaneModel === 'primary-remote') {
      return [
        finding(
          'MESH809',
          'information',
          'Ambient multicluster (alpha since Istio 1.27) supports only multi-primary meshes: a remote cluster without its own istiod is not supported in ambient mode.',
          at,
          ambient.name,
        ),
      ];
    }
    if (!mesh.multiNetwork) {
      return [
        finding(
          'MESH809',
          'information',
          'Ambient multicluster (alpha since Istio 1.27) is supported for clusters in different networks; with every cluster in one network it is untested. Give each cluster its own network, with an east-west gateway.',
          at,
          ambient.name,
        ),
      ];
    }
    return [];
  },
};

interface SailKindFacts {
  specKeys: string[];
  valuesKeys: string[];
  globalKeys: string[];
}
/** The fields of the Sail Operator's CRDs (generated by scripts/generate-chart-keys.mjs), by kind. */
const SAIL_KEYS = (chartKeys as unknown as { sail: Record<string, SailKindFacts> }).sail;

/** The CRD facts of a Sail Operator resource (`sailoperator.io` Istio, IstioCNI, ZTunnel), else undefined. */
function sailKindFacts(resource: Resource): SailKindFacts | undefined {
  return resource.apiVersion.startsWith('sailoperator.io/') && Object.hasOwn(SAIL_KEYS, resource.kind) ? SAIL_KEYS[resource.kind] : undefined;
}

/**
 * MESH810: a Sail resource with a `spec` field its CRD does not have — `spec.global` (a doc mistake),
 * `spec.meshConfig`, ...: the CRD is structural, so the API server drops the field without a word.
 */
export const sailUnknownSpecField: ResourceRule = {
  scope: 'resource',
  code: 'MESH810',
  title: 'Sail Operator setting outside spec.values',
  severity: 'error',
  check(resource) {
    const facts = sailKindFacts(resource);
    const spec = resource.get(['spec']);
    if (!facts || !isRecord(spec)) return [];
    return Object.keys(spec)
      .filter((key) => !facts.specKeys.includes(key))
      .map((key): Finding => {
        const value = spec[key];
        const inner =
          key === 'global' && isRecord(value)
            ? Object.keys(value)
                .map((k) => `global.${k}`)
                .join(', ')
            : undefined;
        const message =
          inner !== undefined
            ? `The Sail Operator's ${resource.kind} has no spec.global: ${inner} here is dropped by the API server (the CRD prunes unknown fields). Helm values go under spec.values, as spec.values.global.`
            : `The Sail Operator's ${resource.kind} has no spec.${key}: the API server drops it (the CRD prunes unknown fields)` +
              (facts.valuesKeys.includes(key)
                ? `. ${key} is a Helm value: move it under spec.values, as spec.values.${key}.`
                : `; its spec has ${facts.specKeys.join(', ')}.`);
        return { code: 'MESH810', severity: 'error', message, location: resource.location(['spec', key], 'key') };
      });
  },
};

/** MESH811 for a Sail resource: `spec.values` keys (and `spec.values.global` keys) its CRD does not have. */
function unknownSailValues(resource: Resource, facts: SailKindFacts): Finding[] {
  const values = resource.get(['spec', 'values']);
  if (!isRecord(values)) return [];
  const unknown = Object.keys(values)
    .filter((k) => !facts.valuesKeys.includes(k))
    .map((k) => [k]);
  if (isRecord(values.global))
    unknown.push(
      ...Object.keys(values.global)
        .filter((k) => !facts.globalKeys.includes(k))
        .map((k) => ['global', k]),
    );
  return unknown.map((path) => ({
    code: 'MESH811',
    severity: 'warning',
    message: `\`${path.join('.')}\` is not a value of the Sail Operator's ${resource.kind} (spec.values): its CRD prunes unknown fields, so whatever it was meant to set keeps its default.`,
    location: resource.location(['spec', 'values', ...path], 'key'),
  }));
}

interface ChartKeyFacts {
  keys: string[];
  globalKeys?: string[];
}
const CHART_KEYS = (chartKeys as { charts: Record<string, ChartKeyFacts> }).charts;

/**
 * The `global` keys that the templates of the chart whose values file is `valuesFile` read themselves
 * (`.Values.global.exposeNamespace`): Helm gives an umbrella chart's `global` to its own templates as well as to
 * every subchart, so such a key is used even where the subchart has no value of that name.
 */
function globalKeysReadByOwnTemplates(mesh: MeshModel, valuesFile: string): Set<string> {
  const templates = join(dirname(valuesFile), 'templates') + sep;
  const keys = new Set<string>();
  const files = new Set(mesh.resources.filter((r) => r.file.startsWith(templates) && r.doc.file.template).map((r) => r.doc.file));
  for (const file of files) for (const match of file.text.matchAll(/\.Values\.global\.([A-Za-z_][\w-]*)/g)) keys.add(match[1]);
  return keys;
}

/** MESH811: values a chart does not have (judged against the chart's own values; see scripts/generate-chart-keys.mjs). */
export const unknownChartValue: MeshRule = {
  scope: 'mesh',
  code: 'MESH811',
  title: 'A value the chart does not have',
  severity: 'warning',
  check(mesh) {
    const findings: Finding[] = [];
    // A value written once in a file every release reads (an umbrella's values.yaml) is one mistake.
    const reported = new Set<string>();
    for (const install of mesh.installs) {
      const sail = sailKindFacts(install.resource);
      if (sail) {
        findings.push(...unknownSailValues(install.resource, sail));
        continue;
      }
      const chart = chartOf(install);
      const facts = chart ? CHART_KEYS[chart] : undefined;
      if (!facts || !install.values) continue;
      const top = install.values.get([]);
      if (!isRecord(top)) continue;
      const unknown: { path: string[]; where: string }[] = Object.keys(top)
        .filter((k) => !facts.keys.includes(k))
        .map((k) => ({ path: [k], where: `the ${chart} chart` }));
      const global = top.global;
      if (facts.globalKeys && isRecord(global))
        unknown.push(
          ...Object.keys(global)
            .filter((k) => !facts.globalKeys!.includes(k))
            .map((k) => ({ path: ['global', k], where: `global in the ${chart} chart` })),
        );
      for (const { path, where } of unknown) {
        const key = path.join('.');
        const location = install.values.located(path, key).location('key');
        if (path[0] === 'global' && globalKeysReadByOwnTemplates(mesh, location.file).has(path[1])) continue;
        const written = `${location.file}:${location.range.start.line}:${location.range.start.character}`;
        if (reported.has(written)) continue;
        reported.add(written);
        findings.push({
          code: 'MESH811',
          severity: 'warning',
          message: `\`${key}\` is not a value of ${where}: Helm ignores it, so whatever it was meant to set keeps its default.`,
          location,
        });
      }
    }
    return findings;
  },
};

export const INSTALL_SOURCE_RULES = [
  releasesDisagree,
  helmRemoteWithoutProfile,
  removedIstiodRemoteChart,
  controlPlaneVersionSkew,
  ambientSidecarMix,
  ambientMultiNetworkFlag,
  ambientGatewayNotHbone,
  ztunnelIdentityMismatch,
  ambientUnsupportedModel,
  sailUnknownSpecField,
  unknownChartValue,
];

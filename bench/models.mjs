// Small synthetic meshes of every model the engine reads, for tests that run every rule over each: a topology
// (multi-primary, primary-remote, external control plane, ambient) on one network or several, installed in one of
// the forms people write (IstioOperator, Helm values, Sail Operator, Flux HelmReleases, Argo CD Applications,
// ApplicationSets, kustomize overlays). What a cluster installs is planned once as Helm releases (chart, namespace,
// values); each form then writes those releases its own way. The plain resources (namespaces, expose-istiod and
// expose-services, cacerts, remote secrets, applications) are bench/generate.mjs's.
//
//   node bench/models.mjs --topology primary-remote --install flux --network multi-network --clusters 3 --out DIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { application, cacertsSecret, clusterName, eastWestAddress, networkName, remoteSecret, seededRandom } from './generate.mjs';

const require = createRequire(import.meta.url);
const { dump } = require('js-yaml');
const { eastWestGatewayOperator, exposeIstiod, exposeServicesGateway } = require('../out/server/src/generators/eastWest.js');

export const TOPOLOGIES = ['multi-primary', 'primary-remote', 'external-control-plane', 'ambient'];
export const INSTALL_FORMS = ['operator', 'helm', 'sail', 'flux', 'argocd', 'applicationset', 'kustomize'];
export const NETWORKS = ['multi-network', 'single-network'];

const ISTIO_VERSION = '1.27.1';
const CHARTS_URL = 'https://istio-release.storage.googleapis.com/charts';
const EXTERNAL_NAMESPACE = 'external-istiod';
/** The cluster that hosts the external istiod; its folder and name. */
const EXTERNAL_HOST = 'external';
/** Where remotes reach the external istiod: the host's gateway (index 0 of bench/generate.mjs's addresses). */
const EXTERNAL_ADDRESS = eastWestAddress(0);

// ---------- the plan: per cluster, its role, its Helm releases and its plain resources ----------

/**
 * One cluster of the mesh. `index` numbers its PKI and secrets as bench/generate.mjs does; `holds` are the clusters
 * whose remote secrets it holds; `controlledBy` the primary named in its istio-system annotation.
 */
function clusterPlan(name, index, network, namespace) {
  return {
    name,
    index,
    network,
    namespace,
    releases: [],
    holds: [],
    controlledBy: undefined,
    exposeIstiod: false,
    exposeServices: false,
    cacerts: false,
    ambient: false,
  };
}

function globalValues(cluster, extra = {}) {
  return { meshID: 'mesh1', multiCluster: { clusterName: cluster.name }, network: cluster.network, ...extra };
}

function eastWestRelease(cluster) {
  return {
    chart: 'gateway',
    release: 'istio-eastwestgateway',
    namespace: cluster.namespace,
    values: { name: 'istio-eastwestgateway', networkGateway: cluster.network },
  };
}

/** The selector of the gateway that exposes a cluster's istiod. */
function istiodGatewaySelector(cluster) {
  const gateway = cluster.releases.find((r) => r.chart === 'gateway');
  return gateway?.values.networkGateway ? { istio: 'eastwestgateway' } : { istio: 'ingressgateway' };
}

/** The clusters of a topology with what each installs. `count` is the number of mesh member clusters (2–3). */
export function planMesh(topology, network, count) {
  const networkOf = (i) => (network === 'multi-network' ? networkName(i) : networkName(1));
  const multiNetwork = network === 'multi-network';
  const members = Array.from({ length: count }, (_, k) =>
    clusterPlan(clusterName(k + 1), k + 1, networkOf(k + 1), topology === 'external-control-plane' ? EXTERNAL_NAMESPACE : 'istio-system'),
  );
  const clusters = [...members];
  switch (topology) {
    case 'multi-primary':
    case 'ambient':
      for (const cluster of members) {
        const ambient = topology === 'ambient';
        cluster.ambient = ambient;
        cluster.cacerts = true;
        cluster.holds = members.filter((m) => m !== cluster);
        cluster.releases.push({
          chart: 'istiod',
          release: 'istiod',
          namespace: cluster.namespace,
          values: ambient
            ? { profile: 'ambient', global: globalValues(cluster), pilot: { env: { AMBIENT_ENABLE_MULTI_NETWORK: 'true' } } }
            : { global: globalValues(cluster) },
        });
        if (ambient) {
          cluster.releases.push({ chart: 'cni', release: 'istio-cni', namespace: 'istio-cni', values: { profile: 'ambient' } });
          cluster.releases.push({
            chart: 'ztunnel',
            release: 'ztunnel',
            namespace: 'ztunnel',
            values: { multiCluster: { clusterName: cluster.name }, network: cluster.network },
          });
        } else if (multiNetwork) {
          cluster.releases.push(eastWestRelease(cluster));
          cluster.exposeServices = true;
        }
      }
      break;
    case 'primary-remote': {
      const [primary, ...remotes] = members;
      primary.cacerts = true;
      primary.holds = remotes;
      primary.exposeIstiod = true;
      primary.exposeServices = multiNetwork;
      primary.releases.push({
        chart: 'istiod',
        release: 'istiod',
        namespace: primary.namespace,
        values: { global: globalValues(primary, { externalIstiod: true }) },
      });
      primary.releases.push(eastWestRelease(primary));
      for (const remote of remotes) {
        remote.controlledBy = primary;
        remote.exposeServices = multiNetwork;
        remote.releases.push({
          chart: 'istiod',
          release: 'istiod',
          namespace: remote.namespace,
          values: {
            profile: 'remote',
            global: globalValues(remote, { remotePilotAddress: eastWestAddress(primary.index) }),
            istiodRemote: { injectionPath: `/inject/cluster/${remote.name}/net/${remote.network}` },
          },
        });
        if (multiNetwork) remote.releases.push(eastWestRelease(remote));
      }
      break;
    }
    case 'external-control-plane': {
      // The host runs the first member's istiod (and nothing of the mesh itself); that member is the config cluster.
      const [configCluster, ...remotes] = members;
      const host = clusterPlan(EXTERNAL_HOST, 0, configCluster.network, EXTERNAL_NAMESPACE);
      host.cacerts = true;
      host.holds = remotes;
      host.exposeIstiod = true;
      host.releases.push({
        chart: 'istiod',
        release: 'istiod',
        namespace: EXTERNAL_NAMESPACE,
        values: {
          global: { istioNamespace: EXTERNAL_NAMESPACE, meshID: 'mesh1', network: configCluster.network, externalIstiod: true },
          pilot: { env: { EXTERNAL_ISTIOD: 'true', LOCAL_CLUSTER_SECRET_WATCHER: 'true', CLUSTER_ID: configCluster.name, SHARED_MESH_CONFIG: 'istio' } },
        },
      });
      // As in the docs, an ingress gateway (no network's east-west gateway) exposes the external istiod to the remotes.
      host.releases.push({
        chart: 'gateway',
        release: 'istio-ingressgateway',
        namespace: EXTERNAL_NAMESPACE,
        values: { name: 'istio-ingressgateway', labels: { istio: 'ingressgateway' } },
      });
      for (const member of members) {
        member.exposeServices = multiNetwork;
        member.releases.push({
          chart: 'istiod',
          release: 'istiod',
          namespace: EXTERNAL_NAMESPACE,
          values: {
            profile: 'remote',
            global: {
              istioNamespace: EXTERNAL_NAMESPACE,
              meshID: 'mesh1',
              multiCluster: { clusterName: member.name },
              network: member.network,
              ...(member === configCluster ? { configCluster: true } : { remotePilotAddress: EXTERNAL_ADDRESS }),
            },
            istiodRemote: { injectionURL: `https://${EXTERNAL_ADDRESS}:15017/inject/cluster/${member.name}/net/${member.network}` },
          },
        });
        if (multiNetwork) member.releases.push(eastWestRelease(member));
      }
      clusters.unshift(host);
      break;
    }
    default:
      throw new Error(`unknown topology ${topology} (one of ${TOPOLOGIES.join(', ')})`);
  }
  return clusters;
}

// ---------- plain resources ----------

const yaml = (object) => dump(object, { lineWidth: -1, noRefs: true });
const documents = (objects) => objects.map(yaml).join('---\n');

function namespacesOf(cluster, apps) {
  const metadata = { name: cluster.namespace, labels: { 'topology.istio.io/network': cluster.network } };
  if (cluster.controlledBy) metadata.annotations = { 'topology.istio.io/controlPlaneClusters': cluster.controlledBy.name };
  const objects = [{ apiVersion: 'v1', kind: 'Namespace', metadata }];
  if (apps) {
    const labels = cluster.ambient ? { 'istio.io/dataplane-mode': 'ambient' } : { 'istio-injection': 'enabled' };
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-00', labels } });
  }
  return documents(objects);
}

/** Ambient clusters cross networks through a Gateway API east-west gateway (HBONE), whatever installs istiod. */
function ambientEastWestGateway(cluster) {
  return yaml({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'istio-eastwestgateway', namespace: cluster.namespace, labels: { 'topology.istio.io/network': cluster.network } },
    spec: {
      gatewayClassName: 'istio-east-west',
      listeners: [
        { name: 'mesh', port: 15008, protocol: 'HBONE', tls: { mode: 'Terminate', options: { 'gateway.istio.io/tls-terminate-mode': 'ISTIO_MUTUAL' } } },
      ],
    },
  });
}

/** The files of a cluster that no install form changes, by file name. */
function plainFiles(cluster, apps, multiNetwork) {
  const files = new Map([['namespaces.yaml', namespacesOf(cluster, apps)]]);
  if (cluster.ambient && multiNetwork) files.set('eastwest-gateway.yaml', ambientEastWestGateway(cluster));
  if (cluster.exposeIstiod) files.set('expose-istiod.yaml', exposeIstiod(cluster.name, cluster.namespace, istiodGatewaySelector(cluster)));
  if (cluster.exposeServices) files.set('expose-services.yaml', exposeServicesGateway(cluster.name, cluster.namespace));
  if (cluster.cacerts) files.set('cacerts.yaml', cacertsSecret(cluster.index, cluster.namespace));
  if (cluster.holds.length) files.set('remote-secrets.yaml', cluster.holds.map((target) => remoteSecret(target.index, cluster.namespace)).join('---\n'));
  if (apps) {
    const random = seededRandom(cluster.index * 7919 + apps);
    files.set('apps.yaml', Array.from({ length: apps }, (_, app) => application(cluster.index, app, random)).join('---\n'));
  }
  return files;
}

// ---------- install forms: how each writes a cluster's releases ----------

/** Helm's `profile` value is the IstioOperator's and the Sail `Istio`'s spec.profile. */
function splitProfile(values) {
  const { profile, ...rest } = values;
  return { profile, values: rest };
}

function istioOperator(cluster, release, name = `${cluster.name}-${release.release}`) {
  const { profile, values } = splitProfile(release.values);
  return {
    apiVersion: 'install.istio.io/v1alpha1',
    kind: 'IstioOperator',
    metadata: { name, namespace: release.namespace },
    spec: { ...(profile ? { profile } : {}), values },
  };
}

/** An ingress gateway as an IstioOperator adds it: istiod's discovery and webhook ports. */
function ingressGatewayOperator(release) {
  const ports = [
    ['status-port', 15021],
    ['tls-istiod', 15012],
    ['tls-webhook', 15017],
  ].map(([name, port]) => ({ name, port, targetPort: port }));
  return yaml({
    apiVersion: 'install.istio.io/v1alpha1',
    kind: 'IstioOperator',
    metadata: { name: release.release, namespace: release.namespace },
    spec: {
      profile: 'empty',
      components: { ingressGateways: [{ name: release.values.name, enabled: true, label: release.values.labels, k8s: { service: { ports } } }] },
    },
  });
}

/** IstioOperator form: istiod as an IstioOperator, gateways as the generator writes them; ambient's cni and ztunnel come with profile ambient. */
function operatorDocuments(cluster, release) {
  if (release.chart === 'istiod') return yaml(istioOperator(cluster, release));
  if (release.chart === 'gateway')
    return release.values.networkGateway ? eastWestGatewayOperator(cluster.name, cluster.network) : ingressGatewayOperator(release);
  return undefined;
}

function helmValuesFile(cluster, release) {
  return `# istio-mesh: cluster=${cluster.name} chart=${release.chart}\n# helm install ${release.release} istio/${release.chart} -n ${release.namespace} --kube-context ${cluster.name}\n${yaml(release.values)}`;
}

function sailResource(release) {
  const { profile, values } = splitProfile(release.values);
  if (release.chart === 'istiod')
    return {
      apiVersion: 'sailoperator.io/v1',
      kind: 'Istio',
      metadata: { name: 'default' },
      spec: { version: `v${ISTIO_VERSION}`, namespace: release.namespace, ...(profile ? { profile } : {}), values },
    };
  if (release.chart === 'cni')
    return {
      apiVersion: 'sailoperator.io/v1',
      kind: 'IstioCNI',
      metadata: { name: 'default' },
      spec: { namespace: release.namespace, ...(profile ? { profile } : {}) },
    };
  return {
    apiVersion: 'sailoperator.io/v1',
    kind: 'ZTunnel',
    metadata: { name: 'default' },
    spec: { namespace: release.namespace, values: { ztunnel: values } },
  };
}

function helmRelease(cluster, release) {
  return {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: `${cluster.name}-${release.release}`, namespace: 'flux-system' },
    spec: {
      interval: '10m',
      releaseName: release.release,
      targetNamespace: release.namespace,
      kubeConfig: { secretRef: { name: `${cluster.name}-kubeconfig` } },
      chart: { spec: { chart: release.chart, version: ISTIO_VERSION, sourceRef: { kind: 'HelmRepository', name: 'istio' } } },
      values: release.values,
    },
  };
}

function argoApplicationSpec(release, destination, values) {
  return {
    project: 'default',
    source: { repoURL: CHARTS_URL, chart: release.chart, targetRevision: ISTIO_VERSION, helm: { releaseName: release.release, valuesObject: values } },
    destination: { name: destination, namespace: release.namespace },
  };
}

function argoApplication(cluster, release) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: `${cluster.name}-${release.release}`, namespace: 'argocd' },
    spec: argoApplicationSpec(release, cluster.name, release.values),
  };
}

/**
 * ApplicationSets: the releases of all clusters that differ only by cluster name and network become one set, a list
 * generator with an element per cluster and `{{.cluster}}`/`{{.network}}` in the template.
 */
function applicationSets(clusters) {
  const groups = new Map();
  for (const cluster of clusters) {
    for (const release of cluster.releases) {
      const template = JSON.stringify(release.values).replaceAll(cluster.name, '{{.cluster}}').replaceAll(cluster.network, '{{.network}}');
      const key = `${release.chart}\0${release.release}\0${release.namespace}\0${template}`;
      const group = groups.get(key) ?? { release, template, elements: [] };
      group.elements.push({ cluster: cluster.name, network: cluster.network });
      groups.set(key, group);
    }
  }
  return [...groups.values()].map((group, index) => ({
    path: `applicationsets/${String(index + 1).padStart(2, '0')}-${group.release.release}.yaml`,
    text: yaml({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: `${group.release.release}-${index + 1}`, namespace: 'argocd' },
      spec: {
        goTemplate: true,
        generators: [{ list: { elements: group.elements } }],
        template: {
          metadata: { name: `{{.cluster}}-${group.release.release}` },
          spec: argoApplicationSpec(group.release, '{{.cluster}}', JSON.parse(group.template)),
        },
      },
    }),
  }));
}

/**
 * kustomize: a base with the control plane every cluster shares (its meshID), and an overlay per cluster that patches
 * in the cluster's own values and lists the cluster's other files.
 */
function kustomizeFiles(clusters, plain) {
  const files = [
    {
      path: 'base/kustomization.yaml',
      text: yaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['control-plane.yaml'] }),
    },
  ];
  const namespaces = new Set(clusters.map((c) => c.releases.find((r) => r.chart === 'istiod').namespace));
  if (namespaces.size > 1) throw new Error('the kustomize form shares one control plane namespace');
  files.push({
    path: 'base/control-plane.yaml',
    text: yaml({
      apiVersion: 'install.istio.io/v1alpha1',
      kind: 'IstioOperator',
      metadata: { name: 'control-plane', namespace: [...namespaces][0] },
      spec: { values: { global: { meshID: 'mesh1' } } },
    }),
  });
  for (const cluster of clusters) {
    const folder = `overlays/${cluster.name}`;
    const resources = ['../../base'];
    for (const release of cluster.releases) {
      if (release.chart === 'gateway') {
        files.push({ path: `${folder}/${release.release}.yaml`, text: operatorDocuments(cluster, release) });
        resources.push(`${release.release}.yaml`);
      }
    }
    for (const [name, text] of plain.get(cluster)) {
      files.push({ path: `${folder}/${name}`, text });
      resources.push(name);
    }
    files.push({
      path: `${folder}/control-plane.yaml`,
      text: yaml(
        istioOperator(
          cluster,
          cluster.releases.find((r) => r.chart === 'istiod'),
          'control-plane',
        ),
      ),
    });
    files.push({
      path: `${folder}/kustomization.yaml`,
      text: yaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources, patches: [{ path: 'control-plane.yaml' }] }),
    });
  }
  return files;
}

/** The mesh's files (path relative to the mesh folder, text) for a topology, install form and network layout. */
export function meshFiles({ topology, install, network, clusters: count = 2, apps = 1 }) {
  if (!INSTALL_FORMS.includes(install)) throw new Error(`unknown install form ${install} (one of ${INSTALL_FORMS.join(', ')})`);
  if (!NETWORKS.includes(network)) throw new Error(`unknown network layout ${network} (one of ${NETWORKS.join(', ')})`);
  const clusters = planMesh(topology, network, count);
  const plain = new Map(clusters.map((c) => [c, plainFiles(c, apps, network === 'multi-network')]));
  if (install === 'kustomize') return kustomizeFiles(clusters, plain);
  if (install === 'applicationset') {
    const files = applicationSets(clusters);
    // No install sits beside these files to give the folder its cluster: their names say it.
    for (const cluster of clusters) for (const [name, text] of plain.get(cluster)) files.push({ path: `${cluster.name}/${cluster.name}-${name}`, text });
    return files;
  }
  const files = [];
  for (const cluster of clusters) {
    const add = (name, text) => files.push({ path: `${cluster.name}/${name}`, text });
    for (const [name, text] of plain.get(cluster)) add(name, text);
    switch (install) {
      case 'operator':
        for (const release of cluster.releases) {
          const text = operatorDocuments(cluster, release);
          if (text) add(`${release.release}.yaml`, text);
        }
        break;
      case 'helm':
        for (const release of cluster.releases) add(`${release.release}-values.yaml`, helmValuesFile(cluster, release));
        break;
      case 'sail':
        for (const release of cluster.releases) {
          if (release.chart === 'gateway') add(`${release.release}-values.yaml`, helmValuesFile(cluster, release));
          else add(`${release.release}.yaml`, yaml(sailResource(release)));
        }
        break;
      case 'flux':
        add('istio-releases.yaml', documents(cluster.releases.map((release) => helmRelease(cluster, release))));
        break;
      case 'argocd':
        add('istio-applications.yaml', documents(cluster.releases.map((release) => argoApplication(cluster, release))));
        break;
    }
  }
  return files;
}

/** Writes the mesh into `out`; returns the paths written. */
export function writeModelMesh(options, out) {
  const written = [];
  for (const { path, text } of meshFiles(options)) {
    const full = join(out, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    written.push(full);
  }
  return written;
}

function parseArgs(argv) {
  const options = { topology: 'multi-primary', install: 'operator', network: 'multi-network', clusters: 2, apps: 1, out: 'model-mesh' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i].replace(/^--/, '');
    if (!(flag in options)) throw new Error(`unknown argument ${argv[i]}`);
    options[flag] = ['clusters', 'apps'].includes(flag) ? Number(argv[++i]) : argv[++i];
  }
  return options;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const options = parseArgs(process.argv.slice(2));
  console.log(`${options.out}: ${writeModelMesh(options, options.out).length} files`);
}

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { dump } from 'js-yaml';

/** The istio.io models whose Helm tab is recorded in helm-installs.json. */
export const HELM_MODELS = [
  'multi-primary',
  'multi-primary_multi-network',
  'primary-remote',
  'primary-remote_multi-network',
  'ambient-multi-primary_multi-network',
] as const;

interface HelmInstall {
  cluster: string;
  release: string;
  chart: string;
  namespace: string;
  values: Record<string, unknown>;
}

interface ClusterConfig {
  name: string;
  role?: string;
  clusterName?: string | null;
  network?: string | null;
  meshID?: string | null;
  installConfig?: string;
  appliedFilesInOrder?: string[];
  namespaceLabels?: Record<string, Record<string, string>>;
  namespaceAnnotations?: Record<string, Record<string, string>>;
}

export interface ModelConfig {
  controlPlane: string;
  sameNetwork: boolean;
  clusters: ClusterConfig[];
}

export function readModelConfig(path: string): ModelConfig {
  return JSON.parse(readFileSync(path, 'utf8')) as ModelConfig;
}

/** Files of an IstioOperator install that the Helm tab replaces with releases. */
function replacedByHelm(file: string, cluster: string): boolean {
  return basename(file) === `${cluster}.yaml` || basename(file) === `${cluster}-eastwest-gateway.yaml`;
}

/**
 * A docs model installed the Helm way, laid out as a user keeps it: one folder per cluster, each Helm release
 * a values file named after it with a `# istio-mesh: cluster=... chart=...` directive, beside the other
 * files the docs apply (namespaces, expose-istiod/expose-services, the ambient east-west Gateway).
 */
export function layOutHelmModel(reference: string, model: string): { root: string; config: ModelConfig } {
  const folder = join(reference, 'istio.io', model);
  const config = readModelConfig(join(folder, 'cluster-config.json'));
  const installs = (JSON.parse(readFileSync(join(folder, 'helm-installs.json'), 'utf8')) as { installs: HelmInstall[] }).installs;
  const root = mkdtempSync(join(tmpdir(), `istio-mesh-helm-${model}-`));
  for (const cluster of config.clusters) {
    const clusterDir = join(root, cluster.name);
    mkdirSync(clusterDir, { recursive: true });
    for (const file of cluster.appliedFilesInOrder ?? []) {
      if (!replacedByHelm(file, cluster.name)) copyFileSync(join(reference, file), join(clusterDir, basename(file)));
    }
  }
  for (const install of installs) {
    const chart = install.chart.split('/').pop();
    const header = `# istio-mesh: cluster=${install.cluster} chart=${chart}\n# helm install ${install.release} ${install.chart} -n ${install.namespace}\n`;
    writeFileSync(join(root, install.cluster, `${install.release}-values.yaml`), header + dump(install.values));
  }
  return { root, config };
}

/** A Sail Operator model: each cluster's resources in its own folder, with the istio-system Namespace the doc labels imperatively. */
export function layOutSailModel(reference: string, model: string): { root: string; config: ModelConfig } {
  const folder = join(reference, 'sail-operator', model);
  const config = readModelConfig(join(folder, 'cluster-config.json'));
  const root = mkdtempSync(join(tmpdir(), `istio-mesh-sail-${model}-`));
  for (const cluster of config.clusters) {
    const clusterDir = join(root, cluster.name);
    mkdirSync(clusterDir, { recursive: true });
    copyFileSync(join(folder, `${cluster.name}.yaml`), join(clusterDir, `${cluster.name}.yaml`));
    for (const [namespace, labels] of Object.entries(cluster.namespaceLabels ?? {})) {
      const annotations = cluster.namespaceAnnotations?.[namespace];
      const object = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels, ...(annotations ? { annotations } : {}) } };
      writeFileSync(join(clusterDir, `${namespace}-namespace.yaml`), dump(object));
    }
  }
  return { root, config };
}

export function sailModels(reference: string): string[] {
  const folder = join(reference, 'sail-operator');
  return readdirSync(folder)
    .filter((name) => existsSync(join(folder, name, 'cluster-config.json')))
    .sort();
}

/** The GitOps example tools (flux, argocd). */
export function gitopsTools(reference: string): string[] {
  return readdirSync(join(reference, 'gitops'))
    .filter((name) => !name.includes('.'))
    .sort();
}

/**
 * A GitOps example laid out per cluster, with the samples the docs apply by kubectl beside it
 * (expose-istiod/expose-services are not Helm releases, so the examples leave them out).
 */
export function layOutGitopsModel(reference: string, tool: string, model = 'primary-remote_multi-network'): { root: string; config: ModelConfig } {
  const config = readModelConfig(join(reference, 'istio.io', model, 'cluster-config.json'));
  const root = mkdtempSync(join(tmpdir(), `istio-mesh-${tool}-`));
  for (const cluster of config.clusters) {
    const clusterDir = join(root, cluster.name);
    mkdirSync(clusterDir, { recursive: true });
    copyFileSync(join(reference, 'gitops', tool, `${model}-${cluster.name}.yaml`), join(clusterDir, `${model}-${cluster.name}.yaml`));
    for (const file of cluster.appliedFilesInOrder ?? []) {
      if (basename(file).startsWith('expose-')) copyFileSync(join(reference, file), join(clusterDir, basename(file)));
    }
  }
  return { root, config };
}

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** The istio.io multicluster models whose install files are IstioOperators (the ambient one uses Gateway API). */
export const OFFICIAL_MODELS = ['multi-primary', 'multi-primary_multi-network', 'primary-remote', 'primary-remote_multi-network'] as const;

export interface ReferenceCluster {
  name: string;
  role: string;
  clusterName: string;
  network: string;
  meshID: string | null;
  appliedFilesInOrder: string[];
}

export interface ReferenceModel {
  model: string;
  sameNetwork: boolean;
  controlPlane: string;
  clusters: ReferenceCluster[];
}

export function readReferenceModel(reference: string, model: string): ReferenceModel {
  return JSON.parse(readFileSync(join(reference, 'istio.io', model, 'cluster-config.json'), 'utf8')) as ReferenceModel;
}

/**
 * Lays a model out in a temp dir as a user would keep it: one folder per cluster with the files the docs
 * apply to that cluster (the shared samples copied into each). `resolved` uses the remote install config
 * with ${DISCOVERY_ADDRESS} filled in, where the model has one.
 */
export function layOutModel(reference: string, model: string, options: { resolved?: boolean } = {}): { root: string; config: ReferenceModel } {
  const config = readReferenceModel(reference, model);
  const root = mkdtempSync(join(tmpdir(), `istio-mesh-${model}-`));
  for (const cluster of config.clusters) {
    const folder = join(root, cluster.name);
    mkdirSync(folder, { recursive: true });
    for (const file of cluster.appliedFilesInOrder) {
      let source = join(reference, file);
      if (options.resolved && basename(file) === `${cluster.name}.yaml`) {
        const resolved = source.replace(/\.yaml$/, '.resolved.yaml');
        try {
          readFileSync(resolved);
          source = resolved;
        } catch {
          // no resolved variant for this cluster: the file as written
        }
      }
      copyFileSync(source, join(folder, basename(file)));
    }
  }
  return { root, config };
}

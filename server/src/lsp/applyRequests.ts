import { readFileSync } from 'node:fs';
import type { Connection } from 'vscode-languageserver/node';
import type { AnalysisResult } from '../engine/analysis';
import type { Workspace } from '../engine/workspace';
import type { MeshSettings } from '../mesh/model';
import { meshClusters, type MeshCluster } from '../apply/meshClusters';
import { knownValueLookup, planApply, type ApplyPlan } from '../apply/plan';
import { variablesSetting } from '../apply/variables';
import { uriToPath } from './convert';

/** What the extension's apply commands ask the server (which holds the model and the unsaved buffers). */
export const APPLY_PLAN_REQUEST = 'istioMesh/applyPlan';
export const CLUSTER_OF_REQUEST = 'istioMesh/clusterOf';
export const MESH_CLUSTERS_REQUEST = 'istioMesh/meshClusters';

export interface ApplyPlanParams {
  /** File URIs; absent for every file (with `clusters`). */
  uris?: string[];
  /** Cluster keys (`prod/cluster1`, see apply/meshClusters.ts). */
  clusters?: string[];
  /** The setting `istioMesh.variables`: values of template variables. */
  variables?: Record<string, string>;
}

export interface MeshClustersResult {
  /** Every cluster of every mesh, with the mesh it belongs to and the context the settings give it. */
  clusters: MeshCluster[];
}

export interface ApplyRequestState {
  workspace: Workspace;
  result: AnalysisResult;
  settings: MeshSettings;
  /** The text of an open document, if the file is open. */
  openText: (path: string) => string | undefined;
}

function isUnsaved(path: string, text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    return readFileSync(path, 'utf8') !== text;
  } catch {
    return true; // not on disk at all: only the buffer exists
  }
}

/** Registers the apply requests; `state` gives a freshly analysed view of the workspace. */
export function registerApplyRequests(connection: Connection, state: () => ApplyRequestState | undefined): void {
  connection.onRequest(APPLY_PLAN_REQUEST, (params: ApplyPlanParams): ApplyPlan | null => {
    const current = state();
    if (!current) return null;
    const files = params.uris?.flatMap((uri) => uriToPath(uri) ?? []);
    const unsaved = new Set(current.workspace.allFiles().filter((f) => isUnsaved(f.path, current.openText(f.path))).map((f) => f.path));
    return planApply({
      files: current.workspace.allFiles(),
      meshes: current.result.meshes,
      findings: current.result.findings,
      settings: current.settings,
      selection: { files, clusters: params.clusters },
      unsavedFiles: unsaved,
      // The server runs with the extension host's environment.
      lookupValue: knownValueLookup(new Map(), variablesSetting(params.variables), process.env),
    });
  });
  connection.onRequest(CLUSTER_OF_REQUEST, (params: { uri: string }): MeshClustersResult => {
    const current = state();
    const path = uriToPath(params.uri);
    const file = path ? current?.workspace.getFile(path) : undefined;
    if (!current || !file) return { clusters: [] };
    const all = meshClusters(current.result.meshes, current.settings);
    const keys = new Set<string>();
    for (const cluster of all) {
      const mesh = current.result.meshes.find((m) => m.root === cluster.root);
      if (mesh && file.resources.some((r) => mesh.assignments.get(r)?.clusters.includes(cluster.name))) keys.add(cluster.key);
    }
    return { clusters: all.filter((c) => keys.has(c.key)) };
  });
  connection.onRequest(MESH_CLUSTERS_REQUEST, (): MeshClustersResult => {
    const current = state();
    return { clusters: current ? meshClusters(current.result.meshes, current.settings) : [] };
  });
}


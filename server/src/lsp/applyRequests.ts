import { readFileSync } from 'node:fs';
import type { Connection } from 'vscode-languageserver/node';
import type { AnalysisResult } from '../engine/analysis';
import type { Workspace } from '../engine/workspace';
import type { MeshSettings } from '../mesh/model';
import { planApply, type ApplyPlan } from '../apply/plan';
import { uriToPath } from './convert';

/** What the extension's apply commands ask the server (which holds the model and the unsaved buffers). */
export const APPLY_PLAN_REQUEST = 'istioMesh/applyPlan';
export const CLUSTER_OF_REQUEST = 'istioMesh/clusterOf';
export const MESH_CLUSTERS_REQUEST = 'istioMesh/meshClusters';

export interface ApplyPlanParams {
  /** File URIs; absent for every file (with `clusters`). */
  uris?: string[];
  clusters?: string[];
}

export interface ClusterOfResult {
  /** The clusters the file's documents belong to, in document order. */
  clusters: string[];
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
    });
  });
  connection.onRequest(CLUSTER_OF_REQUEST, (params: { uri: string }): ClusterOfResult => {
    const current = state();
    const path = uriToPath(params.uri);
    const file = path ? current?.workspace.getFile(path) : undefined;
    if (!current || !file) return { clusters: [] };
    const clusters = new Set<string>();
    for (const mesh of current.result.meshes) for (const resource of file.resources) for (const name of mesh.assignments.get(resource)?.clusters ?? []) clusters.add(name);
    return { clusters: [...clusters] };
  });
  connection.onRequest(MESH_CLUSTERS_REQUEST, (): { clusters: string[] } => {
    const current = state();
    return { clusters: [...new Set(current?.result.meshes.flatMap((m) => [...m.clusters.keys()]) ?? [])].sort() };
  });
}

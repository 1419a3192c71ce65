import { readFileSync } from 'node:fs';

import type { Connection } from 'vscode-languageserver/node';

import { meshClusters } from '../apply/meshClusters';
import { type ApplyPlan, knownValueLookup, planApply } from '../apply/plan';
import { variablesSetting } from '../apply/variables';
import type { AnalysisResult } from '../engine/analysis';
import type { Workspace } from '../engine/workspace';
import type { MeshSettings } from '../mesh/model';
import { uriToPath } from './convert';
import { APPLY_PLAN_REQUEST, CLUSTER_OF_REQUEST, MESH_CLUSTERS_REQUEST, type MeshClustersResult } from './protocol';

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
  connection.onRequest(APPLY_PLAN_REQUEST, (params): ApplyPlan | null => {
    const current = state();
    if (!current) return null;
    const files = params.uris?.flatMap((uri) => uriToPath(uri) ?? []);
    const unsaved = new Set(
      current.workspace
        .allFiles()
        .filter((f) => isUnsaved(f.path, current.openText(f.path)))
        .map((f) => f.path),
    );
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
  connection.onRequest(CLUSTER_OF_REQUEST, (params): MeshClustersResult => {
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

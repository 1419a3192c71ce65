import { RequestType } from 'vscode-jsonrpc';

import type { MeshCluster } from '../apply/meshClusters';
import type { ApplyPlan } from '../apply/plan';
import type { MeshViewMesh } from '../features/meshView';
import type { Runbook } from '../runbook/runbook';

/**
 * The requests the extension sends the language server beyond LSP, in one module that both import (as
 * vscode-eslint does): a name, its parameters and its result are declared once, so the two sides cannot drift.
 */

export interface ApplyPlanParams {
  /** File URIs; absent for every file (with `clusters`). */
  uris?: string[];
  /** Cluster keys (`prod/cluster1`, see apply/meshClusters.ts). */
  clusters?: string[];
  /** The setting `istioMesh.variables`: values of template variables. */
  variables?: Record<string, string>;
}

export interface MeshClustersResult {
  /** Clusters of every mesh (or of one file), with the mesh each belongs to and the context the settings give it. */
  clusters: MeshCluster[];
}

export interface RunbookParams {
  /** Contexts the client knows beyond the settings (the user's choices in this workspace): cluster key → context. */
  contexts?: Record<string, string>;
  /** Paths in commands are relative to this folder; the first workspace folder when absent. */
  baseDir?: string;
}

export interface RunbookResult {
  runbooks: Runbook[];
  markdown: string;
}

export interface TopologyResult {
  /** Each mesh as the Istio Mesh view and the topology picture show it (features/meshView.ts). */
  meshes: MeshViewMesh[];
}

/** What applying the selection would do; null before the first analysis. */
export const APPLY_PLAN_REQUEST = new RequestType<ApplyPlanParams, ApplyPlan | null, void>('istioMesh/applyPlan');
/** The clusters (of their meshes) a file's documents belong to. */
export const CLUSTER_OF_REQUEST = new RequestType<{ uri: string }, MeshClustersResult, void>('istioMesh/clusterOf');
/** Every cluster of every mesh of the workspace. */
export const MESH_CLUSTERS_REQUEST = new RequestType<Record<string, never>, MeshClustersResult, void>('istioMesh/meshClusters');
/** The runbook of every mesh, and its Markdown. */
export const RUNBOOK_REQUEST = new RequestType<RunbookParams | undefined, RunbookResult | null, void>('istioMesh/runbook');
/** The meshes of the workspace as a model: the Istio Mesh view's rows and the topology picture's nodes and arrows. */
export const TOPOLOGY_REQUEST = new RequestType<RunbookParams | undefined, TopologyResult, void>('istioMesh/topology');

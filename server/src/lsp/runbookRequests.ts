import type { Connection } from 'vscode-languageserver/node';
import type { AnalysisResult } from '../engine/analysis';
import type { MeshSettings } from '../mesh/model';
import { contextsOfMeshes, type ContextsOfMesh } from '../apply/meshClusters';
import { buildRunbooks, type Runbook } from '../runbook/runbook';
import { formatMarkdown } from '../runbook/format';
import { topologyTree, type TopologyNode } from '../runbook/topologyTree';

/** What the extension's runbook command and topology view ask the server (which holds the model). */
export const RUNBOOK_REQUEST = 'istioMesh/runbook';
export const TOPOLOGY_REQUEST = 'istioMesh/topology';

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

export interface RunbookRequestState {
  result: AnalysisResult;
  settings: MeshSettings;
}

/** The settings' contexts, then the client's (a choice made in the editor wins over nothing, not over a setting). */
function contextsOf(current: RunbookRequestState, fromClient: Record<string, string> | undefined): ContextsOfMesh {
  const given = new Map(Object.entries(fromClient ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== ''));
  return contextsOfMeshes(current.result.meshes, current.settings, given, false);
}

/** Registers the runbook and topology requests; `state` gives a freshly analysed view of the workspace. */
export function registerRunbookRequests(connection: Connection, state: () => RunbookRequestState | undefined): void {
  connection.onRequest(RUNBOOK_REQUEST, (params: RunbookParams | undefined): RunbookResult | null => {
    const current = state();
    if (!current) return null;
    const baseDir = params?.baseDir ?? current.settings.roots[0] ?? '/';
    const findings = [...current.result.findings.values()].flat();
    const runbooks = buildRunbooks(current.result.meshes, findings, contextsOf(current, params?.contexts), baseDir);
    return { runbooks, markdown: formatMarkdown(runbooks, baseDir) };
  });
  connection.onRequest(TOPOLOGY_REQUEST, (params: RunbookParams | undefined): { meshes: TopologyNode[] } => {
    const current = state();
    if (!current) return { meshes: [] };
    const findings = [...current.result.findings.values()].flat();
    return { meshes: topologyTree(current.result.meshes, findings, contextsOf(current, params?.contexts), params?.baseDir ?? current.settings.roots[0]) };
  });
}

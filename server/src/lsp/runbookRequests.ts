import type { Connection } from 'vscode-languageserver/node';

import { type ContextsOfMesh, contextsOfMeshes } from '../apply/meshClusters';
import type { AnalysisResult } from '../engine/analysis';
import { meshView } from '../features/meshView';
import type { MeshSettings } from '../mesh/model';
import { formatMarkdown } from '../runbook/format';
import { buildRunbooks } from '../runbook/runbook';
import { RUNBOOK_REQUEST, type RunbookResult, TOPOLOGY_REQUEST, type TopologyResult } from './protocol';

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
  connection.onRequest(RUNBOOK_REQUEST, (params): RunbookResult | null => {
    const current = state();
    if (!current) return null;
    const baseDir = params?.baseDir ?? current.settings.roots[0] ?? '/';
    const findings = [...current.result.findings.values()].flat();
    const runbooks = buildRunbooks(current.result.meshes, findings, contextsOf(current, params?.contexts), baseDir);
    return { runbooks, markdown: formatMarkdown(runbooks, baseDir) };
  });
  connection.onRequest(TOPOLOGY_REQUEST, (params): TopologyResult => {
    const current = state();
    if (!current) return { meshes: [] };
    const findings = [...current.result.findings.values()].flat();
    const contexts = contextsOf(current, params?.contexts);
    return { meshes: meshView(current.result.meshes, findings, contexts, current.settings.roots, params?.baseDir ?? current.settings.roots[0]) };
  });
}

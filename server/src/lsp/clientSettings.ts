// The settings the server reads from the client (workspace/configuration): istioMesh.* and files.exclude, in the
// form the rest of the server uses. Apart so that indexing, document sync and analysis read one settings value.
import type { Connection } from 'vscode-languageserver/node';

import { type AnalysisSettings, DEFAULT_ANALYSIS_SETTINGS, normaliseSettings } from '../engine/settings';

/** The analysis settings, plus VS Code's `files.exclude` (patterns whose value is true). */
export interface ServerSettings extends AnalysisSettings {
  filesExclude: string[];
}

export const DEFAULT_SETTINGS: ServerSettings = { ...DEFAULT_ANALYSIS_SETTINGS, filesExclude: [] };

/** The client's current settings; the defaults when it cannot be asked (no `workspace/configuration`). */
export async function fetchSettings(connection: Connection, supportsConfiguration: boolean): Promise<ServerSettings> {
  if (!supportsConfiguration) return DEFAULT_SETTINGS;
  const [mesh, filesExclude] = (await connection.workspace.getConfiguration([{ section: 'istioMesh' }, { section: 'files.exclude' }])) as [
    unknown,
    Record<string, boolean> | null,
  ];
  return {
    ...normaliseSettings(mesh),
    filesExclude: Object.entries(filesExclude ?? {})
      .filter(([, on]) => on === true)
      .map(([glob]) => glob.replace(/^\*\*\//, '**/')),
  };
}

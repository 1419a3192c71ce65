import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { variablesSetting } from '../apply/variables';
import { type AnalysisSettings, DEFAULT_ANALYSIS_SETTINGS, istioMeshSection, normaliseSettings, parseJsonWithComments } from '../engine/settings';
import { UsageError } from './check';

/**
 * The settings the editor would use for these targets: `--settings FILE` when given, else the
 * `.vscode/settings.json` of the current folder or of the first folder checked. So `istio-mesh check` in CI sees
 * the same clusters as VS Code.
 */
export interface CliSettings {
  settings: AnalysisSettings;
  /** `istioMesh.protectedContexts` when the file sets it (glob patterns); only `apply` uses it. */
  protectedContexts?: string[];
  /** `istioMesh.variables`: values of template variables (`${DISCOVERY_ADDRESS}`) for `apply`. */
  variables?: Record<string, string>;
  source?: string;
}

export function loadCliSettings(targets: readonly string[], cwd: string, explicitFile?: string): CliSettings {
  const candidates = explicitFile
    ? [resolve(cwd, explicitFile)]
    : [cwd, ...targets.map((t) => resolve(cwd, t)).map((p) => (existsSync(p) && statSync(p).isDirectory() ? p : dirname(p)))].map((dir) =>
        join(dir, '.vscode', 'settings.json'),
      );
  const file = candidates.find((candidate) => existsSync(candidate));
  if (!file) {
    if (explicitFile) throw new UsageError(`no such settings file: ${explicitFile}`);
    return { settings: DEFAULT_ANALYSIS_SETTINGS };
  }
  try {
    const section = istioMeshSection(parseJsonWithComments(readFileSync(file, 'utf8')));
    const protectedContexts = Array.isArray(section.protectedContexts)
      ? section.protectedContexts.filter((p): p is string => typeof p === 'string')
      : undefined;
    const variables = variablesSetting(section.variables);
    return { settings: normaliseSettings(section), ...(protectedContexts ? { protectedContexts } : {}), ...(variables ? { variables } : {}), source: file };
  } catch (error) {
    throw new UsageError(`cannot read the settings in ${file}: ${(error as Error).message}`);
  }
}

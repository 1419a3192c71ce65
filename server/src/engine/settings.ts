import type { ClusterSetting } from '../mesh/assignment';
import type { HelmValuesSetting } from '../mesh/helmValues';
import { DEFAULT_MAX_FILE_SIZE } from '../workspace/scan';
import { RULE_LEVELS, type RuleLevel, type RuleLevels } from './tuning';

/**
 * The `istioMesh.*` settings the analysis uses, read the same way by the language server (from
 * `workspace/configuration`) and by the CLI (from the folder's `.vscode/settings.json`), so both see one mesh.
 */
export interface AnalysisSettings {
  exclude: string[];
  maxFileSize: number;
  clusters: ClusterSetting[];
  helmValues: HelmValuesSetting[];
  /** `istioMesh.rules`: `off`, `information`, `warning` or `error` per finding code. */
  rules: RuleLevels;
}

export const DEFAULT_ANALYSIS_SETTINGS: AnalysisSettings = { exclude: [], maxFileSize: DEFAULT_MAX_FILE_SIZE, clusters: [], helmValues: [], rules: {} };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : []);

const isRuleLevel = (value: unknown): value is RuleLevel => (RULE_LEVELS as readonly unknown[]).includes(value);

/** `{ "MESH600": "off" }`: codes upper-cased, entries with another value dropped. */
function ruleLevels(value: unknown): RuleLevels {
  if (!isRecord(value)) return {};
  const levels: Record<string, RuleLevel> = {};
  for (const [code, level] of Object.entries(value)) if (code.trim() && isRuleLevel(level)) levels[code.trim().toUpperCase()] = level;
  return levels;
}

/** Keeps only well-formed entries: a setting typed by hand must not break the analysis. */
export function normaliseSettings(section: unknown): AnalysisSettings {
  const raw = isRecord(section) ? section : {};
  const clusters = Array.isArray(raw.clusters) ? raw.clusters.filter(isRecord).filter((c) => typeof c.name === 'string') : [];
  const helmValues = Array.isArray(raw.helmValues) ? raw.helmValues.filter(isRecord).filter((h) => typeof h.chart === 'string') : [];
  return {
    exclude: strings(raw.exclude),
    maxFileSize: typeof raw.maxFileSize === 'number' && raw.maxFileSize > 0 ? raw.maxFileSize : DEFAULT_MAX_FILE_SIZE,
    clusters: clusters.map((c) => ({ name: c.name as string, context: typeof c.context === 'string' ? c.context : undefined, paths: strings(c.paths) })),
    helmValues: helmValues.map((h) => ({ chart: h.chart as string, paths: strings(h.paths), ...(h.layer === 'shared' ? { layer: 'shared' as const } : {}) })),
    rules: ruleLevels(raw.rules),
  };
}

/** `.vscode/settings.json` is JSON with comments and trailing commas. */
export function parseJsonWithComments(text: string): unknown {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2);
      if (i < 0) break;
      i++;
    } else {
      out += c;
    }
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
}

/** The `istioMesh.*` keys of a VS Code settings object (flat `istioMesh.clusters` keys or a nested section). */
export function istioMeshSection(settings: unknown): Record<string, unknown> {
  if (!isRecord(settings)) return {};
  const section: Record<string, unknown> = isRecord(settings.istioMesh) ? { ...settings.istioMesh } : {};
  for (const [key, value] of Object.entries(settings)) if (key.startsWith('istioMesh.')) section[key.slice('istioMesh.'.length)] = value;
  return section;
}

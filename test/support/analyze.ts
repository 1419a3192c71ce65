import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { Analyzer } from '../../server/src/engine/analysis';
import type { RuleLevels } from '../../server/src/engine/tuning';
import { Workspace } from '../../server/src/engine/workspace';
import type { ClusterSetting } from '../../server/src/mesh/assignment';
import type { MeshModel } from '../../server/src/mesh/model';
import type { Range } from '../../server/src/parse/text';
import type { Finding } from '../../server/src/rules/finding';

export function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFilesUnder(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/** Analyses a folder (or in-memory files) with the real engine. */
export function analyzeFolder(root: string, clusters: ClusterSetting[] = [], now?: Date, rules?: RuleLevels): { findings: Finding[]; meshes: MeshModel[] } {
  const workspace = new Workspace([root]);
  for (const path of yamlFilesUnder(root)) workspace.setFile(path, readFileSync(path, 'utf8'));
  const result = new Analyzer(undefined, (m) => {
    throw new Error(m);
  }).analyze(workspace, { roots: [root], clusters, now, rules });
  return { findings: [...result.findings.values()].flat(), meshes: result.meshes };
}

export function analyzeTexts(root: string, files: Record<string, string>, clusters: ClusterSetting[] = []): { findings: Finding[]; meshes: MeshModel[] } {
  const workspace = new Workspace([root]);
  for (const [name, text] of Object.entries(files)) workspace.setFile(join(root, name), text);
  const result = new Analyzer(undefined, (m) => {
    throw new Error(m);
  }).analyze(workspace, { roots: [root], clusters });
  return { findings: [...result.findings.values()].flat(), meshes: result.meshes };
}

/** `line:col-line:col`, 1-based, as people read positions. */
export function formatRange(range: Range): string {
  return `${range.start.line + 1}:${range.start.character + 1}-${range.end.line + 1}:${range.end.character + 1}`;
}

export interface ExpectedFinding {
  code: string;
  severity: string;
  file: string;
  range: string;
  message: string;
  cluster?: string;
  related?: string[];
}

export function describeFindings(findings: Finding[], root: string): ExpectedFinding[] {
  return findings
    .map((f) => ({
      code: f.code,
      severity: f.severity,
      file: relative(root, f.location.file),
      range: formatRange(f.location.range),
      message: f.message,
      ...(f.cluster ? { cluster: f.cluster } : {}),
      ...(f.related?.length ? { related: f.related.map((r) => `${relative(root, r.location.file)}:${formatRange(r.location.range)}`) } : {}),
    }))
    .sort(
      (a, b) =>
        a.file.localeCompare(b.file) ||
        a.range.localeCompare(b.range, undefined, { numeric: true }) ||
        a.code.localeCompare(b.code) ||
        a.message.localeCompare(b.message),
    );
}

/** How many findings there are of each code. */
export function countByCode(findings: readonly Finding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const finding of findings) counts[finding.code] = (counts[finding.code] ?? 0) + 1;
  return counts;
}

/**
 * Findings reported more than once at one place with one code and message: an editor's hover would list each of
 * them twice. Empty when each finding is reported once.
 */
export function repeatedFindings(findings: readonly Finding[], root: string): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const finding of findings) {
    const key = `${relative(root, finding.location.file)}:${formatRange(finding.location.range)} ${finding.code} ${finding.message}`;
    if (seen.has(key)) repeated.push(key);
    seen.add(key);
  }
  return repeated;
}

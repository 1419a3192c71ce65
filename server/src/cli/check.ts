import { existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

import { Analyzer } from '../engine/analysis';
import { type AnalysisSettings, DEFAULT_ANALYSIS_SETTINGS } from '../engine/settings';
import { Workspace } from '../engine/workspace';
import { compareRanges } from '../parse/text';
import { type Finding, type Severity, SEVERITY_RANK } from '../rules/finding';
import { type SecretRedactor, WorkspaceSecrets } from '../security/secrets';
import { findYamlFiles } from '../workspace/scan';
import { CLI_PARSE_OPTIONS, DEFAULT_PARALLEL_MIN_BYTES, type ParallelParseOptions, readYamlFiles } from './parallelParse';

export interface CheckOptions {
  targets: string[];
  failOn: 'error' | 'warning' | 'never';
  /** Findings below this severity are neither printed nor counted for `failOn`. */
  minSeverity?: Severity;
  /** `--ignore`: codes turned off, over the `istioMesh.rules` setting. */
  ignore?: readonly string[];
  /** `istioMesh.*` settings (see loadCliSettings); defaults when absent. */
  settings?: AnalysisSettings;
  cwd: string;
  /** Whether a worker thread shares the parsing; from the environment when absent (see parallelParseFromEnvironment). */
  parallel?: ParallelParseOptions;
}

export interface CheckOutput {
  findings: Finding[];
  exitCode: number;
  /** Lines for stderr: skipped files and rule failures. */
  notes: string[];
  filesRead: number;
  /**
   * Replaces the workspace's credentials with `<redacted>` in anything printed about it. Built on first call:
   * collecting every credential of a large tree costs seconds, and a clean run prints nothing to redact.
   */
  redactor: () => SecretRedactor;
}

export interface LoadedTargets {
  workspace: Workspace;
  roots: string[];
  /** Files named on the command line (not found by walking a folder). */
  namedFiles: string[];
  notes: string[];
}

/**
 * `ISTIO_MESH_JOBS=1` parses every file on the main thread; otherwise one worker thread shares the parsing when
 * there is enough YAML for it to pay (`ISTIO_MESH_PARALLEL_MIN_BYTES`, to measure or test that threshold).
 */
export function parallelParseFromEnvironment(env: NodeJS.ProcessEnv): ParallelParseOptions {
  const count = (name: string, fallback: number, min: number) => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`${name} must be a whole number of at least ${min}, not ${value}`);
    return Number(value);
  };
  return { jobs: count('ISTIO_MESH_JOBS', 2, 1), minBytes: count('ISTIO_MESH_PARALLEL_MIN_BYTES', DEFAULT_PARALLEL_MIN_BYTES, 0) };
}

/** Reads the given folders and files into a workspace, as `check`, `apply` and `runbook` need. */
export async function loadTargets(
  targets: readonly string[],
  cwd: string,
  options: { exclude?: string[]; maxFileSize?: number } = {},
  parallel: ParallelParseOptions = parallelParseFromEnvironment(process.env),
): Promise<LoadedTargets> {
  const notes: string[] = [];
  const roots: string[] = [];
  const paths: string[] = [];
  const namedFiles: string[] = [];
  for (const target of targets) {
    const absolute = resolve(cwd, target);
    if (!existsSync(absolute)) throw new UsageError(`no such file or folder: ${target}`);
    if (statSync(absolute).isDirectory()) {
      roots.push(absolute);
      const { files, skipped } = findYamlFiles(absolute, { exclude: options.exclude, maxFileSize: options.maxFileSize });
      paths.push(...files);
      for (const s of skipped) notes.push(`skipped ${relative(cwd, s.path)}: ${s.reason}`);
    } else {
      roots.push(dirname(absolute));
      paths.push(absolute);
      namedFiles.push(absolute);
    }
  }
  const workspace = new Workspace(roots, CLI_PARSE_OPTIONS);
  const { outcomes } = await readYamlFiles([...new Set(paths)], options.maxFileSize, parallel);
  for (const read of outcomes) {
    if ('skipped' in read) notes.push(`skipped ${relative(cwd, read.path)}: ${read.skipped}`);
    else workspace.setParsedFile(read.yaml);
  }
  return { workspace, roots, namedFiles, notes };
}

/** Loads the targets into a workspace and analyses it: the same engine the language server runs. */
export async function runCheck(options: CheckOptions): Promise<CheckOutput> {
  const settings = options.settings ?? DEFAULT_ANALYSIS_SETTINGS;
  const { workspace, roots, notes } = await loadTargets(options.targets, options.cwd, settings, options.parallel);
  const analyzer = new Analyzer(undefined, (message) => notes.push(message));
  const rules = { ...settings.rules, ...Object.fromEntries((options.ignore ?? []).map((code) => [code.toUpperCase(), 'off' as const])) };
  const result = analyzer.analyze(workspace, { roots, clusters: settings.clusters, helmValues: settings.helmValues, rules });
  const shown = (f: Finding) => !options.minSeverity || SEVERITY_RANK[f.severity] >= SEVERITY_RANK[options.minSeverity];
  const findings = [...result.findings.values()]
    .flat()
    .filter(shown)
    .sort((a, b) => a.location.file.localeCompare(b.location.file) || compareRanges(a.location.range, b.location.range) || a.code.localeCompare(b.code));
  const threshold: Severity | undefined = options.failOn === 'never' ? undefined : options.failOn;
  const failed = threshold !== undefined && findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]);
  let redactor: SecretRedactor | undefined;
  return { findings, exitCode: failed ? 1 : 0, notes, filesRead: workspace.size, redactor: () => (redactor ??= new WorkspaceSecrets().redactorFor(workspace)) };
}

export class UsageError extends Error {}

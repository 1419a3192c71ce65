import { existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { formatPlan, formatResults, sharedContexts } from '../apply/format';
import { isProtectedContext, readKubeContexts } from '../apply/kubeconfig';
import { ClusterNameError, clustersOfMesh, type MeshCluster, meshClusters, resolveCluster } from '../apply/meshClusters';
import { type ApplyPlan, knownValueLookup, planApply, planClusters, planContextClusters } from '../apply/plan';
import { resolveProgram } from '../apply/programs';
import { createRemoteSecretCommand, type RunMode, runPlan, summarize, unknownVariables } from '../apply/run';
import { invalidVariableValue } from '../apply/variables';
import { Analyzer } from '../engine/analysis';
import { loadTargets, UsageError } from './check';
import { loadCliSettings } from './settings';
import { usageHint } from './usage';

export const APPLY_USAGE = `Usage: istio-mesh apply [FILE|DIR]... [--mesh MESH] [--cluster [MESH/]NAME]... --context CTX | --context CLUSTER=CTX...
                        [--set NAME=VALUE]... [--dry-run=server|client | --diff] [--server-side] [--yes]
                        [--settings FILE] [--protected GLOB]... [--kubectl PATH] [--istioctl PATH]

Applies the files (default: the current folder) to kube contexts, in the runbook's order: per cluster
(primaries first) namespaces, cacerts, the control plane (istioctl install), the east-west gateway,
expose-istiod, expose-services, the rest; a remote's secret right after its control plane, the secrets between
primaries last. --cluster keeps the documents of that cluster only (the mesh model decides which cluster each
document belongs to); where the folder holds several meshes, a cluster is named with its mesh's folder
(--cluster prod/cluster1, or --mesh prod --cluster cluster1), and a bare name several meshes share is refused.
One --context CTX takes a single cluster; give --context CLUSTER=CTX for each cluster otherwise; without
--context, each cluster's istioMesh.clusters[].context is used. Two clusters mapped to one context are refused
without --yes. A template (\${NAME} placeholders) is filled in from --set, istioMesh.variables, the
environment, or the runbook's step that computes it (a remote's discovery address), and refused while any is unknown.
istioMesh.* settings come from --settings FILE, else from .vscode/settings.json, as for check, so the
clusters are the ones VS Code shows. IstioOperator files are installed with istioctl when it is found, and printed
to run otherwise. Contexts matching --protected (default "*prod*") or the setting istioMesh.protectedContexts,
and files with errors from the analysis, are refused without --yes. kubectl runs with an argument array, never a shell.
Exit code: 0 when every step succeeded, 1 when one failed or the apply was refused, 2 on bad usage.`;

export interface ApplyCliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

interface ParsedApplyArgs {
  targets: string[];
  mesh?: string;
  clusters: string[];
  contexts: string[];
  /** `--set NAME=VALUE`: values of template variables. */
  values: Map<string, string>;
  settingsFile?: string;
  mode: RunMode;
  serverSide: boolean;
  yes: boolean;
  /** The --protected patterns; empty when none was given (the default then applies). */
  protectedPatterns: string[];
  kubectl: string;
  istioctl: string;
}

function parseApplyArgs(args: string[], env: NodeJS.ProcessEnv): ParsedApplyArgs | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      mesh: { type: 'string' },
      cluster: { type: 'string', multiple: true },
      context: { type: 'string', multiple: true },
      set: { type: 'string', multiple: true },
      'dry-run': { type: 'string' },
      diff: { type: 'boolean' },
      'server-side': { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      protected: { type: 'string', multiple: true },
      kubectl: { type: 'string' },
      istioctl: { type: 'string' },
      settings: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const dryRun = values['dry-run'];
  if (dryRun !== undefined && dryRun !== 'server' && dryRun !== 'client') throw new UsageError(`--dry-run must be server or client, not ${dryRun}`);
  if (dryRun && values.diff) throw new UsageError('--dry-run and --diff cannot be combined');
  return {
    targets: positionals.length ? positionals : ['.'],
    ...(values.mesh !== undefined ? { mesh: values.mesh } : {}),
    clusters: values.cluster ?? [],
    contexts: values.context ?? [],
    values: parseSetArguments(values.set ?? []),
    settingsFile: values.settings,
    mode: values.diff ? 'diff' : dryRun === 'server' ? 'dry-run-server' : dryRun === 'client' ? 'dry-run-client' : 'apply',
    serverSide: !!values['server-side'],
    yes: !!values.yes,
    protectedPatterns: values.protected ?? [],
    kubectl: values.kubectl ?? env.ISTIO_MESH_KUBECTL ?? 'kubectl',
    istioctl: values.istioctl ?? env.ISTIO_MESH_ISTIOCTL ?? 'istioctl',
  };
}

export const DEFAULT_PROTECTED_CONTEXTS = ['*prod*'];

/**
 * The contexts that need --yes: the --protected patterns (the default when none is given) and those of
 * istioMesh.protectedContexts, which VS Code confirms too. The setting adds to the protection and never lifts
 * it: a settings file that came with a cloned repository cannot unprotect `*prod*`; only the flag replaces it.
 */
export function protectedContextPatterns(flagPatterns: readonly string[], settingPatterns: readonly string[] = []): string[] {
  return [...new Set([...(flagPatterns.length ? flagPatterns : DEFAULT_PROTECTED_CONTEXTS), ...settingPatterns])];
}

/** `--set NAME=VALUE` pairs; the value is everything after the first `=`. */
function parseSetArguments(values: readonly string[]): Map<string, string> {
  const set = new Map<string, string>();
  for (const value of values) {
    const eq = value.indexOf('=');
    const name = value.slice(0, eq);
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`--set takes NAME=VALUE, not ${value}`);
    const problem = invalidVariableValue(value.slice(eq + 1));
    if (problem) throw new UsageError(`--set ${name}: ${problem}`);
    set.set(name, value.slice(eq + 1));
  }
  return set;
}

/**
 * `--context CTX` or `--context CLUSTER=CTX`: the second form only when CLUSTER names a cluster of the plan
 * (its key, `prod/cluster1`, or a bare name only one of the plan's clusters has), so a context whose own name
 * holds `=` still works.
 */
export function contextMapping(values: readonly string[], plan: ApplyPlan): (cluster: string | undefined) => string | undefined {
  const clusters = planClusters(plan);
  const named = new Map<string, string>();
  const plain: string[] = [];
  for (const value of values) {
    const eq = value.indexOf('=');
    const cluster = eq > 0 ? clusterOfPlan(value.slice(0, eq), plan) : undefined;
    if (cluster !== undefined) named.set(cluster, value.slice(eq + 1));
    else plain.push(value);
  }
  if (plain.length > 1) throw new UsageError(`only one --context without a cluster name can be given (got ${plain.join(', ')})`);
  const unnamed = clusters.filter((c) => c === undefined || !named.has(c));
  if (plain.length === 1 && unnamed.length > 1) {
    const names = unnamed.map((c) => c ?? '(no cluster)').join(', ');
    throw new UsageError(`the files belong to several clusters (${names}): choose one with --cluster NAME, or give --context CLUSTER=CONTEXT for each`);
  }
  if (plain.length === 0 && unnamed.length) throw new UsageError(`no context given for cluster(s) ${unnamed.map((c) => c ?? '(no cluster)').join(', ')}`);
  // Clusters outside the plan (the remote side of a remote secret) have no context unless named.
  return (cluster) => (cluster !== undefined && named.has(cluster) ? named.get(cluster) : clusters.includes(cluster) ? plain[0] : undefined);
}

/** The key of the plan's cluster that `name` means, if it means exactly one (a bare name several meshes share does not). */
function clusterOfPlan(name: string, plan: ApplyPlan): string | undefined {
  const keys = new Set([...planContextClusters(plan), ...plan.remoteSecrets.map((s) => s.remote)]);
  if (keys.has(name)) return name;
  const byName = plan.clusters.filter((c) => c.name === name);
  if (byName.length > 1)
    throw new UsageError(`--context ${name}=...: ${name} is a cluster of several meshes (${byName.map((c) => c.key).join(', ')}); name one`);
  return byName[0]?.key;
}

/** Named files are read with their folder, so the mesh model sees their siblings (folder assignment), but only they are applied. */
async function loadForApply(targets: string[], cwd: string, limits: { exclude: string[]; maxFileSize: number }) {
  const folders: string[] = [];
  const files: string[] = [];
  for (const target of targets) {
    const absolute = resolve(cwd, target);
    if (!existsSync(absolute)) throw new UsageError(`no such file or folder: ${target}`);
    if (statSync(absolute).isDirectory()) folders.push(absolute);
    else files.push(absolute);
  }
  const loaded = await loadTargets([...new Set([...folders, ...files.map((f) => dirname(f))])], cwd, limits);
  return { ...loaded, selectedFiles: folders.length ? undefined : files };
}

export async function runApplyCli(args: string[], io: ApplyCliIo): Promise<number> {
  try {
    const parsed = parseApplyArgs(args, io.env);
    if (parsed === 'help') {
      io.out(APPLY_USAGE);
      return 0;
    }
    return await applyParsed(parsed, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ClusterNameError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`istio-mesh apply: ${(error as Error).message}`);
      io.err(usageHint('apply'));
      return 2;
    }
    throw error;
  }
}

async function applyParsed(options: ParsedApplyArgs, io: ApplyCliIo): Promise<number> {
  // The settings VS Code would use: the same clusters (assignment by path) and the same excluded files.
  const cliSettings = loadCliSettings(options.targets, io.cwd, options.settingsFile);
  const { settings: analysisSettings, protectedContexts: protectedBySettings, source } = cliSettings;
  if (source) io.err(`settings from ${relative(io.cwd, source) || source}`);
  const protectedPatterns = protectedContextPatterns(options.protectedPatterns, protectedBySettings);
  if (!options.contexts.length && !analysisSettings.clusters.some((c) => c.context)) {
    throw new UsageError('--context is required: say which kube context to apply to (or set istioMesh.clusters[].context)');
  }
  const { workspace, roots, notes, selectedFiles } = await loadForApply(options.targets, io.cwd, analysisSettings);
  for (const note of notes) io.err(note);
  // istioMesh.rules counts here too: a code turned off or down to a warning does not refuse files as an error.
  const settings = { roots, clusters: analysisSettings.clusters, helmValues: analysisSettings.helmValues, rules: analysisSettings.rules };
  const analysis = new Analyzer(undefined, (message) => io.err(message)).analyze(workspace, settings);
  const known = meshClusters(analysis.meshes, settings);
  const chosen = selectedClusters(options, known);
  const plan = planApply({
    files: workspace.allFiles(),
    meshes: analysis.meshes,
    findings: analysis.findings,
    settings,
    selection: { files: selectedFiles, clusters: chosen?.map((c) => c.key) },
    lookupValue: knownValueLookup(options.values, cliSettings.variables, io.env),
  });
  if (!plan.steps.length && !plan.remoteSecrets.length) {
    io.out(
      plan.skipped.length
        ? `Nothing to apply:\n${plan.skipped.map((s) => `  ${relative(io.cwd, s.file)}:${s.line}: ${s.reason}`).join('\n')}`
        : 'Nothing to apply: no Kubernetes documents in the selection.',
    );
    return 0;
  }
  // Without --context, the contexts of the settings: each as CLUSTER=CTX, for the clusters of this plan.
  const contextValues = options.contexts.length
    ? options.contexts
    : plan.clusters.flatMap((c) => (c.configuredContext ? [`${c.key}=${c.configuredContext}`] : []));
  const contextOf = contextMapping(contextValues, plan);
  const kubectl = resolveProgram(options.kubectl, io.env);
  if ('problem' in kubectl) throw new UsageError(`kubectl cannot be used: ${kubectl.problem}`);
  // A kubectl that fails or prints no kubeconfig is a ProgramOutputError, said once by main.ts.
  const available = new Set((await readKubeContexts(kubectl.path, io.env)).contexts.map((c) => c.name));
  for (const cluster of planClusters(plan)) {
    const context = contextOf(cluster)!;
    if (!available.has(context)) throw new UsageError(`no context named ${context} in your kubeconfig (contexts: ${[...available].join(', ') || 'none'})`);
  }
  const root = roots.length === 1 ? roots[0] : io.cwd;
  const istioctl = resolveProgram(options.istioctl, io.env);
  const istioctlRuns = options.mode === 'apply' && 'path' in istioctl;
  const programProblems =
    'problem' in istioctl && plan.steps.some((s) => s.tool === 'istioctl')
      ? [
          `istioctl cannot be used (${istioctl.problem}): its steps are printed for you to run; install it, or pass --istioctl PATH (istioMesh.istioctlPath in VS Code)`,
        ]
      : [];
  io.out(formatPlan(plan, options.mode, { contextOf, protectedPatterns, istioctlRuns, programProblems }, root));

  const unknown = unknownVariables(plan);
  if (unknown.length) {
    io.err(
      `istio-mesh apply: refused, nothing was applied: the template variable(s) ${unknown.map((v) => v.name).join(', ')} are not known; give each with --set NAME=VALUE, the setting istioMesh.variables or the environment.`,
    );
    return 1;
  }
  if (!options.yes) {
    const refusals: string[] = [];
    if (options.mode === 'apply') {
      const shared = sharedContexts(plan, contextOf);
      if (shared.length) refusals.push(shared.map((s) => `${s.clusters.join(' and ')} are mapped to the one context ${s.context}`).join('; '));
      const protectedContexts = [...new Set(planClusters(plan).map((c) => contextOf(c)!))].filter((c) => isProtectedContext(c, protectedPatterns));
      if (protectedContexts.length) refusals.push(`context(s) ${protectedContexts.join(', ')} match the protected patterns (${protectedPatterns.join(', ')})`);
      const withErrors = plan.files.filter((f) => f.errors > 0);
      if (withErrors.length) refusals.push(`the analysis found errors in ${withErrors.map((f) => relative(root, f.path)).join(', ')}`);
    }
    if (refusals.length) {
      io.err(`istio-mesh apply: refused, nothing was applied: ${refusals.join('; ')}. Review the plan and pass --yes to apply anyway.`);
      return 1;
    }
  }

  const results = await runPlan(plan, {
    mode: options.mode,
    serverSide: options.serverSide,
    kubectl: kubectl.path,
    istioctl: 'path' in istioctl ? istioctl.path : undefined,
    contextOf: (cluster) => contextOf(cluster)!,
    env: io.env,
    onEvent: (event) => {
      if (event.type === 'start') io.out(`$ ${event.command}`);
      if (event.type === 'computed') io.out(`$ ${event.command}  → ${event.variable}=${event.value}`);
    },
  });
  io.out(formatResults(results, root));
  for (const suggestion of plan.remoteSecrets) io.out(`TO RUN  ${createRemoteSecretCommand(suggestion, contextOf)}    (${suggestion.reason})`);
  const summary = summarize(options.mode, results);
  io.out(summary.text);
  return summary.failed || summary.cancelled ? 1 : 0;
}

/** The clusters `--cluster` (with `--mesh`) names; undefined for all (a `--mesh` alone takes all of that mesh's). */
function selectedClusters(options: ParsedApplyArgs, known: readonly MeshCluster[]): MeshCluster[] | undefined {
  if (options.clusters.length) return options.clusters.map((name) => resolveCluster(name, known, options.mesh));
  return options.mesh === undefined ? undefined : clustersOfMesh(options.mesh, known);
}

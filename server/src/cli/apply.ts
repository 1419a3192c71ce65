import { existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Analyzer } from '../engine/analysis';
import { formatPlan, formatResults } from '../apply/format';
import { isProtectedContext, readKubeContexts } from '../apply/kubeconfig';
import { planApply, planClusters, type ApplyPlan } from '../apply/plan';
import { resolveProgram } from '../apply/programs';
import { createRemoteSecretCommand, runPlan, summarize, type RunMode } from '../apply/run';
import { loadTargets, UsageError } from './check';
import { loadCliSettings } from './settings';

export const APPLY_USAGE = `Usage: istio-mesh apply [FILE|DIR]... [--cluster NAME]... --context CTX | --context CLUSTER=CTX...
                        [--dry-run=server|client | --diff] [--server-side] [--yes] [--settings FILE]
                        [--protected GLOB]... [--kubectl PATH] [--istioctl PATH]

Applies the files (default: the current folder) to kube contexts, in the order the Istio docs install things:
namespaces, cacerts, the control plane (istioctl install), gateways, expose-istiod, expose-services, remote
secrets, then the rest. --cluster keeps the documents of that cluster only (the mesh model decides which
cluster each document belongs to). One --context CTX takes a single cluster; give --context CLUSTER=CTX
for each cluster otherwise; without --context, each cluster's istioMesh.clusters[].context is used.
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
  clusters: string[];
  contexts: string[];
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
      cluster: { type: 'string', multiple: true },
      context: { type: 'string', multiple: true },
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
    clusters: values.cluster ?? [],
    contexts: values.context ?? [],
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

/**
 * `--context CTX` or `--context CLUSTER=CTX`: the second form only when CLUSTER is one of the plan's
 * clusters, so a context whose own name holds `=` still works.
 */
export function contextMapping(values: readonly string[], plan: ApplyPlan): (cluster: string | undefined) => string | undefined {
  const clusters = planClusters(plan);
  const named = new Map<string, string>();
  const plain: string[] = [];
  for (const value of values) {
    const eq = value.indexOf('=');
    const cluster = eq > 0 ? value.slice(0, eq) : undefined;
    if (cluster !== undefined && clusters.includes(cluster)) named.set(cluster, value.slice(eq + 1));
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
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`istio-mesh apply: ${(error as Error).message}`);
      io.err(APPLY_USAGE);
      return 2;
    }
    throw error;
  }
}

async function applyParsed(options: ParsedApplyArgs, io: ApplyCliIo): Promise<number> {
  // The settings VS Code would use: the same clusters (assignment by path) and the same excluded files.
  const { settings: analysisSettings, protectedContexts: protectedBySettings, source } = loadCliSettings(options.targets, io.cwd, options.settingsFile);
  if (source) io.err(`settings from ${relative(io.cwd, source) || source}`);
  const protectedPatterns = protectedContextPatterns(options.protectedPatterns, protectedBySettings);
  const configuredContexts = analysisSettings.clusters.filter((c) => c.context);
  if (!options.contexts.length && !configuredContexts.length) throw new UsageError('--context is required: say which kube context to apply to (or set istioMesh.clusters[].context)');
  const { workspace, roots, notes, selectedFiles } = await loadForApply(options.targets, io.cwd, analysisSettings);
  for (const note of notes) io.err(note);
  const settings = { roots, clusters: analysisSettings.clusters, helmValues: analysisSettings.helmValues };
  const analysis = new Analyzer(undefined, (message) => io.err(message)).analyze(workspace, settings);
  const known = new Set(analysis.meshes.flatMap((m) => [...m.clusters.keys()]));
  for (const cluster of options.clusters) {
    if (!known.has(cluster)) throw new UsageError(`no cluster named ${cluster} in these files (clusters: ${[...known].join(', ') || 'none'})`);
  }
  const plan = planApply({
    files: workspace.allFiles(),
    meshes: analysis.meshes,
    findings: analysis.findings,
    settings,
    selection: { files: selectedFiles, clusters: options.clusters.length ? options.clusters : undefined },
  });
  if (!plan.steps.length && !plan.remoteSecrets.length) {
    io.out('Nothing to apply: no Kubernetes documents in the selection.');
    return 0;
  }
  // Without --context, the contexts of the settings: each as CLUSTER=CTX, for the clusters of this plan.
  const inPlan = planClusters(plan);
  const contextValues = options.contexts.length
    ? options.contexts
    : configuredContexts.filter((c) => inPlan.includes(c.name)).map((c) => `${c.name}=${c.context}`);
  const contextOf = contextMapping(contextValues, plan);
  const kubectl = resolveProgram(options.kubectl, io.env);
  if ('problem' in kubectl) throw new UsageError(`kubectl cannot be used: ${kubectl.problem}`);
  const available = new Set((await readKubeContexts(kubectl.path, io.env)).contexts.map((c) => c.name));
  for (const cluster of planClusters(plan)) {
    const context = contextOf(cluster)!;
    if (!available.has(context)) throw new UsageError(`no context named ${context} in your kubeconfig (contexts: ${[...available].join(', ') || 'none'})`);
  }
  const root = roots.length === 1 ? roots[0] : io.cwd;
  const istioctl = resolveProgram(options.istioctl, io.env);
  const istioctlRuns = options.mode === 'apply' && 'path' in istioctl;
  io.out(formatPlan(plan, options.mode, { contextOf, protectedPatterns, istioctlRuns }, root));

  if (options.mode === 'apply' && !options.yes) {
    const refusals: string[] = [];
    const protectedContexts = [...new Set(planClusters(plan).map((c) => contextOf(c)!))].filter((c) => isProtectedContext(c, protectedPatterns));
    if (protectedContexts.length) refusals.push(`context(s) ${protectedContexts.join(', ')} match the protected patterns (${protectedPatterns.join(', ')})`);
    const withErrors = plan.files.filter((f) => f.errors > 0);
    if (withErrors.length) refusals.push(`the analysis found errors in ${withErrors.map((f) => relative(root, f.path)).join(', ')}`);
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
    },
  });
  io.out(formatResults(results, root));
  for (const suggestion of plan.remoteSecrets) io.out(`TO RUN  ${createRemoteSecretCommand(suggestion, contextOf)}    (${suggestion.reason})`);
  const summary = summarize(options.mode, results);
  io.out(summary.text);
  return summary.failed || summary.cancelled ? 1 : 0;
}

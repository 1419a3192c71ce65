import { relative } from 'node:path';
import { parseArgs } from 'node:util';

import { contextsOfMeshes, meshClusters } from '../apply/meshClusters';
import { Analyzer } from '../engine/analysis';
import { formatMarkdown, formatRunbookJson, formatShell } from '../runbook/format';
import { buildRunbooks } from '../runbook/runbook';
import { WorkspaceSecrets } from '../security/secrets';
import { loadTargets, UsageError } from './check';
import { loadCliSettings } from './settings';

export const RUNBOOK_USAGE = `Usage: istio-mesh runbook [DIR|FILE]... [--format markdown|json|shell] [--context CLUSTER=CTX]... [--settings FILE]

Prints the whole install procedure of the mesh in the given folders and files (default: the current folder), as
the istio.io multicluster guides run it, from your files: cacerts, the istio-system namespace and its labels,
each control plane (istioctl, helm, kubectl for Sail and GitOps resources), east-west gateways, expose-istiod,
expose-services, remote secrets, then verification. Errors from the analysis are listed first, to fix before you
start. Contexts come from --context CLUSTER=CTX, else istioMesh.clusters[].context, else \${CTX_<CLUSTER>}
variables as the docs write them (GitOps wrappers go to --context flux=CTX / argocd=CTX). --format shell prints
a bash script (set -euo pipefail, every value quoted). Nothing is run.
Exit code: 0, or 2 on bad usage.`;

export interface RunbookCliIo {
  out: (text: string) => void;
  err: (line: string) => void;
  cwd: string;
}

const FORMATS = ['markdown', 'json', 'shell'] as const;
type RunbookFormat = (typeof FORMATS)[number];

/** `CLUSTER=CTX` pairs; the context is everything after the first `=` (it may hold one itself). */
export function parseContextArguments(values: readonly string[]): Map<string, string> {
  const contexts = new Map<string, string>();
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0 || eq === value.length - 1) throw new UsageError(`--context takes CLUSTER=CONTEXT, not ${value}`);
    contexts.set(value.slice(0, eq), value.slice(eq + 1));
  }
  return contexts;
}

export async function runRunbookCli(args: string[], io: RunbookCliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'markdown' },
        context: { type: 'string', multiple: true },
        settings: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.out(RUNBOOK_USAGE);
      return 0;
    }
    const format = values.format as RunbookFormat;
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be markdown, json or shell, not ${format}`);
    const targets = positionals.length ? positionals : ['.'];
    const { settings, source } = loadCliSettings(targets, io.cwd, values.settings);
    if (source) io.err(`settings from ${relative(io.cwd, source) || source}`);
    const givenContexts = parseContextArguments(values.context ?? []);
    const { workspace, roots, notes } = await loadTargets(targets, io.cwd, settings);
    for (const note of notes) io.err(note);
    const analysis = new Analyzer(undefined, (message) => io.err(message)).analyze(workspace, {
      roots,
      clusters: settings.clusters,
      helmValues: settings.helmValues,
      rules: settings.rules,
    });
    const meshSettings = { roots, clusters: settings.clusters };
    const runbooks = buildRunbooks(
      analysis.meshes,
      [...analysis.findings.values()].flat(),
      contextsOfMeshes(analysis.meshes, meshSettings, givenContexts, true),
      io.cwd,
    );
    const known = meshClusters(analysis.meshes, meshSettings);
    for (const cluster of givenContexts.keys()) {
      const matches = known.filter((c) => c.key === cluster || c.name === cluster);
      if (!matches.length && cluster !== 'flux' && cluster !== 'argocd') io.err(`note: --context ${cluster}=...: no cluster of that name in these files`);
      if (matches.length > 1 && !matches.some((c) => c.key === cluster))
        io.err(
          `note: --context ${cluster}=...: ${cluster} is a cluster of several meshes (${matches.map((c) => c.key).join(', ')}): name one, the context was not used`,
        );
    }
    if (!runbooks.length) {
      io.err('No cluster found in these files: nothing to install.');
      return 0;
    }
    const text =
      format === 'json' ? formatRunbookJson(runbooks, io.cwd) : format === 'shell' ? formatShell(runbooks, io.cwd) : formatMarkdown(runbooks, io.cwd);
    // Messages never quote credentials; this is the second line, as for `check`.
    io.out(new WorkspaceSecrets().redactorFor(workspace).redact(text));
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`istio-mesh runbook: ${(error as Error).message}`);
      io.err(RUNBOOK_USAGE);
      return 2;
    }
    throw error;
  }
}

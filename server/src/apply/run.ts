import { basename } from 'node:path';

import * as jsYaml from 'js-yaml';

import { credentialsInDocument, SecretRedactor } from '../security/secrets';
import type { ApplyPlan, ApplyStep, PlannedFile, PlanVariable, RemoteSecretSuggestion } from './plan';
import { runProgram } from './programs';
import { commandLine, redact, shellQuote } from './redact';
import { externalAddressArgs, fillText } from './variables';

export type RunMode = 'apply' | 'dry-run-server' | 'dry-run-client' | 'diff';

export const MODE_TITLES: Record<RunMode, string> = {
  apply: 'Apply',
  'dry-run-server': 'Dry run (server)',
  'dry-run-client': 'Dry run (client)',
  diff: 'Diff',
};

/** What went wrong, in categories a person can act on. */
export type FailureKind =
  | 'unreachable'
  | 'unauthorized'
  | 'forbidden'
  | 'crds-missing'
  | 'namespace-missing'
  | 'unknown-context'
  | 'invalid'
  | 'not-run'
  | 'program'
  | 'template'
  | 'other';

export interface StepResult {
  step: ApplyStep;
  context: string;
  /** The command as shown to people (credentials redacted; stdin noted). */
  command: string;
  /**
   * ok: ran and succeeded; manual: shown for the user to run (istioctl absent, or not run in this mode);
   * skipped: not run because an earlier step of the same cluster failed; cancelled: the user cancelled;
   * unchecked: a dry run or diff the server could not check because it needs a namespace this plan creates
   * (a dry run creates nothing, so the namespace is not there for the next call).
   */
  status: 'ok' | 'failed' | 'manual' | 'skipped' | 'cancelled' | 'unchecked';
  /** For diffs: whether the cluster differs from the files. */
  changed?: boolean;
  /** stdout and stderr, redacted. */
  output: string;
  failure?: { kind: FailureKind; message: string };
  /** Why a manual step was not run. */
  note?: string;
}

export type RunEvent =
  | { type: 'start'; step: ApplyStep; context: string; command: string }
  | { type: 'end'; result: StepResult }
  | { type: 'computed'; variable: string; value: string; command: string };

export interface RunOptions {
  mode: RunMode;
  /** Server-side apply (`--server-side`) instead of kubectl's client-side apply. */
  serverSide?: boolean;
  /** Checked program paths (see resolveProgram). */
  kubectl: string;
  /** Undefined when istioctl is not available: its steps are then shown to copy. */
  istioctl?: string;
  /** The kube context of each cluster of the plan (undefined: documents with no cluster). */
  contextOf: (cluster: string | undefined) => string;
  /** Values of the plan's template variables given after the plan was made (the editor's input boxes, `--set`). */
  values?: ReadonlyMap<string, string>;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
}

const FAILURES: { kind: FailureKind; pattern: RegExp; summary: (match: RegExpExecArray) => string }[] = [
  {
    kind: 'crds-missing',
    pattern: /no matches for kind "([^"]+)" in version "([^"]+)"/,
    summary: (m) => `the cluster does not know ${m[1]} (${m[2]}): the Istio CRDs are not installed there (install the control plane first)`,
  },
  {
    kind: 'unknown-context',
    pattern: /context "([^"]*)" does not exist|context was not found for specified context: (.*)/,
    summary: () => 'the kube context is not in your kubeconfig',
  },
  {
    kind: 'unreachable',
    pattern: /Unable to connect to the server|connection refused|no such host|i\/o timeout|TLS handshake timeout|dial tcp/,
    summary: () => 'the API server is unreachable',
  },
  {
    kind: 'unauthorized',
    pattern: /\(Unauthorized\)|provide credentials|must be logged in/,
    summary: () => 'the API server refused the credentials of this context',
  },
  { kind: 'forbidden', pattern: /\(Forbidden\)|is forbidden/, summary: () => "forbidden: this context's user may not change these resources" },
  {
    kind: 'namespace-missing',
    pattern: /namespaces "([^"]+)" not found/,
    summary: (m) => `the namespace ${m[1]} does not exist in the cluster (apply its Namespace first)`,
  },
  {
    kind: 'invalid',
    pattern: /error validating|is invalid|\(BadRequest\)|\(Invalid\)|error parsing/,
    summary: () => 'the API server rejected the documents as invalid',
  },
];

/** Says why a kubectl/istioctl call failed, from its stderr (already redacted). */
export function classifyFailure(stderr: string): { kind: FailureKind; message: string } {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const failure of FAILURES) {
    const match = failure.pattern.exec(stderr);
    if (!match) continue;
    const line = lines.find((l) => failure.pattern.test(l));
    return { kind: failure.kind, message: line ? `${failure.summary(match)} — ${line}` : failure.summary(match) };
  }
  return { kind: 'other', message: lines.find((l) => /error/i.test(l)) ?? lines[0] ?? 'failed with no output' };
}

/** A redactor for the credentials in a plan's documents, so that whatever kubectl echoes of them is hidden. */
export function redactorForPlan(plan: ApplyPlan): SecretRedactor {
  const credentials = plan.steps.flatMap((step) =>
    step.documents.flatMap((doc) => {
      try {
        return credentialsInDocument(jsYaml.load(doc.text));
      } catch {
        return [];
      }
    }),
  );
  return new SecretRedactor(credentials);
}

export function kubectlArgs(mode: RunMode, context: string, serverSide = false): string[] {
  const contextArg = `--context=${context}`;
  switch (mode) {
    case 'apply':
      return [contextArg, 'apply', ...(serverSide ? ['--server-side', '--field-manager=istio-mesh'] : []), '-f', '-'];
    case 'dry-run-server':
      return [contextArg, 'apply', '--dry-run=server', ...(serverSide ? ['--server-side', '--field-manager=istio-mesh'] : []), '-f', '-'];
    case 'dry-run-client':
      return [contextArg, 'apply', '--dry-run=client', '-f', '-'];
    case 'diff':
      return [contextArg, 'diff', ...(serverSide ? ['--server-side', '--field-manager=istio-mesh'] : []), '-f', '-'];
  }
}

/**
 * `istioctl install -f FILE --context CTX`, as the docs write it (the runner adds `--skip-confirmation`); a
 * template is filled in first and read from stdin (`-f -`).
 */
export function istioctlInstallArgs(file: string, context: string, fromStdin = false): string[] {
  return ['install', '-f', fromStdin ? '-' : file, '--context', context];
}

/** The variables a step's documents need filled in. */
export function stepVariables(step: ApplyStep): string[] {
  return [...new Set(step.documents.flatMap((d) => d.variables ?? []))];
}

/** The values a plan knows before it runs: those it was made with, then those given since. */
export function knownValues(plan: ApplyPlan, given: ReadonlyMap<string, string> = new Map()): Map<string, string> {
  const values = new Map(plan.variables.flatMap((v) => (v.value !== undefined ? [[v.name, v.value] as [string, string]] : [])));
  for (const [name, value] of given) values.set(name, value);
  return values;
}

/** The plan's variables that nothing gives and no step computes: the plan is refused while there are any. */
export function unknownVariables(plan: ApplyPlan, given: ReadonlyMap<string, string> = new Map()): PlanVariable[] {
  const values = knownValues(plan, given);
  return plan.variables.filter((v) => !values.has(v.name) && !v.computedBy);
}

/** The pipeline that creates a remote secret, for the user to run: it reads credentials we never hold. */
export function createRemoteSecretCommand(suggestion: RemoteSecretSuggestion, contextOf: (cluster: string | undefined) => string | undefined): string {
  const remoteContext = contextOf(suggestion.remote) ?? `<context of ${suggestion.remote}>`;
  const holderContext =
    (suggestion.holder !== undefined ? contextOf(suggestion.holder) : undefined) ?? `<context of ${suggestion.holder ?? 'the primary cluster'}>`;
  return `${commandLine('istioctl', ['create-remote-secret', `--context=${remoteContext}`, `--name=${suggestion.remoteName}`])} | ${commandLine('kubectl', ['apply', '-f', '-', `--context=${holderContext}`])}`;
}

function stdinNote(step: ApplyStep, file: PlannedFile | undefined): string {
  const source = file?.source === 'unsaved-buffer' ? 'unsaved editor buffer' : 'disk';
  const documents = step.documents.map((d) => `${d.displayName} (line ${d.line})`).join(', ');
  return `< ${basename(step.file)} [${source}]: ${documents}`;
}

function planCreatesNamespace(plan: ApplyPlan, cluster: string | undefined, namespace: string): boolean {
  return plan.steps.some((s) => s.cluster === cluster && s.stage === 'namespace' && s.documents.some((d) => d.displayName === `Namespace ${namespace}`));
}

/**
 * Runs a plan's steps in order. kubectl reads the documents on stdin, so what is applied is exactly the text
 * in the plan (disk or unsaved buffer). After a failure in apply mode, the rest of that cluster's steps are
 * skipped: they usually depend on it (a namespace, CRDs).
 */
export async function runPlan(plan: ApplyPlan, options: RunOptions): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const failedClusters = new Set<string | undefined>();
  const filesByPath = new Map(plan.files.map((f) => [f.path, f]));
  const emit = (event: RunEvent) => options.onEvent?.(event);
  const finish = (result: StepResult) => {
    results.push(result);
    emit({ type: 'end', result });
  };
  const known = redactorForPlan(plan);
  const values = knownValues(plan, options.values);
  for (const step of plan.steps) {
    const context = options.contextOf(step.cluster);
    const file = filesByPath.get(step.file);
    const variables = stepVariables(step);
    if (step.tool === 'istioctl') {
      // Run by hand, a template is filled in by envsubst, as the runbook writes it.
      const command = variables.length
        ? `envsubst < ${shellQuote(step.file)} | ${commandLine('istioctl', istioctlInstallArgs(step.file, context, true))}`
        : commandLine('istioctl', istioctlInstallArgs(step.file, context));
      const manualReason =
        options.mode !== 'apply'
          ? `not run in a ${MODE_TITLES[options.mode].toLowerCase()}`
          : !options.istioctl
            ? 'istioctl was not found'
            : file?.source === 'unsaved-buffer'
              ? 'istioctl reads the file from disk, and it has unsaved changes: save it first'
              : undefined;
      if (manualReason) {
        finish({ step, context, command, status: 'manual', output: '', note: manualReason });
        continue;
      }
    }
    const args =
      step.tool === 'istioctl'
        ? [...istioctlInstallArgs(step.file, context, variables.length > 0), '--skip-confirmation']
        : kubectlArgs(options.mode, context, options.serverSide);
    const program = step.tool === 'istioctl' ? options.istioctl! : options.kubectl;
    const shownProgram = step.tool === 'istioctl' ? 'istioctl' : 'kubectl';
    const command = redact(step.tool === 'istioctl' ? commandLine(shownProgram, args) : `${commandLine(shownProgram, args)} ${stdinNote(step, file)}`, known);
    if (options.signal?.aborted) {
      finish({ step, context, command, status: 'cancelled', output: '' });
      continue;
    }
    if (options.mode === 'apply' && failedClusters.has(step.cluster)) {
      finish({
        step,
        context,
        command,
        status: 'skipped',
        output: '',
        failure: { kind: 'not-run', message: `not run: an earlier step for ${step.cluster ?? 'these files'} failed` },
      });
      continue;
    }
    const unfilled = await computeVariables(plan, variables, values, options, known);
    if (unfilled.length) {
      failedClusters.add(step.cluster);
      const message = `not applied as written: ${unfilled.map((u) => `\${${u.name}} is not known (${u.why})`).join('; ')}`;
      finish({ step, context, command, status: 'failed', output: '', failure: { kind: 'template', message } });
      continue;
    }
    emit({ type: 'start', step, context, command });
    const texts = step.documents.map((d) => (d.variables?.length ? fillText(d.text, values) : d.text));
    const input = step.tool === 'kubectl' ? texts.join('---\n') : variables.length ? texts.join('---\n') : undefined;
    const outcome = await runProgram(program, args, { input, env: options.env, signal: options.signal });
    const output = redact([outcome.stdout.trimEnd(), outcome.stderr.trimEnd()].filter(Boolean).join('\n'), known);
    if (outcome.cancelled) {
      finish({ step, context, command, status: 'cancelled', output });
      continue;
    }
    // kubectl diff: 0 = no differences, 1 = differences, >1 = an error.
    const succeeded = outcome.exitCode === 0 || (options.mode === 'diff' && step.tool === 'kubectl' && outcome.exitCode === 1);
    if (succeeded) {
      finish({ step, context, command, status: 'ok', output, ...(options.mode === 'diff' ? { changed: outcome.exitCode === 1 } : {}) });
      continue;
    }
    const failure = outcome.spawnError
      ? { kind: 'program' as const, message: `${shownProgram} could not be run: ${outcome.spawnError}` }
      : outcome.stderr.trim() || outcome.stdout.trim()
        ? classifyFailure(redact(outcome.stderr.trim() ? outcome.stderr : outcome.stdout, known))
        : { kind: 'other' as const, message: `${shownProgram} exited with code ${outcome.exitCode} and printed nothing` };
    const missingNamespace = /namespaces "([^"]+)" not found/.exec(outcome.stderr)?.[1];
    if (options.mode !== 'apply' && missingNamespace && planCreatesNamespace(plan, step.cluster, missingNamespace)) {
      finish({ step, context, command, status: 'unchecked', output, note: `namespace ${missingNamespace} does not exist yet; this plan creates it` });
      continue;
    }
    failedClusters.add(step.cluster);
    finish({ step, context, command, status: 'failed', output, failure });
  }
  return results;
}

/**
 * Fills in the variables a step needs that are still unknown, by running the runbook's read-only step that
 * computes each (`kubectl get svc` of a primary's east-west gateway). Returns those still unknown, and why.
 */
async function computeVariables(
  plan: ApplyPlan,
  needed: readonly string[],
  values: Map<string, string>,
  options: RunOptions,
  known: SecretRedactor,
): Promise<{ name: string; why: string }[]> {
  const unfilled: { name: string; why: string }[] = [];
  for (const name of needed) {
    if (values.has(name)) continue;
    const computedBy = plan.variables.find((v) => v.name === name)?.computedBy;
    if (!computedBy) {
      unfilled.push({ name, why: 'give it a value' });
      continue;
    }
    const context = options.contextOf(computedBy.cluster) as string | undefined;
    if (!context) {
      unfilled.push({ name, why: `${computedBy.description}: no kube context is given for ${computedBy.cluster}` });
      continue;
    }
    const args = externalAddressArgs(computedBy.gateway, context);
    const outcome = await runProgram(options.kubectl, args, { env: options.env, signal: options.signal });
    const value = outcome.exitCode === 0 ? outcome.stdout.trim() : '';
    if (value && !/[\s'"]/.test(value)) {
      values.set(name, value);
      options.onEvent?.({ type: 'computed', variable: name, value, command: commandLine('kubectl', args) });
      continue;
    }
    const reason = outcome.exitCode !== 0 ? classifyFailure(redact(outcome.stderr, known)).message : `${computedBy.gateway.name} has no external address yet`;
    unfilled.push({ name, why: `${computedBy.description}: ${reason}` });
  }
  return unfilled;
}

export interface RunSummary {
  ok: number;
  unchecked: number;
  failed: number;
  manual: number;
  skipped: number;
  cancelled: number;
  changed: number;
  text: string;
}

export function summarize(mode: RunMode, results: readonly StepResult[]): RunSummary {
  const count = (status: StepResult['status']) => results.filter((r) => r.status === status).length;
  const documents = (status: StepResult['status']) => results.filter((r) => r.status === status).reduce((n, r) => n + r.step.documents.length, 0);
  const summary = {
    ok: count('ok'),
    unchecked: count('unchecked'),
    failed: count('failed'),
    manual: count('manual'),
    skipped: count('skipped'),
    cancelled: count('cancelled'),
    changed: results.filter((r) => r.changed).length,
  };
  const parts = [`${MODE_TITLES[mode]}: ${documents('ok')} document(s) in ${summary.ok} step(s) succeeded`];
  if (mode === 'diff') parts.push(`${summary.changed} step(s) differ from the cluster`);
  if (summary.unchecked) parts.push(`${summary.unchecked} not checkable before their namespace exists`);
  if (summary.failed)
    parts.push(
      `${summary.failed} failed (${results
        .filter((r) => r.failure && r.status === 'failed')
        .map((r) => r.failure!.kind)
        .join(', ')})`,
    );
  if (summary.manual) parts.push(`${summary.manual} to run yourself`);
  if (summary.skipped) parts.push(`${summary.skipped} skipped after a failure`);
  if (summary.cancelled) parts.push(`${summary.cancelled} cancelled`);
  return { ...summary, text: parts.join('; ') };
}

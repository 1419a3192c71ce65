import { relative } from 'node:path';

import { isProtectedContext } from './kubeconfig';
import { type ApplyPlan, ISTIOCTL_NAMESPACE, planClusters, STAGE_TITLES } from './plan';
import { commandLine, redact, shellQuote } from './redact';
import { createRemoteSecretCommand, istioctlInstallArgs, knownValues, MODE_TITLES, redactorForPlan, type RunMode, type StepResult, stepVariables } from './run';
import { fillText } from './variables';

export interface PlanContexts {
  contextOf: (cluster: string | undefined) => string | undefined;
  protectedPatterns: readonly string[];
  /** Whether the plan's istioctl steps will run (apply mode, istioctl found); they are printed to run otherwise. */
  istioctlRuns?: boolean;
  /** Programs that cannot be used, said before anything runs: `istioctl not found at …; …`. */
  programProblems?: readonly string[];
  /** Values given for the plan's template variables since it was made (`--set`, the editor's input boxes). */
  values?: ReadonlyMap<string, string>;
}

export const clusterLabel = (cluster: string | undefined) => cluster ?? '(no cluster)';

/** Contexts that more than one cluster of the plan is mapped to: applying both into one cluster mixes two meshes' configs. */
export function sharedContexts(plan: ApplyPlan, contextOf: (cluster: string | undefined) => string | undefined): { context: string; clusters: string[] }[] {
  const byContext = new Map<string, string[]>();
  for (const cluster of planClusters(plan)) {
    const context = contextOf(cluster);
    if (cluster === undefined || context === undefined) continue;
    byContext.set(context, [...(byContext.get(context) ?? []), cluster]);
  }
  return [...byContext].filter(([, clusters]) => clusters.length > 1).map(([context, clusters]) => ({ context, clusters }));
}

/** A cluster as the plan names it: its name and the mesh it belongs to. */
function clusterOfMesh(plan: ApplyPlan, key: string | undefined): string {
  const cluster = plan.clusters.find((c) => c.key === key);
  return cluster ? `${cluster.name} of mesh ${cluster.mesh}` : clusterLabel(key);
}

/** The plan as people read it before confirming: contexts, files (and where their text comes from), steps in order. */
export function formatPlan(plan: ApplyPlan, mode: RunMode, contexts: PlanContexts, root: string): string {
  const lines: string[] = [];
  const rel = (path: string) => relative(root, path) || path;
  lines.push(`${MODE_TITLES[mode]} plan:`);
  for (const cluster of planClusters(plan)) {
    const context = contexts.contextOf(cluster);
    const protectedNote = context && isProtectedContext(context, contexts.protectedPatterns) ? '  [PROTECTED]' : '';
    lines.push(`  cluster ${clusterOfMesh(plan, cluster)} → context ${context ?? '(none chosen)'}${protectedNote}`);
  }
  for (const shared of sharedContexts(plan, contexts.contextOf)) {
    lines.push(`Warning: ${shared.clusters.join(' and ')} are all mapped to context ${shared.context}: one cluster would get the configs of several`);
  }
  for (const problem of contexts.programProblems ?? []) lines.push(`Warning: ${problem}`);
  lines.push('Files:');
  for (const file of plan.files) {
    const errors = file.errors ? `, ${file.errors} error(s) from the analysis` : '';
    lines.push(`  ${rel(file.path)} (${file.source === 'unsaved-buffer' ? 'unsaved editor buffer' : 'on disk'}${errors})`);
  }
  lines.push('Steps:');
  plan.steps.forEach((step, index) => {
    const context = contexts.contextOf(step.cluster) ?? '(none chosen)';
    const how =
      step.tool === 'istioctl' ? commandLine('istioctl', istioctlInstallArgs(rel(step.file), context, stepVariables(step).length > 0)) : `kubectl → ${context}`;
    lines.push(`  ${index + 1}. [${STAGE_TITLES[step.stage]}] ${rel(step.file)} (${clusterLabel(step.cluster)}): ${how}`);
    for (const doc of step.documents) lines.push(`       ${doc.displayName} (line ${doc.line})`);
  });
  lines.push(...variableLines(plan, contexts.values, rel));
  lines.push(...namespaceWarnings(plan, contexts, rel));
  if (plan.remoteSecrets.length) {
    lines.push('Remote secrets to create with istioctl (not applied from files):');
    for (const suggestion of plan.remoteSecrets) {
      lines.push(`  ${suggestion.reason}:`);
      lines.push(`    ${createRemoteSecretCommand(suggestion, contexts.contextOf)}`);
    }
  }
  for (const skipped of plan.skipped) lines.push(`Not applied: ${rel(skipped.file)}:${skipped.line}: ${skipped.reason}`);
  return lines.join('\n');
}

/**
 * The template variables and where each value comes from, then each template document as it will be sent:
 * what is applied is never the text with its placeholders.
 */
function variableLines(plan: ApplyPlan, given: ReadonlyMap<string, string> | undefined, rel: (path: string) => string): string[] {
  if (!plan.variables.length) return [];
  const values = knownValues(plan, given);
  const lines = ['Template variables (filled in before anything is sent):'];
  for (const variable of plan.variables) {
    const where = variable.usedIn.map((at) => rel(at)).join(', ');
    const value = values.get(variable.name);
    const source = given?.has(variable.name) ? 'given' : variable.source;
    if (value !== undefined) lines.push(`  ${variable.name} = ${value} (${source === 'setting' ? 'istioMesh.variables' : source}; used in ${where})`);
    else if (variable.computedBy) lines.push(`  ${variable.name}: computed during the apply, from ${variable.computedBy.description} (used in ${where})`);
    else
      lines.push(
        `  ${variable.name}: UNKNOWN (used in ${where}): give it with --set ${variable.name}=VALUE, the setting istioMesh.variables or the environment; nothing is applied until it is known`,
      );
  }
  const redactor = redactorForPlan(plan);
  for (const step of plan.steps) {
    for (const doc of step.documents) {
      if (!doc.variables?.length || !doc.variables.every((name) => values.has(name))) continue;
      lines.push(`Filled in: ${rel(step.file)}:${doc.line} (${doc.displayName}):`);
      lines.push(
        ...redact(fillText(doc.text, values), redactor)
          .trimEnd()
          .split('\n')
          .map((line) => `    ${line}`),
      );
    }
  }
  return lines;
}

/**
 * A warning for each namespace the plan puts documents into without creating it first (istio-system counts as
 * created by an earlier istioctl install only when istioctl runs): kubectl fails unless it already exists.
 */
export function namespaceWarnings(plan: ApplyPlan, contexts: PlanContexts, rel: (path: string) => string = (p) => p): string[] {
  return plan.namespaceGaps
    .filter((gap) => !(gap.createdByIstioctl && contexts.istioctlRuns))
    .map((gap) => {
      const context = contexts.contextOf(gap.cluster) ?? `the context of ${clusterLabel(gap.cluster)}`;
      const byIstioctl =
        gap.namespace !== ISTIOCTL_NAMESPACE
          ? ''
          : gap.createdByIstioctl
            ? ' (istioctl install creates it: run the istioctl step first)'
            : ' (istioctl install creates it)';
      const definedIn = gap.definedIn ? `; ${rel(gap.definedIn)} defines it: apply that file first` : '';
      return `Warning: namespace ${gap.namespace} is not created by this plan; it must exist on ${context}${byIstioctl}${definedIn}`;
    });
}

/** One line per step result, with the failure's reason or the command to run by hand. */
export function formatResults(results: readonly StepResult[], root: string): string {
  const lines: string[] = [];
  for (const result of results) {
    const where = `${relative(root, result.step.file) || result.step.file} → ${result.context}`;
    if (result.status === 'failed') lines.push(`FAILED  ${where}: ${result.failure?.message ?? 'failed'}`);
    else if (result.status === 'manual') lines.push(`TO RUN  ${result.command}    (${result.note})`);
    else if (result.status === 'skipped') lines.push(`SKIPPED ${where}: ${result.failure?.message ?? ''}`);
    else if (result.status === 'unchecked') lines.push(`UNCHECKED ${where}: ${result.note}`);
    else if (result.status === 'cancelled') lines.push(`CANCELLED ${where}`);
    else lines.push(`OK      ${where}${result.changed ? ' (differs from the cluster)' : ''}`);
    // kubectl's error is said once: the lines the failure already quotes are not repeated below it.
    const quoted = result.status === 'failed' ? (result.failure?.message ?? '') : '';
    const output = result.status === 'manual' ? [] : result.output.split('\n').filter((l) => l && !quoted.includes(l.trim()));
    lines.push(...output.map((l) => `        ${l}`));
  }
  return lines.join('\n');
}

/** The plan's commands as a person would type them, to copy when they cannot be run from here. */
export function planCommands(plan: ApplyPlan, contextOf: (cluster: string | undefined) => string | undefined): string {
  const contextFor = (cluster: string | undefined) => contextOf(cluster) ?? `<context of ${clusterLabel(cluster)}>`;
  const lines = plan.steps.map((step) => {
    const context = contextFor(step.cluster);
    const templated = stepVariables(step).length > 0;
    const feed = templated ? `envsubst < ${shellQuote(step.file)} | ` : '';
    if (step.tool === 'istioctl') return `${feed}${commandLine('istioctl', istioctlInstallArgs(step.file, context, templated))}`;
    return templated
      ? `${feed}${commandLine('kubectl', ['apply', '-f', '-', '--context', context])}`
      : commandLine('kubectl', ['apply', '-f', step.file, '--context', context]);
  });
  return [...lines, ...plan.remoteSecrets.map((s) => createRemoteSecretCommand(s, contextOf))].join('\n');
}

import { relative } from 'node:path';
import { isProtectedContext } from './kubeconfig';
import { ISTIOCTL_NAMESPACE, STAGE_TITLES, planClusters, type ApplyPlan } from './plan';
import { commandLine } from './redact';
import { createRemoteSecretCommand, istioctlInstallArgs, MODE_TITLES, type RunMode, type StepResult } from './run';

export interface PlanContexts {
  contextOf: (cluster: string | undefined) => string | undefined;
  protectedPatterns: readonly string[];
  /** Whether the plan's istioctl steps will run (apply mode, istioctl found); they are printed to run otherwise. */
  istioctlRuns?: boolean;
}

export const clusterLabel = (cluster: string | undefined) => cluster ?? '(no cluster)';

/** The plan as people read it before confirming: contexts, files (and where their text comes from), steps in order. */
export function formatPlan(plan: ApplyPlan, mode: RunMode, contexts: PlanContexts, root: string): string {
  const lines: string[] = [];
  const rel = (path: string) => relative(root, path) || path;
  lines.push(`${MODE_TITLES[mode]} plan:`);
  for (const cluster of planClusters(plan)) {
    const context = contexts.contextOf(cluster);
    const protectedNote = context && isProtectedContext(context, contexts.protectedPatterns) ? '  [PROTECTED]' : '';
    lines.push(`  cluster ${clusterLabel(cluster)} → context ${context ?? '(none chosen)'}${protectedNote}`);
  }
  lines.push('Files:');
  for (const file of plan.files) {
    const errors = file.errors ? `, ${file.errors} error(s) from the analysis` : '';
    lines.push(`  ${rel(file.path)} (${file.source === 'unsaved-buffer' ? 'unsaved editor buffer' : 'on disk'}${errors})`);
  }
  lines.push('Steps:');
  plan.steps.forEach((step, index) => {
    const context = contexts.contextOf(step.cluster) ?? '(none chosen)';
    const how = step.tool === 'istioctl' ? commandLine('istioctl', istioctlInstallArgs(rel(step.file), context)) : `kubectl → ${context}`;
    lines.push(`  ${index + 1}. [${STAGE_TITLES[step.stage]}] ${rel(step.file)} (${clusterLabel(step.cluster)}): ${how}`);
    for (const doc of step.documents) lines.push(`       ${doc.displayName} (line ${doc.line})`);
  });
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
 * A warning for each namespace the plan puts documents into without creating it first (istio-system counts as
 * created by an earlier istioctl install only when istioctl runs): kubectl fails unless it already exists.
 */
export function namespaceWarnings(plan: ApplyPlan, contexts: PlanContexts, rel: (path: string) => string = (p) => p): string[] {
  return plan.namespaceGaps
    .filter((gap) => !(gap.createdByIstioctl && contexts.istioctlRuns))
    .map((gap) => {
      const context = contexts.contextOf(gap.cluster) ?? `the context of ${clusterLabel(gap.cluster)}`;
      const byIstioctl = gap.namespace !== ISTIOCTL_NAMESPACE ? '' : gap.createdByIstioctl ? ' (istioctl install creates it: run the istioctl step first)' : ' (istioctl install creates it)';
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
    if (result.output && result.status !== 'manual') lines.push(...result.output.split('\n').map((l) => `        ${l}`));
  }
  return lines.join('\n');
}

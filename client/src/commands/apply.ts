import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import { clusterLabel, formatPlan, formatResults, planCommands, type PlanContexts, sharedContexts } from '../../../server/src/apply/format';
import { isProtectedContext } from '../../../server/src/apply/kubeconfig';
import type { MeshCluster } from '../../../server/src/apply/meshClusters';
import { type ApplyPlan, planClusters, planContextClusters } from '../../../server/src/apply/plan';
import { createRemoteSecretCommand, MODE_TITLES, type RunMode, runPlan, summarize, unknownVariables } from '../../../server/src/apply/run';
import { invalidVariableValue } from '../../../server/src/apply/variables';
import { APPLY_PLAN_REQUEST, MESH_CLUSTERS_REQUEST } from '../../../server/src/lsp/protocol';
import { type ContextResolver } from './contexts';
import { findProgram, requireTrust } from './programs';

export type Selection = { kind: 'file'; uri: vscode.Uri } | { kind: 'cluster'; cluster: string };

function workspaceRoot(uri?: vscode.Uri): string {
  const folder = (uri && vscode.workspace.getWorkspaceFolder(uri)) ?? vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.fsPath ?? '';
}

/** Applies, dry-runs or diffs files through the shared engine, with the plan shown and confirmed first. */
export class ApplyCommands {
  constructor(
    private readonly client: LanguageClient,
    private readonly contexts: ContextResolver,
    private readonly output: vscode.LogOutputChannel,
    /** Called when a context was chosen inside an apply, so the status bar shows it at once. */
    private readonly onContextChosen: () => void,
  ) {}

  async run(mode: RunMode, selection: Selection | undefined): Promise<void> {
    if (!requireTrust() || !selection) return;
    const plan = await this.client.sendRequest(APPLY_PLAN_REQUEST, {
      ...(selection.kind === 'file' ? { uris: [selection.uri.toString()] } : { clusters: [selection.cluster] }),
      variables: vscode.workspace.getConfiguration('istioMesh').get<Record<string, string>>('variables') ?? {},
    });
    if (!plan || (!plan.steps.length && !plan.remoteSecrets.length)) {
      const why = plan?.skipped.length ? ` ${plan.skipped[0].reason}.` : ' (no Kubernetes documents in the selection).';
      void vscode.window.showInformationMessage(`Istio Mesh: nothing to apply${why}`);
      return;
    }
    const clusterOf = (key: string | undefined) => plan.clusters.find((c) => c.key === key);
    const copyable = { commands: () => planCommands(plan, (key) => this.contexts.known(clusterOf(key))) };
    const kubectl = findProgram('kubectlPath');
    if ('problem' in kubectl) {
      const choice = await vscode.window.showErrorMessage(
        `Istio Mesh: kubectl cannot be used: ${kubectl.problem} (setting istioMesh.kubectlPath). Nothing was applied.`,
        'Copy Commands',
        'Show Runbook',
      );
      if (choice === 'Copy Commands') await vscode.env.clipboard.writeText(copyable.commands());
      if (choice === 'Show Runbook') await vscode.commands.executeCommand('istioMesh.showRunbook');
      return;
    }
    const contextByCluster = new Map<string | undefined, string>();
    for (const key of planContextClusters(plan)) {
      const cluster = clusterOf(key);
      const known = this.contexts.known(cluster);
      const context = known ?? (await this.contexts.pick(kubectl.path, cluster, copyable));
      if (!context) return;
      contextByCluster.set(key, context);
      if (!known) this.onContextChosen();
    }
    const contextOf = (key: string | undefined) => contextByCluster.get(key) ?? this.contexts.known(clusterOf(key));
    const values = await askForVariables(plan);
    if (!values) return;
    const protectedPatterns = vscode.workspace.getConfiguration('istioMesh').get<string[]>('protectedContexts') ?? ['*prod*'];
    const root = workspaceRoot(selection.kind === 'file' ? selection.uri : undefined);
    // Known before the plan is shown: whether istioctl runs decides if istio-system exists for the later steps.
    const istioctl = findProgram('istioctlPath');
    const programProblems =
      'problem' in istioctl && plan.steps.some((s) => s.tool === 'istioctl')
        ? [`istioctl cannot be used (${istioctl.problem}): its steps are given to copy when the rest has run; set istioMesh.istioctlPath to run them from here`]
        : [];
    const planContexts: PlanContexts = { contextOf, protectedPatterns, istioctlRuns: mode === 'apply' && 'path' in istioctl, programProblems, values };
    if (!(await this.confirm(mode, plan, planContexts, root))) return;

    const title = `${MODE_TITLES[mode]}: ${[...contextByCluster].map(([cluster, context]) => `${clusterLabel(cluster)} → ${context}`).join(', ')}`;
    this.output.info(`${title}\n${formatPlan(plan, mode, planContexts, root)}`);
    const results = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Istio Mesh ${title}`, cancellable: true },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return runPlan(plan, {
          mode,
          kubectl: kubectl.path,
          istioctl: 'path' in istioctl ? istioctl.path : undefined,
          contextOf: (cluster) => contextByCluster.get(cluster)!,
          values,
          signal: abort.signal,
          onEvent: (event) => {
            if (event.type === 'computed') this.output.info(`$ ${event.command} → ${event.variable}=${event.value}`);
            if (event.type === 'start') {
              this.output.info(`$ ${event.command}`);
              progress.report({
                message: `${event.step.documents.length} document(s) of ${vscode.workspace.asRelativePath(event.step.file)} → ${event.context}`,
                increment: 100 / plan.steps.length,
              });
            }
          },
        });
      },
    );
    this.output.info(formatResults(results, root));
    const manualCommands = [
      ...results.filter((r) => r.status === 'manual').map((r) => r.command),
      ...plan.remoteSecrets.map((s) => createRemoteSecretCommand(s, contextOf)),
    ];
    for (const command of plan.remoteSecrets.map((s) => createRemoteSecretCommand(s, contextOf))) this.output.info(`To run: ${command}`);
    const summary = summarize(mode, results);
    const buttons = ['Show Output', ...(manualCommands.length ? ['Copy Commands to Run'] : [])];
    const show = summary.failed
      ? vscode.window.showErrorMessage
      : summary.manual || manualCommands.length
        ? vscode.window.showWarningMessage
        : vscode.window.showInformationMessage;
    const failures = results.filter((r) => r.status === 'failed').map((r) => `${vscode.workspace.asRelativePath(r.step.file)}: ${r.failure?.message}`);
    const choice = await show(`Istio Mesh ${summary.text}.${failures.length ? ` ${failures[0]}` : ''}`, ...buttons);
    if (choice === 'Show Output') this.output.show(true);
    if (choice === 'Copy Commands to Run') await vscode.env.clipboard.writeText(manualCommands.join('\n'));
  }

  /** The plan, then for contexts shared by clusters and protected contexts a second, explicit confirmation; files with errors ask too. */
  private async confirm(mode: RunMode, plan: ApplyPlan, contexts: PlanContexts, root: string): Promise<boolean> {
    const { contextOf, protectedPatterns } = contexts;
    const detail = formatPlan(plan, mode, contexts, root);
    const unsaved = plan.files.some((f) => f.source === 'unsaved-buffer') ? ' Unsaved editor text is applied as it is in the editor.' : '';
    const go = await vscode.window.showInformationMessage(
      `Istio Mesh: ${MODE_TITLES[mode]} ${plan.steps.length} step(s)?${unsaved}`,
      { modal: true, detail },
      MODE_TITLES[mode],
    );
    if (go !== MODE_TITLES[mode]) return false;
    if (mode !== 'apply') return true;
    for (const shared of sharedContexts(plan, contextOf)) {
      const button = `Apply All to ${shared.context}`;
      const answer = await vscode.window.showWarningMessage(
        `${shared.clusters.join(' and ')} are all mapped to the context ${shared.context}. Apply them all to it?`,
        {
          modal: true,
          detail:
            'One kube context is one cluster: it would get the control planes and configs of several clusters (of several meshes, perhaps). Choose each cluster\'s context with "Choose Kube Context for Cluster…" unless this is meant.',
        },
        button,
      );
      if (answer !== button) return false;
    }
    const withErrors = plan.files.filter((f) => f.errors > 0);
    if (withErrors.length) {
      const names = withErrors.map((f) => `${vscode.workspace.asRelativePath(f.path)} (${f.errors} error(s))`).join(', ');
      const answer = await vscode.window.showWarningMessage(`The analysis found errors in ${names}. Apply anyway?`, { modal: true }, 'Apply Anyway');
      if (answer !== 'Apply Anyway') return false;
    }
    const guarded = [...new Set(planClusters(plan).map((c) => contextOf(c)!))].filter((c) => isProtectedContext(c, protectedPatterns));
    for (const context of guarded) {
      const button = `Apply to ${context}`;
      const answer = await vscode.window.showWarningMessage(
        `${context} is a protected context (istioMesh.protectedContexts). Apply to it?`,
        { modal: true, detail: 'This changes the cluster behind that context. Check the plan: files, documents and context.' },
        button,
      );
      if (answer !== button) return false;
    }
    return true;
  }
}

/**
 * A value for each template variable that nothing gives and no step computes, typed by the user; undefined when
 * they cancel. A template is never applied with its placeholders.
 */
async function askForVariables(plan: ApplyPlan): Promise<Map<string, string> | undefined> {
  const values = new Map<string, string>();
  for (const variable of unknownVariables(plan)) {
    const value = await vscode.window.showInputBox({
      title: `Istio Mesh: value of \${${variable.name}}`,
      prompt: `Used in ${variable.usedIn.map((at) => vscode.workspace.asRelativePath(at)).join(', ')}. The plan shows the filled-in text before anything is applied (set istioMesh.variables to skip this question).`,
      ignoreFocusOut: true,
      validateInput: (text) => (text.trim() ? invalidVariableValue(text) : 'a value is needed: the file is a template'),
    });
    if (value === undefined) return undefined;
    values.set(variable.name, value);
  }
  return values;
}

/** The file of the active editor, or the one the command was run on (explorer, editor title). */
export function fileSelection(uri: unknown): Selection | undefined {
  const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
  if (!target || target.scheme !== 'file') {
    void vscode.window.showWarningMessage('Istio Mesh: open a YAML file to apply.');
    return undefined;
  }
  return { kind: 'file', uri: target };
}

/** A quick pick item per cluster of each mesh: two meshes' `cluster1` are two items, each naming its mesh. */
export function clusterItems(clusters: readonly MeshCluster[]): (vscode.QuickPickItem & { cluster: MeshCluster })[] {
  const meshes = new Set(clusters.map((c) => c.mesh));
  return clusters.map((cluster) => ({
    label: cluster.name,
    description: meshes.size > 1 ? `mesh ${cluster.mesh}` : undefined,
    detail: cluster.configuredContext ? `context ${cluster.configuredContext} (istioMesh.clusters)` : undefined,
    cluster,
  }));
}

export async function clusterSelection(client: LanguageClient): Promise<Selection | undefined> {
  const { clusters } = await client.sendRequest(MESH_CLUSTERS_REQUEST, {});
  if (!clusters.length) {
    void vscode.window.showWarningMessage('Istio Mesh: no cluster found in the workspace files.');
    return undefined;
  }
  const choice = await vscode.window.showQuickPick(clusterItems(clusters), {
    title: 'Apply which cluster, of which mesh?',
    placeHolder: "Every file of the cluster, in the runbook's order",
    matchOnDescription: true,
  });
  return choice ? { kind: 'cluster', cluster: choice.cluster.key } : undefined;
}

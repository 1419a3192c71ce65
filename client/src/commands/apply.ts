import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { clusterLabel, formatPlan, formatResults, type PlanContexts } from '../../../server/src/apply/format';
import { isProtectedContext } from '../../../server/src/apply/kubeconfig';
import { planClusters, type ApplyPlan } from '../../../server/src/apply/plan';
import { createRemoteSecretCommand, MODE_TITLES, runPlan, summarize, type RunMode } from '../../../server/src/apply/run';
import { ContextResolver } from './contexts';
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
  ) {}

  async run(mode: RunMode, selection: Selection | undefined): Promise<void> {
    if (!requireTrust() || !selection) return;
    const kubectl = findProgram('kubectlPath');
    if ('problem' in kubectl) {
      void vscode.window.showErrorMessage(`Istio Mesh: kubectl cannot be used: ${kubectl.problem} (setting istioMesh.kubectlPath).`);
      return;
    }
    const plan = await this.client.sendRequest<ApplyPlan | null>(
      'istioMesh/applyPlan',
      selection.kind === 'file' ? { uris: [selection.uri.toString()] } : { clusters: [selection.cluster] },
    );
    if (!plan || (!plan.steps.length && !plan.remoteSecrets.length)) {
      void vscode.window.showInformationMessage('Istio Mesh: nothing to apply (no Kubernetes documents in the selection).');
      return;
    }
    const contextByCluster = new Map<string | undefined, string>();
    for (const cluster of planClusters(plan)) {
      const context = await this.contexts.resolve(kubectl.path, cluster);
      if (!context) return;
      contextByCluster.set(cluster, context);
    }
    const contextOf = (cluster: string | undefined) => contextByCluster.get(cluster) ?? this.contexts.known(cluster);
    const protectedPatterns = vscode.workspace.getConfiguration('istioMesh').get<string[]>('protectedContexts') ?? ['*prod*'];
    const root = workspaceRoot(selection.kind === 'file' ? selection.uri : undefined);
    // Known before the plan is shown: whether istioctl runs decides if istio-system exists for the later steps.
    const istioctl = findProgram('istioctlPath');
    const planContexts: PlanContexts = { contextOf, protectedPatterns, istioctlRuns: mode === 'apply' && 'path' in istioctl };
    if (!(await this.confirm(mode, plan, planContexts, root))) return;

    const title = `${MODE_TITLES[mode]}: ${[...contextByCluster].map(([cluster, context]) => `${clusterLabel(cluster)} → ${context}`).join(', ')}`;
    this.output.info(`${title}\n${formatPlan(plan, mode, planContexts, root)}`);
    const results = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Istio Mesh ${title}`, cancellable: true }, (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return runPlan(plan, {
        mode,
        kubectl: kubectl.path,
        istioctl: 'path' in istioctl ? istioctl.path : undefined,
        contextOf: (cluster) => contextByCluster.get(cluster)!,
        signal: abort.signal,
        onEvent: (event) => {
          if (event.type === 'start') {
            this.output.info(`$ ${event.command}`);
            progress.report({ message: `${event.step.documents.length} document(s) of ${vscode.workspace.asRelativePath(event.step.file)} → ${event.context}`, increment: 100 / plan.steps.length });
          }
        },
      });
    });
    this.output.info(formatResults(results, root));
    const manualCommands = [
      ...results.filter((r) => r.status === 'manual').map((r) => r.command),
      ...plan.remoteSecrets.map((s) => createRemoteSecretCommand(s, contextOf)),
    ];
    for (const command of plan.remoteSecrets.map((s) => createRemoteSecretCommand(s, contextOf))) this.output.info(`To run: ${command}`);
    const summary = summarize(mode, results);
    const buttons = ['Show Output', ...(manualCommands.length ? ['Copy Commands to Run'] : [])];
    const show = summary.failed ? vscode.window.showErrorMessage : summary.manual || manualCommands.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const failures = results.filter((r) => r.status === 'failed').map((r) => `${vscode.workspace.asRelativePath(r.step.file)}: ${r.failure?.message}`);
    const choice = await show(`Istio Mesh ${summary.text}.${failures.length ? ` ${failures[0]}` : ''}`, ...buttons);
    if (choice === 'Show Output') this.output.show(true);
    if (choice === 'Copy Commands to Run') await vscode.env.clipboard.writeText(manualCommands.join('\n'));
  }

  /** The plan, then for protected contexts a second, explicit confirmation; files with errors ask too. */
  private async confirm(mode: RunMode, plan: ApplyPlan, contexts: PlanContexts, root: string): Promise<boolean> {
    const { contextOf, protectedPatterns } = contexts;
    const detail = formatPlan(plan, mode, contexts, root);
    const unsaved = plan.files.some((f) => f.source === 'unsaved-buffer') ? ' Unsaved editor text is applied as it is in the editor.' : '';
    const go = await vscode.window.showInformationMessage(`Istio Mesh: ${MODE_TITLES[mode]} ${plan.steps.length} step(s)?${unsaved}`, { modal: true, detail }, MODE_TITLES[mode]);
    if (go !== MODE_TITLES[mode]) return false;
    if (mode !== 'apply') return true;
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

/** The file of the active editor, or the one the command was run on (explorer, editor title). */
export function fileSelection(uri: unknown): Selection | undefined {
  const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
  if (!target || target.scheme !== 'file') {
    void vscode.window.showWarningMessage('Istio Mesh: open a YAML file to apply.');
    return undefined;
  }
  return { kind: 'file', uri: target };
}

export async function clusterSelection(client: LanguageClient): Promise<Selection | undefined> {
  const { clusters } = await client.sendRequest<{ clusters: string[] }>('istioMesh/meshClusters', {});
  if (!clusters.length) {
    void vscode.window.showWarningMessage('Istio Mesh: no cluster found in the workspace files.');
    return undefined;
  }
  const cluster = await vscode.window.showQuickPick(clusters, { title: 'Apply which cluster?', placeHolder: 'Every file of the cluster, in install order' });
  return cluster ? { kind: 'cluster', cluster } : undefined;
}

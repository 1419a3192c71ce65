import * as vscode from 'vscode';

import { programSettingValue, resolveProgram } from '../../../server/src/apply/programs';

/**
 * A program path setting (`istioMesh.kubectlPath`). In an untrusted workspace only the user's own (global)
 * value counts, so a cloned repository cannot point the extension at a program of its choosing.
 */
export function programSetting(key: 'kubectlPath' | 'istioctlPath', fallback: string): string {
  return programSettingValue(vscode.workspace.getConfiguration('istioMesh').inspect<string>(key), vscode.workspace.isTrusted, fallback);
}

/** The checked path of kubectl/istioctl, or the reason it cannot be used. */
export function findProgram(key: 'kubectlPath' | 'istioctlPath'): ReturnType<typeof resolveProgram> {
  const fallback = key === 'kubectlPath' ? 'kubectl' : 'istioctl';
  return resolveProgram(programSetting(key, fallback));
}

/** Commands that run programs refuse to in an untrusted workspace. */
export function requireTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showErrorMessage('Istio Mesh runs kubectl and istioctl only in a trusted workspace. Trust this workspace to apply from it.', 'Manage Workspace Trust')
    .then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  return false;
}

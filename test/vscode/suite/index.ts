// Runs inside VS Code's extension host (loaded by @vscode/test-electron): each test uses the real VS Code API and
// node's assert, no test framework. The workspace is a copy of test/e2e/workspace.
import * as assert from 'node:assert/strict';

import * as vscode from 'vscode';

const EXTENSION_ID = 'istio-mesh.istio-mesh';
const TIMEOUT_MS = 30_000;

function workspaceUri(relativePath: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return vscode.Uri.joinPath(folder.uri, ...relativePath.split('/'));
}

function codeOf(diagnostic: vscode.Diagnostic): string {
  const code = diagnostic.code;
  return typeof code === 'object' && code !== null ? String(code.value) : String(code);
}

/** Resolves when `predicate` holds for the diagnostics of `uri`, which may be a file that is not open. */
function waitForDiagnostics(
  uri: vscode.Uri,
  predicate: (diagnostics: readonly vscode.Diagnostic[]) => boolean,
  what: string,
): Promise<readonly vscode.Diagnostic[]> {
  return new Promise((resolvePromise, reject) => {
    const check = (): boolean => {
      const diagnostics = vscode.languages.getDiagnostics(uri);
      if (!predicate(diagnostics)) return false;
      subscription.dispose();
      clearTimeout(timer);
      resolvePromise(diagnostics);
      return true;
    };
    const subscription = vscode.languages.onDidChangeDiagnostics(() => void check());
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`timed out waiting for ${what}; have: ${vscode.languages.getDiagnostics(uri).map(codeOf).join(', ') || 'none'}`));
    }, TIMEOUT_MS);
    check();
  });
}

const hasMeshIDMismatch = (diagnostics: readonly vscode.Diagnostic[]) => diagnostics.some((d) => codeOf(d) === 'MESH101');

const TESTS: { name: string; run: () => Promise<void> }[] = [
  {
    name: 'the extension activates',
    async run() {
      const extension = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(extension, `${EXTENSION_ID} is loaded`);
      await extension.activate();
      assert.equal(extension.isActive, true);
      assert.equal(vscode.extensions.getExtension('redhat.vscode-yaml'), undefined, "Red Hat's YAML extension is absent");
    },
  },
  {
    name: 'files never opened get their findings (YAML001, MESH101)',
    async run() {
      const broken = await waitForDiagnostics(workspaceUri('broken.yaml'), (d) => d.some((x) => codeOf(x) === 'YAML001'), 'YAML001 in broken.yaml');
      assert.equal(broken.find((d) => codeOf(d) === 'YAML001')?.range.start.line, 8);
      const mismatch = await waitForDiagnostics(workspaceUri('cluster1/istio-operator.yaml'), hasMeshIDMismatch, 'MESH101 in cluster1');
      const finding = mismatch.find((d) => codeOf(d) === 'MESH101')!;
      assert.deepEqual([finding.range.start.line, finding.range.start.character], [8, 14]);
      assert.ok(
        finding.relatedInformation?.some((r) => r.location.uri.path.endsWith('cluster2/istio-operator.yaml')),
        'MESH101 points at cluster2',
      );
    },
  },
  {
    name: "editing cluster2's meshID clears cluster1's finding",
    async run() {
      const editor = await vscode.window.showTextDocument(workspaceUri('cluster2/istio-operator.yaml'));
      const line = editor.document.lineAt(8);
      const start = line.text.indexOf('east-mesh-2');
      assert.ok(start > 0, 'cluster2 declares meshID east-mesh-2');
      await editor.edit((edit) => edit.replace(new vscode.Range(8, start, 8, start + 'east-mesh-2'.length), 'east-mesh'));
      await waitForDiagnostics(workspaceUri('cluster1/istio-operator.yaml'), (d) => !hasMeshIDMismatch(d), 'MESH101 to leave cluster1');
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    },
  },
  {
    name: "the extension's commands are registered",
    async run() {
      const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
      const contributed: { command: string }[] = extension.packageJSON.contributes?.commands ?? [];
      const registered = new Set(await vscode.commands.getCommands(true));
      for (const { command } of contributed) assert.ok(registered.has(command), `${command} is registered`);
    },
  },
  {
    name: 'completion offers the Gateway names in VirtualService.gateways',
    async run() {
      const uri = workspaceUri('cluster1/expose-istiod.yaml');
      const document = await vscode.workspace.openTextDocument(uri);
      const lineNumber = [...Array(document.lineCount).keys()].find((n) => document.lineAt(n).text.trim() === '- istiod-gateway');
      assert.ok(lineNumber !== undefined, 'the VirtualService lists istiod-gateway');
      const position = new vscode.Position(lineNumber, document.lineAt(lineNumber).text.indexOf('- ') + 2);
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, position);
      const labels = list.items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label));
      assert.ok(labels.includes('istiod-gateway'), `offered: ${labels.join(', ')}`);
    },
  },
];

/** Entry point called by the extension host. */
export async function run(): Promise<void> {
  let failed = 0;
  for (const test of TESTS) {
    try {
      await test.run();
      console.log(`ok   ${test.name}`);
    } catch (error) {
      failed++;
      console.error(`FAIL ${test.name}: ${error instanceof Error ? error.message : error}`);
    }
  }
  console.log(`${TESTS.length - failed} passed, ${failed} failed`);
  if (failed) throw new Error(`${failed} in-editor test(s) failed`);
}

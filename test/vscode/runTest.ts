// The in-editor integration tests (suite/), run inside a VS Code that @vscode/test-electron downloads: for machines
// that can download VS Code. Where that is impossible (no network but the package registries), the E2E suite
// (`npm run test:e2e`, code-server in chromium) is the one that runs. See docs/e2e.md.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { runTests } from '@vscode/test-electron';

const REPO = resolve(__dirname, '..', '..', '..');

async function main(): Promise<void> {
  // A copy of the E2E fixture workspace: the tests type into it.
  const runDir = mkdtempSync(join(tmpdir(), 'istio-mesh-vscode-test-'));
  const workspace = join(runDir, 'workspace');
  cpSync(join(REPO, 'test', 'e2e', 'workspace'), workspace, { recursive: true });
  try {
    await runTests({
      version: process.env.VSCODE_TEST_VERSION ?? 'stable',
      extensionDevelopmentPath: REPO,
      extensionTestsPath: join(__dirname, 'suite', 'index.js'),
      // No other extension (Red Hat's YAML among them): Istio Mesh's own completion and hover are on.
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/download|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo|fetch failed|socket/i.test(message)) {
      console.error(`Could not download VS Code (${message}).`);
      console.error('This suite needs a machine that can download VS Code; on this one, run the E2E suite instead: npm run test:e2e');
    } else {
      console.error(`The in-editor tests failed: ${message}`);
    }
    process.exitCode = 1;
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

void main();

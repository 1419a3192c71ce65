// The request behind "Istio Mesh: Show Runbook", against the bundled server (the Istio Mesh view's: mesh-view.test.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import type { RunbookResult } from '../../server/src/lsp/protocol';
import { LspTestClient } from '../support/lspClient';
import { EXAMPLES } from '../support/paths';

const MESH = join(EXAMPLES, 'primary-remote');

test("istioMesh/runbook describes the open workspace, with the client's contexts", async () => {
  const client = await LspTestClient.start([MESH]);
  try {
    const file = join(MESH, 'cluster1', 'control-plane.yaml');
    client.open(file, readFileSync(file, 'utf8'));
    await client.waitForDiagnostics(file, () => true);
    const result = await client.request<RunbookResult>('istioMesh/runbook', { contexts: { cluster1: 'kind-east' } });
    assert.equal(result.runbooks.length, 1);
    const install = result.runbooks[0].steps.find((s) => s.kind === 'control-plane' && s.cluster === 'cluster1')!;
    assert.deepEqual(install.pipeline, [['istioctl', 'install', '-f', join('cluster1', 'control-plane.yaml'), '--context', 'kind-east', '-y']]);
    assert.match(result.markdown, /^# Istio Mesh runbook/);
    assert.match(result.markdown, /--context "\$\{CTX_CLUSTER2\}"/);
  } finally {
    await client.stop();
  }
});

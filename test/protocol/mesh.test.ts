import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { fileUri, LspTestClient } from '../support/lspClient';
import { controlPlane } from '../support/meshTexts';

test('a meshID mismatch between two files on disk is published with related information, and fixing one file in the editor clears the other', async () => {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-protocol-mesh-'));
  const cluster1 = join(root, 'cluster1.yaml');
  const cluster2 = join(root, 'cluster2.yaml');
  writeFileSync(cluster1, controlPlane('cluster1', 'mesh1'));
  const cluster2Text = controlPlane('cluster2', 'mesh2');
  writeFileSync(cluster2, cluster2Text);
  const client = await LspTestClient.start([root]);
  try {
    const published = await client.waitForDiagnostics(cluster1, (d) => d.some((x) => x.code === 'MESH101'));
    const mismatch = published.find((d) => d.code === 'MESH101')!;
    assert.equal(mismatch.range.start.line, 5, 'reported on the meshID line of cluster1.yaml');
    assert.match(mismatch.message, /mesh2/);
    assert.deepEqual(
      mismatch.relatedInformation?.map((r) => [r.location.uri, r.location.range.start.line]),
      [[fileUri(cluster2), 5]],
      'points at the meshID it disagrees with',
    );
    assert.match(mismatch.codeDescription!.href, /docs\/rules\/MESH101\.md$/);

    // Only cluster2.yaml is opened; cluster1.yaml stays closed and its finding must still go away.
    client.open(cluster2, cluster2Text);
    client.edit(cluster2, { start: { line: 5, character: 14 }, end: { line: 5, character: 19 } }, 'mesh1');
    await client.waitForDiagnostics(cluster1, (d) => !d.some((x) => x.code === 'MESH101'));
    await client.waitForDiagnostics(cluster2, (d) => !d.some((x) => x.code === 'MESH101'));
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { LspTestClient } from '../support/lspClient';

interface ProgressValue {
  kind: 'begin' | 'report' | 'end';
  title?: string;
  percentage?: number;
}

test('a large workspace is indexed in the background with progress, then every file gets diagnostics', async () => {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-indexing-'));
  // More files than one indexing slice (200), so the server reports progress.
  const count = 450;
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const folder = join(root, `team-${Math.floor(i / 50)}`);
    mkdirSync(folder, { recursive: true });
    const path = join(folder, `namespace-${i}.yaml`);
    writeFileSync(path, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-${i}\n`);
    paths.push(path);
  }
  // The last file is broken, so its diagnostics prove the analysis ran on the complete workspace.
  writeFileSync(paths[count - 1], 'apiVersion: v1\nkind: Namespace\nmetadata: {name: broken\n');
  const client = await LspTestClient.start([root]);
  const progress: ProgressValue[] = [];
  client.connection.onNotification('$/progress', (params: { value: ProgressValue }) => progress.push(params.value));
  try {
    await client.waitForDiagnostics(paths[count - 1], (d) => d.some((x) => x.code === 'YAML001'), 60_000);
    for (const path of paths.slice(0, 3)) assert.deepEqual(await client.waitForDiagnostics(path, () => true), []);
    const kinds = progress.map((p) => p.kind);
    assert.equal(kinds[0], 'begin', `progress: ${JSON.stringify(progress)}`);
    assert.match(progress[0].title ?? '', /indexing/i);
    assert.ok(kinds.includes('report'), 'indexing reports how far it got');
    assert.equal(kinds.at(-1), 'end');
    const percentages = progress.flatMap((p) => (p.kind === 'report' && p.percentage !== undefined ? [p.percentage] : []));
    assert.deepEqual(
      percentages,
      [...percentages].sort((a, b) => a - b),
      'progress only goes forward',
    );
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

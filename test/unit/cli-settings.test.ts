import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { runCheck } from '../../server/src/cli/check';
import { loadCliSettings } from '../../server/src/cli/settings';
import { parseJsonWithComments } from '../../server/src/engine/settings';
import { controlPlaneText } from '../support/texts';

const operator = controlPlaneText;

const gateway = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: cross-network-gateway
  namespace: istio-system
spec:
  selector:
    istio: eastwestgateway
  servers:
    - port: {number: 15443, name: tls, protocol: TLS}
      tls: {mode: AUTO_PASSTHROUGH}
      hosts: ["*.local"]
`;

test("the CLI reads istioMesh.clusters from the folder's .vscode/settings.json, as the editor does", async () => {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-cli-settings-'));
  try {
    writeFileSync(join(root, 'one.yaml'), operator('cluster1'));
    writeFileSync(join(root, 'two.yaml'), operator('cluster2'));
    writeFileSync(join(root, 'shared-gateway.yaml'), gateway);
    const unassigned = await runCheck({ targets: [root], failOn: 'never', cwd: root });
    assert.ok(unassigned.findings.some((f) => f.code === 'MESH001' && f.location.file.endsWith('shared-gateway.yaml')));
    mkdirSync(join(root, '.vscode'));
    writeFileSync(
      join(root, '.vscode', 'settings.json'),
      `{
  // which files go where
  "istioMesh.clusters": [
    { "name": "cluster1", "context": "kind-one", "paths": ["shared-gateway.yaml"] },
  ],
}`,
    );
    const { settings, source } = loadCliSettings([root], '/');
    assert.equal(source, join(root, '.vscode', 'settings.json'));
    assert.deepEqual(settings.clusters, [{ name: 'cluster1', context: 'kind-one', paths: ['shared-gateway.yaml'] }]);
    const assigned = await runCheck({ targets: [root], failOn: 'never', cwd: root, settings });
    assert.ok(!assigned.findings.some((f) => f.code === 'MESH001'), assigned.findings.map((f) => f.code).join(' '));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('settings JSON with comments, trailing commas and comment-like text inside strings', () => {
  assert.deepEqual(parseJsonWithComments('{ /* a */ "x": "http://a//b", // c\n "y": [1,2,], }'), { x: 'http://a//b', y: [1, 2] });
});

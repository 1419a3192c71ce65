// The server's index follows the files on disk (the editor's file watcher: create, change, delete, rename) and
// leaves out what istioMesh.exclude and files.exclude name, saying so in its log.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { type Diagnostic, fileUri, LspTestClient } from '../support/lspClient';
import { controlPlane } from '../support/meshTexts';

const CREATED = 1;
const CHANGED = 2;
const DELETED = 3;

const BROKEN = 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n  selector: {istio: eastwestgateway\n';
const FIXED = 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n  selector: {istio: eastwestgateway}\n';

const has = (code: string) => (d: Diagnostic[]) => d.some((x) => x.code === code);
const lacks = (code: string) => (d: Diagnostic[]) => !d.some((x) => x.code === code);

test('files created, changed, deleted and renamed on disk keep the index current, across clusters too', async () => {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-protocol-watch-'));
  const cluster1 = join(root, 'cluster1.yaml');
  const cluster2 = join(root, 'cluster2.yaml');
  const gateway = join(root, 'gateway.yaml');
  const renamed = join(root, 'gateway-renamed.yaml');
  writeFileSync(cluster1, controlPlane('cluster1', 'mesh1'));
  const client = await LspTestClient.start([root]);
  try {
    await client.waitForDiagnostics(cluster1, lacks('MESH101'));

    // A second cluster's control plane appears with another meshID: the finding shows in the first one's file.
    writeFileSync(cluster2, controlPlane('cluster2', 'mesh2'));
    client.filesChanged({ path: cluster2, type: CREATED });
    await client.waitForDiagnostics(cluster1, has('MESH101'));

    // It is corrected on disk: the finding goes away in both files.
    writeFileSync(cluster2, controlPlane('cluster2', 'mesh1'));
    client.filesChanged({ path: cluster2, type: CHANGED });
    await client.waitForDiagnostics(cluster1, lacks('MESH101'));

    // A broken file appears, is renamed (the watcher says: old deleted, new created), then deleted.
    writeFileSync(gateway, BROKEN);
    client.filesChanged({ path: gateway, type: CREATED });
    await client.waitForDiagnostics(gateway, has('YAML001'));
    renameSync(gateway, renamed);
    client.filesChanged({ path: gateway, type: DELETED }, { path: renamed, type: CREATED });
    await client.waitForDiagnostics(renamed, has('YAML001'));
    await client.waitForDiagnostics(gateway, (d) => d.length === 0);
    writeFileSync(renamed, FIXED);
    client.filesChanged({ path: renamed, type: CHANGED });
    await client.waitForDiagnostics(renamed, lacks('YAML001'));
    writeFileSync(renamed, BROKEN);
    client.filesChanged({ path: renamed, type: CHANGED });
    await client.waitForDiagnostics(renamed, has('YAML001'));
    unlinkSync(renamed);
    client.filesChanged({ path: renamed, type: DELETED });
    await client.waitForDiagnostics(renamed, (d) => d.length === 0);

    // An open document's editor text wins over its file on disk: a change on disk does not replace it.
    client.open(cluster1, controlPlane('cluster1', 'mesh1'));
    writeFileSync(cluster1, controlPlane('cluster1', 'mesh9'));
    writeFileSync(gateway, BROKEN);
    client.filesChanged({ path: cluster1, type: CHANGED }, { path: gateway, type: CREATED });
    await client.waitForDiagnostics(gateway, has('YAML001'));
    assert.ok(lacks('MESH101')(client.diagnostics.get(fileUri(cluster1)) ?? []), 'the disk text (mesh9) was not analysed');
    assert.ok(lacks('MESH101')(client.diagnostics.get(fileUri(cluster2)) ?? []));
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('istioMesh.exclude and files.exclude keep files out of the analysis, with a log line; new files there too', async () => {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-protocol-exclude-'));
  const read = join(root, 'read.yaml');
  const excludedBySetting = join(root, 'drafts', 'broken.yaml');
  const excludedFile = join(root, 'gateway.draft.yaml');
  const excludedByFiles = join(root, 'generated', 'broken.yaml');
  mkdirSync(join(root, 'drafts'));
  mkdirSync(join(root, 'generated'));
  for (const path of [read, excludedBySetting, excludedFile, excludedByFiles]) writeFileSync(path, BROKEN);
  const client = await LspTestClient.start([root], {
    settings: { exclude: ['drafts/**', '**/*.draft.yaml'] },
    filesExclude: { '**/generated': true, '**/read.yaml': false },
  });
  try {
    await client.waitForDiagnostics(read, has('YAML001'));
    assert.equal(client.diagnostics.get(fileUri(excludedBySetting)), undefined, 'istioMesh.exclude is honoured (a folder)');
    assert.equal(client.diagnostics.get(fileUri(excludedFile)), undefined, 'istioMesh.exclude is honoured (a file)');
    assert.equal(client.diagnostics.get(fileUri(excludedByFiles)), undefined, 'files.exclude is honoured');
    const logs = client.logs.join('\n');
    assert.match(logs, /skipped .*gateway\.draft\.yaml: excluded by istioMesh\.exclude or files\.exclude/);
    assert.match(logs, /skipped .*drafts: folder excluded by istioMesh\.exclude or files\.exclude/);
    assert.match(logs, /skipped .*generated: folder excluded by istioMesh\.exclude or files\.exclude/);

    // A file created in an excluded folder stays out; the change after it shows the server has handled both.
    const created = join(root, 'drafts', 'new.yaml');
    writeFileSync(created, BROKEN);
    writeFileSync(read, FIXED);
    client.filesChanged({ path: created, type: CREATED }, { path: read, type: CHANGED });
    await client.waitForDiagnostics(read, lacks('YAML001'));
    assert.equal(client.diagnostics.get(fileUri(created)), undefined, 'a new file under an excluded folder is not analysed');
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('an open document under istioMesh.exclude or files.exclude is not analysed, and the log says why once', async () => {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-protocol-exclude-open-'));
  const read = join(root, 'read.yaml');
  const excludedBySetting = join(root, 'drafts', 'broken.yaml');
  const excludedByFiles = join(root, 'generated', 'broken.yaml');
  mkdirSync(join(root, 'drafts'));
  mkdirSync(join(root, 'generated'));
  for (const path of [read, excludedBySetting, excludedByFiles]) writeFileSync(path, FIXED);
  const client = await LspTestClient.start([root], { settings: { exclude: ['drafts/**'] }, filesExclude: { '**/generated': true } });
  try {
    await client.waitForDiagnostics(read, lacks('YAML001'));
    const endOfFile = { start: { line: 6, character: 0 }, end: { line: 6, character: 0 } };
    for (const path of [excludedBySetting, excludedByFiles]) {
      client.open(path, BROKEN);
      // Typing in it does not log again.
      client.edit(path, endOfFile, '# one\n');
      client.edit(path, endOfFile, '# two\n');
    }
    // The server handles notifications in order: once the later edit of read.yaml is analysed, the others were seen.
    const wholeFile = { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } };
    client.open(read, FIXED);
    client.edit(read, wholeFile, BROKEN);
    await client.waitForDiagnostics(read, has('YAML001'));
    for (const path of [excludedBySetting, excludedByFiles]) {
      const lines = client.logs.filter((l) => l.includes(`not analysing open document ${path}`));
      assert.deepEqual(lines, [`not analysing open document ${path}: excluded by istioMesh.exclude or files.exclude`]);
      assert.equal(client.diagnostics.get(fileUri(path)), undefined, `${path} was not analysed`);
    }

    // Closed and opened again: a new editor session, logged again.
    client.close(excludedBySetting);
    client.open(excludedBySetting, BROKEN);
    client.edit(read, wholeFile, FIXED);
    await client.waitForDiagnostics(read, lacks('YAML001'));
    assert.equal(client.logs.filter((l) => l.includes(`not analysing open document ${excludedBySetting}`)).length, 2);
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

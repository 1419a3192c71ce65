// Outline, workspace symbols and go to definition, over stdio against the bundled server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import type { DocumentSymbol, Location, SymbolInformation } from 'vscode-languageserver/node';

import { fileUri, LspTestClient } from '../support/lspClient';
import { EXAMPLES } from '../support/paths';

const MESH = join(EXAMPLES, 'primary-remote');
const EXPOSE = join(MESH, 'cluster1', 'expose-istiod.yaml');

/** The 0-based line and column of the first occurrence of `text` after `after` in a file. */
function positionOf(path: string, text: string, after = ''): { line: number; character: number } {
  const lines = readFileSync(path, 'utf8').split('\n');
  const start = after ? lines.findIndex((l) => l.includes(after)) : 0;
  const line = lines.findIndex((l, i) => i >= start && l.includes(text));
  return { line, character: lines[line].indexOf(text) + 1 };
}

test('the outline has one symbol per document, with its cluster; workspace symbols list clusters and gateways', async () => {
  const client = await LspTestClient.start([MESH]);
  try {
    client.open(EXPOSE);
    await client.waitForDiagnostics(EXPOSE, () => true);
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: fileUri(EXPOSE) } });
    assert.deepEqual(
      symbols.map((s) => `${s.name} [${s.detail}]`),
      ['Gateway istio-system/istiod-gateway [cluster1]', 'VirtualService istio-system/istiod-vs [cluster1]'],
    );
    const nameLine = positionOf(EXPOSE, 'name: istiod-gateway').line;
    assert.equal(symbols[0].selectionRange.start.line, nameLine, 'the selection is the written name');
    const clusters = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'cluster' });
    assert.deepEqual(
      clusters
        .filter((s) => /^cluster \(/.test(s.containerName ?? ''))
        .map((s) => `${s.name} ${s.containerName}`)
        .sort(),
      ['cluster1 cluster (primary, network network1)', 'cluster2 cluster (remote, network network1)'],
    );
    const gateways = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'istiod-gateway' });
    assert.deepEqual(
      gateways.map((s) => `${s.name} → ${s.location.uri.endsWith('cluster1/expose-istiod.yaml')}:${s.location.range.start.line}`),
      [`Gateway istio-system/istiod-gateway → true:${nameLine}`],
    );
  } finally {
    await client.stop();
  }
});

test('go to definition: a VirtualService gateway entry opens the Gateway of its cluster, a destination host its Service', async () => {
  const client = await LspTestClient.start([MESH]);
  try {
    client.open(EXPOSE);
    await client.waitForDiagnostics(EXPOSE, () => true);
    const entry = positionOf(EXPOSE, 'istiod-gateway', 'gateways:');
    const [target] = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: fileUri(EXPOSE) }, position: entry });
    assert.equal(target.uri, fileUri(EXPOSE));
    assert.equal(target.range.start.line, positionOf(EXPOSE, 'name: istiod-gateway').line);
    const keyword = positionOf(EXPOSE, 'gateways:');
    assert.deepEqual(
      await client.request('textDocument/definition', { textDocument: { uri: fileUri(EXPOSE) }, position: keyword }),
      [],
      'a key is not a reference',
    );
  } finally {
    await client.stop();
  }
});

test('references and rename of a network: every place in every file of the mesh, in one workspace edit', async () => {
  const root = join(EXAMPLES, 'primary-remote-multi-network');
  const namespace = join(root, 'cluster2', 'istio-system.yaml');
  const client = await LspTestClient.start([root]);
  try {
    client.open(namespace);
    await client.waitForDiagnostics(namespace, () => true);
    const position = positionOf(namespace, 'network2', '  labels:');
    const references = await client.request<Location[]>('textDocument/references', {
      textDocument: { uri: fileUri(namespace) },
      position,
      context: { includeDeclaration: true },
    });
    const files = (locations: { uri: string }[]) => [...new Set(locations.map((l) => l.uri.slice(fileUri(root).length + 1)))].sort();
    assert.deepEqual(files(references), ['cluster2/eastwest-gateway.yaml', 'cluster2/istio-system.yaml', 'cluster2/remote-profile.yaml']);
    assert.equal(references.length, 5);
    const prepared = await client.request<{ placeholder: string }>('textDocument/prepareRename', { textDocument: { uri: fileUri(namespace) }, position });
    assert.equal(prepared.placeholder, 'network2');
    const edit = await client.request<{ changes: Record<string, { newText: string }[]> }>('textDocument/rename', {
      textDocument: { uri: fileUri(namespace) },
      position,
      newName: 'west',
    });
    assert.deepEqual(
      Object.values(edit.changes)
        .flat()
        .map((e) => e.newText),
      Array(5).fill('west'),
    );
    await assert.rejects(
      client.request('textDocument/prepareRename', { textDocument: { uri: fileUri(namespace) }, position: { line: 0, character: 2 } }),
      /cluster name, a network or a meshID/,
    );
  } finally {
    await client.stop();
  }
});

test('a code lens above each control plane install names its cluster, role, network and problems, with its actions', async () => {
  const control = join(MESH, 'cluster1', 'control-plane.yaml');
  const client = await LspTestClient.start([MESH]);
  try {
    client.open(control);
    await client.waitForDiagnostics(control, () => true);
    const lenses = await client.request<{ range: { start: { line: number } }; command: { title: string; command: string; arguments?: unknown[] } }[]>(
      'textDocument/codeLens',
      { textDocument: { uri: fileUri(control) } },
    );
    assert.deepEqual(
      lenses.map((l) => l.command.command),
      ['workbench.actions.view.problems', 'istioMesh.showRunbook', 'istioMesh.applyCluster', 'istioMesh.chooseContext'],
    );
    assert.match(lenses[0].command.title, /^cluster cluster1 · primary · network network1 · /);
    assert.deepEqual(lenses[2].command.arguments, ['cluster1']);
    assert.equal(lenses[0].range.start.line, positionOf(control, 'apiVersion:').line);
    assert.deepEqual(
      await client.request('textDocument/codeLens', { textDocument: { uri: fileUri(EXPOSE) } }),
      [],
      'no lens where no control plane is installed',
    );
  } finally {
    await client.stop();
  }
});

test("go to definition from a Gateway's selector opens the gateway deployment it selects; rename of a Gateway edits its bindings", async () => {
  const client = await LspTestClient.start([MESH]);
  const eastWest = join(MESH, 'cluster1', 'eastwest-gateway.yaml');
  try {
    client.open(EXPOSE);
    await client.waitForDiagnostics(EXPOSE, () => true);
    const selector = positionOf(EXPOSE, 'eastwestgateway', 'selector:');
    const [deployment] = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: fileUri(EXPOSE) }, position: selector });
    assert.equal(deployment.uri, fileUri(eastWest));
    assert.equal(deployment.range.start.line, positionOf(eastWest, '- name: istio-eastwestgateway').line);
    const name = positionOf(EXPOSE, 'istiod-gateway');
    const prepared = await client.request<{ placeholder: string }>('textDocument/prepareRename', { textDocument: { uri: fileUri(EXPOSE) }, position: name });
    assert.equal(prepared.placeholder, 'istiod-gateway');
    const edit = await client.request<{ changes: Record<string, { range: { start: { line: number; character: number } }; newText: string }[]> }>(
      'textDocument/rename',
      { textDocument: { uri: fileUri(EXPOSE), version: 1 }, position: name, newName: 'istiod-door' },
    );
    assert.deepEqual(Object.keys(edit.changes), [fileUri(EXPOSE)]);
    const binding = positionOf(EXPOSE, 'istiod-gateway', 'gateways:');
    assert.deepEqual(
      edit.changes[fileUri(EXPOSE)].map((e) => [e.range.start.line, e.range.start.character, e.newText]),
      [
        [name.line, name.character - 1, 'istiod-door'],
        [binding.line, binding.character - 1, 'istiod-door'],
      ],
    );
    await assert.rejects(
      client.request('textDocument/rename', { textDocument: { uri: fileUri(EXPOSE) }, position: name, newName: 'istiod.door' }),
      /not a valid Gateway name/,
    );
  } finally {
    await client.stop();
  }
});

test('references of a network in an ApplicationSet: the list element, and the label of the cluster Secret a clusters generator reads', async () => {
  const root = join(EXAMPLES, 'applicationset');
  const controlPlanes = join(root, 'control-planes.yaml');
  const client = await LspTestClient.start([root]);
  try {
    client.open(controlPlanes);
    await client.waitForDiagnostics(controlPlanes, () => true);
    const references = await client.request<Location[]>('textDocument/references', {
      textDocument: { uri: fileUri(controlPlanes) },
      position: positionOf(controlPlanes, 'network2'),
      context: { includeDeclaration: true },
    });
    assert.deepEqual(
      references.map((l) => `${l.uri.slice(fileUri(root).length + 1)}:${l.range.start.line}`),
      [
        `clusters.yaml:${positionOf(join(root, 'clusters.yaml'), 'network: network2').line}`,
        `control-planes.yaml:${positionOf(controlPlanes, 'network2').line}`,
      ],
    );
  } finally {
    await client.stop();
  }
});

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { fileUri, LspTestClient } from '../support/lspClient';
import { controlPlaneText } from '../support/texts';

const CLUSTER1 = controlPlaneText('cluster1');
const CLUSTER2 = CLUSTER1.replace(/cluster1/g, 'cluster2').replace('network1', 'network2');
const GATEWAYS = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: istiod-gateway
  namespace: istio-system
spec:
  selector:
    istio: eastwestgateway
  servers: []
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: public
  namespace: web
spec:
  selector:
    istio: ingressgateway
  servers: []
`;
const VIRTUAL_SERVICE = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: istiod-vs
  namespace: istio-system
spec:
  hosts: ["*"]
  gateways:
  - 
`;

function layout(): string {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-features-'));
  mkdirSync(join(root, 'cluster1'));
  mkdirSync(join(root, 'cluster2'));
  writeFileSync(join(root, 'cluster1', 'istio.yaml'), CLUSTER1);
  writeFileSync(join(root, 'cluster1', 'gateways.yaml'), GATEWAYS);
  writeFileSync(join(root, 'cluster1', 'vs.yaml'), VIRTUAL_SERVICE);
  writeFileSync(join(root, 'cluster2', 'istio.yaml'), CLUSTER2);
  writeFileSync(join(root, 'cluster2', 'gateways.yaml'), GATEWAYS.replace('istiod-gateway', 'only-in-cluster2'));
  return root;
}

test('completion in VirtualService.gateways offers the Gateways of its own cluster, namespaced when elsewhere', async () => {
  const root = layout();
  const client = await LspTestClient.start([root]);
  try {
    const vs = join(root, 'cluster1', 'vs.yaml');
    client.open(vs);
    await client.waitForDiagnostics(vs, () => true);
    const result = await client.request<{ items: { label: string }[] }>('textDocument/completion', {
      textDocument: { uri: fileUri(vs) },
      position: { line: 8, character: 4 },
    });
    const labels = result.items.map((i) => i.label);
    assert.ok(labels.includes('istiod-gateway'), `labels: ${labels}`);
    assert.ok(labels.includes('web/public'), `labels: ${labels}`);
    assert.ok(labels.includes('mesh'), `labels: ${labels}`);
    assert.ok(!labels.includes('only-in-cluster2'), `a Gateway of another cluster was offered: ${labels}`);
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('hover on a meshID shows how every cluster sets it, and on a name which cluster the resource belongs to', async () => {
  const root = layout();
  const client = await LspTestClient.start([root]);
  try {
    const istio = join(root, 'cluster2', 'istio.yaml');
    client.open(istio);
    await client.waitForDiagnostics(istio, () => true);
    const hover = await client.request<{ contents: { value: string } } | null>('textDocument/hover', {
      textDocument: { uri: fileUri(istio) },
      position: { line: 5, character: 15 },
    });
    assert.ok(hover, 'no hover on meshID');
    assert.match(hover.contents.value, /\| cluster1 \| primary \| `mesh1` \| cluster1\/istio\.yaml:6 \|/);
    assert.match(hover.contents.value, /\| cluster2 \| primary \| `mesh1` \| cluster2\/istio\.yaml:6 \|/);
    const gateways = join(root, 'cluster1', 'gateways.yaml');
    client.open(gateways);
    const belongs = await client.request<{ contents: { value: string } } | null>('textDocument/hover', {
      textDocument: { uri: fileUri(gateways) },
      position: { line: 3, character: 10 },
    });
    assert.match(belongs?.contents.value ?? '', /Belongs to cluster \*\*cluster1\*\*, from its folder/);
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('the light bulb on a meshID that differs offers to change it to the one the other clusters use', async () => {
  const root = layout();
  writeFileSync(join(root, 'cluster3.yaml'), CLUSTER1.replace(/cluster1/g, 'cluster3').replace('mesh1', 'mesh2'));
  const client = await LspTestClient.start([root]);
  try {
    const odd = join(root, 'cluster3.yaml');
    const diagnostics = await client.waitForDiagnostics(odd, (d) => d.some((x) => x.code === 'MESH101'));
    const diagnostic = diagnostics.find((d) => d.code === 'MESH101')!;
    const actions = await client.request<{ title: string; edit: { documentChanges: { edits: { newText: string }[] }[] } }[]>('textDocument/codeAction', {
      textDocument: { uri: fileUri(odd) },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic] },
    });
    const change = actions.find((a) => a.title === 'Change meshID to "mesh1"');
    assert.ok(change, `actions: ${actions.map((a) => a.title)}`);
    assert.equal(change.edit.documentChanges[0].edits[0].newText, 'mesh1');
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

interface EditAction {
  title: string;
  edit: {
    documentChanges: {
      textDocument: { uri: string };
      edits: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[];
    }[];
  };
}

/** The code actions offered on the first diagnostic of `code` in `path`. */
async function actionsOn(client: LspTestClient, path: string, code: string): Promise<EditAction[]> {
  const diagnostics = await client.waitForDiagnostics(path, (d) => d.some((x) => x.code === code));
  const diagnostic = diagnostics.find((d) => d.code === code)!;
  return client.request<EditAction[]>('textDocument/codeAction', {
    textDocument: { uri: fileUri(path) },
    range: diagnostic.range,
    context: { diagnostics: [diagnostic] },
  });
}

/** Applies a code action's edits to the open documents, as VS Code does, last edit first so ranges stay valid. */
function applyAction(client: LspTestClient, action: EditAction, pathsByUri: Map<string, string>): void {
  for (const change of action.edit.documentChanges) {
    const path = pathsByUri.get(change.textDocument.uri)!;
    for (const edit of [...change.edits].reverse()) client.edit(path, edit.range, edit.newText);
  }
}

test('MESH101 between two clusters: the light bulb offers both values, and applying one clears the finding', async () => {
  const root = layout();
  const cluster1 = join(root, 'cluster1', 'istio.yaml');
  const cluster2 = join(root, 'cluster2', 'istio.yaml');
  writeFileSync(cluster2, CLUSTER2.replace('mesh1', 'mesh2'));
  const client = await LspTestClient.start([root]);
  try {
    client.open(cluster1);
    client.open(cluster2);
    const actions = await actionsOn(client, cluster2, 'MESH101');
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Change meshID to "mesh1"') && titles.includes('Change meshID of cluster1 to "mesh2"'), `actions: ${titles}`);
    applyAction(
      client,
      actions.find((a) => a.title === 'Change meshID of cluster1 to "mesh2"')!,
      new Map([
        [fileUri(cluster1), cluster1],
        [fileUri(cluster2), cluster2],
      ]),
    );
    await client.waitForDiagnostics(cluster2, (d) => !d.some((x) => x.code === 'MESH101'));
    await client.waitForDiagnostics(cluster1, (d) => !d.some((x) => x.code === 'MESH101'));
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

const REMOTE_SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-cluster2
  namespace: istio-system
  annotations:
    networking.istio.io/cluster: cluster-2
type: Opaque
stringData:
  cluster2: |
    apiVersion: v1
    kind: Config
    clusters:
    - name: cluster2
      cluster:
        server: https://cluster2.example.invalid:6443
    contexts:
    - name: cluster2
      context: {cluster: cluster2, user: reader}
    current-context: cluster2
    users:
    - name: reader
      user: {token: protocol-fixture-not-a-credential}
`;

test('a remote secret without the multiCluster label whose annotation disagrees: both quick fixes applied, both findings gone', async () => {
  const root = layout();
  const secret = join(root, 'cluster1', 'remote-secret.yaml');
  writeFileSync(secret, REMOTE_SECRET);
  const client = await LspTestClient.start([root]);
  try {
    client.open(secret);
    const uris = new Map([[fileUri(secret), secret]]);
    const label = await actionsOn(client, secret, 'MESH303');
    applyAction(
      client,
      label.find((a) => a.title === 'Label with istio/multiCluster: "true"')!,
      uris,
    );
    await client.waitForDiagnostics(secret, (d) => !d.some((x) => x.code === 'MESH303'));
    const agree = await actionsOn(client, secret, 'MESH307');
    const rename = agree.find((a) => a.title === "Make the remote secret's names say cluster cluster2")!;
    assert.ok(rename, `actions: ${agree.map((a) => a.title)}`);
    assert.ok(!JSON.stringify(rename).includes('protocol-fixture-not-a-credential'), 'the edit carries no credential');
    applyAction(client, rename, uris);
    await client.waitForDiagnostics(secret, (d) => !d.some((x) => x.code === 'MESH307' || x.code === 'MESH303'));
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('source.fixAll applies the preferred fix of every finding of a document in one edit, and the findings are gone', async () => {
  const root = layout();
  const typos = join(root, 'cluster1', 'typos.yaml');
  writeFileSync(
    typos,
    'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: typos, namespace: web}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n    - port: {number: 443, name: https, protocol: HTTPSS}\n      hostz: ["a.example.com"]\n      tls: {mode: SIMPLEE, credentialName: a}\n',
  );
  const fixable = ['SCHEMA001', 'SCHEMA003'];
  const client = await LspTestClient.start([root]);
  try {
    client.open(typos);
    const diagnostics = await client.waitForDiagnostics(typos, (d) => d.filter((x) => fixable.includes(String(x.code))).length === 3);
    const whole = { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } };
    const request = (only?: string[]) =>
      client.request<(EditAction & { kind: string })[]>('textDocument/codeAction', {
        textDocument: { uri: fileUri(typos) },
        range: whole,
        context: { diagnostics, ...(only ? { only } : {}) },
      });
    assert.ok(!(await request()).some((a) => a.kind === 'source.fixAll'), 'the light bulb offers quick fixes only');
    const [fixAll, ...others] = await request(['source.fixAll']);
    assert.deepEqual(others, []);
    assert.equal(fixAll.kind, 'source.fixAll');
    assert.equal(fixAll.title, 'Fix all 3 problems with an obvious fix (Istio Mesh)');
    assert.deepEqual(
      fixAll.edit.documentChanges[0].edits.map((e) => e.newText),
      ['HTTPS', 'hosts', 'SIMPLE'],
    );
    applyAction(client, fixAll, new Map([[fileUri(typos), typos]]));
    await client.waitForDiagnostics(typos, (d) => !d.some((x) => fixable.includes(String(x.code))));
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

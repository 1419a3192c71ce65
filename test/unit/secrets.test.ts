// Redaction: which values count as credentials, and how they are found again in text printed about them.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Message, MessageWriter } from 'vscode-jsonrpc/node';

import { Workspace } from '../../server/src/engine/workspace';
import { redactingWriter } from '../../server/src/lsp/redaction';
import { credentialsInDocument, REDACTED, SecretRedactor, WorkspaceSecrets } from '../../server/src/security/secrets';

const TOKEN = 'tok3n-ZZQX-unit-9f8e7d6c5b4a';
const KEY_LINE = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7unitkeyline';
const kubeconfig = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- name: cluster2',
  '  cluster:',
  '    server: https://cluster2.example:6443',
  '    certificate-authority-data: Q0FEQVRBLXVuaXQtdGVzdC1jYS1kYXRh',
  'users:',
  '- name: cluster2',
  '  user:',
  `    token: ${TOKEN}`,
  '    exec: {command: get-token-unit, args: [--secret-arg-unit]}',
].join('\n');

test('a kubeconfig gives its credentials, not its structure, names or server', () => {
  const found = credentialsInDocument({ apiVersion: 'v1', kind: 'Secret', stringData: { cluster2: kubeconfig } });
  assert.ok(found.includes(TOKEN));
  assert.ok(found.includes('Q0FEQVRBLXVuaXQtdGVzdC1jYS1kYXRh'));
  assert.ok(found.includes('get-token-unit') && found.includes('--secret-arg-unit'));
  assert.ok(!found.includes('cluster2'));
  assert.ok(!found.some((s) => s.includes('https://cluster2.example')));
});

test('base64 data is matched encoded and decoded; placeholders are not secrets', () => {
  const pem = `-----BEGIN PRIVATE KEY-----\n${KEY_LINE}\n-----END PRIVATE KEY-----\n`;
  const data = Buffer.from(pem).toString('base64');
  const found = credentialsInDocument({ kind: 'Secret', data: { 'ca-key.pem': data, other: '${KUBECONFIG}' } });
  const redactor = new SecretRedactor(found);
  assert.equal(redactor.redact(`value ${data} end`), `value ${REDACTED} end`);
  assert.equal(redactor.redact(`line: ${KEY_LINE}`), `line: ${REDACTED}`);
  assert.equal(redactor.redact('uses ${KUBECONFIG}'), 'uses ${KUBECONFIG}');
});

test('a truncated or partly quoted secret is still redacted, and nearby text is kept', () => {
  const redactor = new SecretRedactor([TOKEN, 'hunter22']);
  assert.equal(redactor.redact(`token "${TOKEN.slice(0, 16)}…"`), `token "${REDACTED}…"`);
  assert.equal(redactor.redact(`a ${TOKEN} b ${TOKEN}`), `a ${REDACTED} b ${REDACTED}`);
  assert.equal(redactor.redact('password hunter22!'), `password ${REDACTED}!`);
  assert.equal(redactor.redact('nothing to see here'), 'nothing to see here');
  assert.deepEqual(redactor.redactDeep({ list: [`x${TOKEN}`], n: 1, nested: { message: TOKEN } }), {
    list: [`x${REDACTED}`],
    n: 1,
    nested: { message: REDACTED },
  });
});

test('fingerprinted windows redact exactly what a window-by-window comparison does, over random credentials and texts', () => {
  // A seeded generator, so a failure names its case; the alphabet mixes base64, punctuation and non-ASCII.
  let seed = 20261124;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ .:ßé中🙂';
  const randomText = (length: number) => Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  const WINDOW = 12;
  const windowsRedacted = (secrets: string[], text: string) => {
    const windows = new Set(secrets.flatMap((s) => Array.from({ length: Math.max(0, s.length - WINDOW + 1) }, (_, i) => s.slice(i, i + WINDOW))));
    const covered = new Array<boolean>(text.length).fill(false);
    for (let i = 0; i + WINDOW <= text.length; i++) if (windows.has(text.slice(i, i + WINDOW))) covered.fill(true, i, i + WINDOW);
    return text.replace(/[\s\S]/g, (c, i: number) => (covered[i] ? '\0' : c)).replace(/\0+/g, REDACTED);
  };
  for (let round = 0; round < 200; round++) {
    const secrets = Array.from({ length: 1 + Math.floor(random() * 5) }, () => randomText(12 + Math.floor(random() * 60)));
    const pieces = Array.from({ length: 6 }, () => {
      const secret = secrets[Math.floor(random() * secrets.length)];
      const from = Math.floor(random() * secret.length);
      return random() < 0.5 ? secret.slice(from, from + 10 + Math.floor(random() * 30)) : randomText(Math.floor(random() * 20));
    });
    const text = pieces.join(random() < 0.5 ? ' ' : '');
    const expected = windowsRedacted(secrets, text);
    assert.equal(new SecretRedactor(secrets).redact(text), expected, `round ${round}: ${JSON.stringify({ secrets, text })}`);
    // The same credentials gained in two steps, as indexing gains them, with the first redactor used or not.
    const first = SecretRedactor.updated(undefined, secrets.slice(0, Math.floor(random() * secrets.length)));
    if (random() < 0.5) first.redact(text);
    assert.equal(SecretRedactor.updated(first, secrets).redact(text), expected, `round ${round}, extended: ${JSON.stringify({ secrets, text })}`);
  }
});

test('a redactor updated with more credentials keeps the old ones, and one updated with fewer forgets the removed', () => {
  const first = SecretRedactor.updated(undefined, ['hunter22']);
  assert.equal(first.redact('password hunter22'), `password ${REDACTED}`);
  const more = SecretRedactor.updated(first, ['hunter22', TOKEN]);
  // Only the added credential is fingerprinted: the rest comes from the redactor it extends.
  assert.strictEqual((more as unknown as { extending: unknown }).extending, first);
  assert.deepEqual((more as unknown as { forms: string[] }).forms, [TOKEN]);
  assert.equal(more.redact(`hunter22 ${TOKEN.slice(3, 20)}`), `${REDACTED} ${REDACTED}`);
  assert.strictEqual(SecretRedactor.updated(more, [TOKEN, 'hunter22', TOKEN]), more, 'the same credentials: the same redactor');
  const fewer = SecretRedactor.updated(more, [TOKEN]);
  assert.equal(fewer.redact(`hunter22 ${TOKEN}`), `hunter22 ${REDACTED}`);
  assert.ok(SecretRedactor.updated(undefined, []).isEmpty);
  assert.ok(
    !SecretRedactor.updated(SecretRedactor.updated(undefined, ['hunter22']), ['hunter22', 'x']).isEmpty,
    'an extension of a redactor with credentials is not empty',
  );
});

test("a document's URI is never redacted, even when its file name holds a secret's value", () => {
  const redactor = new SecretRedactor(['cluster1']);
  const uri = 'file:///mesh/cluster2/istio-remote-secret-cluster1.yaml';
  const notification = { uri, diagnostics: [{ message: 'password cluster1', relatedInformation: [{ location: { uri }, message: 'cluster1' }] }] };
  assert.deepEqual(redactor.redactDeep(notification), {
    uri,
    diagnostics: [{ message: `password ${REDACTED}`, relatedInformation: [{ location: { uri }, message: REDACTED }] }],
  });
  assert.equal(redactor.redactDeep({ targetUri: uri }).targetUri, uri);
});

test('the workspace redactor follows edits: a secret typed in is redacted, one removed is not tracked', () => {
  const workspace = new Workspace(['/w']);
  const secrets = new WorkspaceSecrets();
  workspace.setFile('/w/s.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: alpha-password-1111\n`);
  assert.equal(secrets.redactorFor(workspace).redact('alpha-password-1111'), REDACTED);
  workspace.setFile('/w/s.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: omega-credential-2222\n`);
  assert.equal(secrets.redactorFor(workspace).redact('omega-credential-2222'), REDACTED);
  assert.equal(secrets.redactorFor(workspace).redact('alpha-password-1111'), 'alpha-password-1111');
});

test('the protocol writer redacts every outgoing message', async () => {
  const written: Message[] = [];
  const inner = {
    write: async (m: Message) => {
      written.push(m);
    },
  } as unknown as MessageWriter;
  const writer = redactingWriter(inner, () => new SecretRedactor([TOKEN]));
  await writer.write({ jsonrpc: '2.0', method: 'window/logMessage', params: { type: 1, message: `failed on ${TOKEN}` } } as Message);
  await writer.write({ jsonrpc: '2.0', id: 1, result: { contents: { kind: 'markdown', value: `**token** ${TOKEN}` } } } as Message);
  assert.deepEqual(written, [
    { jsonrpc: '2.0', method: 'window/logMessage', params: { type: 1, message: `failed on ${REDACTED}` } },
    { jsonrpc: '2.0', id: 1, result: { contents: { kind: 'markdown', value: `**token** ${REDACTED}` } } },
  ]);
});

// The custom requests are declared once (server/src/lsp/protocol.ts): neither side spells a request name itself.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import { REPO_ROOT } from '../support/paths';

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourcesUnder(path) : name.endsWith('.ts') ? [path] : [];
  });
}

test('the client and the server name custom requests only through the protocol module', () => {
  const protocol = join(REPO_ROOT, 'server', 'src', 'lsp', 'protocol.ts');
  const methods = [...readFileSync(protocol, 'utf8').matchAll(/RequestType<.*>\('(istioMesh\/[A-Za-z]+)'\)/g)].map((m) => m[1]);
  assert.ok(methods.length >= 5, `the protocol module declares the requests (found ${methods.join(', ')})`);
  const spelled = [...sourcesUnder(join(REPO_ROOT, 'client', 'src')), ...sourcesUnder(join(REPO_ROOT, 'server', 'src'))]
    .filter((file) => file !== protocol)
    .flatMap((file) =>
      methods.filter((method) => readFileSync(file, 'utf8').includes(`'${method}'`)).map((method) => `${relative(REPO_ROOT, file)}: '${method}'`),
    );
  assert.deepEqual(spelled, []);
});

test('no custom method name is spelt outside the protocol module, in any quotes, declared there or not', () => {
  const protocol = join(REPO_ROOT, 'server', 'src', 'lsp', 'protocol.ts');
  const spelled = [...sourcesUnder(join(REPO_ROOT, 'client', 'src')), ...sourcesUnder(join(REPO_ROOT, 'server', 'src'))]
    .filter((file) => file !== protocol)
    .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/['"`]istioMesh\/[^'"`]*['"`]/g)].map((m) => `${relative(REPO_ROOT, file)}: ${m[0]}`));
  assert.deepEqual(spelled, []);
});

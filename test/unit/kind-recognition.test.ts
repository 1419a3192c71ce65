// Which documents become resources (server/src/resources/kinds.ts): the kind and the API group of its apiVersion.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { readWorkspaceFile } from '../../server/src/resources/workspaceFile';

const kindsOf = (text: string) => readWorkspaceFile('/mesh/file.yaml', text).resources.map((r) => `${r.apiVersion} ${r.kind}`);

test('a kind is recognised with an apiVersion of a group that serves it, a misspelt group included', () => {
  assert.deepEqual(kindsOf('apiVersion: networking.istio.io/v1\nkind: Gateway\n'), ['networking.istio.io/v1 Gateway']);
  assert.deepEqual(kindsOf('apiVersion: networking.istio.io/v2\nkind: Gateway\n'), ['networking.istio.io/v2 Gateway']);
  assert.deepEqual(kindsOf('apiVersion: insall.istio.io/v1alpha1\nkind: IstioOperator\n'), ['insall.istio.io/v1alpha1 IstioOperator']);
  assert.deepEqual(kindsOf('apiVersion: v2\nkind: Secret\n'), ['v2 Secret'], 'a group-less apiVersion for a group-less kind');
  assert.deepEqual(kindsOf('apiVersion: example.com/v1\nkind: Secret\n'), []);
  assert.deepEqual(kindsOf('apiVersion: v1\nkind: Gateway\n'), []);
});

test('a kind named like a property every object has is not a recognised kind, and does not throw', () => {
  for (const kind of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
    assert.deepEqual(kindsOf(`apiVersion: v1\nkind: ${kind}\n`), [], kind);
    assert.deepEqual(kindsOf(`apiVersion: constructor/v1\nkind: ${kind}\n`), [], kind);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Analyzer } from '../../server/src/engine/analysis';
import { CacheVerificationError, cacheVerificationRequested } from '../../server/src/engine/cacheStore';
import { Workspace } from '../../server/src/engine/workspace';
import type { MeshSettings } from '../../server/src/mesh/model';
import type { Finding } from '../../server/src/rules/finding';
import type { MeshRule } from '../../server/src/rules/rule';

const ROOT = '/verify';
const SETTINGS: MeshSettings = { roots: [ROOT], clusters: [] };
const SERVICE = `${ROOT}/cluster1/service.yaml`;

function serviceText(name: string): string {
  return `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: sample\nspec:\n  ports:\n    - port: 80\n`;
}

/** One finding per Service name; `reads` decides whether the engine may reuse the last run's findings. */
function serviceNamesRule(reads: MeshRule['reads']): MeshRule {
  return {
    code: 'TEST900',
    title: 'Lists the Services',
    severity: 'information',
    scope: 'mesh',
    check(mesh): Finding[] {
      return mesh.resources
        .filter((r) => r.kind === 'Service')
        .map((r) => ({ code: 'TEST900', severity: 'information', message: `Service ${r.name}`, location: r.location(['metadata', 'name']) }));
    },
    reads,
  };
}

/** The messages of two analyses of one Analyzer: the Service named `before`, then renamed to `after`. */
function analyseRename(rule: MeshRule, verifyCache: boolean): string[][] {
  const workspace = new Workspace([ROOT]);
  workspace.setFile(SERVICE, serviceText('before'));
  const analyzer = new Analyzer([rule], (message) => assert.fail(message), verifyCache);
  const messages = () => (analyzer.analyze(workspace, SETTINGS).findings.get(SERVICE) ?? []).map((f) => f.message);
  const first = messages();
  workspace.setFile(SERVICE, serviceText('after'));
  return [first, messages()];
}

// Declares that it reads nothing: the engine keeps its first findings for ever.
const readsNothing = serviceNamesRule(() => []);
const readsResources = serviceNamesRule((mesh) => mesh.resources);

test('without the verification mode, a rule whose reads misses an input keeps stale findings', () => {
  assert.deepEqual(analyseRename(readsNothing, false), [['Service before'], ['Service before']]);
});

test('the verification mode fails, naming the rule, on the first analysis that reuses stale findings', () => {
  assert.throws(
    () => analyseRename(readsNothing, true),
    (error: unknown) => error instanceof CacheVerificationError && error.rule === readsNothing && /^TEST900 \(Lists the Services\)/.test(error.message),
  );
});

test('the verification mode lets a rule whose reads is right reuse its findings', () => {
  assert.deepEqual(analyseRename(readsResources, true), [['Service before'], ['Service after']]);
});

test('ISTIO_MESH_VERIFY_CACHE=1 turns the verification mode on, and nothing else does', () => {
  assert.equal(cacheVerificationRequested({ ISTIO_MESH_VERIFY_CACHE: '1' }), true);
  assert.equal(cacheVerificationRequested({ ISTIO_MESH_VERIFY_CACHE: '0' }), false);
  assert.equal(cacheVerificationRequested({}), false);
});

// A rule that throws costs its own findings only: the error is logged once with the rule's code, and the
// other rules, the YAML problems and the later analyses all go on.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import type { MeshRule, ResourceRule } from '../../server/src/rules/rule';

const ROOT = '/workspace';
const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n';

const throwingResourceRule: ResourceRule = {
  scope: 'resource',
  code: 'TEST901',
  title: 'throws on every resource',
  severity: 'error',
  check: () => {
    throw new Error('resource rule exploded');
  },
};
const throwingMeshRule: MeshRule = {
  scope: 'mesh',
  code: 'TEST902',
  title: 'throws on every mesh',
  severity: 'error',
  check: () => {
    throw new TypeError('mesh rule exploded');
  },
};
const notAListRule: MeshRule = {
  scope: 'mesh',
  code: 'TEST903',
  title: 'returns something that is not a list',
  severity: 'error',
  check: () => undefined as unknown as [],
};
const workingRule: ResourceRule = {
  scope: 'resource',
  code: 'TEST904',
  title: 'reports every resource',
  severity: 'information',
  check: (resource) => [{ code: 'TEST904', severity: 'information', message: `saw ${resource.displayName}`, location: resource.location() }],
};

test('a throwing rule is logged once with its code and the other rules still report', () => {
  const logs: string[] = [];
  const analyzer = new Analyzer([throwingResourceRule, throwingMeshRule, notAListRule, workingRule], (message) => logs.push(message));
  const workspace = new Workspace([ROOT]);
  workspace.setFile(`${ROOT}/a.yaml`, NAMESPACE);
  workspace.setFile(`${ROOT}/b.yaml`, `${NAMESPACE.replace('istio-system', 'other')}---\nkey: [unclosed\n`);

  const first = analyzer.analyze(workspace, { roots: [ROOT], clusters: [] });
  workspace.setFile(`${ROOT}/a.yaml`, NAMESPACE.replace('istio-system', 'changed'));
  const second = analyzer.analyze(workspace, { roots: [ROOT], clusters: [] });

  for (const result of [first, second]) {
    const codes = [...result.findings.values()]
      .flat()
      .map((f) => f.code)
      .sort();
    assert.deepEqual(codes, ['TEST904', 'TEST904', 'YAML001']);
  }
  assert.equal(logs.length, 3, logs.join('\n'));
  assert.match(
    logs.find((l) => l.includes('TEST901'))!,
    /^rule TEST901 failed and was skipped: Error: resource rule exploded/,
  );
  assert.match(
    logs.find((l) => l.includes('TEST902'))!,
    /^rule TEST902 failed and was skipped: TypeError: mesh rule exploded/,
  );
  assert.match(
    logs.find((l) => l.includes('TEST903'))!,
    /returned undefined instead of a list of findings/,
  );
});

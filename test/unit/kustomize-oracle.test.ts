// `kubectl kustomize` is the oracle for our kustomize composition: on every folder of test/fixtures/compose/
// and on examples/kustomize, each root kustomization must build the same objects as kubectl does. The editor
// never runs kubectl; only this test does, and it skips (saying why) where no kubectl >= 1.21 is found.
// Kustomizations with `helmCharts` stay out of these folders: kubectl builds them only with --enable-helm, helm
// and the charts (test/unit/kustomize-helm.test.ts covers them).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';

import * as jsYaml from 'js-yaml';

import { rootKustomizations } from '../../server/src/compose';
import { buildKustomization } from '../../server/src/compose/kustomize';
import { plainValue } from '../../server/src/compose/tree';
import { Workspace } from '../../server/src/engine/workspace';
import { isRecord } from '../../server/src/resources/resource';
import { yamlFilesUnder } from '../support/analyze';
import { EXAMPLES, FIXTURES } from '../support/paths';

/** kubectl's kustomize before 1.21 is kustomize v2, which builds differently; those cannot be compared with. */
const MIN_KUBECTL_MINOR = 21;

function findKubectl(): { path?: string; skipReason?: string } {
  const candidates = [process.env.KUBECTL, '/usr/bin/kubectl', 'kubectl'].filter((c): c is string => !!c);
  const tooOld: string[] = [];
  for (const candidate of candidates) {
    try {
      const version = JSON.parse(execFileSync(candidate, ['version', '--client', '-o', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      const minor = parseInt(String(version.clientVersion?.minor ?? '0'), 10);
      if (version.clientVersion?.major === '1' && minor >= MIN_KUBECTL_MINOR) return { path: candidate };
      tooOld.push(`${candidate} is ${version.clientVersion?.gitVersion}`);
    } catch {
      // not installed at this path
    }
  }
  const found = tooOld.length ? ` (${tooOld.join('; ')})` : '';
  return { skipReason: `no kubectl >= 1.${MIN_KUBECTL_MINOR} found${found}: the kustomize oracle comparison is skipped` };
}

const kubectl = findKubectl();

/** Objects by `apiVersion kind namespace/name`, so the comparison ignores output order (kubectl sorts by kind). */
function byId(objects: unknown[]): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const object of objects) {
    if (!isRecord(object)) continue;
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    map.set(`${object.apiVersion} ${object.kind} ${metadata.namespace ?? ''}/${metadata.name ?? ''}`, object);
  }
  return map;
}

const folders = [
  ...readdirSync(join(FIXTURES, 'compose'))
    .sort()
    .map((name) => join(FIXTURES, 'compose', name)),
  join(EXAMPLES, 'kustomize'),
];

for (const folder of folders) {
  test(`kustomize composition of ${relative(join(FIXTURES, '..', '..'), folder)} matches kubectl kustomize`, { skip: kubectl.skipReason }, () => {
    const workspace = new Workspace([folder]);
    for (const path of yamlFilesUnder(folder)) workspace.setFile(path, readFileSync(path, 'utf8'));
    const roots = rootKustomizations(workspace.allFiles());
    assert.ok(roots.length > 0, `${folder} holds no root kustomization`);
    for (const root of roots) {
      const unit = dirname(root.path);
      const ours = byId(buildKustomization(unit, (path) => workspace.getFile(path)).map((o) => plainValue(o.tree)));
      const rendered = execFileSync(kubectl.path!, ['kustomize', unit], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const theirs = byId(jsYaml.loadAll(rendered));
      assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), `objects of ${relative(folder, unit)}`);
      for (const [id, object] of theirs) assert.deepEqual(ours.get(id), object, `${id} in ${relative(folder, unit)}`);
    }
  });
}

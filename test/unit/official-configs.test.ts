// The official istio.io multicluster setups, laid out one folder per cluster, must check clean: no error and
// no warning from any rule (information is fine). A finding here is a false positive of some rule.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';

import { analyzeFolder, describeFindings } from '../support/analyze';
import { layOutModel, OFFICIAL_MODELS } from '../support/officialModels';
import { REFERENCE_SKIP_REASON, referenceDir } from '../support/paths';

const reference = referenceDir();

for (const model of OFFICIAL_MODELS) {
  for (const resolved of [false, true]) {
    const variant = resolved ? ' (addresses filled in)' : '';
    test(`the official ${model} setup${variant} checks clean`, { skip: reference ? false : REFERENCE_SKIP_REASON }, () => {
      const { root } = layOutModel(reference!, model, { resolved });
      try {
        const { findings, meshes } = analyzeFolder(root);
        assert.equal(meshes.length, 1);
        assert.ok(meshes[0].clusters.size >= 2, 'both clusters are in the model');
        const problems = describeFindings(
          findings.filter((f) => f.severity === 'error' || f.severity === 'warning'),
          root,
        );
        assert.deepEqual(problems, []);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
}

// The official istio.io multicluster setups, laid out one folder per cluster, must check clean: no error and
// no warning from any rule, and exactly the information findings below. A finding here is a false positive of some
// rule. With examples.test.ts this is the sweep over every rule: fixtures compare only their own codes' findings.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';

import { analyzeFolder, countByCode, describeFindings } from '../support/analyze';
import { layOutModel, OFFICIAL_MODELS } from '../support/officialModels';
import { REFERENCE_SKIP_REASON, referenceDir } from '../support/paths';

const reference = referenceDir();

/**
 * The information findings of each layout, counted by code: no remote secrets (MESH300) nor cacerts (MESH600) are
 * committed, and a primary-remote layout whose addresses are not filled in is a template (COMPOSE001).
 */
function expectedInformation(model: string, resolved: boolean): Record<string, number> {
  return { MESH300: 1, MESH600: 1, ...(model.startsWith('primary-remote') && !resolved ? { COMPOSE001: 1 } : {}) };
}

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
        assert.deepEqual(
          countByCode(findings),
          expectedInformation(model, resolved),
          describeFindings(findings, root)
            .map((f) => `${f.code} ${f.file} ${f.message}`)
            .join('\n'),
        );
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
}

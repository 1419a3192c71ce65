// A chart whose own template installs it (Argo CD's app of apps) is assigned without asking itself forever.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { analyzeTexts } from '../support/analyze';

test('an Application that is a template of the chart it installs gives the mesh model, not a stack overflow', () => {
  const errors: string[] = [];
  const { meshes, findings } = analyzeTexts('/repo', {
    'clusters/cluster1/apps/Chart.yaml': 'apiVersion: v2\nname: apps\nversion: 0.1.0\n',
    'clusters/cluster1/apps/templates/root.yaml': [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'metadata:',
      '  name: root',
      '  namespace: argocd',
      'spec:',
      '  project: default',
      '  source:',
      '    repoURL: https://git.example.invalid/platform.git',
      '    path: clusters/cluster1/apps',
      '    targetRevision: {{ .Values.revision }}',
      '  destination:',
      '    server: https://kubernetes.default.svc',
      '    namespace: argocd',
      '',
    ].join('\n'),
  });
  for (const finding of findings) if (/could not be built|failed and was skipped/.test(finding.message)) errors.push(finding.message);
  assert.deepEqual(errors, []);
  assert.ok(meshes.length >= 1);
});

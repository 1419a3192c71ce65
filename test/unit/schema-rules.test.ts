import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { parseYamlFile } from '../../server/src/parse/yamlFile';
import { recogniseResource } from '../../server/src/resources/kinds';
import { REMOVED_VALUES } from '../../server/src/rules/removedValues';
import { SCHEMA_RULES } from '../../server/src/rules/schema';
import { analyzeTexts } from '../support/analyze';
import { REPO_ROOT } from '../support/paths';

function check(text: string) {
  const resources = parseYamlFile('/tmp/x.yaml', text).documents.flatMap((doc) => recogniseResource(doc) ?? []);
  return resources.flatMap((resource) => SCHEMA_RULES.flatMap((rule) => rule.check(resource)));
}

/** The schema findings and IOP001's (a mesh rule: it judges against the Istio version the files target). */
function checkWithRemovedValues(text: string) {
  return analyzeTexts('/virtual/iop', { 'x.yaml': text }).findings.filter((f) => f.code.startsWith('SCHEMA') || f.code === 'IOP001');
}

test('a Secret with wrongly typed entries is reported without showing the values', () => {
  const findings = check(
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\ndata:\n  ca-key.pem: 1234567890\n  nested: {k: topsecretvalue}\n',
  );
  assert.deepEqual(
    findings.map((f) => f.code),
    ['SCHEMA002', 'SCHEMA002'],
  );
  for (const finding of findings) {
    assert.doesNotMatch(finding.message, /1234567890|topsecretvalue/);
  }
});

test('placeholders are accepted where a number, an enum value or a string is expected', () => {
  const findings = check(
    [
      'apiVersion: networking.istio.io/v1',
      'kind: Gateway',
      'metadata:',
      '  name: ${NAME}',
      'spec:',
      '  servers:',
      '    - port:',
      '        number: ${PORT}',
      '        name: tls',
      '        protocol: ${PROTOCOL}',
      '      tls:',
      '        mode: "{{ .Values.mode }}"',
      '      hosts: ["*"]',
      '',
    ].join('\n'),
  );
  assert.deepEqual(findings, []);
});

test('wrong values are still reported next to placeholders', () => {
  const findings = check(
    'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n  servers:\n    - port:\n        number: ${PORT}\n        name: tls\n        protocol: TCPP\n      hosts: ["*"]\n',
  );
  assert.deepEqual(
    findings.map((f) => [f.code, f.location.range.start.line]),
    [['SCHEMA003', 9]],
  );
});

test('a removed value is explained by IOP001 only, not also reported as an unknown field', () => {
  const findings = checkWithRemovedValues(
    'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      remotePolicyAddress: 10.0.0.1\n      remoteTelemetryAddress: 10.0.0.1\n      createRemoteSvcEndpoints: true\n',
  );
  assert.deepEqual(
    findings.map((f) => f.code),
    ['IOP001', 'IOP001', 'IOP001'],
  );
  assert.match(findings[0].message, /was removed in Istio 1\.8 \(it pointed remote clusters at Mixer\)/);
});

test('every removed value in the table is found where it is written', () => {
  for (const entry of REMOVED_VALUES) {
    const keys = entry.path.map((segment) => (segment === '*' ? 'istio-ingressgateway' : segment));
    const yaml = keys.map((key, depth) => `${'  '.repeat(depth + 1)}${key}:`).join('\n') + ` ${entry.value ?? 'x'}`;
    const findings = checkWithRemovedValues(`apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n${yaml}\n`);
    assert.deepEqual(
      findings.map((f) => f.code),
      ['IOP001'],
      keys.join('.'),
    );
    assert.equal(findings[0].location.range.start.line, 2 + keys.length, keys.join('.'));
  }
});

test('unknown chart values are warnings, unknown IstioOperator fields are errors', () => {
  const findings = check(
    'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  profil: remote\n  values:\n    global:\n      clusterName: c1\n',
  );
  assert.deepEqual(
    findings.map((f) => [f.code, f.severity]),
    [
      ['SCHEMA001', 'error'],
      ['SCHEMA001', 'warning'],
    ],
  );
  assert.match(findings[0].message, /Did you mean `profile`\?/);
});

test('resources of the wrong shape do not make a rule throw', () => {
  for (const text of [
    'apiVersion: v1\nkind: Service\nmetadata: []\nspec: "x"\n',
    'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values: 3\n',
    'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  servers: {a: 1}\n',
  ]) {
    assert.ok(check(text).length > 0, text);
  }
});

test('the IOP001 docs page lists every removed value of the table', () => {
  const page = readFileSync(join(REPO_ROOT, 'docs', 'rules', 'IOP001.md'), 'utf8');
  for (const entry of REMOVED_VALUES) {
    const path = entry.path.map((segment) => (segment === '*' ? '<gateway>' : segment)).join('.');
    const shown = entry.value !== undefined ? `${path}: ${entry.value}` : path;
    assert.ok(page.includes(`\`${shown}\``), `${shown} is missing from docs/rules/IOP001.md`);
  }
});

test('every schema and IstioOperator rule has its docs page', () => {
  for (const code of [...SCHEMA_RULES.map((rule) => rule.code), 'IOP001', 'IOP002', 'YAML001', 'YAML002', 'YAML003']) {
    assert.ok(existsSync(join(REPO_ROOT, 'docs', 'rules', `${code}.md`)), code);
  }
});

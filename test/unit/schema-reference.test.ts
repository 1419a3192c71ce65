// The schema rules against Istio's own files: official configs must check clean, the API repository's invalid
// examples must be caught (except those only Istio's CEL rules or Go validation can judge).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { parseYamlFile } from '../../server/src/parse/yamlFile';
import { recogniseResource } from '../../server/src/resources/kinds';
import type { Resource } from '../../server/src/resources/resource';
import { misspeltApiGroupRule } from '../../server/src/rules/apiGroup';
import { findRemovedValues } from '../../server/src/rules/removedValues';
import { SCHEMA_RULES } from '../../server/src/rules/schema';
import { REFERENCE_SKIP_REASON, referenceDir } from '../support/paths';

const reference = referenceDir();
const skip = reference ? false : REFERENCE_SKIP_REASON;
const RULES = [...SCHEMA_RULES, misspeltApiGroupRule];

/** The 4 networking kinds' example files in istio/api (only some kinds have them). */
const NETWORKING_TESTDATA = ['gateway', 'virtualservice', 'destinationrule', 'serviceentry'];

/**
 * Invalid examples whose fault is judged by Istio's CEL rules or Go validation (wildcards, CIDRs against the
 * resolution, duplicate ports, endpoints against the resolution, mutually exclusive selector/endpoints): a
 * structural schema cannot see them. Listed by metadata.name so a newly caught one shows up here.
 */
const NOT_STRUCTURAL = new Set([
  'bad-selector-value',
  'selector-and-endpoints',
  'bad-host-wildcard',
  'bad-cidr-resolution',
  'duplicate-ports-name',
  'duplicate-ports-number',
  'none-with-endpoints',
  'dns-rr-with-multiple-endpoints',
]);

function resourcesOf(path: string, text = readFileSync(path, 'utf8')): Resource[] {
  return parseYamlFile(path, text).documents.flatMap((doc) => recogniseResource(doc) ?? []);
}

/** The resource rules' findings, and a removed value (IOP001, which needs the mesh for its severity) as one too. */
function findingsOf(resource: Resource) {
  const removed = findRemovedValues(resource).map(({ path }) => ({ code: 'IOP001', message: 'a removed value', location: resource.location(path, 'key') }));
  return [...RULES.flatMap((rule) => rule.check(resource)), ...removed];
}

function filesIn(dir: string, pattern: RegExp): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => pattern.test(name))
        .sort()
        .map((name) => join(dir, name))
    : [];
}

function officialFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'istio.io')).flatMap((model) => filesIn(join(root, 'istio.io', model), /^cluster.*\.yaml$/));
  return [
    ...docs,
    ...filesIn(join(root, 'istio', 'samples', 'multicluster'), /\.yaml(\.tmpl)?$/),
    ...filesIn(join(root, 'istio', 'generated'), /\.yaml$/),
    ...NETWORKING_TESTDATA.flatMap((kind) => filesIn(join(root, 'api', 'tests', 'testdata'), new RegExp(`^${kind}-valid\\.yaml$`))),
  ];
}

test('official multicluster configs and valid API examples have no schema finding', { skip }, () => {
  const files = officialFiles(reference!);
  assert.ok(files.length >= 30, `found ${files.length} official files`);
  let checked = 0;
  const problems: string[] = [];
  for (const file of files) {
    for (const resource of resourcesOf(file)) {
      checked++;
      for (const finding of findingsOf(resource)) {
        // The ambient guide's `insall.istio.io` typo is reported by IOP002, as intended, and by nothing else.
        if (finding.code === 'IOP002' && file.includes('/ambient-')) continue;
        problems.push(`${file}:${finding.location.range.start.line + 1} ${finding.code} ${finding.message}`);
      }
    }
  }
  assert.ok(checked >= 40, `checked ${checked} resources`);
  assert.deepEqual(problems, []);
});

test("the ambient guide's misspelt apiVersion is reported once per file, on the apiVersion value", { skip }, () => {
  for (const file of filesIn(join(reference!, 'istio.io', 'ambient-multi-primary_multi-network'), /^cluster\d\.yaml$/)) {
    const findings = resourcesOf(file).flatMap(findingsOf);
    assert.deepEqual(
      findings.map((f) => f.code),
      ['IOP002'],
      file,
    );
    assert.equal(findings[0].location.range.start.line, 3);
  }
});

test('invalid API examples of the networking kinds are caught, except those only CEL/Go validation can judge', { skip }, () => {
  const files = NETWORKING_TESTDATA.flatMap((kind) => filesIn(join(reference!, 'api', 'tests', 'testdata'), new RegExp(`^${kind}-invalid\\.yaml$`)));
  assert.ok(files.length > 0);
  const caught: string[] = [];
  const missed: string[] = [];
  for (const file of files) {
    // `_err:` is the test harness's expected message, not part of the object.
    const text = readFileSync(file, 'utf8').replace(/^_err:.*$/gm, '');
    for (const resource of resourcesOf(file, text)) {
      const name = resource.name ?? '(unnamed)';
      const schemaFindings = findingsOf(resource).filter((f) => f.code.startsWith('SCHEMA'));
      (schemaFindings.length > 0 ? caught : missed).push(name);
    }
  }
  assert.deepEqual(
    missed.filter((name) => !NOT_STRUCTURAL.has(name)),
    [],
    'invalid examples that no schema rule reports',
  );
  assert.deepEqual(
    caught.filter((name) => NOT_STRUCTURAL.has(name)),
    [],
    'now caught: remove from NOT_STRUCTURAL',
  );
  assert.ok(caught.length >= 7, `caught ${caught.length}: ${caught.join(', ')}`);
});

// Conformance with `istioctl analyze`: replays upstream analyzer test cases (transcribed in the reference
// data) through our engine and compares the findings whose codes map to istioctl's, per case.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import type { MeshModel } from '../../server/src/mesh/model';
import type { Finding } from '../../server/src/rules/finding';
import { analyzeTexts } from '../support/analyze';
import { REFERENCE_SKIP_REASON, referenceDir } from '../support/paths';

interface ExpectedMessage {
  code: string;
  resource: string;
  resourceKind: string;
}

interface AnalyzerCase {
  name: string;
  analyzer: string;
  inputFiles?: string[];
  clusterInputFiles?: Record<string, string[]>;
  expected: ExpectedMessage[];
}

/** Our code → istioctl's, and the kind of resource istioctl reports it on (IST0101 is shared by many checks). */
const CODE_MAP: Record<string, { code: string; kind: string }> = {
  MESH401: { code: 'IST0101', kind: 'VirtualService' },
  MESH403: { code: 'IST0101', kind: 'Gateway' },
  MESH407: { code: 'IST0132', kind: 'VirtualService' },
  MESH408: { code: 'IST0145', kind: 'Gateway' },
  MESH701: { code: 'IST0170', kind: 'Service' },
};

/**
 * The upstream analyzers whose semantics our rules cover, with our codes that correspond. Upstream runs one
 * analyzer per case, so only those codes are compared (our other rules may rightly find more).
 */
const COVERED_ANALYZERS: Record<string, string[]> = {
  'virtualservice.GatewayAnalyzer': ['MESH401', 'MESH407'],
  'gateway.ConflictingGatewayAnalyzer': ['MESH408'],
  'multicluster.ServiceAnalyzer': ['MESH701'],
  // Only its "selector matches no gateway" check (IST0101) is ours; its port checks (IST0162) are not.
  'gateway.IngressGatewayPortAnalyzer': ['MESH403'],
};

/** Cases where we knowingly differ, each with why. Their table rows are printed; agreement is not asserted. */
const KNOWN_DIFFERENCES: Record<string, string> = {
  virtualServiceGateways:
    'istioctl also reports IST0132 (host not in gateway) for a Gateway that does not exist; we report only MESH401, since a missing Gateway has no hosts to compare',
  virtualServiceKubernetesGateways:
    'Gateway API Gateways (gateway.networking.k8s.io) are not read by our model, so the references to one are MESH401 and its hosts are not compared',
  gatewayNoWorkload:
    "istioctl looks for gateway pods (the harness adds one); we report MESH403 only when the cluster's files define gateway deployments (IstioOperator), and these inputs define none",
};

/**
 * Cases of other analyzers whose inputs hold Gateways that IST0145 reports when `istioctl analyze` runs every
 * analyzer (same selector, port and host, as ConflictingGatewayAnalyzer compares them); the grid runs one
 * analyzer per case, so it lists none. MESH408 reports them (9 findings over the two SecretAnalyzer cases), and
 * nothing in any other case. They are true findings, not noise of the harness: istiod merges the Gateways that
 * select one workload, and a later HTTPS server on a port and host another Gateway already serves is skipped
 * ("duplicate host names", counted as a rejected config), so only one of each group's credentials is ever used.
 */
const CONFLICTS_OUTSIDE_THEIR_ANALYZER: Record<string, string> = {
  gatewaySecret: 'five Gateways on port 443 for host httpbin.example.com: three select istio=ingressgateway, two istio=custom-gateway',
  gatewaySecretValidations: 'four Gateways selecting istio=ingressgateway on port 443 for host httpbin.example.com',
};

function istioctlName(finding: Finding, meshes: MeshModel[], kind: string): string {
  const resource = meshes
    .flatMap((m) => m.resources)
    .find((r) => {
      if (r.file !== finding.location.file || r.kind !== kind) return false;
      const range = r.doc.rangeOf([]);
      return range.start.line <= finding.location.range.start.line && finding.location.range.end.line <= range.end.line;
    });
  return resource ? resource.displayName : `${kind} (not found at ${finding.location.file}:${finding.location.range.start.line + 1})`;
}

function multiset(items: string[]): string[] {
  return [...items].sort();
}

function runCase(reference: string, analyzerCase: AnalyzerCase, ourCodes = COVERED_ANALYZERS[analyzerCase.analyzer]): { expected: string[]; ours: string[] } {
  const analyzersDir = join(reference, 'istio', 'pkg', 'config', 'analysis', 'analyzers');
  const read = (file: string) => readFileSync(join(analyzersDir, file), 'utf8');
  const files: Record<string, string> = {};
  const clusters: { name: string; paths: string[] }[] = [];
  if (analyzerCase.clusterInputFiles) {
    for (const [cluster, inputs] of Object.entries(analyzerCase.clusterInputFiles)) {
      clusters.push({ name: cluster, paths: [`${cluster}/**`] });
      inputs.forEach((file, i) => (files[`${cluster}/input-${i}.yaml`] = read(file)));
    }
  } else {
    (analyzerCase.inputFiles ?? []).forEach((file, i) => (files[`input-${i}.yaml`] = read(file)));
    files['harness-defaults.yaml'] = readFileSync(join(reference, 'istio', 'analyzer-harness-defaults.yaml'), 'utf8');
  }
  const { findings, meshes } = analyzeTexts('/conformance', files, clusters);
  const ours = findings.flatMap((f) => {
    const mapped = CODE_MAP[f.code];
    return mapped && ourCodes.includes(f.code) ? [`${mapped.code} ${istioctlName(f, meshes, mapped.kind)}`] : [];
  });
  const mappedCodes = new Set(ourCodes.map((code) => `${CODE_MAP[code].code} ${CODE_MAP[code].kind}`));
  const expected = analyzerCase.expected.filter((e) => mappedCodes.has(`${e.code} ${e.resourceKind}`)).map((e) => `${e.code} ${e.resource}`);
  return { expected: multiset(expected), ours: multiset(ours) };
}

function allCases(reference: string): AnalyzerCase[] {
  const single: AnalyzerCase[] = JSON.parse(readFileSync(join(reference, 'istio', 'analyzer-expectations.json'), 'utf8'));
  const multi: AnalyzerCase[] = JSON.parse(readFileSync(join(reference, 'istio', 'analyzer-expectations-multicluster.json'), 'utf8'));
  return [...single, ...multi];
}

function relevantCases(reference: string): AnalyzerCase[] {
  return allCases(reference).filter((c) => c.analyzer in COVERED_ANALYZERS);
}

const reference = referenceDir();

test('istioctl analyze conformance: gateway, VirtualService and multicluster Service cases', { skip: reference ? false : REFERENCE_SKIP_REASON }, (t) => {
  const cases = relevantCases(reference!);
  assert.ok(cases.length >= 12, `expected the upstream gateway/VirtualService/Service cases, found ${cases.length}`);
  const disagreements: string[] = [];
  t.diagnostic(`${'case'.padEnd(62)} expected ours agree`);
  for (const analyzerCase of cases) {
    const { expected, ours } = runCase(reference!, analyzerCase);
    const agree = JSON.stringify(expected) === JSON.stringify(ours);
    const known = KNOWN_DIFFERENCES[analyzerCase.name];
    t.diagnostic(
      `${analyzerCase.name.slice(0, 60).padEnd(62)} ${String(expected.length).padStart(8)} ${String(ours.length).padStart(4)} ${agree ? 'yes' : known ? 'no (known)' : 'NO'}`,
    );
    if (known) {
      t.diagnostic(`  known difference: ${known}`);
      // A known difference that went away must be removed from the list, so the list stays true.
      assert.ok(!agree, `${analyzerCase.name} now agrees with istioctl: remove it from KNOWN_DIFFERENCES`);
    } else if (!agree) {
      disagreements.push(`${analyzerCase.name}\n  istioctl: ${expected.join(' | ') || '(none)'}\n  ours:     ${ours.join(' | ') || '(none)'}`);
    }
  }
  assert.deepEqual(disagreements, [], `cases that disagree with istioctl:\n${disagreements.join('\n')}`);
});

for (const name of Object.keys(KNOWN_DIFFERENCES)) {
  test(`known difference "${name}" names an upstream case`, { skip: reference ? false : REFERENCE_SKIP_REASON }, () => {
    assert.ok(
      relevantCases(reference!).some((c) => c.name === name),
      `${name} is not a covered upstream case`,
    );
  });
}

test('MESH408 over the whole grid reports what IST0145 reports', { skip: reference ? false : REFERENCE_SKIP_REASON }, (t) => {
  const cases = allCases(reference!);
  let expectedCount = 0;
  const outside: string[] = [];
  const disagreements: string[] = [];
  for (const analyzerCase of cases) {
    const { expected, ours } = runCase(reference!, analyzerCase, ['MESH408']);
    expectedCount += expected.length;
    if (ours.length && analyzerCase.analyzer !== 'gateway.ConflictingGatewayAnalyzer' && !expected.length) {
      outside.push(analyzerCase.name);
      t.diagnostic(
        `${analyzerCase.name}: ${ours.length} MESH408, as IST0145 when every analyzer runs (${CONFLICTS_OUTSIDE_THEIR_ANALYZER[analyzerCase.name] ?? 'not listed'})`,
      );
    } else if (JSON.stringify(expected) !== JSON.stringify(ours)) {
      disagreements.push(`${analyzerCase.name}\n  istioctl: ${expected.join(' | ') || '(none)'}\n  ours:     ${ours.join(' | ') || '(none)'}`);
    }
  }
  t.diagnostic(`${cases.length} cases, ${expectedCount} IST0145 messages expected`);
  assert.ok(expectedCount >= 7, `expected the upstream IST0145 messages, found ${expectedCount}`);
  assert.deepEqual(disagreements, [], `cases where MESH408 disagrees with IST0145:\n${disagreements.join('\n')}`);
  assert.deepEqual(outside.sort(), Object.keys(CONFLICTS_OUTSIDE_THEIR_ANALYZER).sort());
});

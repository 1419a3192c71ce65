// The apply engine (plan, kubeconfig, run) with the real kubectl against fake API servers: failures are
// classified, unsaved buffers are what is applied, credentials never leave the engine.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { formatPlan, namespaceWarnings } from '../../server/src/apply/format';
import { contextsByLikelihood, isProtectedContext, readKubeContexts } from '../../server/src/apply/kubeconfig';
import { type ApplyPlan, planApply, type PlanSelection } from '../../server/src/apply/plan';
import { redact, shellQuote } from '../../server/src/apply/redact';
import { classifyFailure, type RunMode, runPlan } from '../../server/src/apply/run';
import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import { buildRunbooks } from '../../server/src/runbook/runbook';
import { yamlFilesUnder } from '../support/analyze';
import { type FakeClusters, KUBECTL, KUBECTL_SKIP_REASON, startFakeClusters } from '../support/kubeClusters';
import { EXAMPLES, FIXTURES } from '../support/paths';

const MESH = join(FIXTURES, 'apply');

function planFor(selection: PlanSelection, buffers: Record<string, string> = {}, root = MESH): ApplyPlan {
  const workspace = new Workspace([root]);
  for (const path of yamlFilesUnder(root)) workspace.setFile(path, buffers[path] ?? readFileSync(path, 'utf8'));
  const settings = { roots: [root], clusters: [] };
  const result = new Analyzer().analyze(workspace, settings);
  return planApply({
    files: workspace.allFiles(),
    meshes: result.meshes,
    findings: result.findings,
    settings,
    selection,
    unsavedFiles: new Set(Object.keys(buffers)),
  });
}

describe('apply plan', () => {
  test("applies a whole mesh in the runbook's order: the same files, cluster by cluster, step by step", () => {
    for (const model of ['primary-remote', 'primary-remote-multi-network', 'multi-primary-multi-network', 'ambient', 'sail']) {
      const root = join(EXAMPLES, model);
      const workspace = new Workspace([root]);
      for (const path of yamlFilesUnder(root)) workspace.setFile(path, readFileSync(path, 'utf8'));
      const settings = { roots: [root], clusters: [] };
      const result = new Analyzer().analyze(workspace, settings);
      const plan = planApply({ files: workspace.allFiles(), meshes: result.meshes, findings: result.findings, settings, selection: {} });
      const [runbook] = buildRunbooks(result.meshes, [], () => new Map(), root);
      const fromRunbook = runbook.steps.flatMap((step) => step.files.map((f) => `${step.cluster} ${relative(root, f.path)}`));
      const fromPlan = [...new Set(plan.steps.map((step) => `${step.cluster} ${relative(root, step.file)}`))];
      const inBoth = (list: string[], other: string[]) => [...new Set(list.filter((entry) => other.includes(entry)))];
      assert.ok(inBoth(fromPlan, fromRunbook).length >= 3, `${model}: the runbook and the plan share files`);
      assert.deepEqual(inBoth(fromPlan, fromRunbook), inBoth(fromRunbook, fromPlan), `${model}: apply runs the files in the runbook's order`);
    }
  });

  test('a Helm chart template is never planned as written: helm renders it', () => {
    const root = join(EXAMPLES, 'helm-chart');
    const plan = planFor({ clusters: ['cluster1'] }, {}, root);
    assert.ok(plan.steps.length > 0);
    assert.deepEqual(
      plan.steps.filter((s) => s.file.includes('templates')).map((s) => s.file),
      [],
    );
    assert.deepEqual(
      plan.files.filter((f) => f.path.includes('templates')).map((f) => f.path),
      [],
      'a template is not listed among the files applied',
    );
    const skipped = plan.skipped.filter((s) => s.file.includes('templates'));
    assert.ok(skipped.length >= 1 && skipped.every((s) => /Helm chart template: helm renders it/.test(s.reason)), JSON.stringify(plan.skipped));
    assert.deepEqual(plan.variables, [], 'its opaque actions are not variables to fill');
  });

  test('orders a cluster the way the docs install it, with IstioOperators for istioctl', () => {
    const plan = planFor({ clusters: ['cluster1'] });
    assert.deepEqual(
      plan.steps.map((s) => `${s.stage} ${s.tool} ${s.documents.map((d) => d.displayName).join(',')}`),
      [
        'namespace kubectl Namespace istio-system',
        'control-plane istioctl IstioOperator (unnamed)',
        'gateways istioctl IstioOperator eastwest',
        'expose-services kubectl Gateway istio-system/cross-network-gateway',
        'remote-secret kubectl Secret istio-system/istio-remote-secret-cluster2',
      ],
    );
    assert.ok(plan.steps.every((s) => s.cluster === 'cluster1'));
    assert.deepEqual(plan.remoteSecrets, [], 'cluster1 holds its remote secret for cluster2');
  });

  test('a namespace is applied before the documents of the same file that live in it', () => {
    const plan = planFor({ files: [join(MESH, 'cluster2', 'sample.yaml')] });
    assert.deepEqual(
      plan.steps.map((s) => s.documents.map((d) => `${d.displayName}@${d.line}`).join(',')),
      ['Namespace sample@10', 'ConfigMap sample/helloworld-settings@2'],
    );
  });

  test('a primary without a remote secret for its peer is offered the istioctl command', () => {
    assert.deepEqual(planFor({ clusters: ['cluster2'] }).remoteSecrets, [
      { holder: 'cluster2', remote: 'cluster1', remoteName: 'cluster1', reason: "no remote secret for cluster1 is in cluster2's files" },
    ]);
  });

  test('a plan that creates the namespaces it applies into has no namespace warning', () => {
    const plan = planFor({ clusters: ['cluster1'] });
    assert.deepEqual(plan.namespaceGaps, []);
    assert.doesNotMatch(formatPlan(plan, 'apply', { contextOf: () => 'kind-cluster1', protectedPatterns: [] }, MESH), /Warning/);
  });

  test('examples/primary-remote: expose-istiod goes into istio-system, which only istioctl install creates; without istioctl the plan says so', () => {
    const example = join(EXAMPLES, 'primary-remote');
    const plan = planFor({ clusters: ['cluster1'] }, {}, example);
    assert.deepEqual(plan.namespaceGaps, [{ cluster: 'cluster1', namespace: 'istio-system', createdByIstioctl: true }]);
    const contexts = { contextOf: () => 'kind-cluster1', protectedPatterns: [] };
    const warning =
      'Warning: namespace istio-system is not created by this plan; it must exist on kind-cluster1 (istioctl install creates it: run the istioctl step first)';
    assert.deepEqual(namespaceWarnings(plan, { ...contexts, istioctlRuns: false }), [warning]);
    assert.ok(formatPlan(plan, 'apply', { ...contexts, istioctlRuns: false }, example).includes(warning));
    // istioctl runs before expose-istiod and creates the namespace: nothing to warn about.
    assert.deepEqual(namespaceWarnings(plan, { ...contexts, istioctlRuns: true }), []);
    // A dry run runs no istioctl, so the namespace must already be there.
    assert.ok(formatPlan(plan, 'dry-run-server', { ...contexts, istioctlRuns: false }, example).includes(warning));
  });

  test('one file applied into a namespace another file of its cluster defines: the warning names that file', () => {
    const plan = planFor({ files: [join(MESH, 'cluster1', 'expose-services.yaml')] });
    assert.deepEqual(plan.namespaceGaps, [
      { cluster: 'cluster1', namespace: 'istio-system', createdByIstioctl: false, definedIn: join(MESH, 'cluster1', 'namespace.yaml') },
    ]);
    assert.deepEqual(
      namespaceWarnings(plan, { contextOf: () => undefined, protectedPatterns: [], istioctlRuns: true }, (p) => relative(MESH, p)),
      [
        `Warning: namespace istio-system is not created by this plan; it must exist on the context of cluster1 (istioctl install creates it); ${join('cluster1', 'namespace.yaml')} defines it: apply that file first`,
      ],
    );
  });
});

describe('apply helpers', () => {
  test('protected patterns match anywhere in the name, case-insensitively, ARNs included', () => {
    assert.ok(isProtectedContext('arn:aws:eks:eu-west-1:1234:cluster/PROD-east', ['*prod*']));
    assert.ok(!isProtectedContext('kind-cluster1', ['*prod*']));
    assert.ok(isProtectedContext('gke_p_z_live', ['*prod*', 'gke_*_live']));
  });

  test('contexts that name the cluster come first', () => {
    const ordered = contextsByLikelihood('cluster2', [{ name: 'staging' }, { name: 'kind-cluster2' }, { name: 'cluster2' }]);
    assert.deepEqual(
      ordered.map((c) => c.name),
      ['cluster2', 'kind-cluster2', 'staging'],
    );
  });

  test('redaction hides tokens, PEM blocks and bearer headers; shell quoting keeps plain words plain', () => {
    const text =
      'token: abc123def456\nAuthorization: Bearer eyJhbGciOi.x.y\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n--token=s3cr3t-value';
    const redacted = redact(text);
    for (const secret of ['abc123def456', 'eyJhbGciOi', 'MIIE', 's3cr3t-value']) assert.ok(!redacted.includes(secret), redacted);
    assert.equal(shellQuote('kind-cluster1'), 'kind-cluster1');
    assert.equal(shellQuote("a;$(b) 'c'"), `'a;$(b) '\\''c'\\'''`);
  });

  test('failures are told apart from kubectl messages', () => {
    assert.equal(
      classifyFailure(
        'error: resource mapping not found for name: "x" namespace: "" from "STDIN": no matches for kind "Gateway" in version "networking.istio.io/v1"\nensure CRDs are installed first',
      ).kind,
      'crds-missing',
    );
    assert.equal(classifyFailure('Error from server (Forbidden): error when creating "STDIN": gateways.networking.istio.io is forbidden').kind, 'forbidden');
    assert.equal(
      classifyFailure('The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\nUnable to connect to the server').kind,
      'unreachable',
    );
  });
});

describe('apply engine with kubectl', { skip: KUBECTL_SKIP_REASON }, () => {
  let clusters: FakeClusters;
  let withoutCrds: FakeClusters;
  before(async () => {
    clusters = await startFakeClusters({ cluster2: { forbiddenNamespaces: ['istio-system'] } });
    withoutCrds = await startFakeClusters({ cluster1: { istioCrds: false } });
  });
  after(async () => {
    await clusters?.close();
    await withoutCrds?.close();
  });

  const run = (fake: FakeClusters, plan: ApplyPlan, context: string, mode: RunMode = 'apply') =>
    runPlan(plan, { mode, kubectl: KUBECTL, contextOf: () => context, env: fake.env });

  test('contexts come from every KUBECONFIG file, without credentials', async () => {
    const { contexts, currentContext } = await readKubeContexts(KUBECTL, clusters.env);
    assert.deepEqual(contexts.map((c) => c.name).sort(), ['kind-cluster1', 'kind-cluster2', clusters.shellContext, 'unreachable'].sort());
    assert.equal(currentContext, 'kind-cluster1');
    assert.equal(contexts.find((c) => c.name === 'kind-cluster2')?.server, clusters.cluster2.url);
    const json = JSON.stringify(contexts);
    for (const token of clusters.tokens) assert.ok(!json.includes(token));
  });

  test('the unsaved editor buffer is what is applied, and said so', async () => {
    const file = join(MESH, 'cluster1', 'namespace.yaml');
    const buffer = readFileSync(file, 'utf8').replace('network1', 'network1-edited');
    const plan = planFor({ files: [file] }, { [file]: buffer });
    assert.equal(plan.files[0].source, 'unsaved-buffer');
    const [result] = await run(clusters, plan, 'kind-cluster1');
    assert.equal(result.status, 'ok', result.output);
    assert.match(result.command, /unsaved editor buffer/);
    const labels = (clusters.cluster1.find('Namespace', undefined, 'istio-system')?.object.metadata as { labels: Record<string, string> }).labels;
    assert.equal(labels['topology.istio.io/network'], 'network1-edited');
  });

  test('forbidden: the failure says so and the rest of the cluster is skipped', async () => {
    const results = await run(clusters, planFor({ clusters: ['cluster2'] }), 'kind-cluster2');
    const byStage = (stage: string) => results.filter((r) => r.step.stage === stage);
    assert.deepEqual(
      byStage('namespace').map((r) => r.status),
      ['ok', 'ok'],
      'namespaces are cluster-scoped: not forbidden',
    );
    const [gateway] = byStage('expose-services');
    assert.equal(gateway.failure?.kind, 'forbidden', gateway.output);
    assert.match(gateway.failure!.message, /^forbidden: /);
    assert.deepEqual(
      byStage('other').map((r) => r.status),
      ['skipped'],
    );
    assert.equal(clusters.cluster2.find('ConfigMap', 'sample', 'helloworld-settings'), undefined);
  });

  test('Istio kinds on a cluster without the CRDs: "no matches for kind" is reported as missing CRDs', async () => {
    const results = await run(withoutCrds, planFor({ clusters: ['cluster1'] }), 'kind-cluster1');
    const gateway = results.find((r) => r.step.stage === 'expose-services')!;
    assert.equal(gateway.failure?.kind, 'crds-missing', gateway.output);
    assert.match(gateway.failure!.message, /Istio CRDs are not installed/);
  });

  test('an unreachable API server is reported as such, without credentials in the output', async () => {
    const [result] = await run(clusters, planFor({ files: [join(MESH, 'cluster1', 'namespace.yaml')] }), 'unreachable', 'dry-run-server');
    assert.equal(result.failure?.kind, 'unreachable', result.output);
    for (const token of clusters.tokens) assert.ok(!result.output.includes(token) && !result.command.includes(token));
  });
});

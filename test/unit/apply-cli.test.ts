// `istio-mesh apply` with the real kubectl against two fake API servers standing for two clusters.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { protectedContextPatterns, runApplyCli } from '../../server/src/cli/apply';
import type { FakeKubeApiServer } from '../support/fakeKubeApiServer';
import { type FakeClusters, KUBECTL, KUBECTL_SKIP_REASON, startFakeClusters } from '../support/kubeClusters';
import { CLI_BUNDLE, EXAMPLES, FIXTURES } from '../support/paths';

const MESH = join(FIXTURES, 'apply');
/** Files assigned to clusters, with their contexts, only by the folder's .vscode/settings.json. */
const MESH_BY_SETTINGS = join(FIXTURES, 'apply-settings');
const REMOTE_SECRET_TOKEN = 'fixture-remote-token-7f3c9a1e5d2b48c6';

interface CliRun {
  code: number;
  out: string;
  err: string;
}

async function apply(clusters: FakeClusters, ...args: string[]): Promise<CliRun> {
  return applyIn(MESH, clusters, ...args);
}

async function applyIn(cwd: string, clusters: FakeClusters, ...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runApplyCli([...args, '--kubectl', KUBECTL, '--istioctl', 'istioctl-is-not-installed'], {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    cwd,
    env: clusters.env,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function assertNoSecrets(clusters: FakeClusters, run: CliRun): void {
  for (const secret of [...clusters.tokens, REMOTE_SECRET_TOKEN]) {
    assert.ok(!run.out.includes(secret) && !run.err.includes(secret), `a credential was printed: ${secret}`);
  }
}

const stored = (server: FakeKubeApiServer) =>
  server
    .objects()
    .map((o) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`)
    .sort();

describe('istio-mesh apply', { skip: KUBECTL_SKIP_REASON }, () => {
  let clusters: FakeClusters;
  before(async () => {
    clusters = await startFakeClusters();
  });
  after(async () => {
    await clusters?.close();
  });

  test('a dry run (server) sends dryRun=All and changes nothing', async () => {
    const run = await apply(clusters, '.', '--cluster', 'cluster1', '--context', 'kind-cluster1', '--dry-run=server');
    assert.equal(run.code, 0, run.out + run.err);
    // A dry run creates no namespace, so what goes into istio-system cannot be checked on a new cluster.
    assert.match(run.out, /Dry run \(server\): 1 document\(s\) in 1 step\(s\) succeeded; 2 not checkable before their namespace exists/);
    assert.ok(
      clusters.cluster1.requests.some((r) => r.query.dryRun === 'All'),
      'the dry run reached the server',
    );
    assert.deepEqual(clusters.cluster1.writes(), []);
    assert.deepEqual(stored(clusters.cluster1), []);
    assert.deepEqual(clusters.cluster2.requests, []);
    assertNoSecrets(clusters, run);
  });

  test("applies cluster1's files to cluster1's server only, in install order; IstioOperators become istioctl commands", async () => {
    const run = await apply(clusters, '.', '--cluster', 'cluster1', '--context', 'kind-cluster1');
    assert.equal(run.code, 0, run.out + run.err);
    assert.deepEqual(stored(clusters.cluster1), [
      'Gateway istio-system/cross-network-gateway',
      'Namespace istio-system',
      'Secret istio-system/istio-remote-secret-cluster2',
    ]);
    assert.deepEqual(clusters.cluster2.requests, [], 'nothing reached cluster2');
    // The namespace was created before anything was put into it.
    const creations = clusters.cluster1.writes().map((r) => r.path);
    assert.equal(creations[0], '/api/v1/namespaces');
    // No IstioOperator was sent to kubectl: there is no in-cluster operator since Istio 1.24.
    assert.ok(!clusters.cluster1.requests.some((r) => r.body.includes('IstioOperator')));
    assert.ok(run.out.includes(`istioctl install -f ${join(MESH, 'cluster1', 'istio.yaml')} --context kind-cluster1`), run.out);
    assert.ok(run.out.includes(`istioctl install -f ${join(MESH, 'cluster1', 'eastwest-gateway.yaml')} --context kind-cluster1`), run.out);
    assertNoSecrets(clusters, run);
  });

  test('a protected context is refused without --yes, and a context full of shell syntax is passed literally', async () => {
    const refused = await apply(clusters, '.', '--cluster', 'cluster2', '--context', clusters.shellContext);
    assert.equal(refused.code, 1, refused.out + refused.err);
    assert.match(refused.err, /refused, nothing was applied: context\(s\) .* match the protected patterns/);
    assert.deepEqual(clusters.cluster2.requests, []);

    const confirmed = await apply(clusters, '.', '--cluster', 'cluster2', '--context', clusters.shellContext, '--yes');
    assert.equal(confirmed.code, 0, confirmed.out + confirmed.err);
    assert.deepEqual(stored(clusters.cluster2), [
      'ConfigMap sample/helloworld-settings',
      'Gateway istio-system/cross-network-gateway',
      'Namespace istio-system',
      'Namespace sample',
    ]);
    assert.equal(clusters.cluster1.find('ConfigMap', 'sample', 'helloworld-settings'), undefined, "cluster2's files did not reach cluster1");
    assert.equal(existsSync(clusters.pwnedMarker), false, 'the context name reached a shell');
    // cluster2 holds no remote secret for cluster1: offered as the istioctl pipeline, quoted for a shell.
    assert.ok(
      confirmed.out.includes("istioctl create-remote-secret '--context=<context of cluster1>' --name=cluster1 | kubectl apply -f - '--context=prod-east;"),
      confirmed.out,
    );
    assertNoSecrets(clusters, confirmed);
  });

  test('contexts in istioMesh.protectedContexts (--settings FILE) are refused without --yes, as --protected ones', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'istio-mesh-apply-protected-'));
    try {
      const settingsFile = join(folder, 'settings.json');
      writeFileSync(settingsFile, '{\n  // the team marks its shared cluster\n  "istioMesh.protectedContexts": ["kind-cluster?"],\n}\n');
      const writesBefore = clusters.cluster1.writes().length;
      const refused = await apply(clusters, '.', '--cluster', 'cluster1', '--context', 'kind-cluster1', '--settings', settingsFile);
      assert.equal(refused.code, 1, refused.out + refused.err);
      assert.match(refused.out, /cluster cluster1 of mesh apply → context kind-cluster1 {2}\[PROTECTED\]/);
      assert.match(refused.err, /refused, nothing was applied: context\(s\) kind-cluster1 match the protected patterns \(\*prod\*, kind-cluster\?\)/);
      assert.equal(clusters.cluster1.writes().length, writesBefore, 'nothing was written');

      const confirmed = await apply(clusters, '.', '--cluster', 'cluster1', '--context', 'kind-cluster1', '--settings', settingsFile, '--yes');
      assert.equal(confirmed.code, 0, confirmed.out + confirmed.err);
      // Without the setting the same context is not protected: the refusal came from it.
      const unprotected = await apply(clusters, '.', '--cluster', 'cluster1', '--context', 'kind-cluster1', '--dry-run=client');
      assert.doesNotMatch(unprotected.out, /\[PROTECTED\]/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('a diff after the apply finds no difference and changes nothing', async () => {
    const writesBefore = clusters.cluster1.writes().length;
    const run = await apply(clusters, '.', '--cluster', 'cluster1', '--context', 'kind-cluster1', '--diff');
    assert.equal(run.code, 0, run.out + run.err);
    assert.equal(clusters.cluster1.writes().length, writesBefore);
    assert.match(run.out, /Diff: 3 document\(s\) in 3 step\(s\) succeeded; 0 step\(s\) differ/);
    assertNoSecrets(clusters, run);
  });

  test('one --context for files of two clusters is bad usage', async () => {
    const run = await apply(clusters, '.', '--context', 'kind-cluster1');
    assert.equal(run.code, 2);
    assert.match(run.err, /belong to several clusters \(cluster1, cluster2\)/);
  });

  test('--context CLUSTER=CTX sends each cluster to its own context', async () => {
    const run = await apply(clusters, 'cluster2/sample.yaml', '--context', 'cluster2=kind-cluster2', '--dry-run=client');
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /cluster cluster2 of mesh cluster2 → context kind-cluster2/);
  });

  test('an unknown context is bad usage, before anything runs', async () => {
    const run = await apply(clusters, '.', '--cluster', 'cluster1', '--context', 'no-such-context');
    assert.equal(run.code, 2);
    assert.match(run.err, /no context named no-such-context in your kubeconfig/);
  });

  test('the bundled CLI refuses a protected context without --yes', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI_BUNDLE, 'apply', '.', '--cluster', 'cluster2', '--context', clusters.shellContext, '--kubectl', KUBECTL],
        { cwd: MESH, env: clusters.env },
        (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
      );
    });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /\[PROTECTED\]/);
    assert.equal(existsSync(clusters.pwnedMarker), false);
  });

  test('a file with errors from the analysis is refused without --yes, and nothing is applied', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'istio-mesh-apply-errors-'));
    try {
      writeFileSync(
        join(folder, 'gateway.yaml'),
        'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: gw\n  namespace: default\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n    - port: {number: 443, name: https, protocol: HTTPS}\n      tls: {mode: PASSTRHOUGH}\n      hosts: ["*"]\n',
      );
      const writesBefore = clusters.cluster1.writes().length;
      const refused = await applyIn(folder, clusters, '.', '--context', 'kind-cluster1');
      assert.equal(refused.code, 1, refused.out + refused.err);
      assert.match(refused.err, /refused, nothing was applied: the analysis found errors in gateway\.yaml\. Review the plan and pass --yes/);
      assert.equal(clusters.cluster1.writes().length, writesBefore);
      // A dry run changes nothing, so it needs no confirmation.
      const dryRun = await applyIn(folder, clusters, '.', '--context', 'kind-cluster1', '--dry-run=server');
      assert.equal(dryRun.code, 0, dryRun.out + dryRun.err);
      assert.equal(clusters.cluster1.writes().length, writesBefore);
      // istioMesh.rules lowers the code to a warning: the file is no longer refused for an error.
      const settingsFile = join(folder, 'settings.json');
      writeFileSync(settingsFile, JSON.stringify({ 'istioMesh.rules': { SCHEMA003: 'warning' } }));
      const lowered = await applyIn(folder, clusters, '.', '--context', 'kind-cluster1', '--settings', settingsFile, '--dry-run=server');
      assert.equal(lowered.code, 0, lowered.out + lowered.err);
      assert.match(lowered.out, /gateway\.yaml \(on disk\)/);
      assert.doesNotMatch(lowered.out, /error\(s\) from the analysis/, lowered.out);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('istioMesh.clusters from .vscode/settings.json assigns the files and gives each cluster its context', async () => {
    const one = await applyIn(MESH_BY_SETTINGS, clusters, '.', '--cluster', 'cluster1', '--dry-run=server');
    assert.equal(one.code, 0, one.out + one.err);
    assert.match(one.err, /settings from \.vscode\/settings\.json/);
    assert.match(one.out, /cluster cluster1 of mesh apply-settings → context kind-cluster1/);
    assert.ok(!one.out.includes('west/'), `only cluster1's folder is planned:\n${one.out}`);

    const both = await applyIn(MESH_BY_SETTINGS, clusters, '.');
    assert.equal(both.code, 0, both.out + both.err);
    assert.equal(clusters.cluster1.find('ConfigMap', 'shop', 'shop-settings-east')?.name, 'shop-settings-east');
    assert.equal(clusters.cluster2.find('ConfigMap', 'shop', 'shop-settings-west')?.name, 'shop-settings-west');
    assert.equal(clusters.cluster1.find('ConfigMap', 'shop', 'shop-settings-west'), undefined, "cluster2's file did not reach cluster1");
    assert.equal(clusters.cluster2.find('ConfigMap', 'shop', 'shop-settings-east'), undefined, "cluster1's file did not reach cluster2");

    // An explicit --context wins over the settings.
    const explicit = await applyIn(MESH_BY_SETTINGS, clusters, '.', '--cluster', 'cluster2', '--context', 'unreachable', '--dry-run=client');
    assert.match(explicit.out, /cluster cluster2 of mesh apply-settings → context unreachable/);
    assert.equal(explicit.code, 1, 'the unreachable context was used');
    assertNoSecrets(clusters, both);
  });
});

describe('istio-mesh apply protected contexts', () => {
  test('the setting adds to --protected or to the default, and never lifts the default', () => {
    assert.deepEqual(protectedContextPatterns([]), ['*prod*']);
    assert.deepEqual(protectedContextPatterns([], ['*-live']), ['*prod*', '*-live']);
    assert.deepEqual(protectedContextPatterns([], []), ['*prod*'], 'an empty setting does not unprotect *prod*');
    assert.deepEqual(protectedContextPatterns(['staging-*'], ['*-live', 'staging-*']), ['staging-*', '*-live']);
  });
});

describe('istio-mesh apply on the bundled examples', { skip: KUBECTL_SKIP_REASON }, () => {
  const bothContexts = ['--context', 'cluster1=kind-cluster1', '--context', 'cluster2=kind-cluster2'];
  // What kubectl applies of each example (its IstioOperators are istioctl's), per cluster.
  const cases = [
    {
      example: 'multi-primary-multi-network',
      cluster1: ['Gateway istio-system/cross-network-gateway', 'Namespace istio-system'],
      cluster2: ['Gateway istio-system/cross-network-gateway', 'Namespace istio-system'],
    },
    {
      example: 'primary-remote-multi-network',
      cluster1: [
        'Gateway istio-system/cross-network-gateway',
        'Gateway istio-system/istiod-gateway',
        'Namespace istio-system',
        'VirtualService istio-system/istiod-vs',
      ],
      cluster2: ['Namespace istio-system'],
    },
  ];
  for (const { example, cluster1, cluster2 } of cases) {
    test(`examples/${example}: a dry run changes nothing, then each cluster's resources reach its own server only`, async () => {
      const clusters = await startFakeClusters();
      try {
        const dryRun = await applyIn(join(EXAMPLES, example), clusters, '.', ...bothContexts, '--dry-run=server');
        assert.equal(dryRun.code, 0, dryRun.out + dryRun.err);
        assert.deepEqual([...clusters.cluster1.writes(), ...clusters.cluster2.writes()], [], 'the dry run wrote nothing');

        const run = await applyIn(join(EXAMPLES, example), clusters, '.', ...bothContexts);
        assert.equal(run.code, 0, run.out + run.err);
        assert.deepEqual(stored(clusters.cluster1), cluster1);
        assert.deepEqual(stored(clusters.cluster2), cluster2);
        assert.match(run.out, /TO RUN {2}istioctl install -f \S+control-plane\.yaml --context kind-cluster1/);
        assertNoSecrets(clusters, run);
      } finally {
        await clusters.close();
      }
    });
  }

  test('examples/primary-remote without istioctl: the plan warns that istio-system must exist, and kubectl says it does not', async () => {
    const clusters = await startFakeClusters();
    try {
      const run = await applyIn(join(EXAMPLES, 'primary-remote'), clusters, '.', '--cluster', 'cluster1', '--context', 'kind-cluster1');
      assert.ok(
        run.out.includes(
          'Warning: namespace istio-system is not created by this plan; it must exist on kind-cluster1 (istioctl install creates it: run the istioctl step first)',
        ),
        run.out,
      );
      assert.equal(run.code, 1, 'expose-istiod cannot be applied before the namespace exists');
      assert.match(run.out, /FAILED {2}cluster1\/expose-istiod\.yaml → kind-cluster1: the namespace istio-system does not exist in the cluster/);
      assert.deepEqual(stored(clusters.cluster1), []);
    } finally {
      await clusters.close();
    }
  });

  test('--server-side applies with server-side apply patches, to the same servers', async () => {
    const { example, cluster1, cluster2 } = cases[0];
    const clusters = await startFakeClusters();
    try {
      const run = await applyIn(join(EXAMPLES, example), clusters, '.', ...bothContexts, '--server-side');
      assert.equal(run.code, 0, run.out + run.err);
      assert.deepEqual(stored(clusters.cluster1), cluster1);
      assert.deepEqual(stored(clusters.cluster2), cluster2);
      for (const server of [clusters.cluster1, clusters.cluster2]) {
        const writes = server.writes();
        assert.ok(
          writes.length > 0 && writes.every((r) => r.method === 'PATCH' && r.contentType?.startsWith('application/apply-patch')),
          writes.map((r) => `${r.method} ${r.contentType}`).join(', '),
        );
        assert.ok(
          writes.every((r) => r.query.fieldManager === 'istio-mesh'),
          'the field manager is named',
        );
      }
    } finally {
      await clusters.close();
    }
  });
});

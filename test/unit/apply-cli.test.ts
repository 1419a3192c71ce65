// `istio-mesh apply` with the real kubectl against two fake API servers standing for two clusters.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runApplyCli } from '../../server/src/cli/apply';
import { CLI_BUNDLE, FIXTURES } from '../support/paths';
import { KUBECTL, KUBECTL_SKIP_REASON, startFakeClusters, type FakeClusters } from '../support/kubeClusters';
import type { FakeKubeApiServer } from '../support/fakeKubeApiServer';

const MESH = join(FIXTURES, 'apply');
const REMOTE_SECRET_TOKEN = 'fixture-remote-token-7f3c9a1e5d2b48c6';

interface CliRun {
  code: number;
  out: string;
  err: string;
}

async function apply(clusters: FakeClusters, ...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runApplyCli([...args, '--kubectl', KUBECTL, '--istioctl', 'istioctl-is-not-installed'], {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    cwd: MESH,
    env: clusters.env,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function assertNoSecrets(clusters: FakeClusters, run: CliRun): void {
  for (const secret of [...clusters.tokens, REMOTE_SECRET_TOKEN]) {
    assert.ok(!run.out.includes(secret) && !run.err.includes(secret), `a credential was printed: ${secret}`);
  }
}

const stored = (server: FakeKubeApiServer) => server.objects().map((o) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`).sort();

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
    assert.ok(clusters.cluster1.requests.some((r) => r.query.dryRun === 'All'), 'the dry run reached the server');
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
    assert.deepEqual(stored(clusters.cluster2), ['ConfigMap sample/helloworld-settings', 'Gateway istio-system/cross-network-gateway', 'Namespace istio-system', 'Namespace sample']);
    assert.equal(clusters.cluster1.find('ConfigMap', 'sample', 'helloworld-settings'), undefined, "cluster2's files did not reach cluster1");
    assert.equal(existsSync(clusters.pwnedMarker), false, 'the context name reached a shell');
    // cluster2 holds no remote secret for cluster1: offered as the istioctl pipeline, quoted for a shell.
    assert.ok(confirmed.out.includes("istioctl create-remote-secret '--context=<context of cluster1>' --name=cluster1 | kubectl apply -f - '--context=prod-east;"), confirmed.out);
    assertNoSecrets(clusters, confirmed);
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
    assert.match(run.out, /cluster cluster2 → context kind-cluster2/);
  });

  test('an unknown context is bad usage, before anything runs', async () => {
    const run = await apply(clusters, '.', '--cluster', 'cluster1', '--context', 'no-such-context');
    assert.equal(run.code, 2);
    assert.match(run.err, /no context named no-such-context in your kubeconfig/);
  });

  test('the bundled CLI refuses a protected context without --yes', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI_BUNDLE, 'apply', '.', '--cluster', 'cluster2', '--context', clusters.shellContext, '--kubectl', KUBECTL], { cwd: MESH, env: clusters.env }, (error, stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
      );
    });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /\[PROTECTED\]/);
    assert.equal(existsSync(clusters.pwnedMarker), false);
  });
});

// Apply that cannot hit the wrong mesh nor send a template as written, with the real kubectl against fake API servers.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { type MeshCluster, resolveCluster } from '../../server/src/apply/meshClusters';
import { runApplyCli } from '../../server/src/cli/apply';
import type { FakeKubeApiServer } from '../support/fakeKubeApiServer';
import { type FakeClusters, KUBECTL, KUBECTL_SKIP_REASON, startFakeClusters } from '../support/kubeClusters';
import { FIXTURES } from '../support/paths';

/** `prod/{cluster1,cluster2}` and `staging/{cluster1,cluster2}`: two meshes that reuse cluster names. */
const TWO_MESHES = join(FIXTURES, 'apply-meshes');
/** A primary-remote mesh whose remote's files hold `${DISCOVERY_ADDRESS}` and `${CLUSTER2_NETWORK}`. */
const TEMPLATE = join(FIXTURES, 'apply-template');

interface CliRun {
  code: number;
  out: string;
  err: string;
}

async function applyIn(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runApplyCli([...args, '--kubectl', KUBECTL, '--istioctl', 'istioctl-is-not-installed'], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    cwd,
    env,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const networkLabel = (server: FakeKubeApiServer) =>
  ((server.find('Namespace', undefined, 'istio-system')?.object.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {})[
    'topology.istio.io/network'
  ];

describe('a cluster is a cluster of one mesh', () => {
  const clusters: MeshCluster[] = [
    { key: 'prod/cluster1', name: 'cluster1', mesh: 'prod', root: '/m/prod' },
    { key: 'staging/cluster1', name: 'cluster1', mesh: 'staging', root: '/m/staging' },
    { key: 'staging/cluster2', name: 'cluster2', mesh: 'staging', root: '/m/staging' },
  ];

  test('a bare name that two meshes share is refused with the keys to choose from', () => {
    assert.throws(() => resolveCluster('cluster1', clusters), /cluster1 is a cluster of 2 meshes: prod\/cluster1, staging\/cluster1/);
  });

  test('a key, a bare name only one mesh has, and a name within --mesh each mean one cluster', () => {
    assert.equal(resolveCluster('prod/cluster1', clusters).key, 'prod/cluster1');
    assert.equal(resolveCluster('cluster2', clusters).key, 'staging/cluster2');
    assert.equal(resolveCluster('cluster1', clusters, 'staging').key, 'staging/cluster1');
    assert.throws(() => resolveCluster('cluster1', clusters, 'dev'), /no mesh dev in these files \(meshes: prod, staging\)/);
    assert.throws(
      () => resolveCluster('cluster9', clusters),
      /no cluster cluster9 in these files \(clusters: prod\/cluster1, staging\/cluster1, staging\/cluster2\)/,
    );
  });
});

describe('istio-mesh apply across meshes and templates', { skip: KUBECTL_SKIP_REASON }, () => {
  let fake: FakeClusters;
  before(async () => {
    fake = await startFakeClusters();
  });
  after(async () => {
    await fake?.close();
  });

  test('--cluster cluster1 in a folder of two meshes is refused, naming both, and nothing is sent', async () => {
    const run = await applyIn(TWO_MESHES, fake.env, '.', '--cluster', 'cluster1', '--context', 'kind-cluster1');
    assert.equal(run.code, 2, run.out + run.err);
    assert.match(run.err, /cluster1 is a cluster of 2 meshes: prod\/cluster1, staging\/cluster1/);
    // One line of usage, not the whole usage.
    assert.deepEqual(run.err.split('\n').slice(1), ['Run istio-mesh apply --help for usage']);
    assert.deepEqual(fake.cluster1.requests, []);
  });

  test("--cluster prod/cluster1 (and --mesh staging --cluster cluster1) applies that mesh's cluster only", async () => {
    const prod = await applyIn(TWO_MESHES, fake.env, '.', '--cluster', 'prod/cluster1', '--context', 'kind-cluster1');
    assert.equal(prod.code, 0, prod.out + prod.err);
    assert.match(prod.out, /cluster cluster1 of mesh prod → context kind-cluster1/);
    assert.doesNotMatch(prod.out, /staging/);
    assert.equal(networkLabel(fake.cluster1), 'prod-network1');
    const staging = await applyIn(TWO_MESHES, fake.env, '.', '--mesh', 'staging', '--cluster', 'cluster1', '--context', 'kind-cluster2');
    assert.equal(staging.code, 0, staging.out + staging.err);
    assert.equal(networkLabel(fake.cluster2), 'staging-network1');
    assert.equal(networkLabel(fake.cluster1), 'prod-network1', "staging's cluster1 never reached prod's context");
  });

  test('two clusters mapped to one context are a warning in the plan and refused without --yes', async () => {
    const writes = fake.cluster1.writes().length;
    const run = await applyIn(
      TWO_MESHES,
      fake.env,
      '.',
      '--cluster',
      'prod/cluster1',
      '--cluster',
      'staging/cluster1',
      '--context',
      'prod/cluster1=kind-cluster1',
      '--context',
      'staging/cluster1=kind-cluster1',
    );
    assert.equal(run.code, 1, run.out + run.err);
    assert.match(run.out, /Warning: prod\/cluster1 and staging\/cluster1 are all mapped to context kind-cluster1/);
    assert.match(run.err, /refused, nothing was applied: prod\/cluster1 and staging\/cluster1 are mapped to the one context kind-cluster1/);
    assert.equal(fake.cluster1.writes().length, writes);
  });

  test('a template whose variable nothing gives is refused, and nothing is sent', async () => {
    const writes = fake.cluster2.writes().length;
    const env = { ...fake.env, CLUSTER2_NETWORK: '' };
    const run = await applyIn(TEMPLATE, env, '.', '--cluster', 'cluster2', '--context', 'kind-cluster2');
    assert.equal(run.code, 1, run.out + run.err);
    assert.match(run.out, /CLUSTER2_NETWORK: UNKNOWN \(used in cluster2\/namespace\.yaml:1\)/);
    assert.match(run.err, /refused, nothing was applied: the template variable\(s\) CLUSTER2_NETWORK are not known/);
    assert.equal(fake.cluster2.writes().length, writes);
  });

  test('a template is filled in from --set and from the gateway address the runbook computes, and the plan shows the filled text', async () => {
    // What the gateway controller would have set once cluster1's east-west gateway got its load balancer.
    fake.cluster1.seed({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'istio-eastwestgateway', namespace: 'istio-system' },
      spec: { type: 'LoadBalancer', ports: [{ name: 'tls-istiod', port: 15012 }] },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.15' }] } },
    });
    const run = await applyIn(
      TEMPLATE,
      fake.env,
      '.',
      '--cluster',
      'cluster2',
      '--context',
      'cluster1=kind-cluster1',
      '--context',
      'cluster2=kind-cluster2',
      '--set',
      'CLUSTER2_NETWORK=network1',
    );
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /CLUSTER2_NETWORK = network1 \(given; used in cluster2\/namespace\.yaml:1\)/);
    assert.match(run.out, /DISCOVERY_ADDRESS: computed during the apply, from the external address of istio-eastwestgateway in cluster1/);
    assert.match(run.out, /Filled in: cluster2\/namespace\.yaml:1 \(Namespace istio-system\):\n(.*\n)*? {4}.*topology\.istio\.io\/network: network1/);
    assert.match(run.out, /→ DISCOVERY_ADDRESS=192\.0\.2\.15/);
    assert.equal(networkLabel(fake.cluster2), 'network1');
    const configMap = fake.cluster2.find('ConfigMap', 'istio-system', 'discovery-address');
    assert.deepEqual(configMap?.object.data, { address: '192.0.2.15' });
    // istioctl is absent here: the remote's install is given to run, filled by envsubst, never as written.
    assert.match(run.out, /TO RUN {2}envsubst < \S*remote-profile\.yaml \| istioctl install -f - --context kind-cluster2/);
    assert.doesNotMatch(JSON.stringify(fake.cluster2.objects()), /\$\{/);
  });

  test('the environment fills a variable, and a gateway without an address fails the step that needs it', async () => {
    // Fresh API servers: no gateway Service with an address there.
    const other = await startFakeClusters();
    try {
      const run = await applyIn(
        TEMPLATE,
        { ...other.env, CLUSTER2_NETWORK: 'network1' },
        '.',
        '--cluster',
        'cluster2',
        '--context',
        'cluster1=kind-cluster1',
        '--context',
        'cluster2=kind-cluster2',
      );
      assert.equal(run.code, 1, run.out + run.err);
      assert.match(run.out, /CLUSTER2_NETWORK = network1 \(environment; /);
      assert.match(run.out, /FAILED {2}cluster2\/discovery-address\.yaml → kind-cluster2: not applied as written: \$\{DISCOVERY_ADDRESS\} is not known/);
      assert.equal(other.cluster2.find('ConfigMap', 'istio-system', 'discovery-address'), undefined);
    } finally {
      await other.close();
    }
  });
});

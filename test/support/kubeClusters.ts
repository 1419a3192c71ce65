// Two fake API servers standing for two clusters, and a kubeconfig (split over two files, as KUBECONFIG
// allows) naming contexts for them, for tests that drive the real kubectl.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { FakeKubeApiServer, type FakeKubeApiServerOptions, kubeconfigYaml } from './fakeKubeApiServer';

export const KUBECTL = '/usr/bin/kubectl';
export const KUBECTL_SKIP_REASON = existsSync(KUBECTL) ? undefined : 'kubectl not found at /usr/bin/kubectl (Debian: kubernetes-client): skipped';

export interface FakeClusters {
  cluster1: FakeKubeApiServer;
  cluster2: FakeKubeApiServer;
  /** Environment for kubectl: KUBECONFIG with both files, a private discovery cache. */
  env: NodeJS.ProcessEnv;
  /** Credentials written into the kubeconfig, which must never be printed. */
  tokens: string[];
  /** A file that the shell-character context name would create if it ever reached a shell. */
  pwnedMarker: string;
  /** A context whose name is full of shell syntax; it points at cluster2. */
  shellContext: string;
  dir: string;
  close(): Promise<void>;
}

export async function startFakeClusters(
  options: { cluster1?: Partial<FakeKubeApiServerOptions>; cluster2?: Partial<FakeKubeApiServerOptions> } = {},
): Promise<FakeClusters> {
  const dir = mkdtempSync(join(tmpdir(), 'istio-mesh-apply-'));
  const cluster1 = await FakeKubeApiServer.start({ name: 'cluster1', ...options.cluster1 });
  const cluster2 = await FakeKubeApiServer.start({ name: 'cluster2', ...options.cluster2 });
  const pwnedMarker = join(dir, 'pwned');
  const shellContext = `prod-east;$(touch ${pwnedMarker}) \`touch ${pwnedMarker}\` 'x' "y" | touch ${pwnedMarker}`;
  const tokens = ['kubeconfig-token-c1-5b8e2f9a71d4', 'kubeconfig-token-c2-c3a94d17e08b', 'kubeconfig-token-prod-9e4f1a2b7c6d'];
  // Closed at once: a context whose server does not answer.
  const gone = await FakeKubeApiServer.start({ name: 'gone' });
  await gone.close();
  const first = join(dir, 'config-a');
  const second = join(dir, 'config-b');
  writeFileSync(first, kubeconfigYaml([{ name: 'kind-cluster1', server: cluster1, token: tokens[0] }], 'kind-cluster1'));
  writeFileSync(
    second,
    kubeconfigYaml(
      [
        { name: 'kind-cluster2', server: cluster2, token: tokens[1] },
        { name: shellContext, server: cluster2, token: tokens[2] },
        { name: 'unreachable', server: gone, token: tokens[2] },
      ],
      undefined,
      'b-',
    ),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: [first, second].join(delimiter), KUBECACHEDIR: join(dir, 'cache'), HOME: dir };
  return {
    cluster1,
    cluster2,
    env,
    tokens,
    pwnedMarker,
    shellContext,
    dir,
    async close() {
      await Promise.all([cluster1.close(), cluster2.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

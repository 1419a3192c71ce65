// Two fake Kubernetes API servers on 127.0.0.1 and a kubeconfig naming them (kind-cluster1, kind-cluster2, …),
// for applying from the workbench with the real kubectl. They are the unit tests' (test/support/kubeClusters.ts),
// loaded from their compiled CommonJS (out/test/support/, written by `npx tsc -b`): this runner is plain ESM.
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Starts the fake clusters, or says why it cannot: `{ skipReason }`. On success: `{ clusters, env, tokens, note?,
 * close() }`, where `env` (KUBECONFIG and a private kubectl cache) is what code-server must be started with.
 */
export async function startFakeKube(repo) {
  const compiled = join(repo, 'out', 'test', 'support', 'kubeClusters.js');
  if (!existsSync(compiled))
    return { skipReason: `${compiled.slice(repo.length + 1)} is missing: run "npx tsc -b" (npm test does) to compile the fake API server` };
  const { startFakeClusters, KUBECTL_SKIP_REASON } = createRequire(import.meta.url)(compiled);
  if (KUBECTL_SKIP_REASON) return { skipReason: KUBECTL_SKIP_REASON };
  // A stale build still works, but a change to the fake server would not be in it: say so rather than puzzle.
  const sources = ['kubeClusters', 'fakeKubeApiServer'].map((name) => join(repo, 'test', 'support', `${name}.ts`));
  const stale = sources.some((source) => statSync(source).mtimeMs > statSync(compiled).mtimeMs);
  const fake = await startFakeClusters();
  return {
    clusters: { cluster1: fake.cluster1, cluster2: fake.cluster2 },
    env: { KUBECONFIG: fake.env.KUBECONFIG, KUBECACHEDIR: fake.env.KUBECACHEDIR },
    tokens: fake.tokens,
    note: stale ? 'out/test/support/ is older than test/support/*.ts: run "npx tsc -b" to use the current fake API server' : undefined,
    close: () => fake.close(),
  };
}

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (tests run compiled, from out/test/...). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
export const EXAMPLES = join(REPO_ROOT, 'examples');
export const SERVER_BUNDLE = join(REPO_ROOT, 'dist', 'server.js');
export const CLI_BUNDLE = join(REPO_ROOT, 'dist', 'cli.js');

/** The Istio reference data (ISTIO_REFERENCE_DIR, default ../shared/istio-reference); undefined where absent. */
export function referenceDir(): string | undefined {
  const dir = process.env.ISTIO_REFERENCE_DIR ?? resolve(REPO_ROOT, '..', 'shared', 'istio-reference');
  return existsSync(dir) ? dir : undefined;
}

export const REFERENCE_SKIP_REASON = 'Istio reference data not found (set ISTIO_REFERENCE_DIR): skipped';

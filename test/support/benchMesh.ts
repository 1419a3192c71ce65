import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { pathToFileURL } from 'node:url';

import { REPO_ROOT } from './paths';

export interface BenchMeshOptions {
  model: 'multi-primary' | 'primary-remote';
  clusters: number;
  apps: number;
  /** The folder to write the mesh to. */
  out: string;
}

/** Writes a mesh with the benchmark's generator (bench/generate.mjs, plain ESM outside the compiled tree); returns its folder. */
export async function generateBenchMesh(options: BenchMeshOptions): Promise<string> {
  const generator = (await import(pathToFileURL(join(REPO_ROOT, 'bench', 'generate.mjs')).href)) as {
    generateMesh: (options: BenchMeshOptions) => { dir: string };
  };
  return generator.generateMesh(options).dir;
}

/**
 * A generated mesh in a temporary folder for the enclosing `describe`: written before its tests, removed after.
 * Returns the folder's getter (it exists once the suite's tests run).
 */
export function generatedMeshForSuite(options: Omit<BenchMeshOptions, 'out'>, folderPrefix: string): () => string {
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), folderPrefix));
    await generateBenchMesh({ ...options, out: dir });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}

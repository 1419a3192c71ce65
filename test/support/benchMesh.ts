import { join } from 'node:path';
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

// Bundles the client (with its topology picture), the server and the CLI (with its parse worker) into one file each
// (dist/), as the extension ships them.
import { chmodSync, mkdirSync } from 'node:fs';

import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');

/** yaml-language-server imports prettier for formatting, which Istio Mesh does not offer: keep it out of the bundle. */
const withoutPrettier = {
  name: 'without-prettier',
  setup(build) {
    build.onResolve({ filter: /^prettier(\/.*)?$/ }, () => ({ path: 'prettier', namespace: 'without-prettier' }));
    build.onLoad({ filter: /.*/, namespace: 'without-prettier' }, () => ({
      contents: 'export function format() { throw new Error("formatting is not part of Istio Mesh"); }',
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  mainFields: ['module', 'main'],
  plugins: [withoutPrettier],
};

mkdirSync('dist', { recursive: true });
await Promise.all([
  esbuild.build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js' }),
  esbuild.build({ ...common, entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  // The topology picture with its layout library (elkjs, 1.6 MB), loaded by the client on the first Show Topology
  // only, so activating the extension does not pay for it (client/src/topology.ts).
  // elkjs ships minified already: printed unminified it would grow from 1.4 to 3.4 MB, so this bundle is always minified.
  esbuild.build({ ...common, minify: true, entryPoints: ['server/src/features/topologyPicture.ts'], outfile: 'dist/topologyPicture.js' }),
  // The CLI's parse worker thread, found next to dist/cli.js (see server/src/cli/parallelParse.ts).
  esbuild.build({ ...common, entryPoints: ['server/src/cli/parseWorker.ts'], outfile: 'dist/parseWorker.js' }),
]);
chmodSync('dist/cli.js', 0o755);

// Which YAML files of a workspace folder are read, and that every one left out is reported with its reason.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';

import { findYamlFiles, makeExcluder, readYamlText } from '../../server/src/workspace/scan';

const YAML = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n';

/** A folder with the given files (relative path → text); removed after `run`. */
function withFolder(files: Record<string, string>, run: (root: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'istio-mesh-scan-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    run(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('*.yaml and *.yml are read; node_modules, .git and other files are not', () => {
  withFolder(
    {
      'cluster1/istio.yaml': YAML,
      'cluster2/istio.YML': YAML,
      'cluster2/notes.txt': YAML,
      'node_modules/chart/values.yaml': YAML,
      '.git/config.yaml': YAML,
    },
    (root) => {
      const { files, skipped } = findYamlFiles(root);
      assert.deepEqual(
        files.map((f) => relative(root, f)),
        ['cluster1/istio.yaml', 'cluster2/istio.YML'],
      );
      // The skipped folders are reported once each, not silently.
      assert.deepEqual(
        skipped.map((s) => [relative(root, s.path), s.reason]),
        [
          ['.git', 'node_modules and .git folders are never read'],
          ['node_modules', 'node_modules and .git folders are never read'],
        ],
      );
    },
  );
});

test('exclude globs (istioMesh.exclude, files.exclude) leave out files and whole folders, each with a reason', () => {
  withFolder(
    {
      'cluster1/istio.yaml': YAML,
      'cluster1/istio.generated.yaml': YAML,
      'vendor/istio/values.yaml': YAML,
    },
    (root) => {
      const { files, skipped } = findYamlFiles(root, { exclude: ['**/*.generated.yaml', 'vendor'] });
      assert.deepEqual(
        files.map((f) => relative(root, f)),
        ['cluster1/istio.yaml'],
      );
      assert.deepEqual(
        skipped.map((s) => [relative(root, s.path), s.reason]),
        [
          ['cluster1/istio.generated.yaml', 'excluded by istioMesh.exclude or files.exclude'],
          ['vendor', 'folder excluded by istioMesh.exclude or files.exclude'],
        ],
      );
    },
  );
});

test('a file over the size limit is not read, and the reason names the setting and both sizes', () => {
  withFolder({ 'big.yaml': YAML.repeat(10), 'small.yaml': YAML }, (root) => {
    const limit = YAML.length * 2;
    assert.deepEqual(readYamlText(join(root, 'small.yaml'), limit), { text: YAML });
    assert.deepEqual(readYamlText(join(root, 'big.yaml'), limit), {
      skipped: `larger than istioMesh.maxFileSize (${YAML.length * 10} > ${limit} bytes)`,
    });
  });
});

test('a glob naming a folder excludes the files in it too (files.exclude `**/generated`), not its look-alikes', () => {
  const root = join(tmpdir(), 'workspace');
  const excluded = makeExcluder(root, ['**/generated', 'drafts/**']);
  assert.ok(excluded(join(root, 'generated', 'broken.yaml')), 'a file in an excluded folder, as an editor opens it');
  assert.ok(excluded(join(root, 'apps', 'generated', 'deep', 'x.yaml')));
  assert.ok(excluded(join(root, 'drafts', 'new.yaml')));
  assert.ok(!excluded(join(root, 'generated-notes', 'x.yaml')));
  assert.ok(!excluded(join(root, 'apps', 'x.yaml')));
  assert.ok(!excluded(join(tmpdir(), 'elsewhere', 'generated', 'x.yaml')), 'outside the root nothing is excluded');
});

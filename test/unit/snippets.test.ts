// The snippets: each one, expanded as VS Code inserts it when every tab stop is accepted as offered, is valid YAML and
// takes its place in a small mesh (an example model, copied) without an error or warning; the names that differ per
// cluster (cluster, network, mesh, kube context) are tab stops, never written literally.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { after, describe, test } from 'node:test';

import { parseAllDocuments } from 'yaml';

import { analyzeFolder } from '../support/analyze';
import { EXAMPLES } from '../support/paths';
import { expandSnippet, extensionSnippets, type Snippet, tabstopOffers } from '../support/snippets';

/** Where a snippet belongs: the file it is written to in a copy of an example, replacing the example's own if any. */
interface Placement {
  example: string;
  file: string;
  /** Files of the example the snippet's file stands in for (a Sail `Istio` instead of an IstioOperator). */
  replaces?: string[];
  /** Other files of the layout, written by snippets with what the user types into their tab stops. */
  others?: { file: string; prefix: string; typed: Record<number, string> }[];
  /** A finding of the example that the snippet's file answers (it is recognised for what it is). */
  answers?: string;
}

const PLACEMENTS: Record<string, Placement> = {
  'istio-primary': { example: 'multi-primary', file: 'cluster1/control-plane.yaml' },
  'istio-remote': { example: 'primary-remote-multi-network', file: 'cluster2/remote-profile.yaml' },
  'istio-eastwest-gateway': { example: 'multi-primary-multi-network', file: 'cluster1/eastwest-gateway.yaml' },
  'istio-expose-istiod': { example: 'primary-remote-multi-network', file: 'cluster1/expose-istiod.yaml' },
  'istio-expose-services': { example: 'multi-primary-multi-network', file: 'cluster1/expose-services.yaml' },
  'istio-system-namespace': { example: 'multi-primary-multi-network', file: 'cluster1/istio-system.yaml' },
  'istio-sail-primary': {
    example: 'sail',
    file: 'cluster1/istio.yaml',
    // The other primary of the mesh at the same Istio version (the example's is older than the snippet's).
    others: [{ file: 'cluster2/istio.yaml', prefix: 'istio-sail-primary', typed: { 3: 'cluster2', 4: 'network2' } }],
  },
  'istio-sail-remote': { example: 'primary-remote-multi-network', file: 'cluster2/istio.yaml', replaces: ['cluster2/remote-profile.yaml'] },
  'istio-helm-istiod-primary': { example: 'helm', file: 'cluster1/istiod-values.yaml' },
  'istio-helm-istiod-remote': { example: 'primary-remote-multi-network', file: 'cluster2/istiod-values.yaml', replaces: ['cluster2/remote-profile.yaml'] },
  'istio-helm-eastwest-gateway': { example: 'helm', file: 'cluster1/eastwest-gateway-values.yaml' },
  'istio-ambient-eastwest-gateway': { example: 'ambient', file: 'cluster1/eastwest-gateway.yaml' },
  'istio-remote-secret': { example: 'primary-remote-multi-network', file: 'cluster1/istio-remote-secret-cluster2.yaml', answers: 'MESH300' },
  'istio-cacerts': { example: 'multi-primary', file: 'cluster1/cacerts.yaml' },
  'istio-global-serviceentry': { example: 'multi-primary', file: 'cluster1/httpbin-bar-global.yaml' },
};

/** Names that differ per cluster, as the snippets offer them (cluster1, network2, mesh1, CTX_CLUSTER1). */
const PER_CLUSTER_NAME = /\b(?:cluster|network|mesh|CTX_CLUSTER)\d\b/g;

const snippets = extensionSnippets();
const byPrefix = new Map(snippets.map((s) => [s.prefix, s]));
const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function layOut(snippet: Snippet, placement: Placement): { root: string; text: string } {
  const root = mkdtempSync(join(tmpdir(), `istio-mesh-snippet-${snippet.prefix}-`));
  folders.push(root);
  cpSync(join(EXAMPLES, placement.example), root, { recursive: true });
  for (const file of placement.replaces ?? []) {
    assert.ok(existsSync(join(root, file)), `${placement.example}/${file} exists`);
    rmSync(join(root, file));
  }
  for (const other of placement.others ?? []) {
    writeFileSync(
      join(root, other.file),
      expandSnippet(byPrefix.get(other.prefix)!.body, { typed: other.typed, variables: { TM_FILENAME: basename(other.file) } }),
    );
  }
  const text = expandSnippet(snippet.body, { variables: { TM_FILENAME: basename(placement.file) } });
  writeFileSync(join(root, placement.file), text);
  return { root, text };
}

const problems = (root: string) =>
  analyzeFolder(root)
    .findings.filter((f) => f.severity === 'error' || f.severity === 'warning')
    .map((f) => `${relative(root, f.location.file)} ${f.code} ${f.message}`);

describe('snippets', () => {
  test('every snippet has a placement in a mesh, and every placement a snippet', () => {
    assert.deepEqual(snippets.map((s) => s.prefix).sort(), Object.keys(PLACEMENTS).sort());
  });

  for (const snippet of snippets) {
    const placement = PLACEMENTS[snippet.prefix];
    if (!placement) continue;
    test(`${snippet.prefix}: expanded with what it offers, it is YAML and ${placement.example}/${placement.file} stays free of errors and warnings`, () => {
      const { root, text } = layOut(snippet, placement);
      for (const doc of parseAllDocuments(text)) assert.deepEqual(doc.errors, [], `${snippet.prefix} parses as YAML`);
      assert.doesNotMatch(text, /\$\{?\d/, 'no tab stop left unexpanded');
      assert.deepEqual(problems(root), []);
      if (placement.answers) {
        const code = placement.answers;
        const before = analyzeFolder(join(EXAMPLES, placement.example)).findings.filter((f) => f.code === code);
        const afterSnippet = analyzeFolder(root).findings.filter((f) => f.code === code);
        assert.ok(before.length > 0 && afterSnippet.length === 0, `${code} is reported without the snippet's file, not with it`);
      }
    });

    test(`${snippet.prefix}: the names that differ per cluster are tab stops`, () => {
      const offers = tabstopOffers(snippet.body);
      // Type other names into every tab stop: nothing per cluster may be left as the snippet wrote it.
      const typed = Object.fromEntries([...offers].map(([index, offer]) => [index, offer.replace(PER_CLUSTER_NAME, 'renamed')]));
      const names = expandSnippet(snippet.body, { typed, variables: { TM_FILENAME: 'renamed.yaml' } }).match(PER_CLUSTER_NAME) ?? [];
      assert.deepEqual(names, [], `${snippet.prefix} writes ${names.join(', ')} outside its tab stops`);
    });
  }
});

// Findings users tune: `# istio-mesh: ignore=` comments (file, document, line) and the istioMesh.rules levels,
// applied by the engine after the rules, so the editor and the CLI show the same findings.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { Analyzer } from '../../server/src/engine/analysis';
import { normaliseSettings } from '../../server/src/engine/settings';
import type { RuleLevels } from '../../server/src/engine/tuning';
import { Workspace } from '../../server/src/engine/workspace';
import { parseYamlFile } from '../../server/src/parse/yamlFile';
import type { Finding } from '../../server/src/rules/finding';

const ROOT = '/virtual/tuning';

/** A Gateway whose tls.mode is misspelt (SCHEMA003, an error), on line 8 of the document (1-based). */
const gateway = (name: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${name}
spec:
  selector: {istio: ${name}}
  servers:
    - tls: {mode: PASTHROUGH}
      port: {number: 443, name: tls, protocol: TLS}
      hosts: ["${name}.example.com"]
`;

function analyze(files: Record<string, string>, rules?: RuleLevels): Finding[] {
  const workspace = new Workspace([ROOT]);
  for (const [name, text] of Object.entries(files)) workspace.setFile(join(ROOT, name), text);
  const result = new Analyzer(undefined, (m) => {
    throw new Error(m);
  }).analyze(workspace, { roots: [ROOT], clusters: [], rules });
  return [...result.findings.values()].flat();
}

const codesAt = (findings: Finding[]) => findings.map((f) => `${f.code}@${f.location.range.start.line + 1}`).sort();

test("an ignore comment applies by where it is written: before the first `---`, a document's opening comments, else the next non-comment line", () => {
  const text = [
    '# istio-mesh: ignore=A', // 1: at the top of document 0 (no `---` above it)
    'kind: One', // 2
    'spec:', // 3
    '  # istio-mesh: ignore=b,C the reason', // 4: line, about line 6 (line 5 is a comment)
    '  # another comment', // 5
    '  x: 1', // 6
    '# istio-mesh: ignore=D before the marker', // 7: document 1
    '---', // 8
    '# istio-mesh: cluster=c1 ignore=E', // 9: document 1
    'kind: Two', // 10
    '...', // 11
    '# istio-mesh: ignore=F', // 12: between `...` and `---`: the comment-only document 2, and document 3
    '---', // 13
    'kind: Three', // 14
  ].join('\n');
  const yaml = parseYamlFile('/f.yaml', text);
  const line = (offset: number | undefined) => (offset === undefined ? undefined : yaml.lines.positionAt(offset).line + 1);
  assert.deepEqual(
    yaml.ignoreComments.map((c) => [line(c.start), c.codes.join(','), c.scope, c.document, line(c.target)]),
    [
      [1, 'A', 'document', 0, undefined],
      [4, 'B,C', 'line', undefined, 6],
      [7, 'D', 'document', 1, undefined],
      [9, 'E', 'document', 1, undefined],
      [12, 'F', 'document', 3, undefined],
    ],
  );
  assert.equal(yaml.documents[1].directives.get('cluster'), 'c1', 'ignore= sits beside other directives');
  assert.equal(parseYamlFile('/g.yaml', 'kind: One\n# no directive: ignore=A\n').ignoreComments.length, 0);
  const fileWide = parseYamlFile('/h.yaml', '# header\n# istio-mesh: ignore=A\n\n---\nkind: One\n---\nkind: Two\n');
  assert.deepEqual(
    fileWide.ignoreComments.map((c) => c.scope),
    ['file'],
    "comments alone before the first `---` are the file's",
  );
});

test('a suppressed finding is gone; the others stay; a comment that silences nothing is SUPPRESS001 at the comment', () => {
  const findings = analyze({
    'file.yaml': `# istio-mesh: ignore=SCHEMA003 waiting for the Envoy fork\n---\n${gateway('a')}---\n${gateway('b')}`,
    'first-document.yaml': `# istio-mesh: ignore=SCHEMA003\n${gateway('f')}---\n${gateway('g')}`,
    'document.yaml': `${gateway('c')}---\n# istio-mesh: ignore=SCHEMA003\n${gateway('d')}`,
    'line.yaml': gateway('e').replace('    - tls:', '    # istio-mesh: ignore=SCHEMA003,SCHEMA002\n    - tls:'),
  });
  assert.deepEqual(codesAt(findings.filter((f) => f.location.file.endsWith('/file.yaml'))), []);
  assert.deepEqual(codesAt(findings.filter((f) => f.location.file.endsWith('first-document.yaml'))), ['SCHEMA003@20'], 'the second document keeps its finding');
  assert.deepEqual(codesAt(findings.filter((f) => f.location.file.endsWith('/document.yaml'))), ['SCHEMA003@8']);
  const line = findings.filter((f) => f.location.file.endsWith('line.yaml'));
  assert.deepEqual(codesAt(line), ['SUPPRESS001@8']);
  assert.equal(line[0].severity, 'information');
  assert.match(line[0].message, /silences nothing for SCHEMA002: no SCHEMA002 finding is reported on the line after it/);
});

test('ignore=SUPPRESS001 silences the report of unused codes, and is itself never reported unused', () => {
  const findings = analyze({ 'a.yaml': `# istio-mesh: ignore=SUPPRESS001\n# istio-mesh: ignore=MESH600\n${gateway('a')}` });
  assert.deepEqual(codesAt(findings), ['SCHEMA003@10']);
});

test("istioMesh.rules: off drops a code, another level replaces the rule's severity, after suppression", () => {
  const files = {
    'a.yaml': gateway('a'),
    'b.yaml': `# istio-mesh: ignore=SCHEMA003\n${gateway('b')}`,
    'c.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: c}\nspec:\n  ports:\n    - port: many\n',
  };
  const before = analyze(files);
  assert.deepEqual(codesAt(before), ['SCHEMA002@6', 'SCHEMA003@8']);
  const tuned = analyze(files, { SCHEMA003: 'off', SCHEMA002: 'warning' });
  assert.deepEqual(
    tuned.map((f) => `${f.code} ${f.severity}`),
    ['SCHEMA002 warning'],
    'and the ignore comment for SCHEMA003 still counts as used',
  );
});

test('one Analyzer: new levels re-tune every file, and a keystroke that adds an ignore comment clears the finding', () => {
  const workspace = new Workspace([ROOT]);
  const path = join(ROOT, 'a.yaml');
  workspace.setFile(path, gateway('a'));
  const analyzer = new Analyzer();
  const settings = { roots: [ROOT], clusters: [] };
  assert.deepEqual(
    analyzer
      .analyze(workspace, settings)
      .findings.get(path)
      ?.map((f) => f.severity),
    ['error'],
  );
  const warned = analyzer.analyze(workspace, { ...settings, rules: { SCHEMA003: 'warning' } });
  assert.deepEqual(
    warned.findings.get(path)?.map((f) => f.severity),
    ['warning'],
  );
  assert.ok(warned.changed.has(path));
  workspace.setFile(path, `# istio-mesh: ignore=SCHEMA003\n${gateway('a')}`);
  const silenced = analyzer.analyze(workspace, { ...settings, rules: { SCHEMA003: 'warning' } });
  assert.deepEqual(silenced.findings.get(path), []);
  assert.ok(silenced.changed.has(path));
});

test('the istioMesh.rules setting keeps well-formed entries only, codes upper-cased', () => {
  assert.deepEqual(normaliseSettings({ rules: { mesh600: 'off', MESH001: 'warning', MESH101: 'loud', ' ': 'off', MESH102: 3 } }).rules, {
    MESH600: 'off',
    MESH001: 'warning',
  });
  assert.deepEqual(normaliseSettings({ rules: ['MESH600'] }).rules, {});
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import type { MeshModel, MeshSettings } from '../../server/src/mesh/model';
import type { Resource } from '../../server/src/resources/resource';
import { WorkspaceSecrets } from '../../server/src/security/secrets';
import { describeFindings, yamlFilesUnder } from '../support/analyze';
import { REPO_ROOT } from '../support/paths';
import { readFileSync } from 'node:fs';

interface GeneratedMesh {
  dir: string;
}
type Generate = (options: { model: string; clusters: number; apps: number; out: string }) => GeneratedMesh;

/** The benchmark's generator (plain ESM, outside the compiled tree) writes realistic meshes to a folder. */
async function loadGenerator(): Promise<Generate> {
  const module = await import(pathToFileURL(join(REPO_ROOT, 'bench', 'generate.mjs')).href);
  return module.generateMesh as Generate;
}

/** mulberry32, so a failing sequence of edits can be replayed from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Edit = (text: string, pick: <T>(items: readonly T[]) => T) => string | undefined;

/** Edits people make, each touching what some rule depends on: identities, topology, documents, syntax. */
const EDITS: Record<string, Edit> = {
  meshID: (text, pick) => text.replace(/meshID: \S+/, `meshID: ${pick(['mesh1', 'mesh2', '${MESH_ID}'])}`),
  clusterName: (text, pick) => text.replace(/clusterName: \S+/, `clusterName: ${pick(['cluster1', 'cluster2', 'cluster3', 'renamed'])}`),
  network: (text, pick) => text.replace(/network: network\d+/, `network: ${pick(['network1', 'network2', 'network9'])}`),
  networkLabel: (text, pick) => text.replace(/topology\.istio\.io\/network: \S+/, `topology.istio.io/network: ${pick(['network1', 'network7'])}`),
  port: (text, pick) => text.replace(/(number|port): (15443|15012|8080)/, `$1: ${pick([15443, 15012, 8080, 9999])}`),
  removeDocument: (text) => {
    const documents = text.split(/^---\n/m);
    return documents.length > 1 ? documents.slice(1).join('---\n') : undefined;
  },
  brokenSyntax: (text) => text.replace(/\n  name: /, '\n  name: : [\n'),
  profile: (text) => (text.includes('profile: remote') ? text.replace('profile: remote', 'profile: default') : text.replace('spec:\n', 'spec:\n  profile: remote\n')),
  secretTarget: (text) => text.replace(/networking\.istio\.io\/cluster: cluster(\d)/, 'networking.istio.io/cluster: cluster$1x'),
};

function fromScratch(texts: Map<string, string>, settings: MeshSettings) {
  const workspace = new Workspace(settings.roots);
  for (const [path, text] of texts) workspace.setFile(path, text);
  return new Analyzer(undefined, (message) => assert.fail(message)).analyze(workspace, settings);
}

test('an edit re-analysed incrementally gives the findings of a from-scratch analysis', async () => {
  const generateMesh = await loadGenerator();
  const base = mkdtempSync(join(tmpdir(), 'istio-mesh-incremental-'));
  try {
    // Two roots, so one edit leaves the other root's meshes to be reused.
    const roots = [
      generateMesh({ model: 'multi-primary', clusters: 3, apps: 3, out: join(base, 'multi-primary') }).dir,
      generateMesh({ model: 'primary-remote', clusters: 3, apps: 3, out: join(base, 'primary-remote') }).dir,
    ];
    const settings: MeshSettings = { roots, clusters: [], now: new Date('2026-11-24T00:00:00Z') };
    const texts = new Map<string, string>();
    for (const root of roots) for (const path of yamlFilesUnder(root)) texts.set(path, readFileSync(path, 'utf8'));
    const original = new Map(texts);

    const workspace = new Workspace(roots);
    for (const [path, text] of texts) workspace.setFile(path, text);
    const analyzer = new Analyzer(undefined, (message) => assert.fail(message));
    analyzer.analyze(workspace, settings);

    const random = seededRandom(20261124);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const paths = [...original.keys()];
    let changed = 0;
    for (let step = 0; step < 60; step++) {
      const path = pick(paths);
      const roll = random();
      let description: string;
      if (roll < 0.1 && texts.has(path)) {
        texts.delete(path);
        workspace.deleteFile(path);
        description = `delete ${path}`;
      } else if (roll < 0.2) {
        texts.set(path, original.get(path)!);
        workspace.setFile(path, original.get(path)!);
        description = `restore ${path}`;
      } else {
        const name = pick(Object.keys(EDITS));
        const edited = EDITS[name](texts.get(path) ?? original.get(path)!, pick);
        if (edited === undefined) continue;
        texts.set(path, edited);
        workspace.setFile(path, edited);
        description = `${name} in ${path}`;
      }
      const incremental = analyzer.analyze(workspace, settings);
      const expected = fromScratch(texts, settings);
      const actualFindings = describeFindings([...incremental.findings.values()].flat(), base);
      const expectedFindings = describeFindings([...expected.findings.values()].flat(), base);
      assert.deepEqual(actualFindings, expectedFindings, `step ${step}: ${description}`);
      assert.equal(incremental.meshes.length, expected.meshes.length, `step ${step}: ${description}`);
      if (actualFindings.length > 0) changed++;
    }
    // The edits must have produced findings at some point, or the comparison proved nothing.
    assert.ok(changed > 0, 'no edit produced a finding');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

/** Edits of application files: most keep the file placement-only (the model is derived), some move or retype it. */
const APP_EDITS: Record<string, Edit> = {
  timeout: (text, pick) => text.replace(/perTryTimeout: \S+/, `perTryTimeout: ${pick(['500ms', '2s', '${TIMEOUT}'])}`),
  portName: (text, pick) => text.replace(/- name: (http|grpc|web)\n/, `- name: ${pick(['http', 'web'])}\n`),
  headless: (text) => text.replace(/spec:\n  selector:/, 'spec:\n  clusterIP: None\n  selector:'),
  missingGateway: (text) => text.replace(/spec:\n  hosts:\n/, 'spec:\n  gateways:\n    - istio-system/missing-gateway\n  hosts:\n'),
  addDocument: (text, pick) => `${text}---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: added-${pick(['a', 'b'])}\n  namespace: team-00\nspec:\n  hosts: [added.global]\n  addresses: [240.0.0.${pick([1, 2])}]\n  location: MESH_INTERNAL\n  resolution: DNS\n`,
  removeDocument: EDITS.removeDocument,
  directive: (text, pick) => `# istio-mesh: cluster=${pick(['cluster1', 'cluster2', 'cluster1,cluster3', 'elsewhere'])}\n${text.replace(/^# istio-mesh: .*\n/, '')}`,
  documentDirective: (text, pick) => text.replace(/^---\n(?!#)/m, `---\n# istio-mesh: cluster=${pick(['cluster2', 'cluster3'])}\n`),
  gatewayService: (text) => `${text}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: extra-eastwest\n  namespace: istio-system\n  labels:\n    topology.istio.io/network: network9\nspec:\n  selector: {istio: eastwestgateway}\n  ports:\n    - name: tls\n      port: 15443\n`,
  brokenSyntax: EDITS.brokenSyntax,
};

/** A mesh model as comparable data: clusters with their roles and resources, and every resource's placement. */
function describeModel(mesh: MeshModel, base: string): unknown {
  const id = (r: Resource) => `${relative(base, r.file)}#${r.doc.file.documents.indexOf(r.doc)}`;
  return {
    root: relative(base, mesh.root),
    model: mesh.controlPlaneModel,
    clusters: [...mesh.clusters.values()].map((c) => ({ name: c.name, role: c.role, network: c.network, resources: c.resources.map(id) })),
    resources: mesh.resources.map((r) => `${id(r)} -> ${JSON.stringify(mesh.assignments.get(r))}`),
  };
}

test('application edits derive the model without a rebuild, and match a from-scratch analysis', async () => {
  const generateMesh = await loadGenerator();
  const base = mkdtempSync(join(tmpdir(), 'istio-mesh-incremental-apps-'));
  try {
    const roots = [
      generateMesh({ model: 'multi-primary', clusters: 3, apps: 40, out: join(base, 'multi-primary') }).dir,
      generateMesh({ model: 'primary-remote', clusters: 3, apps: 20, out: join(base, 'primary-remote') }).dir,
    ];
    const settings: MeshSettings = { roots, clusters: [], now: new Date('2026-11-24T00:00:00Z') };
    const texts = new Map<string, string>();
    for (const root of roots) for (const path of yamlFilesUnder(root)) texts.set(path, readFileSync(path, 'utf8'));
    const original = new Map(texts);
    const appFiles = [...original.keys()].filter((p) => p.includes(`${sep}apps${sep}`));
    const otherFiles = [...original.keys()].filter((p) => !appFiles.includes(p));

    const workspace = new Workspace(roots);
    for (const [path, text] of texts) workspace.setFile(path, text);
    const analyzer = new Analyzer(undefined, (message) => assert.fail(message));
    let previous = analyzer.analyze(workspace, settings);

    const random = seededRandom(20261125);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    let derived = 0;
    let withFindings = 0;
    for (let step = 0; step < 120; step++) {
      const roll = random();
      const path = roll < 0.85 ? pick(appFiles) : pick(otherFiles);
      let description: string;
      if (roll < 0.05) {
        // A new file: a copy of an application file next to another cluster's, or at the top of a root (unassigned).
        const target = random() < 0.5 ? join(dirname(pick(appFiles)), `copy-${step}.yaml`) : join(pick(roots), `loose-${step}.yaml`);
        texts.set(target, original.get(path)!);
        workspace.setFile(target, original.get(path)!);
        description = `add ${target} from ${path}`;
      } else if (roll < 0.1 && texts.has(path)) {
        texts.delete(path);
        workspace.deleteFile(path);
        description = `delete ${path}`;
      } else if (roll < 0.15) {
        texts.set(path, original.get(path)!);
        workspace.setFile(path, original.get(path)!);
        description = `restore ${path}`;
      } else {
        const edits = roll < 0.85 ? APP_EDITS : EDITS;
        const name = pick(Object.keys(edits));
        const edited = edits[name](texts.get(path) ?? original.get(path)!, pick);
        if (edited === undefined) continue;
        texts.set(path, edited);
        workspace.setFile(path, edited);
        description = `${name} in ${path}`;
      }
      const incremental = analyzer.analyze(workspace, settings);
      const expected = fromScratch(texts, settings);
      const actualFindings = describeFindings([...incremental.findings.values()].flat(), base);
      assert.deepEqual(actualFindings, describeFindings([...expected.findings.values()].flat(), base), `step ${step}: ${description}`);
      assert.deepEqual(
        incremental.meshes.map((m) => describeModel(m, base)),
        expected.meshes.map((m) => describeModel(m, base)),
        `step ${step}: ${description}`,
      );
      // A derived model is a new MeshModel that kept some of the previous one's Cluster objects.
      const kept = new Set(previous.meshes.flatMap((m) => [...m.clusters.values()]));
      if (incremental.meshes.some((m) => !previous.meshes.includes(m) && [...m.clusters.values()].some((c) => kept.has(c)))) derived++;
      if (actualFindings.length > 0) withFindings++;
      previous = incremental;
    }
    assert.ok(derived >= 20, `only ${derived} edits derived the model instead of rebuilding it`);
    assert.ok(withFindings > 0, 'no edit produced a finding');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

/** A mesh model with every derived fact a rule reads: identities, installs, gateways, secrets, trust. */
function describeModelFacts(mesh: MeshModel, base: string): unknown {
  const id = (r: Resource) => `${relative(base, r.file)}#${r.doc.file.documents.indexOf(r.doc)}`;
  return {
    summary: describeModel(mesh, base),
    multiNetwork: mesh.multiNetwork,
    controlPlaneNamespace: mesh.controlPlaneNamespace,
    installs: mesh.installs.map((i) => id(i.resource)),
    remoteSecrets: mesh.remoteSecrets.map((s) => `${id(s.resource)} held by ${s.holders.join(',')}`),
    clusters: [...mesh.clusters.values()].map((c) => ({
      name: c.name,
      meshID: c.meshID?.value,
      networkSources: c.networkSources.map((s) => `${s.kind}:${s.network}`),
      controlPlanes: c.controlPlanes.map((i) => id(i.resource)),
      installs: c.installs.map((i) => id(i.resource)),
      gateways: c.gateways.map((g) => g.name),
      remoteSecrets: c.remoteSecrets.map((s) => id(s.resource)),
      istioSystemNamespace: c.istioSystemNamespace && id(c.istioSystemNamespace),
      cacerts: c.cacerts && id(c.cacerts.resource),
      trustProviders: c.trustProviders.map((p) => p.kind),
    })),
  };
}

/** Edits of the files the model reads facts from, that keep every resource where it is. */
const FACT_EDITS: Record<string, Edit> = {
  meshID: EDITS.meshID,
  network: EDITS.network,
  networkLabel: EDITS.networkLabel,
  port: EDITS.port,
  profile: EDITS.profile,
  clusterName: EDITS.clusterName,
  secretTarget: EDITS.secretTarget,
  namespace: (text, pick) => text.replace(/namespace: istio-system/, `namespace: ${pick(['istio-system', 'istio-other'])}`),
  gatewayName: (text, pick) => text.replace(/name: istio-eastwestgateway/, `name: ${pick(['istio-eastwestgateway', 'eastwest-2'])}`),
  cacertsName: (text) => text.replace(/name: cacerts/, 'name: cacerts-old'),
  removeDocument: EDITS.removeDocument,
  brokenSyntax: EDITS.brokenSyntax,
};

test('model-fact edits rebuild only their clusters, and match a from-scratch analysis', async () => {
  const generateMesh = await loadGenerator();
  const base = mkdtempSync(join(tmpdir(), 'istio-mesh-incremental-facts-'));
  try {
    const roots = [
      generateMesh({ model: 'multi-primary', clusters: 4, apps: 3, out: join(base, 'multi-primary') }).dir,
      generateMesh({ model: 'primary-remote', clusters: 4, apps: 3, out: join(base, 'primary-remote') }).dir,
    ];
    const settings: MeshSettings = { roots, clusters: [], now: new Date('2026-11-24T00:00:00Z') };
    const texts = new Map<string, string>();
    for (const root of roots) for (const path of yamlFilesUnder(root)) texts.set(path, readFileSync(path, 'utf8'));
    const original = new Map(texts);
    const clusterFiles = [...original.keys()].filter((p) => !p.includes(`${sep}apps${sep}`));

    const workspace = new Workspace(roots);
    for (const [path, text] of texts) workspace.setFile(path, text);
    const analyzer = new Analyzer(undefined, (message) => assert.fail(message));
    let previous = analyzer.analyze(workspace, settings);

    const random = seededRandom(20261126);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    let derived = 0;
    let withFindings = 0;
    for (let step = 0; step < 120; step++) {
      const roll = random();
      const path = pick(clusterFiles);
      let description: string;
      if (roll < 0.04) {
        const target = join(dirname(path), `copy-${step}.yaml`);
        texts.set(target, original.get(path)!);
        workspace.setFile(target, original.get(path)!);
        description = `add ${target} from ${path}`;
      } else if (roll < 0.08 && texts.has(path)) {
        texts.delete(path);
        workspace.deleteFile(path);
        description = `delete ${path}`;
      } else if (roll < 0.2) {
        texts.set(path, original.get(path)!);
        workspace.setFile(path, original.get(path)!);
        description = `restore ${path}`;
      } else {
        const name = pick(Object.keys(FACT_EDITS));
        const edited = FACT_EDITS[name](texts.get(path) ?? original.get(path)!, pick);
        if (edited === undefined) continue;
        texts.set(path, edited);
        workspace.setFile(path, edited);
        description = `${name} in ${path}`;
      }
      const incremental = analyzer.analyze(workspace, settings);
      const expected = fromScratch(texts, settings);
      const actualFindings = describeFindings([...incremental.findings.values()].flat(), base);
      assert.deepEqual(actualFindings, describeFindings([...expected.findings.values()].flat(), base), `step ${step}: ${description}`);
      assert.deepEqual(
        incremental.meshes.map((m) => describeModelFacts(m, base)),
        expected.meshes.map((m) => describeModelFacts(m, base)),
        `step ${step}: ${description}`,
      );
      // What a publisher re-sends: every file whose findings differ from the previous analysis's is listed.
      for (const path of new Set([...previous.findings.keys(), ...incremental.findings.keys()])) {
        const before = previous.findings.get(path);
        const after = incremental.findings.get(path);
        if (!incremental.changed.has(path)) assert.equal(after, before, `step ${step}: ${description}: ${path} changed but is not listed`);
        else if (before && after) assert.notDeepEqual(describeFindings(after, base), describeFindings(before, base), `step ${step}: ${description}: ${path} listed unchanged`);
      }
      const kept = new Set(previous.meshes.flatMap((m) => [...m.clusters.values()]));
      if (incremental.meshes.some((m) => !previous.meshes.includes(m) && [...m.clusters.values()].some((c) => kept.has(c)))) derived++;
      if (actualFindings.length > 0) withFindings++;
      previous = incremental;
    }
    assert.ok(derived >= 20, `only ${derived} edits derived the model instead of rebuilding it`);
    assert.ok(withFindings > 0, 'no edit produced a finding');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('an analysis abandoned between its steps (superseded by a newer change) leaves the analyzer consistent', async () => {
  const generateMesh = await loadGenerator();
  const base = mkdtempSync(join(tmpdir(), 'istio-mesh-incremental-abandoned-'));
  try {
    const root = generateMesh({ model: 'primary-remote', clusters: 3, apps: 3, out: join(base, 'primary-remote') }).dir;
    const settings: MeshSettings = { roots: [root], clusters: [], now: new Date('2026-11-24T00:00:00Z') };
    const texts = new Map<string, string>();
    for (const path of yamlFilesUnder(root)) texts.set(path, readFileSync(path, 'utf8'));
    const workspace = new Workspace([root]);
    for (const [path, text] of texts) workspace.setFile(path, text);
    const analyzer = new Analyzer(undefined, (message) => assert.fail(message));
    const first = analyzer.analyze(workspace, settings);

    const operator = join(root, 'cluster1', 'istio-operator.yaml');
    const edit = (text: string) => {
      texts.set(operator, text);
      workspace.setFile(operator, text);
    };
    const original = texts.get(operator)!;
    edit(original.replace(/meshID: \S+/, 'meshID: other-mesh'));
    const steps = analyzer.analysisSteps(workspace, settings);
    let taken = 0;
    while (taken < 5 && !steps.next().done) taken++;
    assert.equal(taken, 5, 'the analysis has steps to abandon');
    // A newer change supersedes it: the abandoned one never completes.
    edit(original.replace(/meshID: \S+/, 'meshID: third-mesh'));
    const result = analyzer.analyze(workspace, settings);
    const expected = fromScratch(texts, settings);
    assert.deepEqual(describeFindings([...result.findings.values()].flat(), base), describeFindings([...expected.findings.values()].flat(), base));
    assert.ok(result.findings.get(operator)?.some((f) => f.code === 'MESH101'), 'the edit was analysed');
    // Changes are relative to the last complete analysis: the operator's findings changed since the first one.
    assert.ok(result.changed.has(operator));
    for (const [path, findings] of result.findings) if (!result.changed.has(path)) assert.equal(findings, first.findings.get(path), path);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('meshes of a root whose files did not change are reused, not rebuilt', () => {
  const settings: MeshSettings = { roots: ['/a', '/b'], clusters: [], now: new Date('2026-11-24T00:00:00Z') };
  const operator = (cluster: string) =>
    `apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      meshID: mesh1\n      multiCluster:\n        clusterName: ${cluster}\n      network: n1\n`;
  const workspace = new Workspace(settings.roots);
  workspace.setFile('/a/c1/iop.yaml', operator('c1'));
  workspace.setFile('/b/c2/iop.yaml', operator('c2'));
  const analyzer = new Analyzer();
  const first = analyzer.analyze(workspace, settings);
  workspace.setFile('/a/c1/iop.yaml', operator('c1').replace('mesh1', 'mesh2'));
  const second = analyzer.analyze(workspace, settings);
  const meshOf = (result: typeof first, root: string) => result.meshes.find((m) => m.root === root);
  assert.equal(meshOf(second, '/b'), meshOf(first, '/b'), 'the untouched root keeps its model');
  assert.notEqual(meshOf(second, '/a'), meshOf(first, '/a'), 'the edited root is rebuilt');
  assert.equal(meshOf(second, '/a')?.clusters.get('c1')?.meshID?.value, 'mesh2');
  const third = analyzer.analyze(workspace, { ...settings, clusters: [{ name: 'c9', paths: ['**'] }] });
  assert.notEqual(meshOf(third, '/b'), meshOf(second, '/b'), 'a settings change rebuilds every root');
});

test('the redactor is kept across edits that change no credential, and rebuilt when one does', () => {
  const workspace = new Workspace(['/w']);
  const secrets = new WorkspaceSecrets();
  const secret = (password: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: ${password}\n`;
  workspace.setFile('/w/s.yaml', secret('alpha-password-1111'));
  workspace.setFile('/w/app.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n');
  const first = secrets.redactorFor(workspace);
  workspace.setFile('/w/app.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: b}\n');
  assert.equal(secrets.redactorFor(workspace), first, 'an edit without credentials keeps the redactor');
  workspace.setFile('/w/s.yaml', secret('omega-credential-2222'));
  const rebuilt = secrets.redactorFor(workspace);
  assert.notEqual(rebuilt, first);
  assert.equal(rebuilt.redact('omega-credential-2222'), '<redacted>');
  assert.equal(rebuilt.redact('alpha-password-1111'), 'alpha-password-1111');
});

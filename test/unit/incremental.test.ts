import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import type { MeshModel, MeshSettings } from '../../server/src/mesh/model';
import type { Resource } from '../../server/src/resources/resource';
import { WorkspaceSecrets } from '../../server/src/security/secrets';
import { describeFindings, yamlFilesUnder } from '../support/analyze';
import { REPO_ROOT } from '../support/paths';

// The randomized edits run in the cache verification mode (engine/cacheStore.ts): every mesh rule is also run on an
// empty cache store, so a rule that declares too little in `reads` fails here on the seed that shows it.
process.env.ISTIO_MESH_VERIFY_CACHE = '1';

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
  brokenSyntax: (text) => text.replace(/\n {2}name: /, '\n  name: : [\n'),
  profile: (text) =>
    text.includes('profile: remote') ? text.replace('profile: remote', 'profile: default') : text.replace('spec:\n', 'spec:\n  profile: remote\n'),
  secretTarget: (text) => text.replace(/networking\.istio\.io\/cluster: cluster(\d)/, 'networking.istio.io/cluster: cluster$1x'),
};

function fromScratch(texts: Map<string, string>, settings: MeshSettings) {
  const workspace = new Workspace(settings.roots);
  for (const [path, text] of texts) workspace.setFile(path, text);
  return new Analyzer(undefined, (message) => assert.fail(message)).analyze(workspace, settings);
}

type Analysis = ReturnType<Analyzer['analyze']>;

/**
 * Generated meshes under a temporary folder, held both in an incrementally analysed workspace and as plain texts
 * that a from-scratch analysis can be compared with after every edit.
 */
class EditSession {
  readonly roots: string[];
  readonly settings: MeshSettings;
  readonly texts = new Map<string, string>();
  readonly original: ReadonlyMap<string, string>;
  readonly workspace: Workspace;
  readonly analyzer = new Analyzer(undefined, (message) => assert.fail(message));
  readonly random: () => number;
  readonly pick = <T>(items: readonly T[]): T => items[Math.floor(this.random() * items.length)];
  previous: Analysis;

  private constructor(
    readonly base: string,
    roots: string[],
    seed: number,
  ) {
    this.roots = roots;
    this.settings = { roots, clusters: [], now: new Date('2026-11-24T00:00:00Z') };
    for (const root of roots) for (const path of yamlFilesUnder(root)) this.texts.set(path, readFileSync(path, 'utf8'));
    this.original = new Map(this.texts);
    this.workspace = new Workspace(roots);
    for (const [path, text] of this.texts) this.workspace.setFile(path, text);
    this.random = seededRandom(seed);
    this.previous = this.analyzer.analyze(this.workspace, this.settings);
  }

  /** Generates each mesh in its own root under a fresh temporary folder, runs `body`, and removes the folder. */
  static async run(
    prefix: string,
    meshes: { model: string; clusters: number; apps: number }[],
    seed: number,
    body: (session: EditSession) => void,
  ): Promise<void> {
    const generateMesh = await loadGenerator();
    const base = mkdtempSync(join(tmpdir(), prefix));
    try {
      const roots = meshes.map((mesh) => generateMesh({ ...mesh, out: join(base, mesh.model) }).dir);
      body(new EditSession(base, roots, seed));
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }

  write(path: string, text: string): void {
    this.texts.set(path, text);
    this.workspace.setFile(path, text);
  }

  delete(path: string): string {
    this.texts.delete(path);
    this.workspace.deleteFile(path);
    return `delete ${path}`;
  }

  restore(path: string): string {
    this.write(path, this.original.get(path)!);
    return `restore ${path}`;
  }

  copy(from: string, to: string): string {
    this.write(to, this.original.get(from)!);
    return `add ${to} from ${from}`;
  }

  /** Applies one randomly picked edit of `edits` to `path`; undefined when that edit does not apply to its text. */
  edit(path: string, edits: Record<string, Edit>): string | undefined {
    const name = this.pick(Object.keys(edits));
    const edited = edits[name](this.texts.get(path) ?? this.original.get(path)!, this.pick);
    if (edited === undefined) return undefined;
    this.write(path, edited);
    return `${name} in ${path}`;
  }

  /**
   * Analyses incrementally and asserts the findings (and, with `describe`, the models) equal a from-scratch
   * analysis's. Returns the analysis and whether its model was derived from the previous one rather than rebuilt.
   */
  analyzeAndCompare(step: string, describe?: (mesh: MeshModel, base: string) => unknown): { analysis: Analysis; derived: boolean; findings: number } {
    const analysis = this.analyzer.analyze(this.workspace, this.settings);
    const expected = fromScratch(this.texts, this.settings);
    const findings = describeFindings([...analysis.findings.values()].flat(), this.base);
    assert.deepEqual(findings, describeFindings([...expected.findings.values()].flat(), this.base), step);
    assert.equal(analysis.meshes.length, expected.meshes.length, step);
    if (describe) {
      assert.deepEqual(
        analysis.meshes.map((m) => describe(m, this.base)),
        expected.meshes.map((m) => describe(m, this.base)),
        step,
      );
    }
    // A derived model is a new MeshModel that kept some of the previous one's Cluster objects.
    const kept = new Set(this.previous.meshes.flatMap((m) => [...m.clusters.values()]));
    const derived = analysis.meshes.some((m) => !this.previous.meshes.includes(m) && [...m.clusters.values()].some((c) => kept.has(c)));
    this.previous = analysis;
    return { analysis, derived, findings: findings.length };
  }
}

test('an edit re-analysed incrementally gives the findings of a from-scratch analysis', async () => {
  // Two roots, so one edit leaves the other root's meshes to be reused.
  const meshes = [
    { model: 'multi-primary', clusters: 3, apps: 3 },
    { model: 'primary-remote', clusters: 3, apps: 3 },
  ];
  await EditSession.run('istio-mesh-incremental-', meshes, 20261124, (session) => {
    const paths = [...session.original.keys()];
    let withFindings = 0;
    for (let step = 0; step < 60; step++) {
      const path = session.pick(paths);
      const roll = session.random();
      const description = roll < 0.1 && session.texts.has(path) ? session.delete(path) : roll < 0.2 ? session.restore(path) : session.edit(path, EDITS);
      if (description === undefined) continue;
      if (session.analyzeAndCompare(`step ${step}: ${description}`).findings > 0) withFindings++;
    }
    // The edits must have produced findings at some point, or the comparison proved nothing.
    assert.ok(withFindings > 0, 'no edit produced a finding');
  });
});

/** Edits of application files: most keep the file placement-only (the model is derived), some move or retype it. */
const APP_EDITS: Record<string, Edit> = {
  timeout: (text, pick) => text.replace(/perTryTimeout: \S+/, `perTryTimeout: ${pick(['500ms', '2s', '${TIMEOUT}'])}`),
  portName: (text, pick) => text.replace(/- name: (http|grpc|web)\n/, `- name: ${pick(['http', 'web'])}\n`),
  headless: (text) => text.replace(/spec:\n {2}selector:/, 'spec:\n  clusterIP: None\n  selector:'),
  missingGateway: (text) => text.replace(/spec:\n {2}hosts:\n/, 'spec:\n  gateways:\n    - istio-system/missing-gateway\n  hosts:\n'),
  addDocument: (text, pick) =>
    `${text}---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: added-${pick(['a', 'b'])}\n  namespace: team-00\nspec:\n  hosts: [added.global]\n  addresses: [240.0.0.${pick([1, 2])}]\n  location: MESH_INTERNAL\n  resolution: DNS\n`,
  removeDocument: EDITS.removeDocument,
  directive: (text, pick) =>
    `# istio-mesh: cluster=${pick(['cluster1', 'cluster2', 'cluster1,cluster3', 'elsewhere'])}\n${text.replace(/^# istio-mesh: .*\n/, '')}`,
  documentDirective: (text, pick) => text.replace(/^---\n(?!#)/m, `---\n# istio-mesh: cluster=${pick(['cluster2', 'cluster3'])}\n`),
  gatewayService: (text) =>
    `${text}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: extra-eastwest\n  namespace: istio-system\n  labels:\n    topology.istio.io/network: network9\nspec:\n  selector: {istio: eastwestgateway}\n  ports:\n    - name: tls\n      port: 15443\n`,
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
  const meshes = [
    { model: 'multi-primary', clusters: 3, apps: 40 },
    { model: 'primary-remote', clusters: 3, apps: 20 },
  ];
  await EditSession.run('istio-mesh-incremental-apps-', meshes, 20261125, (session) => {
    const { pick, random } = session;
    const appFiles = [...session.original.keys()].filter((p) => p.includes(`${sep}apps${sep}`));
    const otherFiles = [...session.original.keys()].filter((p) => !appFiles.includes(p));
    let derived = 0;
    let withFindings = 0;
    for (let step = 0; step < 120; step++) {
      const roll = random();
      const path = roll < 0.85 ? pick(appFiles) : pick(otherFiles);
      let description: string | undefined;
      if (roll < 0.05) {
        // A new file: a copy of an application file next to another cluster's, or at the top of a root (unassigned).
        const target = random() < 0.5 ? join(dirname(pick(appFiles)), `copy-${step}.yaml`) : join(pick(session.roots), `loose-${step}.yaml`);
        description = session.copy(path, target);
      } else if (roll < 0.1 && session.texts.has(path)) description = session.delete(path);
      else if (roll < 0.15) description = session.restore(path);
      else description = session.edit(path, roll < 0.85 ? APP_EDITS : EDITS);
      if (description === undefined) continue;
      const result = session.analyzeAndCompare(`step ${step}: ${description}`, describeModel);
      if (result.derived) derived++;
      if (result.findings > 0) withFindings++;
    }
    assert.ok(derived >= 20, `only ${derived} edits derived the model instead of rebuilding it`);
    assert.ok(withFindings > 0, 'no edit produced a finding');
  });
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
  const meshes = [
    { model: 'multi-primary', clusters: 4, apps: 3 },
    { model: 'primary-remote', clusters: 4, apps: 3 },
  ];
  await EditSession.run('istio-mesh-incremental-facts-', meshes, 20261126, (session) => {
    const clusterFiles = [...session.original.keys()].filter((p) => !p.includes(`${sep}apps${sep}`));
    let derived = 0;
    let withFindings = 0;
    for (let step = 0; step < 120; step++) {
      const roll = session.random();
      const path = session.pick(clusterFiles);
      let description: string | undefined;
      if (roll < 0.04) description = session.copy(path, join(dirname(path), `copy-${step}.yaml`));
      else if (roll < 0.08 && session.texts.has(path)) description = session.delete(path);
      else if (roll < 0.2) description = session.restore(path);
      else description = session.edit(path, FACT_EDITS);
      if (description === undefined) continue;
      const previous = session.previous;
      const stepName = `step ${step}: ${description}`;
      const { analysis, derived: wasDerived, findings } = session.analyzeAndCompare(stepName, describeModelFacts);
      // What a publisher re-sends: every file whose findings differ from the previous analysis's is listed.
      for (const file of new Set([...previous.findings.keys(), ...analysis.findings.keys()])) {
        const before = previous.findings.get(file);
        const after = analysis.findings.get(file);
        if (!analysis.changed.has(file)) assert.equal(after, before, `${stepName}: ${file} changed but is not listed`);
        else if (before && after)
          assert.notDeepEqual(describeFindings(after, session.base), describeFindings(before, session.base), `${stepName}: ${file} listed unchanged`);
      }
      if (wasDerived) derived++;
      if (findings > 0) withFindings++;
    }
    assert.ok(derived >= 20, `only ${derived} edits derived the model instead of rebuilding it`);
    assert.ok(withFindings > 0, 'no edit produced a finding');
  });
});

test('typing a new file keeps the models until its first resource, and matches a from-scratch analysis', async () => {
  await EditSession.run('istio-mesh-incremental-new-file-', [{ model: 'primary-remote', clusters: 3, apps: 3 }], 20261128, (session) => {
    const path = join(session.roots[0], 'cluster2', 'apps', 'team-new.yaml');
    const typed = [
      '# istio-mesh: cluster=cluster2\n',
      'apiVersion: networking.istio.io/v1\n',
      'apiVersion: networking.istio.io/v1\nki',
      'apiVersion: networking.istio.io/v1\nkind: Virtual',
      'apiVersion: networking.istio.io/v1\nkind: Virtual: [',
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: new-app\n  namespace: team-00\nspec:\n  hosts: [new-app]\n',
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: new-app\n  namespace: team-00\nspec:\n  hosts: [new-app, other]\n',
    ];
    const added = session.previous;
    session.write(path, '');
    assert.ok(
      session.analyzeAndCompare('an empty file added', describeModel).analysis.meshes.every((mesh, i) => mesh === added.meshes[i]),
      'an empty file added keeps the models',
    );
    let kept = 0;
    for (const [step, text] of typed.entries()) {
      const before = session.previous;
      session.write(path, text);
      const { analysis } = session.analyzeAndCompare(`step ${step}: ${JSON.stringify(text)}`, describeModel);
      const resources = session.workspace.getFile(path)!.resources.length;
      const sameModels = analysis.meshes.every((mesh, i) => mesh === before.meshes[i]);
      if (resources === 0 && before.meshes.length > 0) assert.ok(sameModels, `step ${step}: a file without resources leaves the models as they are`);
      if (sameModels) kept++;
    }
    assert.equal(kept, 5, 'the five texts without a resource kept the models');
    session.write(path, '# nothing here yet\n');
    session.analyzeAndCompare('the resources removed again', describeModel);
    const emptied = session.previous;
    session.delete(path);
    assert.ok(
      session.analyzeAndCompare('the file deleted', describeModel).analysis.meshes.every((mesh, i) => mesh === emptied.meshes[i]),
      'a file without resources deleted keeps the models',
    );
  });
});

test('an edit of a composed file without resources (a JSON patch) rebuilds the model it composes', () => {
  const root = '/kustomized';
  const texts = new Map([
    [`${root}/base/kustomization.yaml`, 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - control-plane.yaml\n'],
    [
      `${root}/base/control-plane.yaml`,
      'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: control-plane\nspec:\n  values:\n    global:\n      meshID: mesh1\n      multiCluster:\n        clusterName: cluster1\n      network: network1\n',
    ],
    [
      `${root}/cluster1/kustomization.yaml`,
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\npatches:\n  - path: network.yaml\n    target:\n      kind: IstioOperator\n      name: control-plane\n',
    ],
    [`${root}/cluster1/network.yaml`, '- op: replace\n  path: /spec/values/global/network\n  value: network2\n'],
  ]);
  const settings: MeshSettings = { roots: [root], clusters: [] };
  const workspace = new Workspace([root]);
  for (const [path, text] of texts) workspace.setFile(path, text);
  const analyzer = new Analyzer(undefined, (message) => assert.fail(message));
  const networks = (analysis: Analysis) => analysis.meshes.flatMap((mesh) => [...mesh.clusters.values()].map((c) => c.network));
  assert.deepEqual(networks(analyzer.analyze(workspace, settings)), ['network2']);
  const patch = `${root}/cluster1/network.yaml`;
  texts.set(patch, texts.get(patch)!.replace('network2', 'network3'));
  workspace.setFile(patch, texts.get(patch)!);
  assert.equal(workspace.getFile(patch)!.resources.length, 0, 'the patch is no resource');
  const analysis = analyzer.analyze(workspace, settings);
  assert.deepEqual(networks(analysis), ['network3']);
  assert.deepEqual(
    analysis.meshes.map((m) => describeModel(m, root)),
    fromScratch(texts, settings).meshes.map((m) => describeModel(m, root)),
  );
});

test('an analysis abandoned between its steps (superseded by a newer change) leaves the analyzer consistent', async () => {
  await EditSession.run('istio-mesh-incremental-abandoned-', [{ model: 'primary-remote', clusters: 3, apps: 3 }], 20261127, (session) => {
    const { analyzer, workspace, settings, texts, base } = session;
    const first = session.previous;
    const operator = join(session.roots[0], 'cluster1', 'istio-operator.yaml');
    const original = texts.get(operator)!;
    session.write(operator, original.replace(/meshID: \S+/, 'meshID: other-mesh'));
    const steps = analyzer.analysisSteps(workspace, settings);
    let taken = 0;
    while (taken < 5 && !steps.next().done) taken++;
    assert.equal(taken, 5, 'the analysis has steps to abandon');
    // A newer change supersedes it: the abandoned one never completes.
    session.write(operator, original.replace(/meshID: \S+/, 'meshID: third-mesh'));
    const result = analyzer.analyze(workspace, settings);
    const expected = fromScratch(texts, settings);
    assert.deepEqual(describeFindings([...result.findings.values()].flat(), base), describeFindings([...expected.findings.values()].flat(), base));
    assert.ok(
      result.findings.get(operator)?.some((f) => f.code === 'MESH101'),
      'the edit was analysed',
    );
    // Changes are relative to the last complete analysis: the operator's findings changed since the first one.
    assert.ok(result.changed.has(operator));
    for (const [path, findings] of result.findings) if (!result.changed.has(path)) assert.equal(findings, first.findings.get(path), path);
  });
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

// Every rule over a generated mesh of every model the engine reads (bench/models.mjs: multi-primary, primary-remote,
// external control plane and ambient, on one network or several, installed as IstioOperators, Helm values, Sail
// resources, Flux HelmReleases, Argo CD Applications, ApplicationSets or kustomize overlays). The engine logs a rule
// that throws and skips it; here any log line fails the test, as does a finding reported twice at one place, and
// every planned cluster must be modelled in its role.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import { repeatedFindings } from '../support/analyze';
import { REPO_ROOT } from '../support/paths';

interface ModelOptions {
  topology: string;
  install: string;
  network: string;
  clusters: number;
  apps: number;
}

interface PlannedCluster {
  name: string;
  releases: { chart: string; values: { profile?: string } }[];
}

interface ModelGenerator {
  TOPOLOGIES: string[];
  INSTALL_FORMS: string[];
  NETWORKS: string[];
  planMesh(topology: string, network: string, count: number): PlannedCluster[];
  writeModelMesh(options: ModelOptions, out: string): string[];
}

const CLUSTERS = 3;
let root = '';
after(() => rmSync(root, { recursive: true, force: true }));

/** The role the plan gives a member cluster: a remote installs the remote profile; the external host is no member. */
function plannedRole(cluster: PlannedCluster): string {
  return cluster.releases.some((r) => r.chart === 'istiod' && r.values.profile === 'remote') ? 'remote' : 'primary';
}

// The generator is an ES module: the suite loads it first, then declares one test per combination.
describe('every rule over every model', async () => {
  const generator = (await import(pathToFileURL(join(REPO_ROOT, 'bench', 'models.mjs')).href)) as ModelGenerator;
  root = mkdtempSync(join(tmpdir(), 'istio-mesh-every-model-'));
  for (const topology of generator.TOPOLOGIES) {
    for (const install of generator.INSTALL_FORMS) {
      for (const network of generator.NETWORKS) {
        test(`${topology}, ${install}, ${network}: no rule fails, each planned cluster is modelled in its role`, () => {
          const dir = join(root, `${topology}_${install}_${network}`);
          const files = generator.writeModelMesh({ topology, install, network, clusters: CLUSTERS, apps: 1 }, dir);
          const workspace = new Workspace([dir]);
          for (const file of files) workspace.setFile(file, readFileSync(file, 'utf8'));
          const logs: string[] = [];
          const result = new Analyzer(undefined, (message) => logs.push(message)).analyze(workspace, { roots: [dir], clusters: [] });
          assert.deepEqual(logs, [], 'the engine logged');
          assert.deepEqual(repeatedFindings([...result.findings.values()].flat(), dir), [], 'a finding is reported twice at one place');
          const modelled = new Map(result.meshes.flatMap((mesh) => [...mesh.clusters.values()].map((c) => [c.name, c.role] as const)));
          const members = generator.planMesh(topology, network, CLUSTERS).filter((c) => c.name.startsWith('cluster'));
          assert.deepEqual(
            members.map((c) => `${c.name} ${modelled.get(c.name) ?? 'absent'}`),
            members.map((c) => `${c.name} ${plannedRole(c)}`),
          );
        });
      }
    }
  }
});

import { basename, dirname, join, relative, sep } from 'node:path';

import picomatch from 'picomatch';

import { compositionUnitOf } from '../compose/composedDocument';
import type { YamlFile } from '../parse/yamlFile';
import { ISTIO_CSR_CHART, istioCsrFacts, readTrustChart } from '../resources/certManager';
import type { InstallConfig } from '../resources/installConfig';
import { clusterNameOf } from '../resources/installConfig';
import { gitopsSourcePaths, gitopsTarget, HELM_VALUES_KIND } from '../resources/installSources';
import type { Resource } from '../resources/resource';
import { chartOfTemplate, type ChartOfTemplates } from './chartTemplates';
import { findHostedControlPlanes, type HostedControlPlane } from './externalControlPlane';

/**
 * The path a resource is placed at for settings, folders and file names: a composed resource's overlay
 * kustomization (the overlay is what is applied to a cluster), else its own file.
 */
function placeOf(resource: Resource): string {
  const unit = compositionUnitOf(resource);
  return unit ? unit.document.file.file : resource.file;
}

/** `istioMesh.clusters` entries. */
export interface ClusterSetting {
  name: string;
  context?: string;
  paths?: string[];
}

/** How a resource came to belong to its cluster(s); shown in hovers and in the unassigned notice. */
export type AssignmentReason =
  | 'directive'
  | 'setting'
  | 'gitops-target'
  | 'chart-install'
  | 'install-config'
  | 'gitops-source'
  | 'overlay'
  | 'folder'
  | 'path-segment'
  | 'file-name'
  | 'unassigned';

export interface Assignment {
  clusters: string[];
  reason: AssignmentReason;
}

/** Marks a control plane that names no cluster in the folder index (no cluster name contains a NUL). */
const UNNAMED_CLUSTER = '\u0000unnamed:';
/** Marks a GitOps target that control planes of different clusters are sent to. */
const AMBIGUOUS_TARGET = '\u0000ambiguous';

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function directiveClusters(resource: Resource): string[] | undefined {
  const value = resource.doc.directives.get('cluster') ?? resource.doc.file.headerDirectives.get('cluster');
  return value ? splitList(value) : undefined;
}

/**
 * True when `name` appears in the file name as a whole token: `cluster2-eastwest-gateway.yaml` names cluster2,
 * `cluster20.yaml` does not. Names may hold separators themselves (`us-east-1`), so the name is matched as a
 * run of tokens rather than one token.
 */
export function fileNameMentions(fileName: string, name: string): boolean {
  const stem = fileName.replace(/\.ya?ml$/i, '').toLowerCase();
  const wanted = name.toLowerCase();
  if (!wanted) return false;
  for (let at = stem.indexOf(wanted); at >= 0; at = stem.indexOf(wanted, at + 1)) {
    const before = at === 0 ? '' : stem[at - 1];
    const after = stem[at + wanted.length] ?? '';
    if (!/[a-z0-9]/.test(before) && !/[a-z0-9]/.test(after)) return true;
  }
  return false;
}

/**
 * Decides which cluster(s) each resource belongs to, in the documented order: directive comment, the
 * `istioMesh.clusters` setting, the GitOps target (Argo CD destination, Flux kubeConfig), the install config's own clusterName, the folder that holds exactly one
 * cluster's install configs, a cluster name in the file name; otherwise unassigned.
 */
export class ClusterAssigner {
  private readonly settingMatchers: { name: string; matches: (path: string) => boolean }[];
  private readonly clustersByFolder = new Map<string, Set<string>>();
  /** GitOps targets (Argo CD destination, Flux kubeConfig) mapped to the cluster a control plane sent there names. */
  private readonly targetAliases = new Map<string, string>();
  /** Cluster names declared by the control planes each kustomize overlay folder composes. */
  private readonly overlayControlPlanes = new Map<string, Set<string>>();
  readonly knownClusters: Set<string>;
  /** Control planes that serve another cluster than the one they run in (external control plane model). */
  readonly hostedControlPlanes: Map<InstallConfig, HostedControlPlane>;
  private readonly hostReasons = new Map<InstallConfig, AssignmentReason>();
  private readonly chartsBeingResolved = new Set<string>();
  /** Folders a GitOps wrapper applies (Argo CD `source.path`, Flux `path`), with the clusters it applies them to. */
  private readonly sourceFolders = new Map<string, Set<string>>();

  constructor(
    private readonly roots: readonly string[],
    settings: readonly ClusterSetting[],
    installs: readonly InstallConfig[],
    /** The GitOps wrappers of the mesh (Argo CD Applications, Flux Kustomizations), whose source folders belong to their targets. */
    deployers: readonly Resource[],
    /** Helm charts whose templates hold resources, with what installs them (see chartTemplates.ts). */
    readonly charts: readonly ChartOfTemplates[] = [],
  ) {
    this.settingMatchers = settings
      .filter((s) => s.paths?.length)
      .map((s) => {
        const match = picomatch(s.paths!, { dot: true });
        return { name: s.name, matches: (path: string) => this.relativePaths(path).some((p) => match(p)) };
      });
    this.knownClusters = new Set(settings.map((s) => s.name));
    this.hostedControlPlanes = findHostedControlPlanes(installs, (install) => this.explicitClusters(install.resource));
    const unnamed: InstallConfig[] = [];
    for (const install of installs) {
      const hosted = this.hostedControlPlanes.get(install);
      const name = hosted ? hosted.served.value : this.clusterOfInstall(install);
      if (name) this.knownClusters.add(name);
      if (!install.installsControlPlane || hosted) continue;
      if (!name) {
        unnamed.push(install);
        continue;
      }
      const unit = compositionUnitOf(install.resource);
      const declared = clusterNameOf(install);
      if (unit && declared) this.overlayControlPlanes.set(unit.folder, (this.overlayControlPlanes.get(unit.folder) ?? new Set<string>()).add(declared));
      const target = gitopsTarget(install.resource);
      if (target && !target.isPlaceholder) {
        // Control planes of different clusters sent to one target (ApplicationSet elements all aimed at
        // `https://kubernetes.default.svc`): the target names none of them (COMPOSE002 reports it).
        const previous = this.targetAliases.get(target.value);
        this.targetAliases.set(target.value, previous === undefined || previous === name ? name : AMBIGUOUS_TARGET);
      }
      this.addToFolders(install, name);
    }
    // A hosted control plane counts for the folder of the cluster it runs in, not of the one it names.
    const hostsByFolder = new Map<string, string>();
    for (const hosted of this.hostedControlPlanes.values()) {
      const host = this.hostOf(hosted);
      if (!host) continue;
      hosted.host = host.name;
      this.hostReasons.set(hosted.install, host.reason);
      this.knownClusters.add(host.name);
      this.addToFolders(hosted.install, host.name);
      hostsByFolder.set(dirname(placeOf(hosted.install.resource)), host.name);
    }
    // A control plane without a name is some other cluster: it makes its folders ambiguous too. Beside a
    // hosted control plane it is the host's own istiod (the guides' ingress-gateway istiod), so it is the host's.
    for (const install of unnamed) {
      const place = placeOf(install.resource);
      this.addToFolders(install, hostsByFolder.get(dirname(place)) ?? `${UNNAMED_CLUSTER}${place}#${install.resource.doc.index}`);
    }
    for (const deployer of deployers) this.addSourceFolders(deployer);
  }

  /**
   * The folders a GitOps wrapper applies are folders of its repository, taken to be the workspace folder that
   * holds the wrapper; the files under them are applied to the wrapper's target.
   */
  private addSourceFolders(deployer: Resource): void {
    const clusters = this.targetClusters(deployer);
    const root = this.roots.find((r) => deployer.file.startsWith(r.endsWith(sep) ? r : r + sep));
    if (!clusters || !root) return;
    for (const path of gitopsSourcePaths(deployer)) {
      const folder = join(root, path);
      const names = this.sourceFolders.get(folder) ?? new Set<string>();
      for (const name of clusters) names.add(name);
      this.sourceFolders.set(folder, names);
    }
  }

  /** The clusters of the innermost folder above `path` that a GitOps wrapper applies. */
  private sourceFolderClusters(path: string): string[] | undefined {
    for (let folder = dirname(path); ; folder = dirname(folder)) {
      const names = this.sourceFolders.get(folder);
      if (names) return [...names].sort();
      if (dirname(folder) === folder || this.roots.includes(folder)) return undefined;
    }
  }

  /** The known cluster istio-csr's values name in `app.server.clusterID` (it must be istiod's cluster name). */
  private istioCsrCluster(resource: Resource): string | undefined {
    if (resource.kind !== HELM_VALUES_KIND) return undefined;
    const chart = readTrustChart(resource, []);
    const clusterID = chart?.chart === ISTIO_CSR_CHART ? istioCsrFacts(chart).clusterID : undefined;
    return clusterID && !clusterID.isPlaceholder && this.knownClusters.has(clusterID.value) ? clusterID.value : undefined;
  }

  /**
   * True when this assigner places every resource as `other` does, given the same install config for it: the
   * same roots and settings (whose paths the caller has compared), and the same facts taken from the install configs (cluster names, folders, GitOps
   * targets, overlays). Hosted control planes and chart installs are not compared: with any, the answer is false.
   */
  placesAs(other: ClusterAssigner): boolean {
    const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((x) => b.has(x));
    const sameMap = <V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>, same: (x: V, y: V) => boolean) =>
      a.size === b.size && [...a].every(([key, value]) => b.has(key) && same(value, b.get(key)!));
    return (
      this.hostedControlPlanes.size === 0 &&
      other.hostedControlPlanes.size === 0 &&
      this.charts.length === 0 &&
      other.charts.length === 0 &&
      this.roots.length === other.roots.length &&
      this.roots.every((root, i) => root === other.roots[i]) &&
      this.settingMatchers.length === other.settingMatchers.length &&
      this.settingMatchers.every((m, i) => m.name === other.settingMatchers[i].name) &&
      sameSet(this.knownClusters, other.knownClusters) &&
      sameMap(this.clustersByFolder, other.clustersByFolder, sameSet) &&
      sameMap(this.targetAliases, other.targetAliases, (x, y) => x === y) &&
      sameMap(this.overlayControlPlanes, other.overlayControlPlanes, sameSet) &&
      sameMap(this.sourceFolders, other.sourceFolders, sameSet)
    );
  }

  /** A cluster's control plane counts for its folder and every folder above it, so a folder whose subtree holds two clusters' install configs belongs to neither. */
  private addToFolders(install: InstallConfig, key: string): void {
    for (let folder = dirname(placeOf(install.resource)); ; folder = dirname(folder)) {
      const names = this.clustersByFolder.get(folder) ?? new Set<string>();
      names.add(key);
      this.clustersByFolder.set(folder, names);
      if (dirname(folder) === folder || this.roots.includes(folder)) break;
    }
  }

  /** The cluster(s) a resource is explicitly put in: its directive, else the `istioMesh.clusters` setting. */
  private explicitClusters(resource: Resource): string[] | undefined {
    return directiveClusters(resource) ?? this.settingClusters(placeOf(resource));
  }

  /**
   * The cluster a hosted control plane runs in: where it is explicitly put, its GitOps target, the cluster of
   * its folder or file name, else the folder it is in (`external/`, `cluster1/`), never the cluster it serves.
   */
  private hostOf(hosted: HostedControlPlane): { name: string; reason: AssignmentReason } | undefined {
    const { resource } = hosted.install;
    const place = placeOf(resource);
    const other = (names: string[] | undefined) => {
      const rest = names?.filter((n) => n !== hosted.served.value);
      return rest?.length === 1 ? rest[0] : undefined;
    };
    // Only a cluster named in its own folder: higher up, the served cluster's folder is usually in the subtree.
    const folderNames = this.clustersByFolder.get(dirname(place));
    const folderCluster = folderNames?.size === 1 ? [...folderNames][0] : undefined;
    const candidates: [string | undefined, AssignmentReason][] = [
      [other(directiveClusters(resource)), 'directive'],
      [other(this.settingClusters(place)), 'setting'],
      [other(this.targetClusters(resource)), 'gitops-target'],
      [other(folderCluster ? [folderCluster] : undefined), 'folder'],
      [other(this.fileNameClusters(place)), 'file-name'],
    ];
    const found = candidates.find(([name]) => name);
    if (found) return { name: found[0]!, reason: found[1] };
    const folder = dirname(place);
    const folderName = basename(folder);
    return this.roots.includes(folder) || dirname(folder) === folder || folderName === hosted.served.value ? undefined : { name: folderName, reason: 'folder' };
  }

  private relativePaths(path: string): string[] {
    return this.roots.map((root) => relative(root, path).split(sep).join('/')).filter((p) => !p.startsWith('..'));
  }

  /** An install config's cluster: directive or setting first, then what it declares itself. */
  private clusterOfInstall(install: InstallConfig): string | undefined {
    const explicit = directiveClusters(install.resource) ?? this.settingClusters(placeOf(install.resource));
    if (explicit?.length === 1) return explicit[0];
    return clusterNameOf(install);
  }

  private settingClusters(path: string): string[] | undefined {
    const names = this.settingMatchers.filter((m) => m.matches(path)).map((m) => m.name);
    return names.length ? names : undefined;
  }

  private folderCluster(path: string): string | undefined {
    let folder = dirname(path);
    for (;;) {
      const names = this.clustersByFolder.get(folder);
      if (names) {
        const [only] = names;
        return names.size === 1 && !only.startsWith(UNNAMED_CLUSTER) ? only : undefined;
      }
      const parent = dirname(folder);
      if (parent === folder || this.roots.includes(folder)) return undefined;
      folder = parent;
    }
  }

  /**
   * A kustomize overlay is one cluster: the one its composed control plane names, else the known cluster its
   * folder is named after (`overlays/cluster2`).
   */
  private overlayCluster(resource: Resource): string | undefined {
    const unit = compositionUnitOf(resource);
    if (!unit) return undefined;
    const named = this.overlayControlPlanes.get(unit.folder);
    if (named?.size === 1) return [...named][0];
    const folderName = basename(unit.folder);
    return !named && this.knownClusters.has(folderName) ? folderName : undefined;
  }

  /**
   * The clusters a chart template's resources are rendered in: those of the releases that install its chart
   * (a release values file names its cluster through the control plane it installs, else its file name; a
   * HelmRelease or Application through its own assignment), or of the chart as one release of an umbrella.
   */
  private chartInstallClusters(path: string): string[] | undefined {
    const chart = chartOfTemplate(this.charts, path);
    // An installer can be a template of the chart it installs (an Argo CD app of apps whose Application points at
    // its own chart): it then names no cluster through the chart, instead of asking itself forever.
    if (!chart || this.chartsBeingResolved.has(chart.folder)) return undefined;
    this.chartsBeingResolved.add(chart.folder);
    try {
      return this.installClustersOf(chart);
    } finally {
      this.chartsBeingResolved.delete(chart.folder);
    }
  }

  private installClustersOf(chart: NonNullable<ReturnType<typeof chartOfTemplate>>): string[] | undefined {
    const releaseClusters = (key: string) => {
      const named = this.overlayControlPlanes.get(key);
      return named?.size === 1 ? [...named] : named ? [] : (this.fileNameClusters(key) ?? []);
    };
    const clusters = new Set([
      ...chart.releaseValues.flatMap(releaseClusters),
      ...chart.installers.flatMap((installer) => this.assign(installer).clusters),
      ...(chart.releaseValues.length === 0 ? releaseClusters(chart.folder) : []),
    ]);
    return clusters.size ? [...clusters].sort() : undefined;
  }

  /**
   * The known cluster a folder of the path is named after, anywhere in the path below the workspace root
   * (`clusters/east/istio/gateway.yaml` is east's); the innermost such folder decides.
   */
  private pathSegmentCluster(path: string): string | undefined {
    for (const relativePath of this.relativePaths(path)) {
      const folders = relativePath.split('/').slice(0, -1).reverse();
      const named = folders.find((folder) => this.knownClusters.has(folder));
      if (named) return named;
    }
    return undefined;
  }

  private fileNameClusters(path: string): string[] | undefined {
    const fileName = basename(path);
    const names = [...this.knownClusters].filter((name) => fileNameMentions(fileName, name));
    return names.length ? names : undefined;
  }

  /**
   * The cluster a GitOps wrapper deploys to: the cluster a control plane sent to the same target names, else a
   * known cluster the target is (Argo CD's registered name) or mentions (`cluster2-kubeconfig`, a server URL).
   */
  private targetClusters(resource: Resource): string[] | undefined {
    const target = gitopsTarget(resource);
    if (!target || target.isPlaceholder) return undefined;
    const alias = this.targetAliases.get(target.value);
    if (alias === AMBIGUOUS_TARGET) return undefined;
    if (alias) return [alias];
    if (this.knownClusters.has(target.value)) return [target.value];
    const mentioned = [...this.knownClusters].filter((name) => fileNameMentions(target.value.replace(/^[a-z]+:\/\//, ''), name));
    return mentioned.length === 1 ? mentioned : undefined;
  }

  /**
   * Where a resource belongs. Most resources are placed by their file alone (no install config, GitOps
   * target, directive of their own or overlay): those are placed once per file, as a rebuild places every
   * resource of the mesh.
   */
  assign(resource: Resource, install?: InstallConfig): Assignment {
    const byFile =
      !install && resource.kind !== HELM_VALUES_KIND && !resource.doc.directives.has('cluster') && !compositionUnitOf(resource) && !gitopsTarget(resource);
    if (!byFile) return this.assignOne(resource, install);
    // Keyed by the parsed file, not its path: an edit can change the file's header directive.
    let assignment = this.fileAssignments.get(resource.doc.file);
    if (!assignment) {
      assignment = this.assignOne(resource);
      this.fileAssignments.set(resource.doc.file, assignment);
    }
    return assignment;
  }

  private readonly fileAssignments = new WeakMap<YamlFile, Assignment>();

  private assignOne(resource: Resource, install?: InstallConfig): Assignment {
    const fromDirective = directiveClusters(resource);
    if (fromDirective) return { clusters: fromDirective, reason: 'directive' };
    const place = placeOf(resource);
    const fromSetting = this.settingClusters(place);
    if (fromSetting) return { clusters: fromSetting, reason: 'setting' };
    const fromTarget = this.targetClusters(resource);
    if (fromTarget) return { clusters: fromTarget, reason: 'gitops-target' };
    const fromChart = this.chartInstallClusters(place);
    if (fromChart) return { clusters: fromChart, reason: 'chart-install' };
    const hosted = install && this.hostedControlPlanes.get(install);
    if (hosted?.host) return { clusters: [hosted.host], reason: this.hostReasons.get(hosted.install)! };
    const declared = install && clusterNameOf(install);
    if (declared && install.installsControlPlane) return { clusters: [declared], reason: 'install-config' };
    const fromCsr = this.istioCsrCluster(resource);
    if (fromCsr) return { clusters: [fromCsr], reason: 'install-config' };
    const fromSource = this.sourceFolderClusters(place);
    if (fromSource) return { clusters: fromSource, reason: 'gitops-source' };
    const fromOverlay = this.overlayCluster(resource);
    if (fromOverlay) return { clusters: [fromOverlay], reason: 'overlay' };
    const fromFolder = this.folderCluster(place);
    if (fromFolder) return { clusters: [fromFolder], reason: 'folder' };
    const fromPath = this.pathSegmentCluster(place);
    if (fromPath) return { clusters: [fromPath], reason: 'path-segment' };
    const fromFileName = this.fileNameClusters(place);
    if (fromFileName) return { clusters: fromFileName, reason: 'file-name' };
    if (declared) return { clusters: [declared], reason: 'install-config' };
    return { clusters: [], reason: 'unassigned' };
  }
}

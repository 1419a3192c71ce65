import { isAbsolute, sep } from 'node:path';
import type { WorkspaceFile } from '../engine/workspace';
import { ClusterAssigner } from '../mesh/assignment';
import type { MeshModel, MeshSettings } from '../mesh/model';
import type { YamlDocument } from '../parse/yamlFile';
import { readIstioOperator } from '../resources/installConfig';
import { isPlaceholder, isRecord, Resource, scalarString } from '../resources/resource';
import { remoteSecretClusters, type RemoteSecret } from '../resources/remoteSecret';
import type { Finding } from '../rules/finding';

/** The order the Istio multicluster docs install things in; a plan runs its steps in this order. */
export const INSTALL_STAGES = ['namespace', 'cacerts', 'control-plane', 'gateways', 'expose-istiod', 'expose-services', 'remote-secret', 'other'] as const;
export type InstallStage = (typeof INSTALL_STAGES)[number];

export const STAGE_TITLES: Record<InstallStage, string> = {
  namespace: 'namespaces',
  cacerts: 'CA certificates (cacerts)',
  'control-plane': 'control plane (istioctl install)',
  gateways: 'gateways (istioctl install)',
  'expose-istiod': 'expose istiod',
  'expose-services': 'expose services',
  'remote-secret': 'remote secrets',
  other: 'other resources',
};

export interface PlannedDocument {
  /** Index of the document in its file. */
  index: number;
  /** 1-based line where the document's content starts. */
  line: number;
  kind: string;
  displayName: string;
  /** `metadata.name` and `metadata.namespace`, when the document names them. */
  name?: string;
  namespace?: string;
  /** The document's text as held (disk or editor buffer), without its `---` marker. */
  text: string;
}

/** One call: some documents of one file, for one cluster, at one install stage. */
export interface ApplyStep {
  /** The cluster the documents belong to; undefined when no cluster could be decided for them. */
  cluster?: string;
  stage: InstallStage;
  /** IstioOperator files are installed with istioctl (there is no in-cluster operator since Istio 1.24). */
  tool: 'kubectl' | 'istioctl';
  file: string;
  documents: PlannedDocument[];
}

export interface PlannedFile {
  path: string;
  /** Where the applied text comes from: the file on disk, or the editor's unsaved buffer. */
  source: 'disk' | 'unsaved-buffer';
  /** Error findings of the analysis in this file: applying it asks first. */
  errors: number;
}

/** A remote secret that must be produced by `istioctl create-remote-secret` against the remote cluster. */
export interface RemoteSecretSuggestion {
  /** The cluster the secret is applied to (its istiod reads it); undefined when the file has no cluster. */
  holder?: string;
  /** The cluster whose API server the secret gives access to. */
  remote: string;
  reason: string;
}

export interface SkippedDocument {
  file: string;
  line: number;
  reason: string;
}

/**
 * A namespace that documents of the plan go into but that no earlier step of the plan creates for their cluster:
 * it must already exist there, or kubectl fails with `namespaces "…" not found`.
 */
export interface NamespaceGap {
  cluster?: string;
  namespace: string;
  /** An istioctl install step of the same cluster comes earlier: it creates istio-system, when istioctl runs. */
  createdByIstioctl: boolean;
  /** A file of the workspace, outside the selection, that holds this Namespace for this cluster. */
  definedIn?: string;
}

/** JSON-serialisable: the language server sends it to the extension. */
export interface ApplyPlan {
  steps: ApplyStep[];
  files: PlannedFile[];
  remoteSecrets: RemoteSecretSuggestion[];
  skipped: SkippedDocument[];
  namespaceGaps: NamespaceGap[];
}

export interface PlanSelection {
  /** Absolute paths of files to apply; all files when absent. */
  files?: readonly string[];
  /** Only documents of these clusters; documents of any cluster (and unassigned ones) when absent. */
  clusters?: readonly string[];
}

export interface PlanInput {
  files: readonly WorkspaceFile[];
  meshes: readonly MeshModel[];
  findings: ReadonlyMap<string, readonly Finding[]>;
  settings: MeshSettings;
  selection: PlanSelection;
  /** Files whose text is an editor buffer that differs from disk. */
  unsavedFiles?: ReadonlySet<string>;
}

function isUnder(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

function meshOf(meshes: readonly MeshModel[], path: string): MeshModel | undefined {
  return (
    meshes.find((m) => m.resources.some((r) => r.file === path)) ??
    [...meshes].filter((m) => isAbsolute(m.root) && isUnder(path, m.root)).sort((a, b) => b.root.length - a.root.length)[0]
  );
}

function contentStart(doc: YamlDocument): { line: number; text: string } {
  const text = doc.text;
  const marker = /^---[^\n]*\n?/.exec(text);
  const body = marker ? text.slice(marker[0].length) : text;
  const firstContent = /^(?!\s*(#|$)).*/m.exec(body);
  const offset = doc.startOffset + (marker?.[0].length ?? 0) + (firstContent?.index ?? 0);
  return { line: doc.file.lines.positionAt(offset).line + 1, text: body.endsWith('\n') ? body : body + '\n' };
}

function gatewayPorts(resource: Resource): number[] {
  return resource.list(['spec', 'servers']).flatMap(({ item }) => {
    const port = isRecord(item.port) ? Number(scalarString(item.port.number)) : NaN;
    return Number.isFinite(port) ? [port] : [];
  });
}

/** Every string under a value: enough to see whether a route points at istiod, whatever the route type. */
function stringsUnder(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsUnder);
  if (isRecord(value)) return Object.values(value).flatMap(stringsUnder);
  return [];
}

const ISTIOD_HOST = /^istiod(-[a-z0-9-]+)?(\.|$)/;

/** The install stage a document is applied at (also used by the runbook). */
export function stageOf(resource: Resource, remoteSecret: RemoteSecret | undefined): InstallStage {
  switch (resource.kind) {
    case 'Namespace':
      return 'namespace';
    case 'Secret':
      if (resource.name === 'cacerts') return 'cacerts';
      return remoteSecret ? 'remote-secret' : 'other';
    case 'IstioOperator':
      return readIstioOperator(resource).installsControlPlane ? 'control-plane' : 'gateways';
    case 'Gateway': {
      const ports = gatewayPorts(resource);
      if (ports.includes(15012) || ports.includes(15017)) return 'expose-istiod';
      return ports.includes(15443) ? 'expose-services' : 'other';
    }
    case 'VirtualService':
    case 'DestinationRule':
      return stringsUnder(resource.get(['spec'])).some((s) => ISTIOD_HOST.test(s)) ? 'expose-istiod' : 'other';
    default:
      return 'other';
  }
}

/** Why a remote secret in the files cannot be applied as written, if it cannot. */
function remoteSecretGap(secret: RemoteSecret): string | undefined {
  if (secret.entries.length === 0) return 'it holds no kubeconfig';
  if (secret.entries.some((e) => e.placeholder)) return 'its kubeconfig is a placeholder';
  if (secret.entries.some((e) => e.kubeconfig.usersWithCredentials === 0)) return 'its kubeconfig carries no credentials';
  return undefined;
}

function missingRemoteSecrets(mesh: MeshModel, holder: string): RemoteSecretSuggestion[] {
  const cluster = mesh.clusters.get(holder);
  if (!cluster || cluster.role !== 'primary' || mesh.clusters.size < 2) return [];
  const covered = new Set(cluster.remoteSecrets.flatMap(remoteSecretClusters));
  return [...mesh.clusters.keys()]
    .filter((peer) => peer !== holder && !covered.has(peer) && !isPlaceholder(peer))
    .map((remote) => ({ holder, remote, reason: `no remote secret for ${remote} is in ${holder}'s files` }));
}

/**
 * Decides what applying the selection means: which documents, for which cluster (the mesh model's
 * assignment), at which install stage, with which tool. Pure: the same files give the same plan.
 */
export function planApply(input: PlanInput): ApplyPlan {
  const selectedFiles = input.selection.files ? new Set(input.selection.files) : undefined;
  const selectedClusters = input.selection.clusters ? new Set(input.selection.clusters) : undefined;
  const steps = new Map<string, ApplyStep>();
  const files: PlannedFile[] = [];
  const skipped: SkippedDocument[] = [];
  const remoteSecrets: RemoteSecretSuggestion[] = [];
  const assigners = new Map<MeshModel | undefined, ClusterAssigner>();
  const assignerOf = (mesh: MeshModel | undefined) => {
    let assigner = assigners.get(mesh);
    if (!assigner) assigners.set(mesh, (assigner = new ClusterAssigner(input.settings.roots, input.settings.clusters, mesh?.installs ?? [])));
    return assigner;
  };

  for (const file of [...input.files].sort((a, b) => a.path.localeCompare(b.path))) {
    if (selectedFiles && !selectedFiles.has(file.path)) continue;
    const mesh = meshOf(input.meshes, file.path);
    let planned = false;
    for (const doc of file.yaml.documents) {
      if (doc.value === null || doc.value === undefined) continue;
      const start = contentStart(doc);
      const value = doc.value;
      const kind = isRecord(value) ? scalarString(value.kind) : undefined;
      const apiVersion = isRecord(value) ? scalarString(value.apiVersion) : undefined;
      if (!isRecord(value) || !kind || !apiVersion) {
        if (!selectedClusters) skipped.push({ file: file.path, line: start.line, reason: 'not a Kubernetes object (no apiVersion and kind)' });
        continue;
      }
      const resource = file.resources.find((r) => r.doc === doc) ?? new Resource(doc, apiVersion, kind, value);
      const remoteSecret = mesh?.remoteSecrets.find((s) => s.resource === resource);
      const assigned = remoteSecret?.holders ?? mesh?.assignments.get(resource)?.clusters ?? assignerOf(mesh).assign(resource).clusters;
      const clusters: (string | undefined)[] = assigned.length ? assigned : [undefined];
      const stage = stageOf(resource, remoteSecret);
      const gap = remoteSecret && remoteSecretGap(remoteSecret);
      for (const cluster of clusters) {
        if (selectedClusters && (cluster === undefined || !selectedClusters.has(cluster))) continue;
        planned = true;
        if (gap) {
          const remote = remoteSecretClusters(remoteSecret!)[0] ?? '<remote cluster>';
          remoteSecrets.push({ ...(cluster !== undefined ? { holder: cluster } : {}), remote, reason: `${resource.displayName} (line ${start.line}) is not applied: ${gap}` });
          continue;
        }
        const tool = kind === 'IstioOperator' ? 'istioctl' : 'kubectl';
        const key = JSON.stringify([cluster ?? null, stage, tool, file.path]);
        const step = steps.get(key) ?? { ...(cluster !== undefined ? { cluster } : {}), stage, tool, file: file.path, documents: [] };
        steps.set(key, step);
        const { name, namespace } = resource;
        step.documents.push({ index: doc.index, line: start.line, kind, displayName: resource.displayName, ...(name ? { name } : {}), ...(namespace ? { namespace } : {}), text: start.text });
      }
    }
    if (planned) {
      const errors = (input.findings.get(file.path) ?? []).filter((f) => f.severity === 'error').length;
      files.push({ path: file.path, source: input.unsavedFiles?.has(file.path) ? 'unsaved-buffer' : 'disk', errors });
    }
  }

  if (selectedClusters && !selectedFiles) {
    for (const mesh of input.meshes) for (const holder of selectedClusters) remoteSecrets.push(...missingRemoteSecrets(mesh, holder));
  }
  const rank = (s: ApplyStep) => INSTALL_STAGES.indexOf(s.stage);
  const ordered = [...steps.values()].sort(
    (a, b) => rank(a) - rank(b) || (a.cluster ?? '\uffff').localeCompare(b.cluster ?? '\uffff') || a.file.localeCompare(b.file) || a.documents[0].index - b.documents[0].index,
  );
  let definitions: Map<string, string> | undefined;
  const namespaceGaps = findNamespaceGaps(ordered).map((gap) => {
    definitions ??= namespaceDefinitions(input, assignerOf);
    const definedIn = definitions.get(namespaceKey(gap.cluster, gap.namespace));
    return definedIn ? { ...gap, definedIn } : gap;
  });
  return { steps: ordered, files, remoteSecrets, skipped, namespaceGaps };
}

/** The namespace istioctl install installs the control plane into, and creates. */
export const ISTIOCTL_NAMESPACE = 'istio-system';
/** Namespaces every cluster has. */
const BUILT_IN_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

const namespaceKey = (cluster: string | undefined, namespace: string) => JSON.stringify([cluster ?? null, namespace]);

/** Namespaces the ordered steps put documents into before any step of their cluster creates them. */
function findNamespaceGaps(steps: readonly ApplyStep[]): Omit<NamespaceGap, 'definedIn'>[] {
  const created = new Set<string>();
  const istioctlClusters = new Set<string | undefined>();
  const gaps = new Map<string, Omit<NamespaceGap, 'definedIn'>>();
  for (const step of steps) {
    if (step.tool === 'istioctl') {
      istioctlClusters.add(step.cluster);
      continue;
    }
    for (const doc of step.documents) if (doc.kind === 'Namespace' && doc.name) created.add(namespaceKey(step.cluster, doc.name));
    for (const doc of step.documents) {
      const namespace = doc.namespace;
      if (!namespace || doc.kind === 'Namespace' || BUILT_IN_NAMESPACES.has(namespace) || isPlaceholder(namespace)) continue;
      const key = namespaceKey(step.cluster, namespace);
      if (created.has(key) || gaps.has(key)) continue;
      const createdByIstioctl = namespace === ISTIOCTL_NAMESPACE && istioctlClusters.has(step.cluster);
      gaps.set(key, { ...(step.cluster !== undefined ? { cluster: step.cluster } : {}), namespace, createdByIstioctl });
    }
  }
  return [...gaps.values()];
}

/** Where the workspace defines each Namespace, per cluster (first file by path). */
function namespaceDefinitions(input: PlanInput, assignerOf: (mesh: MeshModel | undefined) => ClusterAssigner): Map<string, string> {
  const definitions = new Map<string, string>();
  for (const file of [...input.files].sort((a, b) => a.path.localeCompare(b.path))) {
    for (const resource of file.resources) {
      if (resource.kind !== 'Namespace' || !resource.name) continue;
      const mesh = meshOf(input.meshes, file.path);
      const clusters = mesh?.assignments.get(resource)?.clusters ?? assignerOf(mesh).assign(resource).clusters;
      for (const cluster of clusters.length ? clusters : [undefined]) {
        const key = namespaceKey(cluster, resource.name);
        if (!definitions.has(key)) definitions.set(key, file.path);
      }
    }
  }
  return definitions;
}

/** The clusters a plan touches, in first-step order; undefined stands for documents with no cluster. */
export function planClusters(plan: ApplyPlan): (string | undefined)[] {
  const seen: (string | undefined)[] = [];
  for (const step of plan.steps) if (!seen.includes(step.cluster)) seen.push(step.cluster);
  return seen;
}

import { isAbsolute } from 'node:path';

import { ClusterAssigner } from '../mesh/assignment';
import type { MeshModel, MeshSettings } from '../mesh/model';
import type { YamlDocument } from '../parse/yamlFile';
import { isGitopsDeployer } from '../resources/installSources';
import { type RemoteSecret, remoteSecretClusters } from '../resources/remoteSecret';
import { isPlaceholder, isRecord, Resource, scalarString } from '../resources/resource';
import type { WorkspaceFile } from '../resources/workspaceFile';
import type { Finding } from '../rules/finding';
import { INSTALL_STAGES, InstallOrder, type InstallStage, stageOf } from './installOrder';
import { isUnder, type MeshCluster, MeshClusterKeys, meshClusters, qualifiesClusters } from './meshClusters';
import { discoveryAddressOf, externalAddressArgs, templateFacts } from './variables';

export const STAGE_TITLES: Record<InstallStage, string> = {
  namespace: 'namespaces',
  cacerts: 'CA certificates (cacerts)',
  'control-plane': 'control plane',
  gateways: 'gateways',
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
  /** The `${NAME}` variables the text holds: it is a template, applied only once each is filled in. */
  variables?: string[];
}

/** One call: some documents of one file, for one cluster, at one install stage. */
export interface ApplyStep {
  /**
   * The key of the cluster the documents belong to (`prod/cluster1` where the workspace holds several meshes,
   * see meshClusters.ts); undefined when no cluster could be decided for them.
   */
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
  /** The key of the cluster the secret is applied to (its istiod reads it); undefined when the file has no cluster. */
  holder?: string;
  /** The key of the cluster whose API server the secret gives access to. */
  remote: string;
  /** That cluster's name: the secret's `--name`. */
  remoteName: string;
  reason: string;
}

export type VariableSource = 'given' | 'setting' | 'environment' | 'computed';

export interface KnownValue {
  value: string;
  source: Exclude<VariableSource, 'computed'>;
}

/** A variable's value: given for this apply, else `istioMesh.variables`, else the environment. */
export function knownValueLookup(
  given: ReadonlyMap<string, string>,
  setting: Readonly<Record<string, string>> | undefined,
  env: NodeJS.ProcessEnv,
): (name: string) => KnownValue | undefined {
  return (name) => {
    const fromGiven = given.get(name);
    if (fromGiven !== undefined) return { value: fromGiven, source: 'given' };
    const fromSetting = setting && Object.prototype.hasOwnProperty.call(setting, name) ? setting[name] : undefined;
    if (fromSetting !== undefined) return { value: fromSetting, source: 'setting' };
    const fromEnv = env[name];
    return fromEnv !== undefined && fromEnv !== '' ? { value: fromEnv, source: 'environment' } : undefined;
  };
}

/** A discovery address: the external address of a primary's east-west gateway, read with `kubectl get svc`. */
export interface ComputedVariable {
  /** The key of the cluster the gateway runs in. */
  cluster: string;
  gateway: { name: string; namespace: string };
  description: string;
}

/**
 * A variable of a template document in the plan. Its value is known from what was given (`--set`, the editor),
 * the setting `istioMesh.variables` or the environment; else the runbook's step that computes it runs during
 * the apply, before the first step that needs it; else the plan is refused until it is given.
 */
export interface PlanVariable {
  name: string;
  value?: string;
  source?: VariableSource;
  /** The runbook step that computes it, when nothing gives it. */
  computedBy?: ComputedVariable;
  /** Where the plan's documents use it: `file:line`. */
  usedIn: string[];
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
  /** The clusters the plan touches, with the mesh each belongs to and the context the settings give it. */
  clusters: MeshCluster[];
  /** The variables of the plan's template documents. */
  variables: PlanVariable[];
}

export interface PlanSelection {
  /** Absolute paths of files to apply; all files when absent. */
  files?: readonly string[];
  /** Only documents of these clusters (keys, see meshClusters.ts); documents of any cluster (and unassigned ones) when absent. */
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
  /** The value of a template variable known before the plan is shown, with where it came from. */
  lookupValue?: (name: string) => KnownValue | undefined;
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

/** Why a remote secret in the files cannot be applied as written, if it cannot. */
function remoteSecretGap(secret: RemoteSecret): string | undefined {
  if (secret.entries.length === 0) return 'it holds no kubeconfig';
  if (secret.entries.some((e) => e.placeholder)) return 'its kubeconfig is a placeholder';
  if (secret.entries.some((e) => e.kubeconfig.usersWithCredentials === 0)) return 'its kubeconfig carries no credentials';
  return undefined;
}

function missingRemoteSecrets(keys: MeshClusterKeys, holder: string): RemoteSecretSuggestion[] {
  const { mesh } = keys;
  const cluster = mesh.clusters.get(holder);
  if (!cluster || cluster.role !== 'primary' || mesh.clusters.size < 2) return [];
  const covered = new Set(cluster.remoteSecrets.flatMap(remoteSecretClusters));
  return [...mesh.clusters.keys()]
    .filter((peer) => peer !== holder && !covered.has(peer) && !isPlaceholder(peer))
    .map((remote) => ({
      holder: keys.keyOf(holder),
      remote: keys.keyOf(remote),
      remoteName: remote,
      reason: `no remote secret for ${remote} is in ${holder}'s files`,
    }));
}

/** The variables each mesh's runbook computes: a remote's `${DISCOVERY_ADDRESS}` is its primary's gateway address. */
function computedVariables(meshKeys: readonly MeshClusterKeys[]): Map<string, ComputedVariable> {
  const computed = new Map<string, ComputedVariable>();
  for (const keys of meshKeys) {
    for (const remote of keys.mesh.clusters.values()) {
      if (remote.role !== 'remote') continue;
      const discovery = discoveryAddressOf(keys.mesh, remote);
      if (!discovery?.variable || computed.has(discovery.variable)) continue;
      const { primary, gateway } = discovery;
      const command = ['kubectl', ...externalAddressArgs(gateway, `<context of ${keys.keyOf(primary.name)}>`)].join(' ');
      computed.set(discovery.variable, {
        cluster: keys.keyOf(primary.name),
        gateway,
        description: `the external address of ${gateway.name} in ${keys.keyOf(primary.name)} (the runbook's step: ${command})`,
      });
    }
  }
  return computed;
}

/**
 * Decides what applying the selection means: which documents, for which cluster of which mesh (the mesh
 * model's assignment), at which install stage, in the runbook's order, with which tool, and which template
 * variables must be filled first. Pure: the same files give the same plan.
 */
export function planApply(input: PlanInput): ApplyPlan {
  const selectedFiles = input.selection.files ? new Set(input.selection.files) : undefined;
  const selectedClusters = input.selection.clusters ? new Set(input.selection.clusters) : undefined;
  const qualify = qualifiesClusters(input.meshes);
  const meshKeys = input.meshes.map((mesh) => new MeshClusterKeys(mesh, input.settings.roots, qualify));
  const keysOf = new Map(meshKeys.map((keys) => [keys.mesh, keys]));
  const orders = new Map(input.meshes.map((mesh) => [mesh, new InstallOrder(mesh)]));
  const installOf = new Map(input.meshes.flatMap((mesh) => mesh.installs.map((install) => [install.resource, install] as const)));
  const trustResources = new Set(input.meshes.flatMap((mesh) => [...mesh.clusters.values()].flatMap((c) => c.trustProviders.map((p) => p.resource))));
  const steps = new Map<string, ApplyStep & { rank: number[] }>();
  const files: PlannedFile[] = [];
  const skipped: SkippedDocument[] = [];
  const remoteSecrets: RemoteSecretSuggestion[] = [];
  const usedVariables = new Map<string, string[]>();
  const assigners = new Map<MeshModel | undefined, ClusterAssigner>();
  const assignerOf = (mesh: MeshModel | undefined) => {
    let assigner = assigners.get(mesh);
    if (!assigner)
      assigners.set(
        mesh,
        (assigner = new ClusterAssigner(input.settings.roots, input.settings.clusters, mesh?.installs ?? [], mesh?.resources.filter(isGitopsDeployer) ?? [])),
      );
    return assigner;
  };

  for (const file of [...input.files].sort((a, b) => a.path.localeCompare(b.path))) {
    if (selectedFiles && !selectedFiles.has(file.path)) continue;
    const mesh = meshOf(input.meshes, file.path);
    const keys = mesh ? keysOf.get(mesh) : undefined;
    const meshIndex = mesh ? input.meshes.indexOf(mesh) : input.meshes.length;
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
      const stage = stageOf(resource, { install: installOf.get(resource), trust: trustResources.has(resource), remoteSecret: !!remoteSecret });
      const gap = remoteSecret && remoteSecretGap(remoteSecret);
      const template = templateFacts(value);
      // A template only its own tool renders is refused once, whichever of its clusters are selected.
      const refusal = file.yaml.template
        ? // A Go template's actions are read as opaque `$VALUES_…` values: they look like variables, and are not.
          `${resource.displayName} is in a Helm chart template: helm renders it (helm template or helm install), it is never applied as written`
        : template.unfillable.length
          ? `${resource.displayName} is a template that only its own tool renders (${template.unfillable[0].slice(0, 60)}): it is never applied as written`
          : undefined;
      for (const name of clusters) {
        const cluster = name === undefined ? undefined : keys ? keys.keyOf(name) : name;
        if (selectedClusters && (cluster === undefined || !selectedClusters.has(cluster))) continue;
        if (refusal && !gap) {
          skipped.push({ file: file.path, line: start.line, reason: refusal });
          break;
        }
        if (gap) {
          planned = true;
          const remoteName = remoteSecretClusters(remoteSecret!)[0] ?? '<remote cluster>';
          remoteSecrets.push({
            ...(cluster !== undefined ? { holder: cluster } : {}),
            remote: keys ? keys.keyOf(remoteName) : remoteName,
            remoteName,
            reason: `${resource.displayName} (line ${start.line}) is not applied: ${gap}`,
          });
          continue;
        }
        planned = true;
        for (const variable of template.variables) usedVariables.set(variable, [...(usedVariables.get(variable) ?? []), `${file.path}:${start.line}`]);
        const tool = kind === 'IstioOperator' ? 'istioctl' : 'kubectl';
        const key = JSON.stringify([meshIndex, cluster ?? null, stage, tool, file.path]);
        const order = mesh ? orders.get(mesh)!.rank(name, stage, remoteSecret ? remoteSecretClusters(remoteSecret) : []) : INSTALL_STAGES.indexOf(stage);
        const step = steps.get(key) ?? { ...(cluster !== undefined ? { cluster } : {}), stage, tool, file: file.path, documents: [], rank: [meshIndex, order] };
        steps.set(key, step);
        const { name: objectName, namespace } = resource;
        step.documents.push({
          index: doc.index,
          line: start.line,
          kind,
          displayName: resource.displayName,
          ...(objectName ? { name: objectName } : {}),
          ...(namespace ? { namespace } : {}),
          text: start.text,
          ...(template.variables.length ? { variables: template.variables } : {}),
        });
      }
    }
    if (planned) {
      const errors = (input.findings.get(file.path) ?? []).filter((f) => f.severity === 'error').length;
      files.push({ path: file.path, source: input.unsavedFiles?.has(file.path) ? 'unsaved-buffer' : 'disk', errors });
    }
  }

  if (selectedClusters && !selectedFiles) {
    for (const keys of meshKeys)
      for (const name of keys.mesh.clusters.keys()) if (selectedClusters.has(keys.keyOf(name))) remoteSecrets.push(...missingRemoteSecrets(keys, name));
  }
  const ordered = [...steps.values()]
    .sort(
      (a, b) =>
        a.rank[0] - b.rank[0] ||
        a.rank[1] - b.rank[1] ||
        (a.cluster ?? '\uffff').localeCompare(b.cluster ?? '\uffff') ||
        a.file.localeCompare(b.file) ||
        a.documents[0].index - b.documents[0].index,
    )
    .map(({ rank: _rank, ...step }) => step);
  let definitions: Map<string, string> | undefined;
  const namespaceGaps = findNamespaceGaps(ordered).map((gap) => {
    definitions ??= namespaceDefinitions(input, keysOf, assignerOf);
    const definedIn = definitions.get(namespaceKey(gap.cluster, gap.namespace));
    return definedIn ? { ...gap, definedIn } : gap;
  });
  const computed = computedVariables(meshKeys);
  const variables = [...usedVariables].map(([name, usedIn]): PlanVariable => {
    const known = input.lookupValue?.(name);
    if (known) return { name, value: known.value, source: known.source, usedIn };
    const computedBy = computed.get(name);
    return { name, ...(computedBy ? { computedBy } : {}), usedIn };
  });
  // The cluster a variable is computed in needs a context too, even when none of its documents is applied.
  const inPlan = new Set([...ordered.map((s) => s.cluster), ...remoteSecrets.map((s) => s.holder), ...variables.flatMap((v) => v.computedBy?.cluster ?? [])]);
  const clusters = meshClusters(input.meshes, input.settings).filter((c) => inPlan.has(c.key));
  return { steps: ordered, files, remoteSecrets, skipped, namespaceGaps, clusters, variables };
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
function namespaceDefinitions(
  input: PlanInput,
  keysOf: ReadonlyMap<MeshModel, MeshClusterKeys>,
  assignerOf: (mesh: MeshModel | undefined) => ClusterAssigner,
): Map<string, string> {
  const definitions = new Map<string, string>();
  for (const file of [...input.files].sort((a, b) => a.path.localeCompare(b.path))) {
    for (const resource of file.resources) {
      if (resource.kind !== 'Namespace' || !resource.name) continue;
      const mesh = meshOf(input.meshes, file.path);
      const clusters = mesh?.assignments.get(resource)?.clusters ?? assignerOf(mesh).assign(resource).clusters;
      const keys = mesh ? keysOf.get(mesh) : undefined;
      for (const name of clusters.length ? clusters : [undefined]) {
        const key = namespaceKey(name !== undefined && keys ? keys.keyOf(name) : name, resource.name);
        if (!definitions.has(key)) definitions.set(key, file.path);
      }
    }
  }
  return definitions;
}

/** The clusters a plan needs a context for: those it applies to, then those a variable is computed in. */
export function planContextClusters(plan: ApplyPlan): (string | undefined)[] {
  const computedIn = plan.variables.flatMap((v) => (v.value === undefined && v.computedBy ? [v.computedBy.cluster] : []));
  return [...new Set([...planClusters(plan), ...computedIn])];
}

/** The clusters a plan touches, in first-step order; undefined stands for documents with no cluster. */
export function planClusters(plan: ApplyPlan): (string | undefined)[] {
  const seen: (string | undefined)[] = [];
  for (const step of plan.steps) if (!seen.includes(step.cluster)) seen.push(step.cluster);
  return seen;
}

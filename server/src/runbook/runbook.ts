import { basename, dirname, join, relative, sep } from 'node:path';

import { clustersInRunOrder, INSTALL_STAGES, installSequence, type InstallSlot, type InstallStage, stageOf, stringsUnder } from '../apply/installOrder';
import type { ContextsOfMesh } from '../apply/meshClusters';
import { discoveryAddressOf, externalAddressArgs } from '../apply/variables';
import { compositionUnitOf } from '../compose/composedDocument';
import { fileNameMentions } from '../mesh/assignment';
import { chartOfTemplate } from '../mesh/chartTemplates';
import { assignerOf, type Cluster, type MeshModel } from '../mesh/model';
import { eastWestGateways, exposesServices, gatewaysSelecting, primariesOfRemote } from '../mesh/topology';
import { CONTROL_PLANE_CLUSTERS_ANNOTATION, EAST_WEST_PORTS, type GatewayDeployment, type InstallConfig, NETWORK_LABEL } from '../resources/installConfig';
import { gitopsTarget, HELM_VALUES_KIND, isHboneEastWestGateway, type IstioChart, istioChartName } from '../resources/installSources';
import { type RemoteSecret, remoteSecretClusters } from '../resources/remoteSecret';
import type { Resource } from '../resources/resource';
import type { Finding } from '../rules/finding';
import { displayCommand } from './shell';

/**
 * The whole install procedure of a mesh as the istio.io multicluster guides run it — which command, in which
 * order, against which kube context — derived from the workspace's own files. A pure function of the mesh
 * model, its findings and the cluster → context mapping.
 */

/** What a step does, at the level the docs' commands are compared at. */
export type StepKind =
  | 'root-ca'
  | 'namespace'
  | 'network-label'
  | 'control-plane-clusters'
  | 'cacerts'
  | 'control-plane'
  | 'gateway'
  | 'gateway-address'
  | 'discovery-address'
  | 'expose-istiod'
  | 'expose-services'
  | 'remote-secret'
  | 'apply'
  | 'verify';

/** Which page of the docs the step belongs to: before-you-begin (trust), the model's install page, or verify. */
export type StepPhase = 'before-you-begin' | 'install' | 'verify';

export interface RunbookStep {
  /** 1-based, in run order. */
  number: number;
  kind: StepKind;
  phase: StepPhase;
  title: string;
  /** The cluster the step is about (the one whose API server it changes, except for GitOps wrappers). */
  cluster?: string;
  /** The kube context the step runs against: from the settings or --context, else a `${CTX_<CLUSTER>}` variable. */
  context?: string;
  /** Argument arrays, program first. More than one is a pipeline: each reads the previous one's output. */
  pipeline: string[][];
  /** The command line to copy into a shell (see shell.ts for the quoting). */
  display: string;
  /** A file the first command reads as its standard input (`envsubst < FILE`). */
  input?: string;
  /** The folder the commands run in, when it matters (the Istio release, for its Makefiles and samples). */
  workingDirectory?: string;
  /** The working directory is made first (`mkdir -p`): the docs' `certs` folder. */
  createsWorkingDirectory?: boolean;
  /** The shell variable the output is saved in, for later steps (`export DISCOVERY_ADDRESS=$(...)`). */
  assigns?: string;
  /** Shell variables the step's arguments refer to as `${NAME}` (expanded when the command is copied to a shell). */
  variables: string[];
  /** A step that waits: the shell form runs this until it prints something, a bounded number of times (see format.ts). */
  waitsFor?: RunbookWait;
  /** The workspace files the step uses (absolute), with the line of the first document it applies. */
  files: { path: string; line: number }[];
  why: string;
}

export interface RunbookWait {
  /** What is waited for, in words (`an external address of istio-eastwestgateway in cluster1`). */
  what: string;
  /** Prints something once what is waited for is there, nothing before. */
  pipeline: string[][];
  attempts: number;
  intervalSeconds: number;
}

/** A load balancer's address: its IP, or the host name some clouds (AWS) give instead. */
const LOAD_BALANCER_ADDRESS_JSONPATH = 'jsonpath={.status.loadBalancer.ingress[0].ip}{.status.loadBalancer.ingress[0].hostname}';

export interface RunbookVariable {
  name: string;
  meaning: string;
  /** The step that sets it; undefined when the user must set it before starting. */
  setByStep?: number;
}

/** An error finding of the mesh, to fix before running anything. */
export interface BlockingFinding {
  code: string;
  message: string;
  file: string;
  /** 1-based. */
  line: number;
  column: number;
}

export interface RunbookCluster {
  name: string;
  role: string;
  network?: string;
  context: string;
}

/** JSON-serialisable: the server sends it to the extension, the CLI prints it. */
export interface Runbook {
  root: string;
  model: string;
  multiNetwork: boolean;
  clusters: RunbookCluster[];
  fixFirst: BlockingFinding[];
  variables: RunbookVariable[];
  steps: RunbookStep[];
  /** Documents the runbook does not apply, and why. */
  notes: string[];
}

export interface RunbookInput {
  mesh: MeshModel;
  /** Findings of the analysis (any files: those outside the mesh are ignored). */
  findings: readonly Finding[];
  /** Kube context per cluster name (and per GitOps controller: `flux`, `argocd`). */
  contexts: ReadonlyMap<string, string>;
  /** Paths in commands are written relative to this folder (where the commands are run from). */
  baseDir: string;
}

/** The folder of the Istio release (istioctl's download): its Makefiles make the certificates, its samples verify. */
export const ISTIO_DIR_VARIABLE = 'ISTIO_DIR';
/** The chart install order of the Helm guides: CRDs, the control plane, then the ambient data plane. */
const CHART_ORDER: IstioChart[] = ['base', 'istiod', 'istiod-remote', 'cni', 'ztunnel', 'gateway'];
const HELM_RELEASES: Record<IstioChart, string> = {
  base: 'istio-base',
  istiod: 'istiod',
  'istiod-remote': 'istiod-remote',
  cni: 'istio-cni',
  ztunnel: 'ztunnel',
  gateway: 'istio-eastwestgateway',
};
const GITOPS_CONTROLLERS: Record<string, string> = { HelmRelease: 'flux', Application: 'argocd' };
/** Argo CD's names for the cluster it runs in: a wrapper sent there is applied where Argo runs. */
const IN_CLUSTER_TARGETS = new Set(['in-cluster', 'https://kubernetes.default.svc']);
const SHELL_VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** `cluster1` → `CTX_CLUSTER1`, as the docs name the context variables. */
export function contextVariable(cluster: string): string {
  return `CTX_${cluster.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/** `${NAME}` variables written in a resource's values: the shell fills them in (envsubst) before it is applied. */
function shellVariablesIn(resource: Resource): string[] {
  return [...new Set(stringsUnder(resource.object).flatMap((s) => [...s.matchAll(SHELL_VARIABLE)].map((m) => m[1])))];
}

function documentLine(resource: Resource): number {
  return resource.doc.contentRange.start.line + 1;
}

/** Where a kubectl-applied document goes in a cluster's section (remote secrets have steps of their own). */
type FileStage = Exclude<InstallStage, 'remote-secret'>;
/** Stages a document takes by its kind alone; a control plane or gateway needs its install config to be one. */
const KIND_STAGES = new Set<InstallStage>(['namespace', 'cacerts', 'expose-istiod', 'expose-services']);

/** One `kubectl apply` of a file (or a kustomize overlay) for one cluster: its documents' earliest stage decides when. */
interface FileApply {
  path: string;
  /** The kustomize overlay folder, for composed documents (`kubectl apply -k`). */
  overlay?: string;
  stage: FileStage;
  line: number;
  /** The GitOps controller the file is applied to (its wrappers deploy elsewhere), if any. */
  controller?: string;
  /** Every document of the file states no namespace: the docs apply such samples with `-n istio-system`. */
  withoutNamespace: boolean;
  resources: Resource[];
}

/** A cluster's documents, sorted into kubectl applies of whole files and istioctl/helm installs. */
interface ClusterFiles {
  fileApplies: FileApply[];
  toolInstalls: ToolInstall[];
}

/** An install config run by istioctl or helm (they read the file themselves). */
interface ToolInstall {
  install: InstallConfig;
  /** The kustomize overlay that composes the install config: istioctl reads it rendered. */
  overlay?: string;
  tool: 'istioctl' | 'helm';
  stage: 'control-plane' | 'gateway';
  chart?: IstioChart;
}

class RunbookBuilder {
  private readonly steps: Omit<RunbookStep, 'number'>[] = [];
  private readonly variables = new Map<string, RunbookVariable>();
  private readonly notes: string[] = [];
  private readonly remoteSecretFilesUsed = new Set<RemoteSecret>();
  private readonly trustedRootMade = { done: false };

  constructor(private readonly input: RunbookInput) {}

  private get mesh(): MeshModel {
    return this.input.mesh;
  }

  private rel(path: string): string {
    const relativePath = relative(this.input.baseDir, path);
    return relativePath && !relativePath.startsWith('..' + sep) && relativePath !== '..' ? relativePath : path;
  }

  /** The context of a cluster (or GitOps controller); a `${CTX_...}` variable the user sets when none is known. */
  contextOf(name: string): string {
    const known = this.input.contexts.get(name);
    if (known !== undefined) return known;
    const variable = contextVariable(name);
    if (!this.variables.has(variable)) {
      const meaning =
        GITOPS_CONTROLLERS.HelmRelease === name || GITOPS_CONTROLLERS.Application === name
          ? `the kube context of the cluster ${name === 'flux' ? 'Flux' : 'Argo CD'} runs in`
          : `the kube context of cluster ${name}`;
      this.variables.set(variable, { name: variable, meaning });
    }
    return `\${${variable}}`;
  }

  private istioDir(): string {
    if (!this.variables.has(ISTIO_DIR_VARIABLE)) {
      this.variables.set(ISTIO_DIR_VARIABLE, {
        name: ISTIO_DIR_VARIABLE,
        meaning: 'the folder of the Istio release (where istioctl was downloaded): its tools/certs Makefiles and samples',
      });
    }
    return `\${${ISTIO_DIR_VARIABLE}}`;
  }

  private add(step: Omit<RunbookStep, 'number' | 'variables' | 'display'> & { variables?: string[] }): number {
    const referenced = new Set(step.variables ?? []);
    // A context the user gave is a literal value, whatever it holds: only the runbook's own `${NAME}`s expand.
    const literal = new Set(this.input.contexts.values());
    for (const text of [...step.pipeline.flat(), step.workingDirectory ?? '']) {
      if (literal.has(text)) continue;
      for (const match of text.matchAll(SHELL_VARIABLE)) if (this.variables.has(match[1])) referenced.add(match[1]);
    }
    const complete = { ...step, variables: [...referenced] };
    this.steps.push({ ...complete, display: displayCommand(complete) });
    return this.steps.length;
  }

  build(): Runbook {
    const clusters = clustersInRunOrder(this.mesh);
    const sections = new Map<Cluster, ClusterFiles>();
    const sectionOf = (cluster: Cluster) => {
      let section = sections.get(cluster);
      if (!section) sections.set(cluster, (section = this.classify(cluster)));
      return section;
    };
    for (const slot of installSequence(this.mesh)) {
      if (slot.stage === 'remote-secret') {
        if (slot.source) this.remoteSecretsOfRemote(slot.source, this.primaryNames(slot.source));
        else this.remoteSecretsBetweenPrimaries(clusters);
      } else {
        this.clusterStage(slot, sectionOf(slot.cluster));
      }
    }
    this.verification(clusters);
    const steps = this.steps.map((step, index) => ({ ...step, number: index + 1 }));
    return {
      root: this.mesh.root,
      model: this.mesh.controlPlaneModel,
      multiNetwork: this.mesh.multiNetwork,
      clusters: clusters.map((c) => ({ name: c.name, role: c.role, ...(c.network ? { network: c.network } : {}), context: this.contextOf(c.name) })),
      fixFirst: this.blockingFindings(),
      variables: [...this.variables.values()],
      steps,
      notes: this.notes,
    };
  }

  private blockingFindings(): BlockingFinding[] {
    const files = new Set(this.mesh.resources.map((r) => r.file));
    return this.input.findings
      .filter((f) => f.severity === 'error' && files.has(f.location.file))
      .map((f) => ({
        code: f.code,
        message: f.message,
        file: f.location.file,
        line: f.location.range.start.line + 1,
        column: f.location.range.start.character + 1,
      }))
      .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
  }

  private primaryNames(cluster: Cluster): string[] {
    return cluster.role === 'remote' ? primariesOfRemote(this.mesh, cluster).primaries.map((p) => p.name) : [];
  }

  /** The steps of one cluster at one place of the install sequence. */
  private clusterStage(slot: Exclude<InstallSlot, { stage: 'remote-secret' }>, { fileApplies, toolInstalls }: ClusterFiles): void {
    const { cluster } = slot;
    const context = this.contextOf(cluster.name);
    const byStage = (stage: FileStage) => fileApplies.filter((f) => f.stage === stage);
    const installs = (stage: ToolInstall['stage']) => toolInstalls.filter((t) => t.stage === stage);
    switch (slot.stage) {
      case 'namespace': {
        // istio-system: the file when the workspace has it, else the docs' create / annotate / label commands.
        const generatesCacerts = this.needsGeneratedCacerts(cluster, fileApplies);
        const usesHelmOrSail = toolInstalls.some((t) => t.tool === 'helm') || fileApplies.some((f) => f.stage === 'control-plane' && !f.controller);
        for (const file of byStage('namespace'))
          this.applyFile(
            cluster,
            file,
            'namespace',
            `Create ${cluster.name}'s namespaces from the workspace`,
            "the namespace carries the cluster's network label and control plane annotation; the cacerts Secret and the control plane go into it",
          );
        const primaries = this.primaryNames(cluster);
        const labelNetwork = !cluster.istioSystemNamespace && this.mesh.multiNetwork && cluster.network !== undefined;
        const annotate = !cluster.istioSystemNamespace && primaries.length > 0;
        const namespace = this.mesh.controlPlaneNamespace;
        if (!cluster.istioSystemNamespace && (generatesCacerts || byStage('cacerts').length || labelNetwork || annotate || usesHelmOrSail)) {
          this.add({
            kind: 'namespace',
            phase: generatesCacerts ? 'before-you-begin' : 'install',
            title: `Create the ${namespace} namespace in ${cluster.name}`,
            cluster: cluster.name,
            context,
            pipeline: [['kubectl', 'create', 'namespace', namespace, '--context', context]],
            files: [],
            why: `no Namespace ${namespace} is in ${cluster.name}'s files, and ${generatesCacerts ? 'the cacerts Secret' : labelNetwork || annotate ? 'its labels' : 'the Helm releases'} need it before the control plane is installed`,
          });
        }
        if (annotate) {
          this.add({
            kind: 'control-plane-clusters',
            phase: 'install',
            title: `Name ${cluster.name}'s control plane cluster`,
            cluster: cluster.name,
            context,
            pipeline: [['kubectl', 'annotate', 'namespace', namespace, `${CONTROL_PLANE_CLUSTERS_ANNOTATION}=${primaries.join(',')}`, '--context', context]],
            files: [],
            why: `${cluster.name} is a remote: the annotation tells ${primaries.join(' and ')}'s istiod that it controls this cluster`,
          });
        }
        if (labelNetwork) {
          this.add({
            kind: 'network-label',
            phase: 'install',
            title: `Set ${cluster.name}'s default network to ${cluster.network}`,
            cluster: cluster.name,
            context,
            pipeline: [['kubectl', 'label', 'namespace', namespace, `${NETWORK_LABEL}=${cluster.network}`, '--context', context]],
            files: [],
            why: `the mesh spans several networks: istiod reads the network of ${cluster.name}'s pods from this label`,
          });
        }
        return;
      }
      case 'cacerts':
        // Trust: the workspace's cacerts (or cert-manager/istio-csr objects), else the plug-in CA commands.
        for (const file of byStage('cacerts'))
          this.applyFile(
            cluster,
            file,
            'cacerts',
            `Apply ${cluster.name}'s root of trust`,
            `every cluster of the mesh needs certificates from one root, in place before istiod starts`,
          );
        if (this.needsGeneratedCacerts(cluster, fileApplies)) this.generateCacerts(cluster, context);
        return;
      case 'discovery-address':
        this.discoveryAddress(cluster);
        return;
      case 'control-plane':
        for (const install of installs('control-plane')) this.toolInstall(cluster, install, context);
        for (const file of byStage('control-plane'))
          this.applyFile(cluster, file, 'control-plane', `Install ${cluster.name}'s control plane`, this.controlPlaneWhy(cluster, file));
        return;
      case 'gateways':
        for (const install of installs('gateway')) this.toolInstall(cluster, install, context);
        for (const file of byStage('gateways'))
          this.applyFile(
            cluster,
            file,
            'gateway',
            `Install ${cluster.name}'s east-west gateway`,
            `the east-west gateway carries traffic from other networks (and remote clusters' control plane traffic) into ${cluster.name}`,
          );
        for (const gateway of eastWestGateways(cluster)) this.gatewayAddress(cluster, gateway, context);
        return;
      case 'expose-istiod':
        for (const file of byStage('expose-istiod'))
          this.applyFile(
            cluster,
            file,
            'expose-istiod',
            `Expose ${cluster.name}'s istiod through the east-west gateway`,
            `remote clusters reach ${cluster.name}'s istiod (discovery on ${EAST_WEST_PORTS.istiod}, injection on ${EAST_WEST_PORTS.webhook}) through its east-west gateway`,
          );
        if (slot.servesRemotes && byStage('expose-istiod').length === 0) this.sampleExposure(cluster, 'expose-istiod', context);
        return;
      case 'expose-services':
        for (const file of byStage('expose-services'))
          this.applyFile(
            cluster,
            file,
            'expose-services',
            `Expose ${cluster.name}'s services to other networks`,
            `pods in other networks reach ${cluster.name}'s services through the gateway's AUTO_PASSTHROUGH port ${EAST_WEST_PORTS.crossNetwork}`,
          );
        if (this.needsServiceExposure(cluster) && byStage('expose-services').length === 0) this.sampleExposure(cluster, 'expose-services', context);
        return;
      case 'other':
        for (const file of byStage('other'))
          this.applyFile(
            cluster,
            file,
            'apply',
            `Apply the rest of ${cluster.name}'s files`,
            `these documents belong to ${cluster.name} and need its control plane in place`,
          );
        return;
    }
  }

  /** Sorts a cluster's documents into istioctl/helm installs and kubectl applies of whole files. */
  private classify(cluster: Cluster): ClusterFiles {
    const toolInstalls: ToolInstall[] = [];
    const files = new Map<string, FileApply>();
    const installOf = new Map(cluster.installs.map((i) => [i.resource, i]));
    const remoteSecrets = new Set(this.mesh.remoteSecrets.map((s) => s.resource));
    const trustResources = new Set(cluster.trustProviders.map((p) => p.resource));
    for (const resource of cluster.resources) {
      const install = installOf.get(resource);
      if (install && (resource.kind === 'IstioOperator' || resource.kind === HELM_VALUES_KIND)) {
        const chart = istioChartName(install.chart?.value);
        const gatewayOnly = resource.kind === 'IstioOperator' ? !install.installsControlPlane : chart === 'gateway';
        if (resource.kind === HELM_VALUES_KIND && !chart) continue;
        const composedIn = compositionUnitOf(resource)?.document.file.file;
        const overlay = composedIn ? dirname(composedIn) : undefined;
        const stage = gatewayOnly ? 'gateway' : 'control-plane';
        if (overlay && toolInstalls.some((t) => t.overlay === overlay)) continue;
        if (overlay)
          this.notes.push(
            `${this.rel(overlay)}: the overlay renders its IstioOperators with other objects; istioctl installs the IstioOperators, and \`kubectl apply -k\` must not send them (there is no IstioOperator CRD since Istio 1.24): keep them in an overlay of their own`,
          );
        toolInstalls.push({ install, overlay, tool: resource.kind === 'IstioOperator' ? 'istioctl' : 'helm', stage, chart });
        continue;
      }
      if (resource.kind === HELM_VALUES_KIND) {
        this.notes.push(`${this.rel(resource.file)}: not in the runbook: Helm values of no known Istio chart (add a \`# istio-mesh: chart=NAME\` comment)`);
        continue;
      }
      if (remoteSecrets.has(resource)) continue;
      // Sail resources, GitOps wrappers and gateways written as manifests are applied with kubectl.
      const byFacts = stageOf(resource, { install, trust: trustResources.has(resource) });
      const stage: FileStage = byFacts !== 'remote-secret' && (install || trustResources.has(resource) || KIND_STAGES.has(byFacts)) ? byFacts : 'other';
      const unit = compositionUnitOf(resource);
      const path = unit ? unit.document.file.file : resource.file;
      const existing = files.get(path);
      const controller = GITOPS_CONTROLLERS[resource.kind] && this.deploysElsewhere(resource) ? GITOPS_CONTROLLERS[resource.kind] : undefined;
      if (existing) {
        if (INSTALL_STAGES.indexOf(stage) < INSTALL_STAGES.indexOf(existing.stage)) existing.stage = stage;
        existing.controller ??= controller;
        existing.withoutNamespace &&= !resource.namespace;
        existing.resources.push(resource);
      } else {
        files.set(path, {
          path,
          overlay: unit ? dirname(path) : undefined,
          stage,
          line: unit ? 1 : documentLine(resource),
          controller,
          withoutNamespace: !resource.namespace,
          resources: [resource],
        });
      }
    }
    const chartRank = (t: ToolInstall) => (t.chart ? CHART_ORDER.indexOf(t.chart) : -1);
    toolInstalls.sort((a, b) => chartRank(a) - chartRank(b) || a.install.resource.file.localeCompare(b.install.resource.file));
    return { fileApplies: [...files.values()].sort((a, b) => a.path.localeCompare(b.path)), toolInstalls };
  }

  /** A GitOps wrapper whose release goes to another cluster than the one the controller runs in. */
  private deploysElsewhere(resource: Resource): boolean {
    const target = gitopsTarget(resource);
    return target !== undefined && !IN_CLUSTER_TARGETS.has(target.value);
  }

  private controlPlaneWhy(cluster: Cluster, file: FileApply): string {
    if (file.controller)
      return `${file.controller === 'flux' ? 'Flux' : 'Argo CD'} installs ${cluster.name}'s Istio releases from these resources: they are applied where it runs, not to ${cluster.name}`;
    const kinds = [...new Set(file.resources.map((r) => r.kind))].join(', ');
    return `${kinds} resources install ${cluster.name}'s Istio (the Sail Operator or the GitOps controller in ${cluster.name} reconciles them)`;
  }

  private applyFile(cluster: Cluster, file: FileApply, kind: StepKind, title: string, why: string): void {
    const context = file.controller ? this.contextOf(file.controller) : this.contextOf(cluster.name);
    const namespaceArgs = (kind === 'expose-istiod' || kind === 'expose-services') && file.withoutNamespace ? ['-n', this.mesh.controlPlaneNamespace] : [];
    const source = file.overlay ? ['-k', this.rel(file.overlay)] : ['-f', this.rel(file.path)];
    const names =
      file.resources
        .slice(0, 3)
        .map((r) => r.displayName)
        .join(', ') + (file.resources.length > 3 ? `, … (${file.resources.length} documents)` : '');
    const rendering = this.chartRendering(cluster, file.path);
    this.add({
      kind,
      phase: 'install',
      title,
      cluster: cluster.name,
      context,
      pipeline: rendering
        ? [rendering, ['kubectl', 'apply', '-f', '-', ...namespaceArgs, '--context', context]]
        : [['kubectl', 'apply', ...source, ...namespaceArgs, '--context', context]],
      files: [{ path: file.path, line: file.line }],
      why: `${why} (${names})`,
    });
  }

  /**
   * A chart's template is never applied as written: Helm renders that file of the chart (`--show-only`) with the
   * release values files that name the cluster.
   */
  private chartRendering(cluster: Cluster, path: string): string[] | undefined {
    const chart = chartOfTemplate(assignerOf(this.mesh)?.charts ?? [], path);
    if (!chart) return undefined;
    const values = chart.releaseValues.filter((file) => fileNameMentions(basename(file), cluster.name));
    const template = relative(chart.folder, path).split(sep).join('/');
    return ['helm', 'template', basename(chart.folder), this.rel(chart.folder), ...values.flatMap((file) => ['-f', this.rel(file)]), '--show-only', template];
  }

  private toolInstall(cluster: Cluster, tool: ToolInstall, context: string): void {
    const { install } = tool;
    const file = install.resource.file;
    const files = [{ path: file, line: documentLine(install.resource) }];
    const gatewayNames = install.gateways.map((g) => g.name).join(', ');
    const what =
      tool.stage === 'gateway'
        ? `the gateway ${gatewayNames || '(unnamed)'}`
        : tool.chart
          ? `the ${tool.chart} chart`
          : `the control plane${install.profile ? ` (profile ${install.profile.value})` : ''}`;
    const title =
      tool.stage === 'gateway'
        ? `Install ${cluster.name}'s east-west gateway`
        : `Install ${cluster.name}'s ${tool.chart && tool.chart !== 'istiod' ? `${tool.chart} chart` : 'control plane'}`;
    const why =
      tool.stage === 'gateway'
        ? `the east-west gateway carries traffic from other networks (and remote clusters' control plane traffic) into ${cluster.name}`
        : cluster.role === 'remote'
          ? `${cluster.name} is a remote: this installs the injection webhook and configuration that point at its primary's istiod`
          : `installs ${cluster.name}'s istiod with meshID ${install.meshID?.value ?? '(default)'}, cluster name ${install.clusterName?.value ?? cluster.name}${install.network ? `, network ${install.network.value}` : ''}`;
    if (tool.overlay) {
      this.add({
        kind: tool.stage,
        phase: 'install',
        title,
        cluster: cluster.name,
        context,
        pipeline: [
          ['kubectl', 'kustomize', this.rel(tool.overlay)],
          ['istioctl', 'install', '-f', '-', '--context', context, '-y'],
        ],
        files: [{ path: join(tool.overlay, 'kustomization.yaml'), line: 1 }],
        why: `${why}: istioctl installs the IstioOperators the overlay renders`,
      });
      return;
    }
    if (tool.tool === 'istioctl') {
      const variables = shellVariablesIn(install.resource);
      const istioctl = ['istioctl', 'install', '-f', variables.length ? '-' : this.rel(file), '--context', context, '-y'];
      for (const variable of variables)
        if (!this.variables.has(variable))
          this.variables.set(variable, { name: variable, meaning: `used in ${this.rel(file)}; envsubst fills it in before istioctl reads the file` });
      this.add({
        kind: tool.stage,
        phase: 'install',
        title,
        cluster: cluster.name,
        context,
        pipeline: variables.length ? [['envsubst'], istioctl] : [istioctl],
        ...(variables.length ? { input: this.rel(file) } : {}),
        variables,
        files,
        why: `${why}: istioctl installs ${what}${variables.length ? ` (the file's ${variables.map((v) => `\${${v}}`).join(', ')} filled in by envsubst)` : ''}`,
      });
      return;
    }
    const chart = tool.chart!;
    const release = chart === 'gateway' ? (install.gateways[0]?.name ?? HELM_RELEASES.gateway) : HELM_RELEASES[chart];
    const namespace = chart === 'gateway' ? (install.gateways[0]?.namespace ?? this.mesh.controlPlaneNamespace) : this.mesh.controlPlaneNamespace;
    const version = install.version && !install.version.isPlaceholder ? ['--version', install.version.value] : [];
    this.add({
      kind: tool.stage,
      phase: 'install',
      title,
      cluster: cluster.name,
      context,
      pipeline: [['helm', 'upgrade', '--install', release, `istio/${chart}`, '-n', namespace, '-f', this.rel(file), ...version, '--kube-context', context]],
      files,
      why: `${why}: Helm installs ${what}`,
    });
  }

  /** The plug-in CA commands of the docs, when the cluster runs an istiod and its files give it no root of trust. */
  private needsGeneratedCacerts(cluster: Cluster, files: FileApply[]): boolean {
    const runsIstiod = cluster.role === 'primary' || (this.mesh.controlPlaneModel === 'single-cluster' && cluster.controlPlanes.length > 0);
    return runsIstiod && cluster.trustProviders.length === 0 && !files.some((f) => f.stage === 'cacerts') && this.mesh.clusters.size > 1;
  }

  private generateCacerts(cluster: Cluster, context: string): void {
    const certs = `${this.istioDir()}/certs`;
    const makefile = '../tools/certs/Makefile.selfsigned.mk';
    if (!this.trustedRootMade.done) {
      this.trustedRootMade.done = true;
      this.add({
        kind: 'root-ca',
        phase: 'before-you-begin',
        title: "Make the mesh's root CA",
        workingDirectory: certs,
        createsWorkingDirectory: true,
        pipeline: [['make', '-f', makefile, 'root-ca']],
        files: [],
        why: "no cacerts Secret (nor cert-manager or istio-csr) is in the workspace: every cluster's intermediate CA must come from one root, or cross-cluster mTLS fails. Keep these keys out of the repository",
      });
    }
    this.add({
      kind: 'cacerts',
      phase: 'before-you-begin',
      title: `Make ${cluster.name}'s intermediate CA`,
      cluster: cluster.name,
      workingDirectory: certs,
      pipeline: [['make', '-f', makefile, `${cluster.name}-cacerts`]],
      files: [],
      why: `${cluster.name}'s istiod signs workload certificates with an intermediate CA of the shared root`,
    });
    const pems = ['ca-cert.pem', 'ca-key.pem', 'root-cert.pem', 'cert-chain.pem'].map((pem) => `--from-file=${cluster.name}/${pem}`);
    this.add({
      kind: 'cacerts',
      phase: 'before-you-begin',
      title: `Create ${cluster.name}'s cacerts Secret`,
      cluster: cluster.name,
      context,
      workingDirectory: certs,
      pipeline: [['kubectl', 'create', 'secret', 'generic', 'cacerts', '-n', this.mesh.controlPlaneNamespace, ...pems, '--context', context]],
      files: [],
      why: `istiod reads its CA from the cacerts Secret when it starts: it must exist before ${cluster.name}'s control plane is installed`,
    });
  }

  private discoveryAddress(remote: Cluster): void {
    const discovery = discoveryAddressOf(this.mesh, remote);
    if (!discovery) return;
    const { address, primary, variable, gateway } = discovery;
    const context = this.contextOf(primary.name);
    const files = [{ path: address.doc.file.file, line: address.location().range.start.line + 1 }];
    const pipeline = [['kubectl', ...externalAddressArgs(gateway, context)]];
    const hostname = 'on clouds whose load balancers have a host name (AWS), read .hostname instead of .ip';
    if (variable) {
      const number = this.add({
        kind: 'discovery-address',
        phase: 'install',
        title: `Save the address of ${primary.name}'s east-west gateway as ${variable}`,
        cluster: primary.name,
        context,
        pipeline,
        assigns: variable,
        files,
        why: `${remote.name}'s remotePilotAddress is \${${variable}}: its proxies reach ${primary.name}'s istiod at this address (${hostname})`,
      });
      this.variables.set(variable, { name: variable, meaning: `the external address of ${gateway.name} in ${primary.name}`, setByStep: number });
    } else if (!address.isPlaceholder) {
      this.add({
        kind: 'discovery-address',
        phase: 'install',
        title: `Check that ${remote.name}'s remotePilotAddress ${address.value} is ${primary.name}'s east-west gateway`,
        cluster: primary.name,
        context,
        pipeline,
        files,
        why: `${remote.name}'s proxies reach ${primary.name}'s istiod at ${address.value}: the gateway's external address must be that (${hostname})`,
      });
    }
  }

  private gatewayAddress(cluster: Cluster, gateway: GatewayDeployment, context: string): void {
    this.add({
      kind: 'gateway-address',
      phase: 'install',
      title: `Wait for an external address of ${gateway.name} in ${cluster.name}`,
      cluster: cluster.name,
      context,
      pipeline: [['kubectl', 'get', 'svc', gateway.name, '-n', gateway.namespace, '--context', context]],
      files: [{ path: gateway.declaration.doc.file.file, line: gateway.declaration.location().range.start.line + 1 }],
      why: `other clusters reach ${cluster.name} through this address: wait until EXTERNAL-IP is set before going on`,
      // Cloud load balancers take from seconds to a few minutes: ten minutes, every ten seconds.
      waitsFor: {
        what: `an external address of ${gateway.name} in ${cluster.name}`,
        pipeline: [['kubectl', 'get', 'svc', gateway.name, '-n', gateway.namespace, '--context', context, '-o', LOAD_BALANCER_ADDRESS_JSONPATH]],
        attempts: 60,
        intervalSeconds: 10,
      },
    });
  }

  private needsServiceExposure(cluster: Cluster): boolean {
    if (!this.mesh.multiNetwork || cluster.role !== 'primary') return false;
    // Ambient east-west gateways carry HBONE: no expose-services Gateway is involved.
    const gateways = eastWestGateways(cluster).filter((g) => !isHboneEastWestGateway(g));
    return gateways.length > 0 && !gateways.some((g) => gatewaysSelecting(cluster.resources, g).some(exposesServices));
  }

  /** The docs' sample, for an exposure a cluster needs and whose Gateway is not in its files. */
  private sampleExposure(cluster: Cluster, kind: 'expose-istiod' | 'expose-services', context: string): void {
    const sample = `samples/multicluster/${kind}.yaml`;
    this.add({
      kind,
      phase: 'install',
      title: `${kind === 'expose-istiod' ? 'Expose istiod' : 'Expose services'} in ${cluster.name} with Istio's sample (not in your files)`,
      cluster: cluster.name,
      context,
      workingDirectory: this.istioDir(),
      pipeline: [['kubectl', 'apply', '-n', this.mesh.controlPlaneNamespace, '-f', sample, '--context', context]],
      files: [],
      why:
        kind === 'expose-istiod'
          ? `${cluster.name} serves remote clusters, and no Gateway in its files passes istiod's ports (${EAST_WEST_PORTS.istiod}, ${EAST_WEST_PORTS.webhook}) through its east-west gateway`
          : `the mesh spans networks, and no Gateway in ${cluster.name}'s files exposes its services on port ${EAST_WEST_PORTS.crossNetwork} of its east-west gateway`,
    });
  }

  /** A remote secret applied to `holder` so that its istiod discovers `source`'s endpoints: the file, else istioctl. */
  private remoteSecret(holder: string, source: string): void {
    const holderContext = this.contextOf(holder);
    const file = this.mesh.clusters.get(holder)?.remoteSecrets.find((s) => remoteSecretClusters(s).includes(source) && usableRemoteSecret(s));
    const why = `${holder}'s istiod reads ${source}'s API server with it, to discover ${source}'s endpoints${this.mesh.clusters.get(source)?.role === 'remote' ? ' and to control it' : ''}`;
    if (file) {
      this.remoteSecretFilesUsed.add(file);
      this.add({
        kind: 'remote-secret',
        phase: 'install',
        title: `Give ${holder} the remote secret of ${source}`,
        cluster: holder,
        context: holderContext,
        pipeline: [['kubectl', 'apply', '-f', this.rel(file.resource.file), '--context', holderContext]],
        files: [{ path: file.resource.file, line: documentLine(file.resource) }],
        why,
      });
      return;
    }
    const sourceContext = this.contextOf(source);
    this.add({
      kind: 'remote-secret',
      phase: 'install',
      title: `Give ${holder} a remote secret for ${source}`,
      cluster: holder,
      context: holderContext,
      pipeline: [
        ['istioctl', 'create-remote-secret', '--context', sourceContext, `--name=${source}`],
        ['kubectl', 'apply', '-f', '-', '--context', holderContext],
      ],
      files: [],
      why: `${why}; istioctl makes it from ${source}'s context, so the credentials never enter the workspace`,
    });
  }

  private remoteSecretsOfRemote(remote: Cluster, primaries: string[]): void {
    const holders = primaries.length ? primaries : [...this.mesh.clusters.values()].filter((c) => c.role === 'primary').map((c) => c.name);
    for (const holder of holders) this.remoteSecret(holder, remote.name);
  }

  /** Multi-primary: every primary holds a remote secret of every other primary (remotes' were given with them). */
  private remoteSecretsBetweenPrimaries(clusters: Cluster[]): void {
    const primaries = clusters.filter((c) => c.role === 'primary');
    for (const source of primaries) for (const holder of primaries) if (holder !== source) this.remoteSecret(holder.name, source.name);
    for (const secret of this.mesh.remoteSecrets) {
      if (this.remoteSecretFilesUsed.has(secret)) continue;
      for (const holder of secret.holders) {
        const context = this.contextOf(holder);
        this.add({
          kind: 'remote-secret',
          phase: 'install',
          title: `Apply the remote secret ${secret.resource.name ?? ''} to ${holder}`,
          cluster: holder,
          context,
          pipeline: [['kubectl', 'apply', '-f', this.rel(secret.resource.file), '--context', context]],
          files: [{ path: secret.resource.file, line: documentLine(secret.resource) }],
          why: usableRemoteSecret(secret)
            ? `it is in ${holder}'s files`
            : `it is in ${holder}'s files, but its kubeconfig is a placeholder or has no credentials: fill it in first`,
        });
      }
    }
  }

  private verification(clusters: Cluster[]): void {
    const withIstiod = clusters.filter((c) => c.role === 'primary');
    for (const cluster of withIstiod) {
      const context = this.contextOf(cluster.name);
      this.add({
        kind: 'verify',
        phase: 'verify',
        title: `Check that ${cluster.name}'s istiod sees every cluster`,
        cluster: cluster.name,
        context,
        pipeline: [['istioctl', 'remote-clusters', '--context', context]],
        files: [],
        why: 'every remote cluster should be listed with STATUS synced',
      });
    }
    const members = clusters.filter((c) => c.role === 'primary' || c.role === 'remote');
    if (members.length < 2) return;
    const ambient = this.mesh.installs.some((i) => i.profile?.value === 'ambient');
    const istioDir = this.istioDir();
    const dataPlaneLabel = ambient ? 'istio.io/dataplane-mode=ambient' : 'istio-injection=enabled';
    const verify = (cluster: Cluster, title: string, argv: string[], why: string, workingDirectory?: string) =>
      this.add({
        kind: 'verify',
        phase: 'verify',
        title,
        cluster: cluster.name,
        context: this.contextOf(cluster.name),
        pipeline: [argv],
        files: [],
        why,
        ...(workingDirectory ? { workingDirectory } : {}),
      });
    members.forEach((cluster, index) => {
      const context = this.contextOf(cluster.name);
      const version = index % 2 === 0 ? 'v1' : 'v2';
      verify(
        cluster,
        `Create the sample namespace in ${cluster.name}`,
        ['kubectl', 'create', 'namespace', 'sample', '--context', context],
        "the docs' verification deploys HelloWorld and curl there",
      );
      verify(
        cluster,
        `Add the sample namespace in ${cluster.name} to the mesh`,
        ['kubectl', 'label', 'namespace', 'sample', dataPlaneLabel, '--context', context],
        ambient ? "ambient mode captures the namespace's traffic" : "sidecars are injected into the namespace's pods",
      );
      verify(
        cluster,
        `Deploy the HelloWorld Service in ${cluster.name}`,
        ['kubectl', 'apply', '-f', 'samples/helloworld/helloworld.yaml', '-l', `service=helloworld`, '-n', 'sample', '--context', context],
        'the Service exists in every cluster, so every cluster can resolve it',
        istioDir,
      );
      verify(
        cluster,
        `Deploy HelloWorld ${version} in ${cluster.name}`,
        ['kubectl', 'apply', '-f', 'samples/helloworld/helloworld.yaml', '-l', `version=${version}`, '-n', 'sample', '--context', context],
        `answers name the version: seeing both shows traffic crossing clusters`,
        istioDir,
      );
      if (ambient)
        verify(
          cluster,
          `Make HelloWorld global in ${cluster.name}`,
          ['kubectl', 'label', 'svc', 'helloworld', '-n', 'sample', 'istio.io/global=true', '--context', context],
          'ambient multicluster shares only Services labelled istio.io/global',
        );
      verify(
        cluster,
        `Deploy curl in ${cluster.name}`,
        ['kubectl', 'apply', '-f', 'samples/curl/curl.yaml', '-n', 'sample', '--context', context],
        'the client of the test',
        istioDir,
      );
    });
    for (const cluster of members) {
      const context = this.contextOf(cluster.name);
      verify(
        cluster,
        `Call HelloWorld from ${cluster.name}`,
        ['kubectl', 'exec', '-n', 'sample', '-c', 'curl', 'deploy/curl', '--context', context, '--', 'curl', '-sS', 'helloworld.sample:5000/hello'],
        'repeat it: the answers should alternate between v1 and v2, from both clusters',
      );
    }
  }
}

function usableRemoteSecret(secret: RemoteSecret): boolean {
  return secret.entries.length > 0 && secret.entries.every((e) => !e.placeholder && e.kubeconfig.usersWithCredentials > 0);
}

/** The runbook of one mesh. */
export function buildRunbook(input: RunbookInput): Runbook {
  return new RunbookBuilder(input).build();
}

/** One runbook per mesh with at least one cluster, in the meshes' order. */
export function buildRunbooks(meshes: readonly MeshModel[], findings: readonly Finding[], contextsOf: ContextsOfMesh, baseDir: string): Runbook[] {
  return meshes.filter((m) => m.clusters.size > 0).map((mesh) => buildRunbook({ mesh, findings, contexts: contextsOf(mesh), baseDir }));
}

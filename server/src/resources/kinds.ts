import { NestedYamlDocument } from '../parse/nested';
import type { YamlDocument } from '../parse/yamlFile';
import { guessTrustChart, TRUST_KINDS } from './certManager';
import { FLUX_KUSTOMIZATION_KIND, guessChartFromValues, HELM_VALUES_KIND, KUBERNETES_GATEWAY_KIND } from './installSources';
import { isRecord, Resource, scalarString } from './resource';

/** The kinds Istio Mesh reads, each with the apiVersions that serve it. One table, used by recognition, schemas and docs. */
export const RECOGNISED_KINDS = {
  IstioOperator: ['install.istio.io/v1alpha1'],
  Gateway: ['networking.istio.io/v1alpha3', 'networking.istio.io/v1beta1', 'networking.istio.io/v1'],
  VirtualService: ['networking.istio.io/v1alpha3', 'networking.istio.io/v1beta1', 'networking.istio.io/v1'],
  DestinationRule: ['networking.istio.io/v1alpha3', 'networking.istio.io/v1beta1', 'networking.istio.io/v1'],
  ServiceEntry: ['networking.istio.io/v1alpha3', 'networking.istio.io/v1beta1', 'networking.istio.io/v1'],
  Secret: ['v1'],
  Namespace: ['v1'],
  Service: ['v1'],
} as const;

export type RecognisedKind = keyof typeof RECOGNISED_KINDS;

/** A misspelt apiVersion seen in published docs; it is still read, and reported. */
export const MISSPELT_API_GROUPS: Record<string, string> = {
  'insall.istio.io': 'install.istio.io',
};

/**
 * Install sources and the objects they read, keyed by API group and kind (`Gateway` is both Istio's and the
 * Gateway API's), each with the kind label its `Resource` gets. They have no schema of their own here.
 */
export const INSTALL_SOURCE_KINDS: Record<string, string> = {
  'helm.toolkit.fluxcd.io/HelmRelease': 'HelmRelease',
  'argoproj.io/Application': 'Application',
  'kustomize.toolkit.fluxcd.io/Kustomization': FLUX_KUSTOMIZATION_KIND,
  'sailoperator.io/Istio': 'Istio',
  'sailoperator.io/IstioCNI': 'IstioCNI',
  'sailoperator.io/ZTunnel': 'ZTunnel',
  // The Sail Operator before 0.1 served the same kinds as operator.istio.io/v1alpha1.
  'operator.istio.io/Istio': 'Istio',
  'operator.istio.io/IstioCNI': 'IstioCNI',
  'gateway.networking.k8s.io/Gateway': KUBERNETES_GATEWAY_KIND,
  '/ConfigMap': 'ConfigMap',
};

/** The `# istio-mesh: chart=...` directive of a document (or of its file's header). */
export function chartDirective(doc: YamlDocument): string | undefined {
  return doc.directives.get('chart') ?? doc.file.headerDirectives.get('chart');
}

/** A Helm values file: no apiVersion/kind, and a chart directive or content only an Istio chart has. */
export function recogniseHelmValues(doc: YamlDocument, force = false): Resource | undefined {
  const value = doc.value ?? (chartDirective(doc) ? {} : undefined);
  if (!isRecord(value) || value.apiVersion !== undefined || value.kind !== undefined) return undefined;
  if (!force && !chartDirective(doc) && !guessChartFromValues(value) && !guessTrustChart(value)) return undefined;
  return new Resource(doc, '', HELM_VALUES_KIND, value);
}

/** The API groups that serve a recognised kind (the part of each apiVersion before `/`). */
interface ServedGroups {
  groups: ReadonlySet<string>;
  /** Whether one of its apiVersions has no group (`v1`). */
  anyWithoutGroup: boolean;
}
/** By recognised kind; a Map, so `toString` or `constructor` as a kind finds nothing (an object's prototype has them). */
const SERVED_GROUPS: ReadonlyMap<string, ServedGroups> = new Map(
  Object.entries(RECOGNISED_KINDS).map(([kind, known]: [string, readonly string[]]) => [
    kind,
    { groups: new Set(known.map((v) => v.split('/')[0])), anyWithoutGroup: known.some((v) => !v.includes('/')) },
  ]),
);

export function recogniseResource(doc: YamlDocument): Resource | undefined {
  const value = doc.value;
  if (!isRecord(value)) return chartDirective(doc) && doc.value === null && doc.problems.length === 0 ? recogniseHelmValues(doc) : undefined;
  const kind = scalarString(value.kind);
  const apiVersion = scalarString(value.apiVersion);
  if (!kind && !apiVersion) return recogniseHelmValues(doc);
  if (!kind || !apiVersion) return undefined;
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const groupKind = `${group}/${kind}`;
  const sourceKind = INSTALL_SOURCE_KINDS[groupKind] ?? TRUST_KINDS[groupKind];
  if (sourceKind) return new Resource(doc, apiVersion, sourceKind, value);
  const served = SERVED_GROUPS.get(kind);
  if (!served) return undefined;
  // The group as it should have been written; a group-less apiVersion (`v1`) stands for itself.
  const correctedGroup = slash < 0 ? apiVersion : MISSPELT_API_GROUPS[group] || group;
  const sameGroup = served.groups.has(correctedGroup) || (served.anyWithoutGroup && slash < 0);
  if (!sameGroup) return undefined;
  return new Resource(doc, apiVersion, kind, value);
}

/**
 * The resources a document holds: itself, or for a `v1` `List` (what `kubectl get -o yaml` prints, and what some
 * repositories commit) each of its items, located at the item. kubectl applies every item as its own object.
 */
export function recogniseResources(doc: YamlDocument): Resource[] {
  const value = doc.value;
  if (isRecord(value) && value.kind === 'List' && value.apiVersion === 'v1' && Array.isArray(value.items)) {
    return value.items.flatMap((item, index) => {
      const resource = isRecord(item) ? recogniseResource(new NestedYamlDocument(doc, ['items', index], item)) : undefined;
      return resource ? [resource] : [];
    });
  }
  const resource = recogniseResource(doc);
  return resource ? [resource] : [];
}

export function isKind(resource: Resource, kind: RecognisedKind): boolean {
  return resource.kind === kind;
}

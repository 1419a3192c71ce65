import type { YamlDocument } from '../parse/yamlFile';
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

export function recogniseResource(doc: YamlDocument): Resource | undefined {
  const value = doc.value;
  if (!isRecord(value)) return undefined;
  const kind = scalarString(value.kind);
  const apiVersion = scalarString(value.apiVersion);
  if (!kind || !apiVersion || !(kind in RECOGNISED_KINDS)) return undefined;
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  const corrected = MISSPELT_API_GROUPS[group] ? `${MISSPELT_API_GROUPS[group]}/${version}` : apiVersion;
  const known: readonly string[] = RECOGNISED_KINDS[kind as RecognisedKind];
  const sameGroup = known.some((v) => v.split('/')[0] === corrected.split('/')[0] || (!v.includes('/') && !corrected.includes('/')));
  if (!sameGroup) return undefined;
  return new Resource(doc, apiVersion, kind, value);
}

export function isKind(resource: Resource, kind: RecognisedKind): boolean {
  return resource.kind === kind;
}

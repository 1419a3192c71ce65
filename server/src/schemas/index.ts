// The JSON Schemas of the recognised kinds. Istio kinds are generated (scripts/generate-schemas.mjs), the core
// kinds are written by hand; each file describes what a kind has besides apiVersion/kind/metadata, and this
// module composes the whole object schema from it. Bundled as JSON modules by esbuild.
import { RECOGNISED_KINDS, type RecognisedKind } from '../resources/kinds';
import destinationRule from './destinationrule.json';
import gateway from './gateway.json';
import istioOperator from './istiooperator.json';
import namespace from './namespace.json';
import secret from './secret.json';
import service from './service.json';
import serviceEntry from './serviceentry.json';
import virtualService from './virtualservice.json';

export type JsonSchema = { [keyword: string]: unknown };

interface KindSchemaFile {
  'x-istio-mesh-kind': string;
  'x-istio-mesh-api-versions': string[];
  required?: string[];
  properties: Record<string, JsonSchema>;
}

const FILES: Record<RecognisedKind, KindSchemaFile> = {
  IstioOperator: istioOperator as unknown as KindSchemaFile,
  Gateway: gateway as unknown as KindSchemaFile,
  VirtualService: virtualService as unknown as KindSchemaFile,
  DestinationRule: destinationRule as unknown as KindSchemaFile,
  ServiceEntry: serviceEntry as unknown as KindSchemaFile,
  Secret: secret as unknown as KindSchemaFile,
  Namespace: namespace as unknown as KindSchemaFile,
  Service: service as unknown as KindSchemaFile,
};

/** Marks an enum Istio compares case-insensitively (`protocol`); the validator honours it, completion offers the canonical case. */
export const IGNORE_CASE_KEYWORD = 'x-istio-mesh-ignore-case';
/** Groups of fields of which at most one may be set (the CRDs' `oneOf` of `required`). */
export const EXCLUSIVE_KEYWORD = 'x-istio-mesh-exclusive';

const OBJECT_META_LINK = '[ObjectMeta reference](https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/object-meta/)';
const stringMap = (description: string): JsonSchema => ({
  type: ['object', 'null'],
  description: `${description}\n\n${OBJECT_META_LINK}`,
  additionalProperties: { type: ['string', 'null'] },
});

/**
 * The metadata fields people write. Other keys are accepted: the API server drops or sets them, and files
 * exported from a cluster carry many (uid, managedFields, ...), so reporting them would only be noise.
 */
function objectMetaSchema(requireName: boolean): JsonSchema {
  return {
    type: 'object',
    description: `The object's name, namespace, labels and annotations.\n\n${OBJECT_META_LINK}`,
    ...(requireName ? { required: ['name'] } : {}),
    properties: {
      name: { type: 'string', description: `The object's name, unique per kind in its namespace.\n\n${OBJECT_META_LINK}` },
      generateName: { type: 'string', description: `A prefix from which the API server makes a unique name.\n\n${OBJECT_META_LINK}` },
      namespace: { type: 'string', description: `The namespace the object lives in (the current one when omitted).\n\n${OBJECT_META_LINK}` },
      labels: stringMap('Labels: string values that selectors match (`topology.istio.io/network` on istio-system, `istio/multiCluster` on remote secrets).'),
      annotations: stringMap('Annotations: string values read by tools (`topology.istio.io/controlPlaneClusters`, ...).'),
      finalizers: { type: 'array', items: { type: 'string' }, description: `What must finish before the object is deleted.\n\n${OBJECT_META_LINK}` },
    },
  };
}

const ISTIO_KINDS: ReadonlySet<RecognisedKind> = new Set(['Gateway', 'VirtualService', 'DestinationRule', 'ServiceEntry']);

/** The schema of a whole object of `kind`: apiVersion, kind, metadata and the kind's own fields. */
export function objectSchema(kind: RecognisedKind): JsonSchema {
  const file = FILES[kind];
  // istioctl reads IstioOperator files that have no metadata at all (the multicluster guides write them so).
  const needsMetadata = kind !== 'IstioOperator';
  const properties: Record<string, JsonSchema> = {
    apiVersion: { type: 'string', enum: [...RECOGNISED_KINDS[kind]], description: `The API group and version of a ${kind}.` },
    kind: { type: 'string', const: kind, description: 'The kind of object.' },
    metadata: objectMetaSchema(needsMetadata),
    ...file.properties,
  };
  if (ISTIO_KINDS.has(kind) || kind === 'IstioOperator') properties.status ??= { type: 'object', description: 'Set by Istio; not written by people.' };
  return {
    type: 'object',
    required: ['apiVersion', 'kind', ...(needsMetadata ? ['metadata'] : []), ...(file.required ?? [])],
    properties,
    additionalProperties: false,
  };
}

export const SCHEMA_KINDS = Object.keys(FILES) as RecognisedKind[];

/** One schema for any document: dispatches on apiVersion + kind, so each document of a file gets its own. */
export function combinedSchema(): JsonSchema {
  return {
    type: 'object',
    allOf: SCHEMA_KINDS.map((kind) => ({
      if: { properties: { apiVersion: { enum: [...RECOGNISED_KINDS[kind]] }, kind: { const: kind } }, required: ['apiVersion', 'kind'] },
      then: objectSchema(kind),
    })),
  };
}

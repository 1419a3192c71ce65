#!/usr/bin/env node
// Derives the JSON Schemas of the Istio kinds from the Istio reference data (CRDs, profiles, chart values) and
// writes them to server/src/schemas/*.json, each with its provenance. Run: npm run generate:schemas
//   ISTIO_REFERENCE_DIR   the reference data (default: ../shared/istio-reference next to the repository)
//   --out DIR             where to write (default: server/src/schemas); the tests use a temporary folder
//
// Only the STRUCTURE is taken from upstream (types, enums, required fields, bounds, "only one of" groups).
// Descriptions are ours (DESCRIPTIONS below, or a generic line naming the field), each with a link to istio.io.
// The output is deterministic: properties are sorted and nothing depends on time or on the machine.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import yaml from 'js-yaml';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const referenceDir = resolve(process.env.ISTIO_REFERENCE_DIR ?? join(REPO_ROOT, '..', 'shared', 'istio-reference'));
const outIndex = process.argv.indexOf('--out');
const outDir = resolve(outIndex > 0 ? process.argv[outIndex + 1] : join(REPO_ROOT, 'server', 'src', 'schemas'));

/** The upstream commits of the reference data (its README's source table). */
const SOURCES = {
  istio: { repo: 'github.com/istio/istio', commit: '86c9f01fd735fb01d8192f5bcaf0d424afb7f14c' },
};

const CRD_FILE = 'istio/manifests/charts/base/files/crd-all.gen.yaml';
const PROFILES_DIR = 'istio/manifests/profiles';
const HELM_PROFILES_DIR = 'istio/manifests/charts/base/files';
const DISCOVERY_VALUES = 'istio/manifests/charts/istio-control/istio-discovery/values.yaml';
const INGRESS_VALUES = 'istio/manifests/charts/gateways/istio-ingress/values.yaml';

const REFERENCE = {
  Gateway: 'https://istio.io/latest/docs/reference/config/networking/gateway/',
  VirtualService: 'https://istio.io/latest/docs/reference/config/networking/virtual-service/',
  DestinationRule: 'https://istio.io/latest/docs/reference/config/networking/destination-rule/',
  ServiceEntry: 'https://istio.io/latest/docs/reference/config/networking/service-entry/',
  IstioOperator: 'https://istio.io/latest/docs/reference/config/istio.operator.v1alpha1/',
};

/**
 * Our own short descriptions of the fields that matter most in a multicluster setup, by kind and path
 * (relative to `spec`; `[]` stands for "each list entry"). Every other field gets a generic line.
 */
const DESCRIPTIONS = {
  Gateway: {
    '': 'What a gateway proxy listens on and for which hosts.',
    selector: 'Labels of the gateway pods this Gateway configures (for an east-west gateway: `istio: eastwestgateway`).',
    servers: 'The listeners: one entry per port and set of hosts.',
    'servers[].port': 'The port the gateway proxy listens on.',
    'servers[].port.number': 'The port number (15443 for cross-network traffic, 15012 and 15017 to expose istiod).',
    'servers[].port.protocol': 'The protocol on this port: HTTP, HTTPS, GRPC, HTTP2, MONGO, TCP or TLS (any case).',
    'servers[].port.name': 'A name for the port, unique in this Gateway.',
    'servers[].hosts': 'The hosts served on this port, as `namespace/host`; `*.local` or `*` for east-west traffic.',
    'servers[].tls': 'How TLS is handled on this port.',
    'servers[].tls.mode':
      'How the gateway treats TLS: `AUTO_PASSTHROUGH` forwards mTLS traffic between networks by SNI without terminating it; `PASSTHROUGH` forwards by SNI; `SIMPLE`/`MUTUAL` terminate TLS; `ISTIO_MUTUAL` uses the mesh certificates.',
    'servers[].tls.credentialName': "The Secret (in the gateway's namespace) that holds the certificate and key.",
  },
  VirtualService: {
    '': 'How requests for a set of hosts are routed.',
    hosts: 'The hosts these routes apply to.',
    gateways: 'The Gateways (`namespace/name`) these routes are bound to; `mesh` means the sidecars.',
    exportTo: 'The namespaces this VirtualService is visible to (`.` for its own, `*` for all).',
    http: 'Routes for HTTP/1.1, HTTP/2 and gRPC traffic, tried in order.',
    tls: 'Routes for TLS traffic that is not terminated, matched by SNI.',
    tcp: 'Routes for opaque TCP traffic.',
    'tls[].match[].sniHosts': 'The SNI names this route matches.',
    'tls[].route[].destination': 'Where matching traffic goes.',
    'tls[].route[].destination.host': 'The destination service (for istiod: `istiod.istio-system.svc.cluster.local`).',
    'tls[].route[].destination.port.number': 'The port on the destination service.',
  },
  DestinationRule: {
    '': 'Policies applied to traffic for a service after routing.',
    host: 'The service these policies apply to.',
    trafficPolicy: 'Load balancing, connection pool, outlier detection and TLS settings.',
    'trafficPolicy.tls': 'The TLS settings used to connect to the service.',
    'trafficPolicy.tls.mode': 'How the client side connects: `DISABLE`, `SIMPLE`, `MUTUAL` or `ISTIO_MUTUAL` (mesh certificates).',
    subsets: "Named groups of the service's endpoints, selected by labels.",
    exportTo: 'The namespaces this DestinationRule is visible to.',
  },
  ServiceEntry: {
    '': "Adds a service to the mesh's service registry.",
    hosts: 'The hosts of the service.',
    addresses: 'Virtual IPs of the service.',
    ports: 'The ports of the service.',
    'ports[].protocol': 'The protocol on this port: HTTP, HTTPS, GRPC, HTTP2, MONGO, TCP, TLS or UDP (any case).',
    location: 'Whether the service is part of the mesh (`MESH_INTERNAL`) or outside it (`MESH_EXTERNAL`).',
    resolution: 'How the proxy finds the endpoints: `NONE`, `STATIC`, `DNS` or `DNS_ROUND_ROBIN`.',
    endpoints: 'The endpoints of the service, when they are listed here.',
    exportTo: 'The namespaces this ServiceEntry is visible to.',
    workloadSelector: 'Selects WorkloadEntries and pods as endpoints (mutually exclusive with `endpoints`).',
  },
  IstioOperator: {
    '': 'The installation of an Istio control plane or gateways, as `istioctl install` reads it.',
    profile: 'The base configuration this one is applied on top of (`default`, `remote`, `empty`, `minimal`, ...).',
    revision: 'The control plane revision this install belongs to (canary upgrades).',
    hub: 'The container registry of the Istio images.',
    tag: 'The version tag of the Istio images.',
    namespace: 'The namespace the control plane is installed in (default istio-system).',
    meshConfig: 'Mesh-wide settings (the `istio` ConfigMap).',
    components: 'Which components are installed, and their Kubernetes settings.',
    'components.pilot': 'istiod, the control plane.',
    'components.ingressGateways': 'Ingress gateways; an east-west gateway is one of these with the network label.',
    'components.ingressGateways[].name': "The gateway's name (`istio-eastwestgateway` for the east-west gateway).",
    'components.ingressGateways[].label': 'Labels of the gateway pods; `topology.istio.io/network` marks the network it serves.',
    'components.ingressGateways[].k8s': 'Kubernetes settings of the gateway: env, service ports, resources.',
    values: 'Helm values of the charts, for settings that have no field of their own.',
    'values.global.meshID': 'The mesh this control plane belongs to: the same in every cluster of the mesh.',
    'values.global.multiCluster': 'Multicluster settings.',
    'values.global.multiCluster.clusterName': "This cluster's name in the mesh; unique, and the name remote secrets refer to.",
    'values.global.network': "The network this cluster's workloads are on; clusters on different networks talk through east-west gateways.",
    'values.global.remotePilotAddress': "On a remote cluster: the address of the primary's istiod (its east-west gateway).",
    'values.global.externalIstiod': 'On a primary: serve remote clusters from this istiod.',
    'values.istiodRemote': 'Settings of a remote cluster, whose control plane runs elsewhere.',
    'values.istiodRemote.injectionPath': 'The sidecar injector path on the external istiod: `/inject/cluster/<cluster>/net/<network>`.',
    'values.pilot.env': 'Environment variables of istiod (for example `EXTERNAL_ISTIOD`).',
  },
};

/** Istio parses `protocol` case-insensitively (`tls` in the official expose-istiod.yaml is valid). */
const PROTOCOLS = ['HTTP', 'HTTPS', 'GRPC', 'GRPC-WEB', 'HTTP2', 'HTTP_PROXY', 'MONGO', 'MYSQL', 'REDIS', 'TCP', 'TLS', 'UDP'];
const PROTOCOL_FIELDS = { Gateway: ['servers[].port.protocol'], ServiceEntry: ['ports[].protocol'] };

const read = (relativePath) => readFileSync(join(referenceDir, relativePath), 'utf8');

function describe(kind, path, link) {
  const ours = DESCRIPTIONS[kind]?.[path];
  const article = /^[AEIOU]/.test(kind) ? 'an' : 'a';
  const generic = path === '' ? `The spec of ${article} ${kind}.` : `\`${path}\` of ${article} ${kind}.`;
  return `${ours ?? generic}\n\n[${kind} reference](${link})`;
}

function sortedObject(entries) {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `oneOf: [{not: {anyOf: [{required: [a]}, ...]}}, {required: [a]}, ...]` is how the CRDs say "at most one of a, b". */
function exclusiveGroup(oneOf) {
  if (!Array.isArray(oneOf) || !oneOf[0]?.not?.anyOf) return undefined;
  const fields = oneOf.slice(1).map((branch) => (Array.isArray(branch.required) && branch.required.length === 1 ? branch.required[0] : undefined));
  return fields.every((f) => typeof f === 'string') ? fields : undefined;
}

const dropped = new Map();
const noteDropped = (keyword) => dropped.set(keyword, (dropped.get(keyword) ?? 0) + 1);

/** An upstream OpenAPI node → our JSON Schema node (structure only). */
function convertCrdNode(node, kind, path, link) {
  const out = {};
  if (node['x-kubernetes-int-or-string']) out.type = ['integer', 'string'];
  else if (node.type) out.type = node.nullable ? [node.type, 'null'] : node.type;
  out.description = describe(kind, path, link);
  for (const keyword of ['enum', 'minimum', 'maximum', 'minItems', 'maxItems', 'minLength', 'maxLength', 'maxProperties', 'pattern']) {
    if (node[keyword] !== undefined) out[keyword] = node[keyword];
  }
  if (node.required) out.required = [...node.required];
  const groups = [];
  const single = exclusiveGroup(node.oneOf);
  if (single) groups.push(single);
  else if (node.oneOf) noteDropped('oneOf');
  for (const part of node.allOf ?? []) {
    const group = exclusiveGroup(part.oneOf);
    if (group) groups.push(group);
    else noteDropped('allOf');
  }
  if (groups.length) out['x-istio-mesh-exclusive'] = groups;
  if (node['x-kubernetes-validations']) noteDropped('x-kubernetes-validations (CEL)');
  if (node.properties) {
    const prefix = path === '' ? '' : `${path}.`;
    out.properties = sortedObject(Object.entries(node.properties).map(([key, child]) => [key, convertCrdNode(child, kind, prefix + key, link)]));
    // Structural schemas prune unknown fields, so the API server would drop them silently: we report them.
    out.additionalProperties = node['x-kubernetes-preserve-unknown-fields'] ? true : false;
  } else if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    out.additionalProperties = convertCrdNode(node.additionalProperties, kind, `${path}.*`, link);
  }
  if (node.items) out.items = convertCrdNode(node.items, kind, `${path}[]`, link);
  return applyOverlays(out, kind, path);
}

/** Port fields: the CRD allows any uint32, Istio's validation only 1-65535. */
const PORT_FIELD = /(^|\.)(port\.number|port\.targetPort|ports\[\]\.number|ports\[\]\.targetPort)$/;

/** Facts Istio enforces in code rather than in the CRD structure. */
function applyOverlays(schema, kind, path) {
  if (PROTOCOL_FIELDS[kind]?.includes(path)) {
    schema.enum = PROTOCOLS;
    schema['x-istio-mesh-ignore-case'] = true;
  }
  if (PORT_FIELD.test(path) && schema.type === 'integer') {
    schema.minimum = 1;
    schema.maximum = 65535;
  }
  return schema;
}

function provenance(files) {
  return files.map((file) => ({ file, repo: SOURCES.istio.repo, commit: SOURCES.istio.commit }));
}

function header(kind, apiVersions, files) {
  return {
    $comment: `Generated by scripts/generate-schemas.mjs from the Istio reference data (${files.join(', ')}; ${SOURCES.istio.repo} @ ${SOURCES.istio.commit}). Do not edit: run npm run generate:schemas.`,
    'x-istio-mesh-kind': kind,
    'x-istio-mesh-api-versions': apiVersions,
    'x-istio-mesh-sources': provenance(files),
  };
}

function networkingSchemas() {
  const crds = yaml.loadAll(read(CRD_FILE)).filter((doc) => doc?.kind === 'CustomResourceDefinition');
  const results = [];
  for (const kind of ['Gateway', 'VirtualService', 'DestinationRule', 'ServiceEntry']) {
    const crd = crds.find((doc) => doc.spec.group === 'networking.istio.io' && doc.spec.names.kind === kind);
    if (!crd) throw new Error(`${CRD_FILE} has no ${kind} CRD`);
    const versions = crd.spec.versions.filter((v) => v.served);
    const specs = versions.map((v) => JSON.stringify(v.schema.openAPIV3Schema.properties.spec));
    // One schema serves all versions only while upstream keeps them identical; stop rather than guess.
    if (specs.some((s) => s !== specs[0])) throw new Error(`${kind}: the served versions have different schemas`);
    const link = REFERENCE[kind];
    const spec = convertCrdNode(versions[0].schema.openAPIV3Schema.properties.spec, kind, '', link);
    const apiVersions = versions.map((v) => `networking.istio.io/${v.name}`).sort();
    const required = versions[0].schema.openAPIV3Schema.required ?? [];
    results.push({
      name: kind.toLowerCase(),
      schema: { ...header(kind, apiVersions, [CRD_FILE]), ...(required.length ? { required } : {}), properties: { spec } },
    });
  }
  return results;
}

// ---- IstioOperator: its CRD only preserves unknown fields, so the structure comes from profiles and chart values.

/** Keys of the `Values` message of IstioOperator (spec.values); the istiod chart's other keys live under `values.pilot`. */
const VALUES_TOP_LEVEL = [
  'base',
  'cni',
  'compatibilityVersion',
  'defaultRevision',
  'experimental',
  'gatewayClasses',
  'gateways',
  'global',
  'istiodRemote',
  'meshConfig',
  'ownerName',
  'pilot',
  'profile',
  'revision',
  'revisionTags',
  'sidecarInjectorWebhook',
  'telemetry',
  'ztunnel',
];

/**
 * A value tree → the loosest schema that still catches a map where a scalar belongs and vice versa. In chart
 * defaults `{}` is a free-form map (env, nodeSelector, annotations); in a profile it only means "keep the defaults".
 */
function inferSchema(value, source) {
  if (Array.isArray(value)) return { type: 'array' };
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return source === 'chart' ? { type: 'object' } : {};
    return { type: 'object', properties: Object.fromEntries(keys.map((k) => [k, inferSchema(value[k], source)])), additionalProperties: false };
  }
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (typeof value === 'number') return { type: ['number', 'string'] };
  if (typeof value === 'string') return { type: ['string', 'number', 'boolean'] };
  return {};
}

/** Two inferred schemas of the same key (from different files) → one that accepts both (a free-form map wins). */
function mergeInferred(a, b) {
  if (!a || Object.keys(a).length === 0) return b;
  if (!b || Object.keys(b).length === 0) return a;
  if (a.type === 'object' && b.type === 'object') {
    if (!a.properties || !b.properties) return { type: 'object' };
    const properties = { ...a.properties };
    for (const [k, v] of Object.entries(b.properties)) properties[k] = mergeInferred(properties[k], v);
    return { type: 'object', properties, additionalProperties: false };
  }
  if (JSON.stringify(a.type) === JSON.stringify(b.type)) return a;
  return {};
}

function chartDefaults(relativePath) {
  const values = yaml.load(read(relativePath));
  return values._internal_defaults_do_not_set ?? values;
}

function describeTree(schema, path, link) {
  const out = { ...schema, description: describe('IstioOperator', path, link) };
  const prefix = path === '' ? '' : `${path}.`;
  if (schema.properties) {
    out.properties = sortedObject(Object.entries(schema.properties).map(([k, v]) => [k, describeTree(v, prefix + k, link)]));
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    out.additionalProperties = describeTree(schema.additionalProperties, `${prefix}*`, link);
  }
  if (schema.items && typeof schema.items === 'object') out.items = describeTree(schema.items, `${path}[]`, link);
  return out;
}

/** The fields of IstioOperator's KubernetesResourcesSpec (`components.*.k8s`). */
const K8S_FIELDS = {
  affinity: { type: 'object' },
  env: {
    type: 'array',
    items: {
      type: 'object',
      properties: { name: { type: 'string' }, value: { type: ['string', 'number', 'boolean'] }, valueFrom: { type: 'object' } },
      required: ['name'],
      additionalProperties: false,
    },
  },
  envFrom: { type: 'array' },
  hpaSpec: { type: 'object' },
  imagePullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] },
  nodeSelector: { type: 'object' },
  overlays: { type: 'array' },
  podAnnotations: { type: 'object' },
  podDisruptionBudget: { type: 'object' },
  priorityClassName: { type: 'string' },
  readinessProbe: { type: 'object' },
  replicaCount: { type: 'integer' },
  resources: { type: 'object' },
  securityContext: { type: 'object' },
  service: { type: 'object' },
  serviceAnnotations: { type: 'object' },
  strategy: { type: 'object' },
  tolerations: { type: 'array' },
  topologySpreadConstraints: { type: 'array' },
  volumeMounts: { type: 'array' },
  volumes: { type: 'array' },
};

function componentSchema(isGateway) {
  const properties = {
    enabled: { type: 'boolean' },
    hub: { type: 'string' },
    k8s: { type: 'object', properties: K8S_FIELDS, additionalProperties: false },
    namespace: { type: 'string' },
    tag: { type: ['string', 'number'] },
  };
  if (isGateway) Object.assign(properties, { label: { type: 'object', additionalProperties: { type: 'string' } }, name: { type: 'string' } });
  return { type: 'object', properties: sortedObject(Object.entries(properties)), additionalProperties: false };
}

function istioOperatorSchema() {
  const profileFiles = readdirSync(join(referenceDir, PROFILES_DIR))
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const helmProfileFiles = readdirSync(join(referenceDir, HELM_PROFILES_DIR))
    .filter((f) => /^profile-.*\.yaml$/.test(f))
    .sort();
  const profiles = profileFiles.map((f) => yaml.load(read(`${PROFILES_DIR}/${f}`)));

  // spec.values: the Values message's keys, with the istiod chart's own keys under `pilot`.
  let values = { type: 'object', properties: Object.fromEntries(VALUES_TOP_LEVEL.map((k) => [k, {}])), additionalProperties: false };
  const discovery = chartDefaults(DISCOVERY_VALUES);
  const topLevel = {};
  const pilot = {};
  for (const [key, value] of Object.entries(discovery)) (VALUES_TOP_LEVEL.includes(key) ? topLevel : pilot)[key] = value;
  values = mergeInferred(values, inferSchema({ ...topLevel, pilot }, 'chart'));
  values = mergeInferred(values, inferSchema(chartDefaults(INGRESS_VALUES), 'chart'));
  // A file that sets no values says nothing about their structure (and must not turn `values` into a free-form map).
  const valueTrees = [
    ...helmProfileFiles.map((file) => yaml.load(read(`${HELM_PROFILES_DIR}/${file}`))),
    ...profiles.map((profile) => profile?.spec?.values),
  ].filter((tree) => tree && typeof tree === 'object' && Object.keys(tree).length > 0);
  for (const tree of valueTrees) values = mergeInferred(values, inferSchema(tree, 'profile'));
  // Any gateway name may be configured under values.gateways, with the settings of the ingress gateway chart.
  const gateways = values.properties.gateways;
  const gatewaySettings = gateways.properties['istio-ingressgateway'];
  values.properties.gateways = { ...gateways, additionalProperties: gatewaySettings };
  // Maps of user-chosen names: environment variables, annotations, labels.
  for (const freeForm of ['env', 'podAnnotations', 'serviceAnnotations', 'podLabels', 'nodeSelector']) {
    if (values.properties.pilot?.properties?.[freeForm]) values.properties.pilot.properties[freeForm] = { type: 'object' };
  }

  const components = {
    type: 'object',
    properties: {
      base: componentSchema(false),
      cni: componentSchema(false),
      egressGateways: { type: 'array', items: componentSchema(true) },
      ingressGateways: { type: 'array', items: componentSchema(true) },
      istiodRemote: componentSchema(false),
      pilot: componentSchema(false),
      ztunnel: componentSchema(false),
    },
    additionalProperties: false,
  };
  const specFields = {
    compatibilityVersion: { type: 'string' },
    components,
    hub: { type: 'string' },
    installPackagePath: { type: 'string' },
    meshConfig: { type: 'object' },
    namespace: { type: 'string' },
    profile: { type: 'string', enum: profileFiles.map((f) => basename(f, '.yaml')) },
    revision: { type: 'string' },
    tag: { type: ['string', 'number'] },
    unvalidatedValues: { type: 'object' },
    values,
  };
  // Every top-level field a profile sets is a spec field; a profile using one we do not know is a generator bug.
  for (const profile of profiles) {
    for (const key of Object.keys(profile?.spec ?? {})) if (!(key in specFields)) throw new Error(`profile uses unknown spec field ${key}`);
  }
  const spec = describeTree({ type: 'object', properties: specFields, additionalProperties: false }, '', REFERENCE.IstioOperator);
  spec.description = describe('IstioOperator', '', REFERENCE.IstioOperator);
  const files = [
    ...profileFiles.map((f) => `${PROFILES_DIR}/${f}`),
    ...helmProfileFiles.map((f) => `${HELM_PROFILES_DIR}/${f}`),
    DISCOVERY_VALUES,
    INGRESS_VALUES,
  ];
  return { name: 'istiooperator', schema: { ...header('IstioOperator', ['install.istio.io/v1alpha1'], files), properties: { spec } } };
}

export function generateSchemas() {
  return [...networkingSchemas(), istioOperatorSchema()];
}

mkdirSync(outDir, { recursive: true });
for (const { name, schema } of generateSchemas()) {
  writeFileSync(join(outDir, `${name}.json`), JSON.stringify(schema, null, 2) + '\n');
}
const droppedSummary = [...dropped].map(([k, n]) => `${k} ×${n}`).join(', ');
console.log(`wrote ${outDir} (not representable as structure, left to Istio: ${droppedSummary || 'nothing'})`);

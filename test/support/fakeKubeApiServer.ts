// A Kubernetes API server small enough to read, for driving the real kubectl in tests: discovery, namespaces,
// GET/POST/PATCH (client-side apply, strategic/merge patches, server-side apply), dryRun=All and error statuses.
// Plain HTTP on 127.0.0.1 (kubectl accepts `server: http://...`). Every request is recorded.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import * as jsYaml from 'js-yaml';

interface ServedKind {
  group: string;
  versions: string[];
  kind: string;
  plural: string;
  namespaced: boolean;
  /** As the real API server lists them: `kubectl get svc`. */
  shortNames?: string[];
}

const CORE_KINDS: ServedKind[] = [
  { group: '', versions: ['v1'], kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { group: '', versions: ['v1'], kind: 'Secret', plural: 'secrets', namespaced: true },
  { group: '', versions: ['v1'], kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc'] },
  { group: '', versions: ['v1'], kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { group: '', versions: ['v1'], kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true },
];

const ISTIO_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'];
/** The CRDs `istioctl install` (or the base chart) would have created. */
const ISTIO_KINDS: ServedKind[] = [
  { group: 'networking.istio.io', versions: ISTIO_VERSIONS, kind: 'Gateway', plural: 'gateways', namespaced: true },
  { group: 'networking.istio.io', versions: ISTIO_VERSIONS, kind: 'VirtualService', plural: 'virtualservices', namespaced: true },
  { group: 'networking.istio.io', versions: ISTIO_VERSIONS, kind: 'DestinationRule', plural: 'destinationrules', namespaced: true },
  { group: 'networking.istio.io', versions: ISTIO_VERSIONS, kind: 'ServiceEntry', plural: 'serviceentries', namespaced: true },
];

const ALL_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public'];

export interface FakeKubeApiServerOptions {
  /** A name for messages ("cluster1"). */
  name: string;
  /** False: the Istio CRDs are not installed, so Istio kinds are unknown ("no matches for kind"). */
  istioCrds?: boolean;
  /** Namespaces where every request is 403 Forbidden. */
  forbiddenNamespaces?: string[];
  /** When set, requests must carry `Authorization: Bearer <token>` (401 otherwise). */
  token?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  body: string;
  authorization?: string;
}

/** An object as stored: the resource it is, and its JSON. */
export interface StoredObject {
  group: string;
  kind: string;
  namespace?: string;
  name: string;
  object: Record<string, unknown>;
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7386 merge patch, also used (without list merging) for strategic merge and apply patches of these simple objects. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Json = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue; // strategic-merge directives ($patch, $retainKeys, $setElementOrder/...)
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function resourceKey(group: string, plural: string, namespace: string | undefined, name: string): string {
  return `${group}/${plural}/${namespace ?? ''}/${name}`;
}

interface Target {
  served: ServedKind;
  version: string;
  namespace?: string;
  name?: string;
}

export class FakeKubeApiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly store = new Map<string, StoredObject>();
  private readonly kinds: ServedKind[];
  private resourceVersion = 1;

  private constructor(
    private readonly server: Server,
    readonly options: FakeKubeApiServerOptions,
  ) {
    this.kinds = options.istioCrds === false ? CORE_KINDS : [...CORE_KINDS, ...ISTIO_KINDS];
    for (const name of INITIAL_NAMESPACES) this.put(CORE_KINDS[0], undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  static async start(options: FakeKubeApiServerOptions): Promise<FakeKubeApiServer> {
    const server = createServer();
    const fake = new FakeKubeApiServer(server, options);
    server.on('request', (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  /** Kept after close(), so a kubeconfig can name a server that no longer answers. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private port = 0;

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Every stored object except the namespaces the server started with. */
  objects(): StoredObject[] {
    return [...this.store.values()].filter((o) => !(o.kind === 'Namespace' && INITIAL_NAMESPACES.includes(o.name)));
  }

  find(kind: string, namespace: string | undefined, name: string): StoredObject | undefined {
    return this.objects().find((o) => o.kind === kind && o.namespace === namespace && o.name === name);
  }

  /** Stores an object as a controller would have made it (a gateway's Service with its load balancer address). */
  seed(object: Json): void {
    const served = this.kinds.find((k) => k.kind === object.kind);
    if (!served) throw new Error(`the fake API server does not serve ${String(object.kind)}`);
    const metadata = isObject(object.metadata) ? object.metadata : {};
    this.put(served, served.namespaced ? String(metadata.namespace ?? 'default') : undefined, object);
  }

  /** Requests that would change something (writes that were not dry runs). */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && r.query.dryRun !== 'All');
  }

  private put(served: ServedKind, namespace: string | undefined, object: Json): Json {
    const metadata = isObject(object.metadata) ? object.metadata : {};
    const name = String(metadata.name);
    const key = resourceKey(served.group, served.plural, namespace, name);
    const existing = this.store.get(key);
    const stored: Json = {
      ...object,
      metadata: {
        ...metadata,
        ...(namespace ? { namespace } : {}),
        uid: (existing?.object.metadata as Json | undefined)?.uid ?? randomUUID(),
        resourceVersion: String(this.resourceVersion++),
        creationTimestamp: (existing?.object.metadata as Json | undefined)?.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    };
    this.store.set(key, { group: served.group, kind: served.kind, namespace, name, object: stored });
    return stored;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'],
      body: Buffer.concat(chunks).toString('utf8'),
      authorization: req.headers.authorization,
    };
    this.requests.push(request);
    try {
      if (this.options.token !== undefined && request.authorization !== `Bearer ${this.options.token}`) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      const [status, body] = this.route(request);
      this.send(res, status, body);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.send(res, error.code, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: error.message,
        reason: error.reason,
        code: error.code,
      });
    }
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    const text = body === '' ? '' : JSON.stringify(body);
    const contentType = body === '' ? 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf' : 'application/json';
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private route(request: RecordedRequest): [number, unknown] {
    const segments = request.path.split('/').filter(Boolean);
    if (request.path === '/version') return [200, { major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' }];
    if (request.path === '/api')
      return [200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] }];
    if (request.path === '/apis') return [200, this.groupList()];
    if (segments[0] === 'api' && segments.length === 2) return [200, this.resourceList('', segments[1])];
    if (segments[0] === 'apis' && segments.length === 3) return [200, this.resourceList(segments[1], segments[2])];
    if (segments[0] === 'api' || segments[0] === 'apis') return this.resourceRequest(request, segments);
    if (request.path === '/openapi/v3') return [200, { paths: {} }];
    if (request.path === '/apis/apiextensions.k8s.io/v1/customresourcedefinitions')
      return [200, { kind: 'CustomResourceDefinitionList', apiVersion: 'apiextensions.k8s.io/v1', metadata: {}, items: [] }];
    if (request.path === '/openapi/v2') return [200, ''];
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }

  private groupList(): Json {
    const groups = [...new Set(this.kinds.filter((k) => k.group).map((k) => k.group))].map((name) => {
      const versions = this.kinds.find((k) => k.group === name)!.versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
      return { name, versions, preferredVersion: versions[0] };
    });
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }

  private resourceList(group: string, version: string): Json {
    const kinds = this.kinds.filter((k) => k.group === group && k.versions.includes(version));
    if (!kinds.length) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: kinds.map((k) => ({
        name: k.plural,
        singularName: k.kind.toLowerCase(),
        namespaced: k.namespaced,
        kind: k.kind,
        verbs: ALL_VERBS,
        ...(k.shortNames ? { shortNames: k.shortNames } : {}),
      })),
    };
  }

  /** `/api/v1/...` or `/apis/GROUP/VERSION/...`, then `[namespaces/NS/]PLURAL[/NAME]`. */
  private parseTarget(segments: string[]): Target {
    const [group, version, rest] = segments[0] === 'api' ? ['', segments[1], segments.slice(2)] : [segments[1], segments[2], segments.slice(3)];
    let namespace: string | undefined;
    let tail = rest;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      tail = rest.slice(2);
    }
    const served = this.kinds.find((k) => k.group === group && k.versions.includes(version) && k.plural === tail[0]);
    if (!served || tail.length > 2) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    return { served, version, namespace, name: tail[1] };
  }

  private resourceRequest(request: RecordedRequest, segments: string[]): [number, unknown] {
    const target = this.parseTarget(segments);
    const { served, namespace } = target;
    const resourceName = served.group ? `${served.plural}.${served.group}` : served.plural;
    const verb =
      { GET: target.name ? 'get' : 'list', POST: 'create', PATCH: 'patch', PUT: 'update', DELETE: 'delete' }[request.method] ?? request.method.toLowerCase();
    if (namespace && this.options.forbiddenNamespaces?.includes(namespace)) {
      throw new ApiError(
        403,
        'Forbidden',
        `${resourceName}${target.name ? ` "${target.name}"` : ''} is forbidden: User "tester" cannot ${verb} resource "${served.plural}" in API group "${served.group}" in the namespace "${namespace}"`,
      );
    }
    const dryRun = request.query.dryRun === 'All';
    const existingOf = (name: string) => this.store.get(resourceKey(served.group, served.plural, namespace, name));
    const notFound = (name: string) => new ApiError(404, 'NotFound', `${resourceName} "${name}" not found`);
    const requireNamespace = () => {
      if (namespace && !this.store.has(resourceKey('', 'namespaces', undefined, namespace)))
        throw new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`);
    };
    const save = (object: Json) => (dryRun ? object : this.put(served, namespace, object));

    if (request.method === 'GET') {
      if (target.name) {
        const existing = existingOf(target.name);
        if (!existing) throw notFound(target.name);
        return [200, existing.object];
      }
      const items = [...this.store.values()]
        .filter((o) => o.group === served.group && o.kind === served.kind && (!namespace || o.namespace === namespace))
        .map((o) => o.object);
      return [
        200,
        {
          kind: `${served.kind}List`,
          apiVersion: served.group ? `${served.group}/${target.version}` : target.version,
          metadata: { resourceVersion: String(this.resourceVersion) },
          items,
        },
      ];
    }
    if (request.method === 'POST' && !target.name) {
      const object = JSON.parse(request.body) as Json;
      const name = String((object.metadata as Json | undefined)?.name ?? '');
      requireNamespace();
      if (existingOf(name)) throw new ApiError(409, 'AlreadyExists', `${resourceName} "${name}" already exists`);
      return [201, save(object)];
    }
    if ((request.method === 'PATCH' || request.method === 'PUT') && target.name) {
      const existing = existingOf(target.name);
      const body = request.contentType?.includes('yaml') ? jsYaml.load(request.body) : JSON.parse(request.body);
      const serverSideApply = request.contentType?.startsWith('application/apply-patch');
      if (!existing && !serverSideApply) throw notFound(target.name);
      if (!existing) requireNamespace();
      const updated = request.method === 'PUT' ? (body as Json) : (mergePatch(existing?.object ?? {}, body) as Json);
      return [existing ? 200 : 201, save(updated)];
    }
    throw new ApiError(405, 'MethodNotAllowed', `${request.method} is not supported on ${request.path}`);
  }
}

export interface KubeconfigContext {
  name: string;
  server: FakeKubeApiServer;
  token: string;
  namespace?: string;
}

/**
 * A kubeconfig naming the given contexts, each with its own cluster entry and a bearer-token user. `prefix`
 * keeps entry names apart when several files are merged through KUBECONFIG.
 */
export function kubeconfigYaml(contexts: KubeconfigContext[], currentContext?: string, prefix = ''): string {
  return jsYaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: contexts.map((c, i) => ({ name: `${prefix}cluster-${i}`, cluster: { server: c.server.url } })),
    users: contexts.map((c, i) => ({ name: `${prefix}user-${i}`, user: { token: c.token } })),
    contexts: contexts.map((c, i) => ({
      name: c.name,
      context: { cluster: `${prefix}cluster-${i}`, user: `${prefix}user-${i}`, ...(c.namespace ? { namespace: c.namespace } : {}) },
    })),
    ...(currentContext ? { 'current-context': currentContext } : {}),
  });
}

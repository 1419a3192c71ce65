import type { ValuePath, YamlDocument } from '../parse/yamlFile';
import { recogniseResource } from '../resources/kinds';
import { isRecord, type Resource, scalarString, valueAt } from '../resources/resource';
import type { WorkspaceFile } from '../resources/workspaceFile';
import { ComposedYamlDocument, type CompositionUnit } from './composedDocument';
import { substituteExpressions } from './substitute';
import { childOf, nodeOf, scalarNode, type ValueNode } from './tree';

/**
 * Argo CD `ApplicationSet`, as far as installing Istio needs it: `list` and `clusters` generators, each element
 * filling the `spec.template` Application in (Go templates with `goTemplate: true`, else the older `{{name}}`
 * form). Every generated Application is a composed document: a value that is one parameter is located at the
 * element (or cluster Secret) that gave it, anything else at the template's line.
 */

const APPLICATION_API_VERSION = 'argoproj.io/v1alpha1';
/** The label that makes a Secret an Argo CD cluster (what the `clusters` generator lists). */
export const ARGOCD_SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';

export function isApplicationSet(doc: YamlDocument): boolean {
  const value = doc.value;
  if (!isRecord(value) || value.kind !== 'ApplicationSet') return false;
  const apiVersion = scalarString(value.apiVersion);
  return apiVersion !== undefined && apiVersion.startsWith('argoproj.io/');
}

/** One generator element: its parameters (with where each was written) and where the element is written. */
interface GeneratorElement {
  params: ValueNode;
  /** The element in the ApplicationSet (a `list.elements` entry) or, for the clusters generator, the generator. */
  path: ValuePath;
  label: string;
}

/** Secrets registered as Argo CD clusters, with the name and server they register. */
function argoClusters(secrets: readonly Resource[]): Resource[] {
  return secrets.filter((s) => s.kind === 'Secret' && s.labels()[ARGOCD_SECRET_TYPE_LABEL] === 'cluster');
}

/** A cluster Secret's `name`/`server` (never its `config`, which holds credentials): stringData, else decoded data. */
function clusterSecretField(secret: Resource, field: 'name' | 'server'): ValueNode | undefined {
  const plain = secret.string(['stringData', field]);
  if (plain !== undefined) return scalarNode(plain, { doc: secret.doc, path: ['stringData', field] });
  const encoded = secret.string(['data', field]);
  if (encoded === undefined) return undefined;
  return scalarNode(Buffer.from(encoded, 'base64').toString('utf8'), { doc: secret.doc, path: ['data', field] });
}

function matchesSelector(labels: Record<string, string>, selector: unknown): boolean {
  if (!isRecord(selector)) return true;
  const matchLabels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
  for (const [key, wanted] of Object.entries(matchLabels)) if (labels[key] !== scalarString(wanted)) return false;
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const expression of expressions) {
    if (!isRecord(expression)) continue;
    const key = scalarString(expression.key) ?? '';
    const values = Array.isArray(expression.values) ? expression.values.map(scalarString) : [];
    const has = key in labels;
    const ok = {
      In: has && values.includes(labels[key]),
      NotIn: !has || !values.includes(labels[key]),
      Exists: has,
      DoesNotExist: !has,
    }[scalarString(expression.operator) ?? ''];
    if (ok === false) return false;
  }
  return true;
}

function mapNode(entries: [string, ValueNode | undefined][], origin: ValueNode['origin']): ValueNode {
  return { kind: 'map', entries: new Map(entries.filter((e): e is [string, ValueNode] => e[1] !== undefined)), origin };
}

/** The `clusters` generator: one element per cluster Secret its selector matches, with the generator's `values`. */
function clusterElements(
  doc: YamlDocument,
  path: ValuePath,
  generator: Record<string, unknown>,
  secrets: readonly Resource[],
  goTemplate: boolean,
  read: Set<Resource>,
): GeneratorElement[] {
  return argoClusters(secrets)
    .filter((secret) => matchesSelector(secret.labels(), generator.selector))
    .flatMap((secret) => {
      const name = clusterSecretField(secret, 'name');
      const server = clusterSecretField(secret, 'server');
      if (!name && !server) return [];
      read.add(secret);
      const secretOrigin = { doc: secret.doc, path: [] };
      const metadata = mapNode(
        [
          ['labels', nodeOf(secret.labels(), secret.doc, ['metadata', 'labels'])],
          [
            'annotations',
            isRecord(secret.get(['metadata', 'annotations']))
              ? nodeOf(secret.get(['metadata', 'annotations']), secret.doc, ['metadata', 'annotations'])
              : undefined,
          ],
        ],
        secretOrigin,
      );
      const normalized =
        name?.kind === 'scalar'
          ? scalarNode(
              String(name.value)
                .toLowerCase()
                .replace(/[^a-z0-9.-]/g, '-'),
              name.origin,
            )
          : undefined;
      const base = mapNode(
        [
          ['name', name],
          ['nameNormalized', normalized],
          ['server', server],
          ['metadata', metadata],
        ],
        secretOrigin,
      );
      // The generator's `values` may use the cluster's own parameters (`clusterName: '{{name}}'`).
      const values = isRecord(generator.values) ? substitute(nodeOf(generator.values, doc, [...path, 'values']), base, goTemplate) : undefined;
      const params = mapNode([...(base.kind === 'map' ? base.entries : []), ['values', values]], secretOrigin);
      return [{ params, path, label: `cluster ${name?.kind === 'scalar' ? name.value : String(server?.kind === 'scalar' ? server.value : '')}` }];
    });
}

function listElements(doc: YamlDocument, path: ValuePath, generator: Record<string, unknown>): GeneratorElement[] {
  const elements = Array.isArray(generator.elements) ? generator.elements : [];
  return elements.flatMap((element, index) => {
    if (!isRecord(element)) return [];
    const elementPath = [...path, 'elements', index];
    const named = scalarString(element.cluster) ?? scalarString(element.name);
    return [{ params: nodeOf(element, doc, elementPath), path: elementPath, label: `element ${index + 1}${named ? ` (${named})` : ''}` }];
  });
}

/**
 * The parameter at a dotted path. Keys may themselves hold dots (label keys such as
 * `topology.istio.io/network`), so at each map the longest run of segments that is a key wins.
 */
function paramAt(params: ValueNode, segments: string[]): ValueNode | undefined {
  if (segments.length === 0) return params;
  for (let end = segments.length; end > 0; end--) {
    const child = childOf(params, segments.slice(0, end).join('.'));
    if (child) {
      const found = paramAt(child, segments.slice(end));
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The parameter one template expression names: `{{.name}}`, `{{ index .metadata.labels "key" }}` with
 * `goTemplate`, `{{name}}`/`{{values.x}}` without. Anything else (functions, pipelines) is left as written.
 */
function resolveExpression(expression: string, params: ValueNode, goTemplate: boolean): ValueNode | undefined {
  const body = expression.trim();
  if (goTemplate) {
    const indexed = /^index\s+\.([\w.-]+)\s+"([^"]+)"$/.exec(body);
    if (indexed) return paramAt(params, [...indexed[1].split('.'), indexed[2]]);
    const field = /^\.([\w-]+(?:\.[\w-]+)*)$/.exec(body);
    return field ? paramAt(params, field[1].split('.')) : undefined;
  }
  return /^[\w./-]+$/.test(body) ? paramAt(params, body.split('.')) : undefined;
}

/** Argo CD's `{{ ... }}` expressions (both template forms). */
const EXPRESSION = /\{\{(.*?)\}\}/g;

/** A template value with the element's parameters filled in, each value keeping where it was written. */
function substitute(node: ValueNode, params: ValueNode, goTemplate: boolean): ValueNode {
  return substituteExpressions(node, EXPRESSION, (body) => resolveExpression(body, params, goTemplate));
}

function generatorElements(doc: YamlDocument, secrets: readonly Resource[], goTemplate: boolean, read: Set<Resource>): GeneratorElement[] {
  const generators = valueAt(doc.value, ['spec', 'generators']);
  if (!Array.isArray(generators)) return [];
  return generators.flatMap((generator, index) => {
    if (!isRecord(generator)) return [];
    const path: ValuePath = ['spec', 'generators', index];
    if (isRecord(generator.list)) return listElements(doc, [...path, 'list'], generator.list);
    if (isRecord(generator.clusters)) return clusterElements(doc, [...path, 'clusters'], generator.clusters, secrets, goTemplate, read);
    return [];
  });
}

/** The Applications one ApplicationSet document generates, one per generator element. */
export function expandApplicationSet(doc: YamlDocument, secrets: readonly Resource[], read = new Set<Resource>()): Resource[] {
  const template = valueAt(doc.value, ['spec', 'template']);
  if (!isRecord(template)) return [];
  const goTemplate = valueAt(doc.value, ['spec', 'goTemplate']) === true;
  const setName = scalarString(valueAt(doc.value, ['metadata', 'name'])) ?? 'ApplicationSet';
  const templateNode = nodeOf(template, doc, ['spec', 'template']);
  return generatorElements(doc, secrets, goTemplate, read).flatMap((element) => {
    const filled = substitute(templateNode, element.params, goTemplate);
    const tree = mapNode(
      [
        ['apiVersion', scalarNode(APPLICATION_API_VERSION, { doc, path: ['apiVersion'] })],
        ['kind', scalarNode('Application', { doc, path: ['kind'] })],
        ['metadata', childOf(filled, 'metadata')],
        ['spec', childOf(filled, 'spec')],
      ],
      { doc, path: ['spec', 'template'] },
    );
    const unit: CompositionUnit = {
      kind: 'applicationset',
      folder: `${doc.file.file}#${doc.index}/${element.path.join('.')}`,
      document: doc,
      path: element.path,
      basePrefix: ['spec', 'template'],
      label: `ApplicationSet ${setName}, ${element.label}`,
    };
    const resource = recogniseResource(new ComposedYamlDocument(doc, tree, unit));
    return resource?.kind === 'Application' ? [resource] : [];
  });
}

interface Expansion {
  secrets: readonly Resource[];
  resources: Resource[];
  /** The cluster Secrets a `clusters` generator listed. */
  read: Set<Resource>;
}

const expansionCache = new WeakMap<WorkspaceFile, Expansion>();

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function expandFile(file: WorkspaceFile, secrets: readonly Resource[]): Expansion {
  const cached = expansionCache.get(file);
  if (cached && sameList(cached.secrets, secrets)) return cached;
  const read = new Set<Resource>();
  const resources = file.yaml.documents.filter(isApplicationSet).flatMap((doc) => expandApplicationSet(doc, secrets, read));
  const expansion = { secrets, resources, read };
  expansionCache.set(file, expansion);
  return expansion;
}

/**
 * The files with each ApplicationSet's generated Applications added to its file's resources (the
 * ApplicationSet itself is no install source). The Argo CD cluster Secrets a `clusters` generator read are
 * Argo CD's registry of clusters, applied where Argo CD runs: the mesh sees them only through the generated
 * Applications. Kept per file while the cluster Secrets are the same objects.
 */
export function withApplicationSets(files: readonly WorkspaceFile[]): WorkspaceFile[] {
  const withSets = files.filter((f) => f.yaml.documents.some(isApplicationSet));
  if (withSets.length === 0) return [...files];
  const secrets = argoClusters(files.flatMap((f) => f.resources));
  const expanded = new Map(withSets.map((file) => [file, expandFile(file, secrets)]));
  const read = new Set([...expanded.values()].flatMap((e) => [...e.read]));
  return files.map((file) => {
    const generated = expanded.get(file)?.resources ?? [];
    const kept = read.size ? file.resources.filter((r) => !read.has(r)) : file.resources;
    return generated.length || kept.length !== file.resources.length ? { ...file, resources: [...kept, ...generated] } : file;
  });
}

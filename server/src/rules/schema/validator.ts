import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

import type { ValuePath } from '../../parse/yamlFile';
import type { RecognisedKind } from '../../resources/kinds';
import { isPlaceholder, isRecord, type Resource, scalarString } from '../../resources/resource';
import { EXCLUSIVE_KEYWORD, IGNORE_CASE_KEYWORD, type JsonSchema, objectSchema } from '../../schemas';

/** SCHEMA001 unknown field · 002 wrong type · 003 value not allowed · 004 required field missing · 005 out of range/form · 006 fields that exclude each other. */
export type SchemaCode = 'SCHEMA001' | 'SCHEMA002' | 'SCHEMA003' | 'SCHEMA004' | 'SCHEMA005' | 'SCHEMA006';

export interface SchemaProblem {
  code: SchemaCode;
  /** Where to point: the key (unknown/required/exclusive) or the value (type/enum/range). */
  path: ValuePath;
  part: 'key' | 'value';
  message: string;
  /** What the message's "Did you mean" offers: the quick fix writes it in place of the key or value pointed at. */
  suggestion?: string;
}

const CASE_INSENSITIVE_ENUM = 'x-istio-mesh-enum-ignore-case';

/** The validator's copy of a schema: case-insensitive enums become our own keyword (completion keeps `enum`). */
function forValidation(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forValidation);
  if (!isRecord(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    // A string `description` is an annotation; an object one would be a property named so, and is kept.
    if (key === 'description' && typeof value === 'string') continue;
    out[key] = (key === 'enum' || key === EXCLUSIVE_KEYWORD) && Array.isArray(value) ? value : forValidation(value);
  }
  if (out[IGNORE_CASE_KEYWORD] && Array.isArray(out.enum)) {
    out[CASE_INSENSITIVE_ENUM] = out.enum;
    delete out.enum;
  }
  delete out[IGNORE_CASE_KEYWORD];
  return out;
}

function createAjv(): Ajv {
  // Unoptimised code compiles faster, and a validator runs on small objects: the first analysis is what counts.
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, verbose: true, code: { optimize: false } });
  ajv.addKeyword({
    keyword: CASE_INSENSITIVE_ENUM,
    schemaType: 'array',
    errors: true,
    validate: function caseInsensitiveEnum(allowed: string[], data: unknown) {
      if (typeof data !== 'string') return true;
      if (allowed.some((value) => value.toLowerCase() === data.toLowerCase())) return true;
      (caseInsensitiveEnum as unknown as { errors: Partial<ErrorObject>[] }).errors = [
        { keyword: 'enum', params: { allowedValues: allowed }, message: 'must be one of the allowed values' },
      ];
      return false;
    },
  });
  ajv.addKeyword({
    keyword: EXCLUSIVE_KEYWORD,
    schemaType: 'array',
    errors: true,
    validate: function exclusiveFields(groups: string[][], data: unknown) {
      if (!isRecord(data)) return true;
      const errors: Partial<ErrorObject>[] = [];
      for (const group of groups) {
        const present = group.filter((field) => data[field] !== undefined);
        if (present.length > 1) errors.push({ keyword: EXCLUSIVE_KEYWORD, params: { group, present }, message: 'only one may be set' });
      }
      (exclusiveFields as unknown as { errors: Partial<ErrorObject>[] }).errors = errors;
      return errors.length === 0;
    },
  });
  return ajv;
}

/** Subtrees smaller than this are cheaper to inline than to share. */
const SHARED_SUBTREE_MIN_LENGTH = 200;

/**
 * The CRDs inline every message type wherever it is used (a DestinationRule repeats its traffic policy under
 * each subset and port), which makes ajv generate and compile the same code many times. Repeated subtrees
 * become shared definitions, compiled once: a several-fold faster first validation.
 */
function withSharedDefinitions(schema: JsonSchema): JsonSchema {
  /** Applies `visit` to the sub-schemas of a schema node (property schemas, items, additionalProperties). */
  const mapChildren = (node: Record<string, unknown>, visit: (child: unknown) => unknown): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...node };
    if (isRecord(node.properties)) out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, visit(v)]));
    if (isRecord(node.items)) out.items = visit(node.items);
    if (isRecord(node.additionalProperties)) out.additionalProperties = visit(node.additionalProperties);
    return out;
  };
  const counts = new Map<string, number>();
  const count = (node: unknown): unknown => {
    if (!isRecord(node)) return node;
    const text = JSON.stringify(node);
    if (text.length >= SHARED_SUBTREE_MIN_LENGTH) counts.set(text, (counts.get(text) ?? 0) + 1);
    return mapChildren(node, count);
  };
  count(schema);
  const definitions: Record<string, unknown> = {};
  const names = new Map<string, string>();
  const share = (node: unknown): unknown => {
    if (!isRecord(node)) return node;
    const text = JSON.stringify(node);
    if ((counts.get(text) ?? 0) < 2) return mapChildren(node, share);
    let name = names.get(text);
    if (!name) {
      name = `shared${names.size}`;
      names.set(text, name);
      definitions[name] = mapChildren(node, share);
    }
    return { $ref: `#/definitions/${name}` };
  };
  const shared = mapChildren(schema, share);
  return names.size ? { ...shared, definitions } : shared;
}

let ajv: Ajv | undefined;
const compiled = new Map<RecognisedKind, ValidateFunction>();

/** Each kind's validator is compiled once, on first use. */
function validatorFor(kind: RecognisedKind): ValidateFunction {
  let validate = compiled.get(kind);
  if (!validate) {
    ajv ??= createAjv();
    validate = ajv.compile(withSharedDefinitions(forValidation(objectSchema(kind)) as JsonSchema));
    compiled.set(kind, validate);
  }
  return validate;
}

/** `/spec/servers/0/port` → ['spec', 'servers', 0, 'port'], with indexes as numbers where the value is a list. */
function pointerToPath(root: unknown, pointer: string): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(segment);
      path.push(index);
      node = node[index];
    } else {
      path.push(segment);
      node = isRecord(node) ? node[segment] : undefined;
    }
  }
  return path;
}

/** `spec.servers[0].port`, as people read a path. */
export function displayPath(path: ValuePath): string {
  return path.reduce<string>((text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment), '');
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a map',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'empty',
};

function typeOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function orList(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** Edit distance (a swap of two neighbours counts as one edit, as in `mdoe`), to suggest the field someone meant. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) current[j] = Math.min(current[j], beforePrevious[j - 2] + 1);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[y.length];
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  // Short words are all close to each other (HTTP/TCP): allow one edit for them, more for longer ones.
  let bestDistance = word.length <= 4 ? 2 : Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** A value shown in a message: short, and never from a Secret. */
function shown(value: unknown, kind: string): string {
  if (kind === 'Secret') return 'a value';
  const text = scalarString(value);
  if (text === undefined) return TYPE_NAMES[typeOf(value)];
  if (text === '') return 'an empty string';
  return `\`${text.length > 60 ? `${text.slice(0, 57)}...` : text}\``;
}

const RANGE_KEYWORDS: Record<string, (limit: unknown) => string> = {
  minimum: (n) => `at least ${n}`,
  maximum: (n) => `at most ${n}`,
  exclusiveMinimum: (n) => `greater than ${n}`,
  exclusiveMaximum: (n) => `less than ${n}`,
  minLength: (n) => `at least ${n} character(s) long`,
  maxLength: (n) => `at most ${n} characters long`,
  minItems: (n) => `a list of at least ${n} entr${n === 1 ? 'y' : 'ies'}`,
  maxItems: (n) => `a list of at most ${n} entr${n === 1 ? 'y' : 'ies'}`,
  maxProperties: (n) => `a map of at most ${n} entr${n === 1 ? 'y' : 'ies'}`,
  pattern: (p) => `text matching \`${p}\``,
};

/**
 * `[1.2.3.4, 2001:db8::]`: YAML 1.2 parsers (ours) read the last entry as the map `{"2001:db8:": null}`, while
 * Kubernetes' YAML reader keeps it the string Istio's own test data means. Not a wrong type, then.
 */
function isFlowScalarEndingInColon(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0].endsWith(':') && value[keys[0]] === null;
}

/**
 * Where a missing field is reported: the key of the map that lacks it; for a list entry (no key of its own), its
 * first key; at the top level, the `kind` line, which names the object.
 */
function requiredAnchor(resource: Resource, path: (string | number)[]): (string | number)[] {
  if (path.length === 0) return resource.get(['kind']) !== undefined ? ['kind'] : [];
  const value = resource.get(path);
  if (typeof path[path.length - 1] === 'number' && isRecord(value)) {
    const firstKey = Object.keys(value)[0];
    if (firstKey !== undefined) return [...path, firstKey];
  }
  return path;
}

function fieldName(path: ValuePath, kind: string): string {
  return path.length ? `\`${displayPath(path)}\`` : kind;
}

function toProblem(error: ErrorObject, resource: Resource): SchemaProblem | undefined {
  const path = pointerToPath(resource.object, error.instancePath);
  const value = resource.get(path);
  const name = fieldName(path, resource.kind);
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(error.params.additionalProperty);
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const suggestion = closest(field, known);
      const hint = suggestion ? ` Did you mean \`${suggestion}\`?` : known.length && known.length <= 12 ? ` Known fields: ${known.join(', ')}.` : '';
      const where = path.length ? ` in \`${displayPath(path)}\`` : '';
      return { code: 'SCHEMA001', path: [...path, field], part: 'key', message: `Unknown field \`${field}\`${where} of ${resource.kind}.${hint}`, suggestion };
    }
    case 'type': {
      if (isFlowScalarEndingInColon(value) && String(error.params.type).includes('string')) return undefined;
      // `clusterIP:` with nothing after it: Kubernetes drops a field whose value is null (the API server for
      // built-in kinds, pruning for CRDs), so it is the same as not writing the field.
      if (value === null && typeof path[path.length - 1] === 'string') return undefined;
      const types = String(error.params.type).split(',');
      const anyScalar = ['string', 'number', 'boolean'].every((t) => types.includes(t));
      const expected = anyScalar ? 'a single value (text, a number or true/false)' : orList(types.filter((t) => t !== 'null').map((t) => TYPE_NAMES[t] ?? t));
      // Numbers and booleans where text is expected are the usual case: YAML read `1` or `true` unquoted.
      const quoteHint = types.includes('string') && ['integer', 'number', 'boolean'].includes(typeOf(value)) ? ' Quote it to make it text.' : '';
      return { code: 'SCHEMA002', path, part: 'value', message: `${name} must be ${expected} — got ${TYPE_NAMES[typeOf(value)]}.${quoteHint}` };
    }
    case 'enum':
    case 'const': {
      const allowed = (error.params.allowedValues ?? [error.params.allowedValue]) as unknown[];
      const suggestion = typeof value === 'string' ? closest(value, allowed.map(String)) : undefined;
      const hint = suggestion ? ` Did you mean \`${suggestion}\`?` : '';
      return {
        code: 'SCHEMA003',
        path,
        part: 'value',
        message: `${name} must be one of ${allowed.join(', ')} — got ${shown(value, resource.kind)}.${hint}`,
        suggestion,
      };
    }
    case 'required': {
      const missing = String(error.params.missingProperty);
      return { code: 'SCHEMA004', path: requiredAnchor(resource, path), part: 'key', message: `${name} is missing the required field \`${missing}\`.` };
    }
    case EXCLUSIVE_KEYWORD: {
      const present = error.params.present as string[];
      const where = path.length ? ` in \`${displayPath(path)}\`` : '';
      return {
        code: 'SCHEMA006',
        path: [...path, present[1]],
        part: 'key',
        message: `Only one of ${present.map((f) => `\`${f}\``).join(', ')} may be set${where}; Istio rejects ${resource.kind}s that set more.`,
      };
    }
    default: {
      const limit = error.params.limit ?? error.params.pattern;
      const describe = RANGE_KEYWORDS[error.keyword];
      if (!describe) return undefined;
      return { code: 'SCHEMA005', path, part: 'value', message: `${name} must be ${describe(limit)} — got ${shown(value, resource.kind)}.` };
    }
  }
}

/** Problems found by the schema of the resource's kind: one per place, placeholders (`${VAR}`) accepted as any scalar. */
export function validateResource(resource: Resource): SchemaProblem[] {
  const validate = validatorFor(resource.kind as RecognisedKind);
  if (validate(resource.object)) return [];
  const problems: SchemaProblem[] = [];
  const valueProblemAt = new Set<string>();
  for (const error of validate.errors ?? []) {
    const problem = toProblem(error, resource);
    if (!problem) continue;
    if (problem.part === 'value') {
      const value = resource.get(problem.path);
      if (typeof value === 'string' && isPlaceholder(value)) continue;
      // A wrong type also fails the enum/range checks of the same value: one message is enough.
      const key = JSON.stringify(problem.path);
      if (valueProblemAt.has(key)) continue;
      valueProblemAt.add(key);
    }
    problems.push(problem);
  }
  return problems;
}

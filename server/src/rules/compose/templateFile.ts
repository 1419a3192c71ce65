import type { ValuePath, YamlDocument } from '../../parse/yamlFile';
import { recogniseResource } from '../../resources/kinds';
import { isPlaceholder, isRecord } from '../../resources/resource';
import type { ResourceRule } from '../rule';

/**
 * The first string value of a document that is a template placeholder, depth first, in written order. It runs
 * over every value of every resource, so it walks with one path it extends and shortens, copied only for a find.
 */
function firstPlaceholder(value: unknown, path: (string | number)[] = []): { path: ValuePath; value: string } | undefined {
  if (typeof value === 'string') return isPlaceholder(value) ? { path: [...path], value } : undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      path.push(index);
      const found = firstPlaceholder(value[index], path);
      path.pop();
      if (found) return found;
    }
  } else if (isRecord(value)) {
    for (const key of Object.keys(value)) {
      path.push(key);
      const found = firstPlaceholder(value[key], path);
      path.pop();
      if (found) return found;
    }
  }
  return undefined;
}

/** The first document of the file that is a recognised resource holding a placeholder: where the notice goes. */
function firstTemplateDocument(doc: YamlDocument): YamlDocument | undefined {
  return doc.file.documents.find((d) => d === doc || (recogniseResource(d) !== undefined && firstPlaceholder(d.value) !== undefined));
}

/**
 * A file whose values are filled in before it is applied (`${VAR}` for envsubst or Flux substitution,
 * `{{ .Values.x }}` for Helm or Argo CD, `{i}` for a script's format string) is read as a template: its
 * placeholders are opaque, never malformed and never compared as identities. Said once per file, on its first
 * placeholder, so a person knows why those values are not checked.
 */
export const templateFileRule: ResourceRule = {
  scope: 'resource',
  code: 'COMPOSE001',
  title: 'A file is a template; its placeholders are not checked',
  severity: 'information',
  check(resource) {
    const placeholder = firstPlaceholder(resource.object);
    if (!placeholder || firstTemplateDocument(resource.doc) !== resource.doc) return [];
    return [{
      code: 'COMPOSE001',
      severity: 'information',
      message: `This file is a template: values such as "${placeholder.value}" are filled in before it is applied (envsubst, sed, Helm, Argo CD or Flux substitution), so Istio Mesh reads them as opaque and checks only the literal values.`,
      location: resource.location(placeholder.path),
    }];
  },
};

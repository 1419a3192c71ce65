import type { TemplateReading, ValuePath, YamlDocument } from '../../parse/yamlFile';
import { recogniseResource } from '../../resources/kinds';
import { isRecord, placeholderIn, type Resource, scalarString, valueAt } from '../../resources/resource';
import type { Finding } from '../finding';
import type { ResourceRule } from '../rule';

/** Longer values are cut when quoted: the message names the value, it does not repeat it. */
const QUOTED_LENGTH = 40;

function shortQuote(value: string): string {
  const oneLine = value.replace(/\s+/g, ' ').trim();
  return oneLine.length > QUOTED_LENGTH ? `${oneLine.slice(0, QUOTED_LENGTH - 1)}…` : oneLine;
}

/**
 * Istio's own injection templates (the `istio-sidecar-injector` ConfigMap, `sidecarInjectorWebhook.templates` in
 * values) are Go templates istiod renders per pod: `{{ .Values.global.proxy.image }}` there is Istio's, not a
 * value of this file left to fill in.
 */
function isInjectionTemplate(path: readonly (string | number)[]): boolean {
  return path.length >= 2 && path[path.length - 1] === 'templates' && path[path.length - 2] === 'sidecarInjectorWebhook';
}

function isInjectorConfigMap(value: unknown): boolean {
  return isRecord(value) && value.kind === 'ConfigMap' && (scalarString(valueAt(value, ['metadata', 'name'])) ?? '').startsWith('istio-sidecar-injector');
}

/**
 * The first string value of a document that holds a placeholder, depth first, in written order: its path, and
 * what to quote of it. It runs over every value of every resource, so it walks with one path it extends and
 * shortens, copied only for a find.
 */
function firstPlaceholder(value: unknown, path: (string | number)[] = []): { path: ValuePath; quoted: string } | undefined {
  if (typeof value === 'string') {
    const placeholder = placeholderIn(value);
    if (!placeholder) return undefined;
    // A short value is quoted whole (`cluster{i}` says more than `{i}`), a long one by its placeholder only.
    return { path: [...path], quoted: value.length <= QUOTED_LENGTH && !value.includes('\n') ? value : placeholder };
  }
  if (path.length === 0 && isInjectorConfigMap(value)) return undefined;
  if (isInjectionTemplate(path)) return undefined;
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
 * A Go template (a Helm chart's template) is said to be one once, on its first action, by its first resource:
 * its actions are opaque values, and the documents that are not YAML even so are not read at all.
 */
function templateNotice(resource: Resource, template: TemplateReading): Finding[] {
  if (resource.doc.file.documents.find((d) => recogniseResource(d) !== undefined) !== resource.doc) return [];
  const unread = template.unreadDocuments.length;
  const notRead =
    unread === 0
      ? ''
      : ` ${unread === 1 ? 'One of its documents is' : `${unread} of its documents are`} not YAML even so and ${unread === 1 ? 'is' : 'are'} not checked.`;
  return [
    {
      code: 'COMPOSE001',
      severity: 'information',
      message: `This file is a Go template (Helm): actions such as "${shortQuote(template.firstActionText)}" are filled in when it is rendered, so Istio Mesh reads each as an opaque value and checks only the literal values.${notRead}`,
      location: { file: resource.file, range: resource.doc.file.lines.rangeOf(template.firstAction.start, template.firstAction.end) },
    },
  ];
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
    const template = resource.doc.file.template;
    if (template) return templateNotice(resource, template);
    const placeholder = firstPlaceholder(resource.object);
    if (!placeholder || firstTemplateDocument(resource.doc) !== resource.doc) return [];
    return [
      {
        code: 'COMPOSE001',
        severity: 'information',
        message: `This file is a template: values such as "${shortQuote(placeholder.quoted)}" are filled in before it is applied (envsubst, sed, Helm, Argo CD or Flux substitution), so Istio Mesh reads them as opaque and checks only the literal values.`,
        location: resource.location(placeholder.path),
      },
    ];
  },
};

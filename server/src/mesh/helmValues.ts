import { relative, sep } from 'node:path';

import picomatch from 'picomatch';

import { compositionUnitOf } from '../compose/composedDocument';
import { guessChartFromValues, HELM_VALUES_KIND, istioChartName } from '../resources/installSources';
import { chartDirective, recogniseHelmValues } from '../resources/kinds';
import { Located, type Resource } from '../resources/resource';
import type { WorkspaceFile } from '../resources/workspaceFile';

/** `istioMesh.helmValues` entries: the values files at `paths` (globs relative to a workspace root) are for `chart`. */
export interface HelmValuesSetting {
  chart: string;
  paths: string[];
  /** `shared`: the files are layered under each per-cluster values file beside them (compose/layered.ts). */
  layer?: 'shared';
}

const matchers = new WeakMap<readonly HelmValuesSetting[], { chart: string; shared: boolean; matches: (path: string) => boolean }[]>();

function settingMatchers(settings: readonly HelmValuesSetting[]) {
  let compiled = matchers.get(settings);
  if (!compiled) {
    compiled = settings
      .filter((s) => typeof s.chart === 'string' && Array.isArray(s.paths) && s.paths.length > 0)
      .map((s) => ({ chart: s.chart, shared: s.layer === 'shared', matches: picomatch(s.paths, { dot: true }) }));
    matchers.set(settings, compiled);
  }
  return compiled;
}

/** The first setting entry whose paths match a file. */
function settingFor(file: string, roots: readonly string[], settings: readonly HelmValuesSetting[]) {
  const relativePaths = roots.map((root) => relative(root, file).split(sep).join('/')).filter((p) => !p.startsWith('..'));
  return settingMatchers(settings).find((m) => relativePaths.some((p) => m.matches(p)));
}

/** The chart the setting names for a file, if any. */
function settingChart(file: string, roots: readonly string[], settings: readonly HelmValuesSetting[]): string | undefined {
  return settingFor(file, roots, settings)?.chart;
}

/** Whether the setting says the file is shared by every cluster (`"layer": "shared"`). */
export function sharedBySetting(file: string, roots: readonly string[], settings: readonly HelmValuesSetting[]): boolean {
  return settingFor(file, roots, settings)?.shared === true;
}

/**
 * Which chart a Helm values file is for, in the documented order: the `# istio-mesh: chart=` directive, the
 * `istioMesh.helmValues` setting, then its content. The value points at the whole document (a directive
 * is a comment, and content is many keys).
 */
export function helmValuesChart(resource: Resource, roots: readonly string[], settings: readonly HelmValuesSetting[]): Located<string> | undefined {
  if (resource.kind !== HELM_VALUES_KIND) return undefined;
  // An umbrella chart's dependency says which chart its values are for (a trust chart's are no Istio install).
  const dependency = compositionUnitOf(resource)?.chart;
  if (dependency) return istioChartName(dependency.value) ? dependency : undefined;
  const chart = chartDirective(resource.doc) ?? settingChart(resource.file, roots, settings) ?? guessChartFromValues(resource.object);
  return chart ? new Located(chart, resource.doc, []) : undefined;
}

/**
 * The files with the values documents the setting names added as resources: a values file with neither a
 * directive nor telling content is recognised only once the setting says what it is.
 */
export function withSettingHelmValues(
  files: readonly WorkspaceFile[],
  roots: readonly string[],
  settings: readonly HelmValuesSetting[],
): readonly WorkspaceFile[] {
  if (settingMatchers(settings).length === 0) return files;
  return files.map((file) => {
    if (!settingChart(file.path, roots, settings)) return file;
    const known = new Set(file.resources.map((r) => r.doc));
    const extra = file.yaml.documents.flatMap((doc) => {
      if (known.has(doc)) return [];
      const resource = recogniseHelmValues(doc, true);
      return resource ? [resource] : [];
    });
    return extra.length ? { ...file, resources: [...file.resources, ...extra] } : file;
  });
}

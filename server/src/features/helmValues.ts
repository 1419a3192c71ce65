import { type CompletionItem, CompletionItemKind } from 'vscode-languageserver/node';

import type { WorkspaceFile } from '../engine/workspace';
import type { MeshModel } from '../mesh/model';
import { pathAtOffset } from '../parse/pathAt';
import chartKeys from '../resources/helmChartKeys.json';
import { HELM_VALUES_KIND, istioChartName } from '../resources/installSources';
import { isRecord, type Resource } from '../resources/resource';

/**
 * Completion and hover of an Istio chart's values in a Helm values file the engine reads as that chart's
 * (`# istio-mesh: chart=`, `istioMesh.helmValues`, or its content): the chart's top-level keys, and for charts
 * whose table has them the keys of `global`. The keys come from the table MESH811 judges with
 * (resources/helmChartKeys.json, generated from the charts' values), so what is offered is never reported.
 */

interface ChartKeyTable {
  source: string;
  keys: string[];
  globalKeys?: string[];
}

const CHART_TABLES = (chartKeys as { charts: Record<string, ChartKeyTable> }).charts;

/** The values file's chart and its key table, when the mesh reads the document as Istio chart values. */
function chartValuesAt(file: WorkspaceFile, offset: number, meshes: readonly MeshModel[]) {
  const doc = file.yaml.documents.find((d) => d.startOffset <= offset && offset <= d.endOffset);
  const resource = doc && file.resources.find((r) => r.doc === doc && r.kind === HELM_VALUES_KIND);
  if (!doc || !resource) return undefined;
  for (const mesh of meshes) {
    const chart = istioChartName(mesh.installs.find((install) => install.resource === resource)?.chart?.value);
    if (chart && Object.hasOwn(CHART_TABLES, chart)) return { doc, resource, chart, table: CHART_TABLES[chart] };
  }
  return undefined;
}

/** The keys the table has under `parents` (the top level, or `global`); undefined where it has none. */
function keysUnder(table: ChartKeyTable, parents: readonly string[]): string[] | undefined {
  if (parents.length === 0) return table.keys;
  if (parents.length === 1 && parents[0] === 'global') return table.globalKeys;
  return undefined;
}

/**
 * Where a key is being typed: the cursor's line holds only indentation and the start of a key, and the keys
 * opening the blocks above it (less indented, each `key:` alone on its line) are its parents. Undefined on a
 * value, in a sequence, or under a line that opens no block.
 */
function keyBeingTyped(text: string, offset: number): { parents: string[]; typed: string } | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const typing = /^( *)([A-Za-z0-9_.-]*)$/.exec(text.slice(lineStart, offset));
  if (!typing) return undefined;
  let indent = typing[1].length;
  const parents: string[] = [];
  const above = text.slice(0, lineStart).split('\n').slice(0, -1).reverse();
  for (const line of above) {
    if (indent === 0) break;
    if (/^\s*(#.*)?$/.test(line)) continue;
    if (/^(---|\.\.\.)\s*$/.test(line)) return undefined;
    const lineIndent = line.length - line.trimStart().length;
    if (lineIndent >= indent) continue;
    const opens = /^ *([A-Za-z0-9_.-]+):\s*(#.*)?$/.exec(line);
    if (!opens) return undefined;
    parents.unshift(opens[1]);
    indent = lineIndent;
  }
  return indent === 0 ? { parents, typed: typing[2] } : undefined;
}

function existingKeys(resource: Resource, parents: readonly string[]): Set<string> {
  const map = resource.get(parents);
  return new Set(isRecord(map) ? Object.keys(map) : []);
}

/** The chart's keys where one is being typed in its values file; already written ones are left out. */
export function completeChartValues(file: WorkspaceFile, offset: number, meshes: readonly MeshModel[]): CompletionItem[] {
  const at = chartValuesAt(file, offset, meshes);
  if (!at) return [];
  const typing = keyBeingTyped(file.yaml.text, offset);
  const keys = typing && keysUnder(at.table, typing.parents);
  if (!typing || !keys) return [];
  const written = existingKeys(at.resource, typing.parents);
  const where = typing.parents.length ? `${typing.parents.join('.')} value` : 'value';
  return keys
    .filter((key) => key === typing.typed || !written.has(key))
    .map((key) => ({ label: key, kind: CompletionItemKind.Property, detail: `${where} of the ${at.chart} chart`, insertText: `${key}: ` }));
}

/** On a key of a chart's values file: that it is a value of the chart, and where the chart's values are defined. */
export function chartValueHover(file: WorkspaceFile, offset: number, meshes: readonly MeshModel[]): string | undefined {
  const at = chartValuesAt(file, offset, meshes);
  if (!at) return undefined;
  const cursor = pathAtOffset(at.doc, offset - at.doc.startOffset);
  if (!cursor?.onKey) return undefined;
  const path = cursor.path.map(String);
  const keys = keysUnder(at.table, path.slice(0, -1));
  const key = path.at(-1)!;
  if (!keys?.includes(key)) return undefined;
  return `**${path.join('.')}**: a value of Istio's \`${at.chart}\` chart (${at.table.source}). This file is read as the ${at.chart} chart's values.`;
}

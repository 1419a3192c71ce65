import { relative } from 'node:path';

import { composedPathOf, ComposedYamlDocument } from '../compose/composedDocument';
import { nodeAt, originOf, plainValue } from '../compose/tree';
import type { MeshModel } from '../mesh/model';
import { pathAtOffset } from '../parse/pathAt';
import type { YamlDocument } from '../parse/yamlFile';

const MAX_SHOWN_LENGTH = 60;

function shown(value: unknown): string {
  if (value === undefined) return '(removed)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `\`${text.length > MAX_SHOWN_LENGTH ? `${text.slice(0, MAX_SHOWN_LENGTH)}…` : text}\``;
}

/**
 * Hover on a value of a kustomize base: what it becomes in each cluster whose overlay builds on the base, and
 * where that cluster's value is written (the base itself, or the overlay's patch). Values of Secrets are never
 * shown. Undefined when no overlay of the meshes composes this document.
 */
export function composedValueHover(doc: YamlDocument, offset: number, meshes: readonly MeshModel[]): string | undefined {
  const at = pathAtOffset(doc, offset - doc.startOffset);
  if (!at || at.path.length === 0) return undefined;
  const rows: string[] = [];
  for (const mesh of meshes) {
    for (const resource of mesh.resources) {
      const composed = resource.doc;
      if (!(composed instanceof ComposedYamlDocument) || composed.base !== doc) continue;
      const path = composedPathOf(composed, at.path);
      if (!path || path.length === 0) continue;
      const node = nodeAt(composed.tree, path);
      const value = resource.kind === 'Secret' ? '(not shown)' : shown(node && plainValue(node));
      const origin = originOf(composed.tree, path);
      const source = origin.doc.sourceOf(origin.path);
      const where = `${relative(mesh.root, source.file)}:${source.range.start.line + 1}`;
      const clusters = mesh.assignments.get(resource)?.clusters.join(', ') || '(no cluster)';
      const row = `| ${clusters} | ${composed.unit.label ?? relative(mesh.root, composed.unit.folder)} | ${value} | ${where} |`;
      // An umbrella chart's `global` reaches every dependency of a release: one row per release is enough.
      if (!rows.includes(row)) rows.push(row);
    }
  }
  if (rows.length === 0) return undefined;
  return [`**${at.path.join('.')}** in each cluster built from this base`, '', '| cluster | overlay | value | written at |', '|---|---|---|---|', ...rows].join(
    '\n',
  );
}

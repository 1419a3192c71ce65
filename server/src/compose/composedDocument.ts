import type { SourceLocation } from '../parse/text';
import { type LocatedRange, type ValuePath, YamlDocument } from '../parse/yamlFile';
import type { Located, Resource } from '../resources/resource';
import { originOf, plainValue, type ValueNode } from './tree';

/** What makes a composed document apply: the kustomization of the overlay (or the generator element) that built it. */
export interface CompositionUnit {
  /**
   * `kustomize` (an overlay), `applicationset` (one generator element of an Argo CD ApplicationSet) or
   * `umbrella` (one release of a Helm umbrella chart), `flux` (a Flux Kustomization's substituted build) or
   * `layered` (a per-cluster values file or IstioOperator over the shared ones: `helm install -f common.yaml -f c1.yaml`).
   */
  kind: 'kustomize' | 'applicationset' | 'umbrella' | 'flux' | 'layered';
  /** The folder of the unit (the overlay folder), which stands for one cluster; a generator element's own key. */
  folder: string;
  /** How a person names the unit when it is not a folder (`ApplicationSet istio, element 2 (cluster2)`). */
  label?: string;
  /** The document that makes it apply (the overlay's kustomization), for `related` locations. */
  document: YamlDocument;
  /** Where in that document the composed resource is brought in (its `resources` entry chain's first step). */
  path: ValuePath;
  /** Where in its base the composed document's root is written (`spec.template`), when not at the base's root. */
  basePrefix?: ValuePath;
  /**
   * For Helm values: the Istio chart they are for (an umbrella chart's `dependencies` entry's `name`, a kustomize
   * `helmCharts` entry's `name`).
   */
  chart?: Located<string>;
  /** For the values of a chart kept in the workspace (a kustomize `helmCharts` entry's local chart): its folder. */
  chartFolder?: string;
  /** For a kustomize `helmCharts` entry: the release it installs (`releaseName`, namespace, chart `version`). */
  helmRelease?: { name?: string; namespace?: string; version?: Located<string> };
}

/**
 * A document as it will be applied: a base with an overlay's patches and transformers applied. It stands in
 * for its base document (same file, same offsets: fixes and hovers that edit text edit the base), but every
 * value is located where it was written: the patch that set it, else the base.
 */
export class ComposedYamlDocument extends YamlDocument {
  constructor(
    /** The base document the composed object started from. */
    readonly base: YamlDocument,
    readonly tree: ValueNode,
    readonly unit: CompositionUnit,
  ) {
    super(base.file, base.index, base.startOffset, base.endOffset, plainValue(tree), [], base.directives);
  }

  override locate(path: ValuePath, part: 'key' | 'value' = 'value'): LocatedRange {
    const origin = originOf(this.tree, path);
    return origin.doc.locate(origin.path, part);
  }

  override sourceOf(path: ValuePath, part: 'key' | 'value' = 'value'): SourceLocation {
    const origin = originOf(this.tree, path);
    return origin.doc.sourceOf(origin.path, part);
  }

  override writtenAt(path: ValuePath): { doc: YamlDocument; path: ValuePath } {
    const origin = originOf(this.tree, path);
    return origin.doc.writtenAt(origin.path);
  }
}

/** The composition unit (overlay) that applies a resource, when it was composed. */
export function compositionUnitOf(resource: Resource): CompositionUnit | undefined {
  return resource.doc instanceof ComposedYamlDocument ? resource.doc.unit : undefined;
}

/**
 * The path in a composed document of a value written at `basePath` of its base: the same path for an overlay
 * or a Flux build, the path under `basePrefix` for a document composed from part of its base (an
 * ApplicationSet's `spec.template`, an umbrella dependency's values, which also get the umbrella's `global`);
 * undefined for a value outside that part.
 */
export function composedPathOf(composed: ComposedYamlDocument, basePath: ValuePath): ValuePath | undefined {
  const prefix = composed.unit.basePrefix ?? [];
  if (prefix.every((segment, i) => basePath[i] === segment)) return basePath.slice(prefix.length);
  return composed.unit.kind === 'umbrella' && basePath[0] === 'global' ? basePath : undefined;
}

import type { SourceLocation } from '../parse/text';
import type { Resource } from '../resources/resource';
import { YamlDocument, type LocatedRange, type ValuePath } from '../parse/yamlFile';
import { originOf, plainValue, type ValueNode } from './tree';

/** What makes a composed document apply: the kustomization of the overlay (or the generator element) that built it. */
export interface CompositionUnit {
  /** `kustomize`, or another composer's name. */
  kind: 'kustomize';
  /** The folder of the unit (the overlay folder), which stands for one cluster. */
  folder: string;
  /** The document that makes it apply (the overlay's kustomization), for `related` locations. */
  document: YamlDocument;
  /** Where in that document the composed resource is brought in (its `resources` entry chain's first step). */
  path: ValuePath;
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
}

/** The composition unit (overlay) that applies a resource, when it was composed. */
export function compositionUnitOf(resource: Resource): CompositionUnit | undefined {
  return resource.doc instanceof ComposedYamlDocument ? resource.doc.unit : undefined;
}

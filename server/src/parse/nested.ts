import type { Range } from './text';
import { type LocatedRange, type ValuePath, YamlDocument } from './yamlFile';

/**
 * A value inside another document that stands as a document of its own (an item of a `kind: List`). Its value
 * is the value at `prefix` of the host, and every path is located in the host under that prefix, so a finding
 * about an item lands on the item's own line.
 */
export class NestedYamlDocument extends YamlDocument {
  constructor(
    readonly host: YamlDocument,
    /** Where the value is in the host document. */
    readonly prefix: ValuePath,
    value: unknown,
  ) {
    super(host.file, host.index, host.startOffset, host.endOffset, value, [], host.directives);
  }

  override get contentRange(): Range {
    return this.host.rangeOf(this.prefix);
  }

  override locate(path: ValuePath, part: 'key' | 'value' = 'value'): LocatedRange {
    return this.host.locate(this.prefix.concat(path), part);
  }
}

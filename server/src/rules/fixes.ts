import { isMap, isScalar, type Node, type Pair, type YAMLMap } from 'yaml';

import { NestedYamlDocument } from '../parse/nested';
import type { ValuePath, YamlDocument } from '../parse/yamlFile';
import type { Located } from '../resources/resource';
import type { Fix } from './finding';

/** A value as YAML text: bare when YAML would read it back as the same string, quoted otherwise. */
export function yamlScalar(value: string | boolean | number): string {
  if (typeof value !== 'string') return String(value);
  const bareIsSafe = /^[A-Za-z_/][A-Za-z0-9_./-]*$/.test(value) && !/^(true|false|yes|no|on|off|null|~)$/i.test(value);
  return bareIsSafe ? value : JSON.stringify(value);
}

/** Replace a written value by another: the fix when one cluster disagrees with the rest. */
export function replaceValueFix(title: string, target: Located<unknown>, newValue: string | boolean | number, preferred = true): Fix {
  return { title, preferred, edits: [{ location: target.location(), newText: yamlScalar(newValue) }] };
}

function lineStartOffset(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function columnOf(text: string, offset: number): number {
  return offset - lineStartOffset(text, offset);
}

function nestedLines(keys: readonly string[], value: string, indent: number): string {
  return keys.map((key, i) => `${' '.repeat(indent + 2 * i)}${key}:${i === keys.length - 1 ? ` ${value}` : ''}\n`).join('');
}

/**
 * Adds `path: value` to a document, writing only the missing keys, indented like their siblings, so nothing
 * else the user wrote moves. Undefined where the text is laid out in a way a line insertion cannot respect
 * (flow mappings, a scalar in the way).
 */
export function insertValueFix(title: string, doc: YamlDocument, path: ValuePath, value: string | boolean | number): Fix | undefined {
  // An item of a List is written inside its host document: the edit is the host's, under the item's path.
  if (doc instanceof NestedYamlDocument) return insertValueFix(title, doc.host, doc.prefix.concat(path), value);
  const cst = doc.parsed();
  const text = doc.text;
  let node: Node | null = cst.contents as Node | null;
  let parentPair: Pair | undefined;
  let depth = 0;
  while (depth < path.length && isMap(node) && node.flow !== true) {
    const pair: Pair | undefined = (node as YAMLMap).items.find((item) => isScalar(item.key) && String(item.key.value) === String(path[depth]));
    if (!pair) break;
    parentPair = pair;
    node = pair.value as Node | null;
    depth++;
  }
  if (depth === path.length) return undefined;
  const missing = path.slice(depth).map(String);
  const rendered = yamlScalar(value);
  let offset: number;
  let newText: string;
  if (isMap(node) && node.flow !== true && node.items.length > 0 && node.range) {
    // Before the first key of the existing mapping, at its indentation.
    const firstKey = node.items[0].key as Node;
    offset = lineStartOffset(text, firstKey.range![0]);
    newText = nestedLines(missing, rendered, columnOf(text, firstKey.range![0]));
  } else if ((node === null || (isScalar(node) && node.value === null)) && parentPair && isScalar(parentPair.key) && parentPair.key.range) {
    // `key:` with nothing after it: the new keys go on the next lines, one level in.
    const keyStart = parentPair.key.range[0];
    const lineEnd = text.indexOf('\n', keyStart);
    if (lineEnd < 0) return undefined;
    offset = lineEnd + 1;
    newText = nestedLines(missing, rendered, columnOf(text, keyStart) + 2);
  } else {
    return undefined;
  }
  const position = doc.file.lines.positionAt(doc.startOffset + offset);
  return { title, edits: [{ location: { file: doc.file.file, range: { start: position, end: position } }, newText }] };
}

/** A fix list from a fix that may not be possible for this layout. */
export function optionalFix(fix: Fix | undefined): Fix[] | undefined {
  return fix ? [fix] : undefined;
}

/**
 * Deletes `path` with its value: the whole lines from its key to the end of its value, so the lines around stay
 * as written. Undefined where the key shares its line with something else (a flow mapping, a list item's dash).
 */
export function removeValueFix(title: string, doc: YamlDocument, path: ValuePath): Fix | undefined {
  if (doc instanceof NestedYamlDocument) return removeValueFix(title, doc.host, doc.prefix.concat(path));
  // The last key of a mapping goes with its parent: `security:` left with nothing is read as null, not as empty.
  const parent = path.length > 1 ? doc.parsed().getIn(path.slice(0, -1), true) : undefined;
  if (isMap(parent) && parent.items.length === 1) return removeValueFix(title, doc, path.slice(0, -1));
  const key = doc.rangeOf(path, 'key');
  const value = doc.rangeOf(path, 'value');
  const { text, lines } = doc.file;
  const lineStart = lines.offsetAt({ line: key.start.line, character: 0 });
  if (text.slice(lineStart, lines.offsetAt(key.start)).trim() !== '') return undefined;
  const endLine = value.end.character === 0 ? value.end.line : value.end.line + 1;
  if (
    text
      .slice(lines.offsetAt(value.end), lines.offsetAt({ line: endLine, character: 0 }))
      .trim()
      .replace(/^#.*/, '') !== ''
  )
    return undefined;
  return {
    title,
    edits: [{ location: { file: doc.file.file, range: { start: { line: key.start.line, character: 0 }, end: { line: endLine, character: 0 } } }, newText: '' }],
  };
}

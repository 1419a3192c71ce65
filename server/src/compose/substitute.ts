import type { Origin, ValueNode } from './tree';

/**
 * What an expression becomes: a node (a parameter, located where it was written) or undefined to leave the
 * expression as written (an unknown variable stays an opaque placeholder).
 */
export type ExpressionResolver = (body: string, origin: Origin) => ValueNode | undefined;

/**
 * A composed value with template expressions filled in (`{{.cluster}}` for Argo CD, `${cluster_name}` for
 * Flux). A string that is one expression becomes the resolved value itself, located where that value was
 * written (the generator element, the substitution variable); a string that mixes text and expressions keeps
 * its own location, with the resolved text put in. `expression` must be global with the body in group 1.
 */
export function substituteExpressions(node: ValueNode, expression: RegExp, resolve: ExpressionResolver): ValueNode {
  if (node.kind === 'map') return { ...node, entries: new Map([...node.entries].map(([k, child]) => [k, substituteExpressions(child, expression, resolve)])) };
  if (node.kind === 'seq') return { ...node, items: node.items.map((item) => substituteExpressions(item, expression, resolve)) };
  if (typeof node.value !== 'string') return node;
  const matches = [...node.value.matchAll(expression)];
  if (matches.length === 0) return node;
  if (matches.length === 1 && matches[0][0] === node.value.trim()) {
    const resolved = resolve(matches[0][1], node.origin);
    if (resolved?.kind === 'scalar') return resolved;
  }
  const text = node.value.replace(expression, (written, body: string) => {
    const resolved = resolve(body, node.origin);
    return resolved?.kind === 'scalar' && resolved.value !== null && resolved.value !== undefined ? String(resolved.value) : written;
  });
  return { ...node, value: text };
}

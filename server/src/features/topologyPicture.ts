import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';

import type { FindingCounts, MeshViewEdge, MeshViewMesh, MeshViewNode } from './meshView';

/**
 * The topology picture: the server's mesh model (features/meshView.ts) drawn as the istio.io multicluster guides
 * draw a mesh — clusters inside their network inside the mesh, each with its control plane, east-west gateways
 * (ports, what they expose) and root of trust, arrows from a primary's control plane to the remotes it serves and
 * from a cluster to those it discovers through remote secrets, findings marked on the element they concern. ELK
 * (elkjs, layered, with nested groups) places the boxes; this module turns its layout into SVG. No VS Code API
 * here: the webview shows the SVG, and the same text is what "Export SVG" writes.
 */

/** The kinds of rows drawn as boxes inside a cluster. */
const LEAF_KINDS = new Set<MeshViewNode['kind']>(['control-plane', 'gateway', 'trust']);
/** Widths of a character of the picture's fonts: titles are bold, details regular, arrow labels smaller. */
const TITLE_CHAR_WIDTH = 7.6;
const CHAR_WIDTH = 6.8;
const EDGE_CHAR_WIDTH = 6.2;
const LINE_HEIGHT = 16;
const LEAF_MIN_WIDTH = 150;
/** Room above a group's children for its title lines. */
const HEADER = { mesh: 50, network: 30, cluster: 44 } as const;

export interface PictureNode {
  id: string;
  kind: 'mesh' | 'network' | 'cluster' | 'leaf';
  /** The row this box draws, for its labels, findings and what a click opens. */
  row: MeshViewNode;
  lines: string[];
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PictureEdge {
  kind: MeshViewEdge['kind'];
  label: string;
  from: string;
  to: string;
  /** The points of the route, in the picture's coordinates. */
  points: { x: number; y: number }[];
  /** Where its label starts (the baseline's left end). */
  labelAt: { x: number; y: number };
  /** Two clusters that discover each other: one arrow with a head at each end. */
  both: boolean;
}

export interface Picture {
  width: number;
  height: number;
  nodes: PictureNode[];
  edges: PictureEdge[];
}

function findingWords(counts: FindingCounts | undefined): string | undefined {
  if (!counts) return undefined;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const words = [counts.errors && plural(counts.errors, 'error'), counts.warnings && plural(counts.warnings, 'warning')].filter(Boolean);
  return words.length ? words.join(', ') : undefined;
}

/** The lines a box shows: its title, then the facts the picture needs (ports, what it exposes, the context). */
function linesOf(row: MeshViewNode, kind: PictureNode['kind'], mesh?: MeshViewMesh): string[] {
  switch (kind) {
    case 'mesh':
      return [`Mesh ${row.label}`, [row.description, trustWords(mesh!)].filter(Boolean).join(' · ')];
    case 'network':
      return [row.label];
    case 'cluster':
      return [`${row.label} — ${row.description?.split(' · ')[0] ?? ''}`, ...(row.description?.split(' · ').slice(1, 2) ?? [])];
    default:
      if (row.kind === 'gateway') {
        const exposes = row.exposes ? (row.exposes.length ? `exposes ${row.exposes.join(', ')}` : 'exposes nothing') : undefined;
        return [row.label, `ports ${row.ports?.join(', ') || 'none'}`, ...(exposes ? [exposes] : [])];
      }
      return [row.label, ...(row.description ? [row.description] : [])];
  }
}

/** "one root of trust: east, west" from the model's groups; nothing when no cluster's root is in the files. */
function trustWords(mesh: MeshViewMesh): string | undefined {
  if (mesh.trustGroups.length === 1) return `one root of trust: ${mesh.trustGroups[0].join(', ')}`;
  if (mesh.trustGroups.length > 1) return `roots of trust: ${mesh.trustGroups.map((g) => g.join(' + ')).join(' ≠ ')}`;
  return undefined;
}

function textWidth(lines: readonly string[]): number {
  return Math.ceil(Math.max(...lines.map((l, i) => l.length * (i === 0 ? TITLE_CHAR_WIDTH : CHAR_WIDTH)))) + 24;
}

function padding(top: number): string {
  return `[top=${top},left=14,bottom=14,right=14]`;
}

/** The ELK graph of the meshes: nested groups for mesh, network and cluster, leaves for what a cluster runs. */
function elkGraph(meshes: readonly MeshViewMesh[], byId: Map<string, { row: MeshViewNode; kind: PictureNode['kind']; lines: string[] }>): ElkNode {
  const group = (row: MeshViewNode, kind: 'mesh' | 'network' | 'cluster', children: ElkNode[], mesh?: MeshViewMesh): ElkNode => {
    const lines = linesOf(row, kind, mesh);
    byId.set(row.id, { row, kind, lines });
    return {
      id: row.id,
      children,
      layoutOptions: { 'elk.padding': padding(HEADER[kind]), 'elk.nodeSize.minimum': `(${textWidth(lines)}, ${HEADER[kind] + 20})` },
    };
  };
  const leaf = (row: MeshViewNode): ElkNode => {
    const lines = linesOf(row, 'leaf');
    byId.set(row.id, { row, kind: 'leaf', lines });
    return { id: row.id, width: Math.max(LEAF_MIN_WIDTH, textWidth(lines)), height: lines.length * LINE_HEIGHT + 14 + (row.findings ? LINE_HEIGHT : 0) };
  };
  const edges: ElkExtendedEdge[] = [];
  const children = meshes.map((mesh) => {
    edges.push(
      ...drawnEdges(mesh).map(({ edge, id, text }) => ({
        id,
        sources: [edge.from],
        targets: [edge.to],
        // ELK keeps room for the label beside the route.
        labels: [{ text, width: text.length * EDGE_CHAR_WIDTH + 6, height: 14 }],
      })),
    );
    return group(
      mesh,
      'mesh',
      (mesh.children ?? []).map((network) =>
        group(
          network,
          'network',
          (network.children ?? []).map((cluster) => group(cluster, 'cluster', (cluster.children ?? []).filter((c) => LEAF_KINDS.has(c.kind)).map(leaf))),
        ),
      ),
      mesh,
    );
  });
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.spacing.nodeNode': '20',
      'elk.layered.spacing.nodeNodeBetweenLayers': '60',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.padding': padding(10),
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
    },
    children,
    edges,
  };
}

interface DrawnEdge {
  edge: MeshViewEdge;
  id: string;
  both: boolean;
  /** Its label. */
  text: string;
}

/**
 * The arrows of a mesh as drawn: two clusters that discover each other (every pair of primaries) get one arrow
 * with two heads, so a multi-primary mesh is not a tangle. Ids are the mesh's and the arrow's index.
 */
function drawnEdges(mesh: MeshViewMesh): DrawnEdge[] {
  const drawn: Omit<DrawnEdge, 'text'>[] = [];
  mesh.edges.forEach((edge, i) => {
    const reverse = drawn.find((d) => d.edge.kind === edge.kind && d.edge.from === edge.to && d.edge.to === edge.from);
    if (reverse && edge.kind === 'discovers') reverse.both = true;
    else drawn.push({ edge, id: `${mesh.id}#edge:${i}`, both: false });
  });
  return drawn.map((d) => ({ ...d, text: d.both ? `${d.edge.label}s both ways` : d.edge.label }));
}

/** Lays the meshes out; positions are absolute, in pixels. */
export async function layoutPicture(meshes: readonly MeshViewMesh[]): Promise<Picture> {
  const byId = new Map<string, { row: MeshViewNode; kind: PictureNode['kind']; lines: string[] }>();
  const graph = elkGraph(meshes, byId);
  const laid = await new ELK().layout(graph);
  const nodes: PictureNode[] = [];
  const visit = (node: ElkNode) => {
    const drawn = byId.get(node.id);
    if (drawn) nodes.push({ id: node.id, ...drawn, x: node.x ?? 0, y: node.y ?? 0, width: node.width ?? 0, height: node.height ?? 0 });
    for (const child of node.children ?? []) visit(child);
  };
  visit(laid);
  const edgeData = new Map(meshes.flatMap((mesh) => drawnEdges(mesh).map((drawn) => [drawn.id, drawn] as const)));
  const edges = (laid.edges ?? []).flatMap((edge) => {
    const drawn = edgeData.get(edge.id);
    const points = (edge.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
    const label = edge.labels?.[0];
    const labelAt = label?.x !== undefined && label.y !== undefined ? { x: label.x, y: label.y + (label.height ?? 0) - 3 } : labelPoint(points);
    if (!drawn || !points.length) return [];
    const { kind, from, to } = drawn.edge;
    return [{ kind, label: drawn.text, from, to, points, labelAt, both: drawn.both }];
  });
  return { width: laid.width ?? 0, height: laid.height ?? 0, nodes, edges };
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function severityClass(counts: FindingCounts | undefined): string {
  return counts?.errors ? ' has-error' : counts?.warnings ? ' has-warning' : '';
}

/** The middle of the route's longest segment: where a label goes that ELK did not place. */
function labelPoint(points: readonly { x: number; y: number }[]): { x: number; y: number } {
  let best = { x: points[0].x, y: points[0].y, length: -1 };
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1], points[i]];
    const length = Math.abs(b.x - a.x) + Math.abs(b.y - a.y);
    if (length > best.length) best = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, length };
  }
  return best;
}

function nodeSvg(node: PictureNode): string {
  const { row } = node;
  const role = node.kind === 'leaf' ? `leaf kind-${row.kind}` : node.kind;
  const findings = findingWords(row.findings);
  const attributes = `class="node ${role}${severityClass(row.findings)}" data-id="${escape(node.id)}" tabindex="0" role="button" aria-label="${escape(row.accessibleLabel)}"`;
  const texts = node.lines.map(
    (line, i) => `<text x="${node.x + 10}" y="${node.y + 20 + i * LINE_HEIGHT}" class="${i === 0 ? 'title' : 'detail'}">${escape(line)}</text>`,
  );
  if (findings) {
    const y = node.kind === 'leaf' ? node.y + 20 + node.lines.length * LINE_HEIGHT : node.y + 20;
    const x = node.kind === 'leaf' ? node.x + 10 : node.x + node.width - 10;
    texts.push(`<text x="${x}" y="${y}" class="finding${node.kind === 'leaf' ? '' : ' end'}">⚠ ${escape(findings)}</text>`);
  }
  return `<g ${attributes}><title>${escape(row.accessibleLabel)}</title><rect x="${node.x}" y="${node.y}" width="${node.width}" height="${node.height}" rx="${node.kind === 'leaf' ? 4 : 8}"/>${texts.join('')}</g>`;
}

function edgeSvg(edge: PictureEdge): string {
  const d = edge.points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
  const at = edge.labelAt;
  return `<g class="edge edge-${edge.kind}"><path d="${d}"${edge.both ? ` marker-start="url(#arrow-${edge.kind})"` : ''} marker-end="url(#arrow-${edge.kind})"/><text x="${at.x.toFixed(1)}" y="${at.y.toFixed(1)}" class="edge-label">${escape(edge.label)}</text></g>`;
}

/** The picture's classes, in VS Code's theme colours with fallbacks for an exported file seen elsewhere. */
export const PICTURE_CSS = `
svg.topology { font-family: var(--vscode-font-family, sans-serif); font-size: 12px; }
.node rect { stroke-width: 1.5; }
.node.mesh rect { fill: var(--vscode-sideBar-background, #f7f7f7); stroke: var(--vscode-panel-border, #999); }
.node.network rect { fill: var(--vscode-editorWidget-background, #eef3f8); stroke: var(--vscode-charts-blue, #3b7dd8); stroke-dasharray: 6 3; }
.node.cluster rect { fill: var(--vscode-editor-background, #fff); stroke: var(--vscode-foreground, #444); }
.node.leaf rect { fill: var(--vscode-input-background, #fafafa); stroke: var(--vscode-charts-purple, #8250df); }
.node.leaf.kind-gateway rect { stroke: var(--vscode-charts-green, #2da44e); }
.node.leaf.kind-trust rect { stroke: var(--vscode-charts-orange, #d18616); }
.node.has-warning rect { stroke: var(--vscode-editorWarning-foreground, #bf8803); stroke-width: 2.5; }
.node.has-error rect { stroke: var(--vscode-errorForeground, #e51400); stroke-width: 2.5; }
.node text { fill: var(--vscode-foreground, #222); }
.node text.title { font-weight: 600; }
.node text.detail { fill: var(--vscode-descriptionForeground, #555); }
.node text.finding { fill: var(--vscode-errorForeground, #e51400); }
.node.has-warning text.finding { fill: var(--vscode-editorWarning-foreground, #bf8803); }
.node text.end { text-anchor: end; }
.node { cursor: pointer; outline: none; }
.node:focus-visible > rect { stroke: var(--vscode-focusBorder, #0078d4); stroke-width: 3; }
.edge path { fill: none; stroke-width: 1.5; }
.edge-serves path { stroke: var(--vscode-charts-purple, #8250df); }
.edge-discovers path { stroke: var(--vscode-charts-blue, #3b7dd8); stroke-dasharray: 5 3; }
.edge-hosts path { stroke: var(--vscode-charts-orange, #d18616); }
.edge text { fill: var(--vscode-descriptionForeground, #555); font-size: 11px; }
.arrowhead-serves { fill: var(--vscode-charts-purple, #8250df); }
.arrowhead-discovers { fill: var(--vscode-charts-blue, #3b7dd8); }
.arrowhead-hosts { fill: var(--vscode-charts-orange, #d18616); }
`;

const EDGE_KINDS: MeshViewEdge['kind'][] = ['serves', 'discovers', 'hosts'];

/**
 * The picture as SVG markup (no `<style>`: the webview styles it with PICTURE_CSS under its CSP; standaloneSvg adds
 * the style for a file). Groups are drawn first, then arrows, then the boxes inside clusters, so nothing hides an arrow.
 */
export function pictureSvg(picture: Picture, title: string): string {
  const markers = EDGE_KINDS.map(
    (kind) =>
      `<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead-${kind}"/></marker>`,
  ).join('');
  const groups = picture.nodes.filter((n) => n.kind !== 'leaf').map(nodeSvg);
  const leaves = picture.nodes.filter((n) => n.kind === 'leaf').map(nodeSvg);
  const width = Math.ceil(picture.width);
  const height = Math.ceil(picture.height);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="topology" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="group" aria-label="${escape(title)}">`,
    `<title>${escape(title)}</title><defs>${markers}</defs>`,
    ...groups,
    ...picture.edges.map(edgeSvg),
    ...leaves,
    '</svg>',
  ].join('\n');
}

/** The SVG as a file of its own: the XML declaration and the picture's style inside it. */
export function standaloneSvg(svg: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${svg.replace(/(<svg [^>]*>)/, `$1\n<style>${PICTURE_CSS}</style>`)}\n`;
}

/** Lays out and draws the meshes: what the webview shows and Export SVG writes. */
export async function drawTopology(meshes: readonly MeshViewMesh[]): Promise<{ svg: string; picture: Picture }> {
  const picture = await layoutPicture(meshes);
  const title = `Istio Mesh topology: ${meshes.map((m) => m.label).join(', ') || 'no cluster found'}`;
  return { svg: pictureSvg(picture, title), picture };
}

// The topology picture (features/topologyPicture.ts): the mesh model laid out by ELK and drawn as SVG, on the
// primary-remote mesh of two networks and the three primaries of test/fixtures/topology.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { meshView } from '../../server/src/features/meshView';
import { drawTopology, type PictureNode, standaloneSvg } from '../../server/src/features/topologyPicture';
import { analyzeFolder } from '../support/analyze';
import { FIXTURES } from '../support/paths';

async function drawn(name: string) {
  const folder = join(FIXTURES, 'topology', name);
  const { meshes, findings } = analyzeFolder(folder);
  const view = meshView(meshes, findings, () => new Map(), [folder], folder);
  return { view, ...(await drawTopology(view)) };
}

function inside(inner: PictureNode, outer: PictureNode): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

function near(point: { x: number; y: number }, box: PictureNode): boolean {
  const slack = 12;
  return point.x >= box.x - slack && point.x <= box.x + box.width + slack && point.y >= box.y - slack && point.y <= box.y + box.height + slack;
}

describe('the topology picture of a primary-remote mesh on two networks', async () => {
  const { view, picture, svg } = await drawn('primary-remote-multi-network');
  const box = (id: string) => {
    const node = picture.nodes.find((n) => n.id === id);
    assert.ok(node, `no box ${id}`);
    return node;
  };
  const mesh = box('primary-remote-multi-network#mesh');
  const east = box('primary-remote-multi-network#cluster:east');
  const west = box('primary-remote-multi-network#cluster:west');

  test('clusters sit inside their network, networks inside the mesh, and what a cluster runs inside the cluster', () => {
    const netEast = box('primary-remote-multi-network#network:net-east');
    const netWest = box('primary-remote-multi-network#network:net-west');
    assert.ok(inside(netEast, mesh) && inside(netWest, mesh));
    assert.ok(inside(east, netEast) && inside(west, netWest));
    const leaves = picture.nodes.filter((n) => n.kind === 'leaf');
    assert.deepEqual(leaves.map((n) => `${n.id.replace(/^.*#cluster:/, '').replace(/:.*$/, '')} ${n.lines[0]}`).sort(), [
      'east/control-plane Control plane east-control-plane',
      'east/gateway East-west gateway istio-eastwestgateway',
      'west/control-plane Remote profile west-remote',
      'west/gateway East-west gateway istio-eastwestgateway',
    ]);
    for (const leaf of leaves) assert.ok(inside(leaf, leaf.id.includes('#cluster:east/') ? east : west), `${leaf.id} inside its cluster`);
    const boxes = picture.nodes.filter((n) => n.kind === 'leaf' || n.kind === 'cluster');
    for (const a of boxes)
      for (const b of boxes)
        if (a !== b && !inside(a, b) && !inside(b, a))
          assert.ok(a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y, `${a.id} and ${b.id} do not overlap`);
  });

  test("the primary's control plane serves the remote, and the primary discovers it through a remote secret", () => {
    assert.deepEqual(
      picture.edges.map((e) => `${e.kind}: ${e.label}`),
      ['serves: serves', 'discovers: remote secret'],
    );
    const serves = picture.edges[0];
    assert.ok(near(serves.points[0], box(serves.from)), 'the arrow starts at the control plane');
    assert.ok(near(serves.points.at(-1)!, west), 'and ends at the remote');
    const discovers = picture.edges[1];
    assert.ok(near(discovers.points[0], east) && near(discovers.points.at(-1)!, west));
  });

  test('the finding is marked on the gateway it concerns; the gateways show their ports and what they expose', () => {
    const gateway = box('primary-remote-multi-network#cluster:west/gateway:istio-eastwestgateway');
    assert.deepEqual(gateway.lines, ['East-west gateway istio-eastwestgateway', 'ports 15021, 15443, 15012, 15017', 'exposes services']);
    assert.match(svg, /<g class="node leaf kind-gateway has-error" data-id="primary-remote-multi-network#cluster:west\/gateway:istio-eastwestgateway"/);
    assert.match(svg, /⚠ 1 error/);
    assert.deepEqual(box('primary-remote-multi-network#cluster:east/gateway:istio-eastwestgateway').lines.at(-1), 'exposes istiod, services');
  });

  test('every box is focusable and says what it is; the SVG loads nothing and runs nothing', () => {
    const boxes = [...svg.matchAll(/<g class="node[^"]*"[^>]*>/g)].map((m) => m[0]);
    assert.equal(boxes.length, picture.nodes.length);
    for (const g of boxes) assert.match(g, /tabindex="0" role="button" aria-label="[^"]+"/);
    assert.match(svg, /aria-label="Cluster west: remote, remote of east, network net-west, no kube context chosen, 1 error"/);
    assert.doesNotMatch(svg, /<script|<image|<foreignObject|href=|style="/);
    assert.deepEqual(
      [...svg.matchAll(/https?:\/\/[^"\s]+/g)].map((m) => m[0]),
      ['http://www.w3.org/2000/svg'],
    );
    assert.ok(!svg.includes('topology-fixture-token') && !svg.includes('west.orbit.example.internal'));
    assert.ok(view[0].edges.length === picture.edges.length);
  });

  test('the exported file carries its own style, with fallbacks for the theme colours', () => {
    const file = standaloneSvg(svg);
    assert.match(file, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg /);
    assert.match(file, /<style>[^<]*var\(--vscode-errorForeground, #e51400\)[^<]*<\/style>/);
    assert.equal((file.match(/<g /g) ?? []).length, (file.match(/<\/g>/g) ?? []).length);
  });
});

describe('the topology picture of three primaries on two networks', async () => {
  const { picture } = await drawn('multi-primary-three-clusters');

  test('two networks, three clusters, and each primary discovers the other two: one arrow per pair, with two heads', () => {
    assert.deepEqual(
      picture.nodes.filter((n) => n.kind === 'network').map((n) => n.lines[0]),
      ['Network net-blue', 'Network net-green'],
    );
    assert.deepEqual(
      picture.nodes.filter((n) => n.kind === 'cluster').map((n) => n.lines[0]),
      ['alpha — primary', 'beta — primary', 'gamma — primary'],
    );
    const discovers = picture.edges.filter((e) => e.kind === 'discovers');
    assert.deepEqual(
      discovers.map((e) => `${e.from.split(':').pop()} ↔ ${e.to.split(':').pop()}: ${e.label}`),
      ['alpha ↔ beta: remote secrets both ways', 'alpha ↔ gamma: remote secrets both ways', 'beta ↔ gamma: remote secrets both ways'],
    );
    assert.ok(discovers.every((e) => e.both));
    assert.equal(picture.edges.filter((e) => e.kind === 'serves').length, 0);
  });
});

test('an empty workspace draws an empty picture', async () => {
  const { picture, svg } = await drawTopology([]);
  assert.deepEqual(picture.nodes, []);
  assert.match(svg, /aria-label="Istio Mesh topology: no cluster found"/);
});

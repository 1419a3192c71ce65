// Go to definition on the mesh model: the reference forms Istio accepts, in the referring resource's clusters.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import { definitionAt, gatewayReference } from '../../server/src/features/navigation';
import { controlPlaneText } from '../support/texts';

const ROOT = '/mesh';

function definitions(files: Record<string, string>, from: string, text: string, occurrence = 1): string[] {
  const workspace = new Workspace([ROOT]);
  for (const [path, content] of Object.entries(files)) workspace.setFile(`${ROOT}/${path}`, content);
  const result = new Analyzer().analyze(workspace, { roots: [ROOT], clusters: [] });
  const file = workspace.getFile(`${ROOT}/${from}`)!;
  let offset = -1;
  for (let i = 0; i < occurrence; i++) offset = file.yaml.text.indexOf(text, offset + 1);
  assert.ok(offset >= 0, `${text} is in ${from}`);
  return definitionAt(file, offset + 1, result.meshes, (p) => workspace.getFile(p)).map((l) => `${l.file.slice(ROOT.length + 1)}:${l.range.start.line + 1}`);
}

const install = controlPlaneText;
const gateway = (namespace: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ingress
  namespace: ${namespace}
spec:
  selector:
    istio: ingressgateway
  servers:
    - port: {number: 443, name: https, protocol: HTTPS}
      tls: {mode: SIMPLE, credentialName: cert}
      hosts: ["*.example.com"]
`;
const virtualService = (gateways: string[]) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: shop
  namespace: shop
spec:
  hosts: ["shop.example.com"]
  gateways:
${gateways.map((g) => `    - ${g}`).join('\n')}
  http:
    - route:
        - destination:
            host: shop.shop.svc.cluster.local
`;
const service = `apiVersion: v1
kind: Service
metadata:
  name: shop
  namespace: shop
spec:
  ports: [{port: 80, name: http}]
`;

test('the reference forms of VirtualService.gateways', () => {
  assert.deepEqual(gatewayReference('ingress', 'shop'), { name: 'ingress', namespace: 'shop' });
  assert.deepEqual(gatewayReference('edge/ingress', 'shop'), { name: 'ingress', namespace: 'edge' });
  assert.deepEqual(gatewayReference('ingress.edge.svc.cluster.local', 'shop'), { name: 'ingress', namespace: 'edge' });
  assert.equal(gatewayReference('mesh', 'shop'), undefined);
});

test('a gateway entry opens the Gateway of its own cluster, in the namespace/name and FQDN forms', () => {
  const files = {
    'cluster1/istio.yaml': install('cluster1'),
    'cluster1/gateway.yaml': gateway('edge'),
    'cluster1/shop.yaml': virtualService(['edge/ingress', 'ingress.edge.svc.cluster.local', 'mesh']) + '---\n' + service,
    'cluster2/istio.yaml': install('cluster2'),
    'cluster2/gateway.yaml': gateway('edge'),
  };
  assert.deepEqual(definitions(files, 'cluster1/shop.yaml', 'edge/ingress'), ['cluster1/gateway.yaml:4']);
  assert.deepEqual(definitions(files, 'cluster1/shop.yaml', 'ingress.edge.svc'), ['cluster1/gateway.yaml:4']);
  assert.deepEqual(definitions(files, 'cluster1/shop.yaml', 'mesh'), []);
  assert.deepEqual(definitions(files, 'cluster1/shop.yaml', 'shop.shop.svc.cluster.local'), ['cluster1/shop.yaml:20']);
});

test('a kustomization resource path opens the file, or the kustomization of a folder', () => {
  const files = {
    'overlays/cluster1/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\n  - gateway.yaml\n',
    'overlays/cluster1/gateway.yaml': gateway('istio-system'),
    'base/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - istio.yaml\n',
    'base/istio.yaml': install('cluster1'),
  };
  assert.deepEqual(definitions(files, 'overlays/cluster1/kustomization.yaml', '../../base'), ['base/kustomization.yaml:1']);
  assert.deepEqual(definitions(files, 'overlays/cluster1/kustomization.yaml', 'gateway.yaml'), ['overlays/cluster1/gateway.yaml:1']);
});

// Go to definition on the mesh model: the reference forms Istio accepts, in the referring resource's clusters.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import { gatewayNameAt, gatewayNameOccurrences, invalidGatewayName } from '../../server/src/features/gatewayNames';
import { definitionAt, gatewayReference } from '../../server/src/features/navigation';
import { controlPlaneText } from '../support/texts';

const ROOT = '/mesh';

/** The files analysed, and the file `from` with the offset of the `occurrence`th `text` in it. */
function analysedAt(files: Record<string, string>, from: string, text: string, occurrence: number) {
  const workspace = new Workspace([ROOT]);
  for (const [path, content] of Object.entries(files)) workspace.setFile(`${ROOT}/${path}`, content);
  const result = new Analyzer().analyze(workspace, { roots: [ROOT], clusters: [] });
  const file = workspace.getFile(`${ROOT}/${from}`)!;
  let offset = -1;
  for (let i = 0; i < occurrence; i++) offset = file.yaml.text.indexOf(text, offset + 1);
  assert.ok(offset >= 0, `${text} is in ${from}`);
  return { workspace, meshes: result.meshes, file, offset };
}

function definitions(files: Record<string, string>, from: string, text: string, occurrence = 1): string[] {
  const { workspace, meshes, file, offset } = analysedAt(files, from, text, occurrence);
  return definitionAt(file, offset + 1, meshes, (p) => workspace.getFile(p)).map((l) => `${l.file.slice(ROOT.length + 1)}:${l.range.start.line + 1}`);
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

const istioCsrValues = (cluster: string) => `app:
  certmanager:
    namespace: istio-system
    issuer:
      name: istio-ca
      kind: Issuer
  server:
    clusterID: ${cluster}
`;
const issuer = (kind: string, name: string) => `apiVersion: cert-manager.io/v1
kind: ${kind}
metadata:
  name: ${name}
  namespace: istio-system
spec:
  selfSigned: {}
`;
const certificate = `apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: cacerts
  namespace: istio-system
spec:
  secretName: cacerts
  isCA: true
  commonName: istio-ca
  issuerRef:
    name: root
    kind: ClusterIssuer
`;
const remoteSecret = (cluster: string) => `apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-${cluster}
  namespace: istio-system
  labels:
    istio/multiCluster: "true"
  annotations:
    networking.istio.io/cluster: ${cluster}
stringData:
  ${cluster}: |
    apiVersion: v1
    kind: Config
`;

test('a remote secret opens the install of the cluster it registers, from its name, annotation and data key', () => {
  const files = {
    'cluster1/istio.yaml': install('cluster1'),
    'cluster1/remote-secret-cluster2.yaml': remoteSecret('cluster2'),
    'cluster2/istio.yaml': install('cluster2'),
  };
  for (const nth of [1, 2, 3])
    assert.deepEqual(definitions(files, 'cluster1/remote-secret-cluster2.yaml', 'cluster2', nth), ['cluster2/istio.yaml:8'], `${nth}`);
  assert.deepEqual(definitions(files, 'cluster1/remote-secret-cluster2.yaml', 'istio-system'), []);
});

test("an issuerRef opens the Issuer or ClusterIssuer of the resource's own cluster; caAddress opens istio-csr", () => {
  const withCa = (cluster: string) => install(cluster, '\n      caAddress: cert-manager-istio-csr.cert-manager.svc:443');
  const istioCsrService = `apiVersion: v1
kind: Service
metadata:
  name: cert-manager-istio-csr
  namespace: cert-manager
spec:
  ports: [{port: 443, name: grpc}]
`;
  const files = {
    'cluster1/istio.yaml': withCa('cluster1'),
    'cluster1/istio-csr-values.yaml': istioCsrValues('cluster1'),
    'cluster1/issuers.yaml': issuer('Issuer', 'istio-ca') + '---\n' + issuer('ClusterIssuer', 'root') + '---\n' + certificate,
    'cluster1/istio-csr-service.yaml': istioCsrService,
    'cluster2/istio.yaml': withCa('cluster2'),
    'cluster2/istio-csr-values.yaml': istioCsrValues('cluster2'),
    'cluster2/issuers.yaml': issuer('Issuer', 'istio-ca'),
  };
  assert.deepEqual(definitions(files, 'cluster1/istio-csr-values.yaml', 'istio-ca'), ['cluster1/issuers.yaml:4']);
  assert.deepEqual(definitions(files, 'cluster2/istio-csr-values.yaml', 'istio-ca'), ['cluster2/issuers.yaml:4']);
  assert.deepEqual(definitions(files, 'cluster1/issuers.yaml', 'name: root'.slice(6), 2), ['cluster1/issuers.yaml:12']);
  assert.deepEqual(definitions(files, 'cluster1/issuers.yaml', 'ClusterIssuer', 2), ['cluster1/issuers.yaml:12'], 'the kind is part of the reference');
  assert.deepEqual(definitions(files, 'cluster1/istio.yaml', 'cert-manager-istio-csr'), [
    'cluster1/istio-csr-service.yaml:4',
    'cluster1/istio-csr-values.yaml:1',
  ]);
  assert.deepEqual(definitions(files, 'cluster2/istio.yaml', 'cert-manager-istio-csr'), ['cluster2/istio-csr-values.yaml:1']);
});

test("a Gateway's selector opens the gateway deployments it selects in its cluster, not those it does not", () => {
  const withGateways = (cluster: string) => `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  profile: minimal
  components:
    ingressGateways:
      - name: istio-eastwestgateway
        enabled: true
        label:
          istio: eastwestgateway
      - name: istio-ingressgateway
        enabled: true
  values:
    global:
      meshID: mesh1
      multiCluster:
        clusterName: ${cluster}
      network: network1
`;
  const eastWest = gateway('istio-system').replace('istio: ingressgateway', 'istio: eastwestgateway');
  const files = { 'cluster1/istio.yaml': withGateways('cluster1'), 'cluster1/gateway.yaml': eastWest, 'cluster2/istio.yaml': withGateways('cluster2') };
  assert.deepEqual(definitions(files, 'cluster1/gateway.yaml', 'eastwestgateway'), ['cluster1/istio.yaml:7']);
  assert.deepEqual(definitions(files, 'cluster1/gateway.yaml', 'istio: east'), ['cluster1/istio.yaml:7'], 'from the label key too');
});

/** The Gateway name at `text` of `from`, and every place a rename changes, as `file:line written-text`. */
function gatewayRename(files: Record<string, string>, from: string, text: string): string[] {
  const { meshes, file, offset } = analysedAt(files, from, text, 1);
  const at = gatewayNameAt(file, offset + text.length, meshes);
  if (!at) return [];
  const mesh = meshes.find((m) => m.assignments.has(at.resource))!;
  return gatewayNameOccurrences(mesh, at).map((l) => {
    const line = files[l.file.slice(ROOT.length + 1)].split('\n')[l.range.start.line];
    return `${l.file.slice(ROOT.length + 1)}:${l.range.start.line + 1} ${line.slice(l.range.start.character, l.range.end.character)} in ${line.trim()}`;
  });
}

test("renaming a Gateway changes its name and each VirtualService binding of its cluster, keeping the reference's form", () => {
  const boundTo = virtualService(['edge/ingress', '"ingress.edge.svc.cluster.local"', 'mesh']).replace(
    '  http:\n    - route:',
    '  http:\n    - match:\n        - gateways: [edge/ingress]\n      route:',
  );
  const files = {
    'cluster1/istio.yaml': install('cluster1'),
    'cluster1/gateway.yaml': gateway('edge'),
    'cluster1/shop.yaml': boundTo,
    'cluster1/local.yaml': virtualService(['ingress']).replace('namespace: shop', 'namespace: edge').replace('name: shop\n', 'name: local\n'),
    'cluster2/istio.yaml': install('cluster2'),
    'cluster2/gateway.yaml': gateway('edge'),
    'cluster2/shop.yaml': boundTo,
  };
  const cluster1 = [
    'cluster1/gateway.yaml:4 ingress in name: ingress',
    'cluster1/local.yaml:9 ingress in - ingress',
    'cluster1/shop.yaml:9 ingress in - edge/ingress',
    'cluster1/shop.yaml:10 ingress in - "ingress.edge.svc.cluster.local"',
    'cluster1/shop.yaml:14 ingress in - gateways: [edge/ingress]',
  ];
  assert.deepEqual(gatewayRename(files, 'cluster1/gateway.yaml', 'name: ingress'), cluster1);
  assert.deepEqual(gatewayRename(files, 'cluster1/shop.yaml', 'edge/ingress'), cluster1, 'from a binding, the same places');
  assert.deepEqual(
    gatewayRename(files, 'cluster2/gateway.yaml', 'name: ingress').map((w) => w.split(' ')[0]),
    ['cluster2/gateway.yaml:4', 'cluster2/shop.yaml:9', 'cluster2/shop.yaml:10', 'cluster2/shop.yaml:14'],
    "cluster2's Gateway of the same name is another Gateway",
  );
  assert.deepEqual(gatewayRename(files, 'cluster1/shop.yaml', 'mesh'), [], 'mesh is no Gateway');
  assert.equal(invalidGatewayName('ingress-2'), undefined);
  assert.match(invalidGatewayName('ingress.edge')!, /not a valid Gateway name/);
});

// Synthetic but realistic multicluster meshes for the benchmark: one folder per cluster with its IstioOperator,
// east-west gateway, expose-istiod/expose-services, namespaces, a `cacerts` Secret made of real PEMs, the remote
// secrets istioctl would create, and M applications' VirtualServices, DestinationRules, ServiceEntries and
// Services. Deterministic: the same arguments give the same bytes (the PKI is generated once and cached).
//
//   node bench/generate.mjs --model multi-primary --clusters 10 --apps 20 [--out DIR]
//
// bench/models.mjs reuses these documents for small meshes of every other model and install form (for tests).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The east-west gateway and expose resources are the product's own generators (compiled by `tsc -b`), so the
// benchmark's meshes are laid out exactly as Istio Mesh writes them.
const { eastWestGatewayOperator, exposeIstiod, exposeServicesGateway } = createRequire(import.meta.url)('../out/server/src/generators/eastWest.js');

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const CACHE_DIR = join(BENCH_DIR, '.cache');
/** Bumped whenever the generated content changes, so cached meshes are rebuilt. */
const GENERATOR_VERSION = 5;
/** Applications per `apps/team-NN.yaml` file: GitOps repositories group an area's apps, not one file per object. */
const APPS_PER_FILE = 20;
export const MODELS = ['multi-primary', 'primary-remote'];

// ---------- PKI: a root CA and one intermediate CA per cluster, generated once with openssl ----------

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The shared root and cluster `index`'s intermediate CA (cert, key, chain), creating what the cache lacks. */
export function clusterPki(index) {
  const dir = join(CACHE_DIR, 'pki');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'root-cert.pem'))) {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'root-key.pem'], dir);
    openssl(
      ['req', '-x509', '-new', '-key', 'root-key.pem', '-sha256', '-days', '36500', '-subj', '/O=Istio Mesh Bench/CN=Root CA', '-out', 'root-cert.pem'],
      dir,
    );
  }
  const prefix = `cluster${index}`;
  if (!existsSync(join(dir, `${prefix}-ca-cert.pem`))) {
    const ext = join(dir, 'intermediate.ext');
    writeFileSync(ext, 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\n');
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${prefix}-ca-key.pem`], dir);
    openssl(
      ['req', '-new', '-key', `${prefix}-ca-key.pem`, '-subj', `/O=Istio Mesh Bench/CN=Intermediate CA ${prefix}/L=${prefix}`, '-out', `${prefix}.csr`],
      dir,
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${prefix}.csr`,
        '-CA',
        'root-cert.pem',
        '-CAkey',
        'root-key.pem',
        '-CAcreateserial',
        '-days',
        '36500',
        '-sha256',
        '-extfile',
        ext,
        '-out',
        `${prefix}-ca-cert.pem`,
      ],
      dir,
    );
    rmSync(join(dir, `${prefix}.csr`));
  }
  const read = (name) => readFileSync(join(dir, name), 'utf8');
  const root = read('root-cert.pem');
  const caCert = read(`${prefix}-ca-cert.pem`);
  return { root, caCert, caKey: read(`${prefix}-ca-key.pem`), chain: caCert + root };
}

// ---------- deterministic filler ----------

/** mulberry32: a tiny seeded generator, so tokens and addresses are the same on every run. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function fakeToken(random, length) {
  let token = '';
  for (let i = 0; i < length; i++) token += BASE64URL[Math.floor(random() * 64)];
  return token;
}

const b64 = (text) => Buffer.from(text, 'utf8').toString('base64');
const indent = (text, spaces) =>
  text
    .split('\n')
    .map((line) => (line ? ' '.repeat(spaces) + line : line))
    .join('\n');

// ---------- documents ----------

export const clusterName = (i) => `cluster${i}`;
export const networkName = (i) => `network${i}`;
const apiServer = (i) => `https://10.${Math.floor(i / 250)}.${i % 250}.1:6443`;
export const eastWestAddress = (i) => `34.${100 + Math.floor(i / 250)}.${i % 250}.10`;

function primaryOperator(i, model) {
  return `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: istio-${clusterName(i)}
  namespace: istio-system
spec:
  values:
    global:
      meshID: mesh1
      multiCluster:
        clusterName: ${clusterName(i)}
      network: ${networkName(i)}
${model === 'primary-remote' ? '      externalIstiod: true\n' : ''}`;
}

function remoteOperator(i, primary) {
  return `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: istio-${clusterName(i)}
  namespace: istio-system
spec:
  profile: remote
  values:
    istiodRemote:
      injectionPath: /inject/cluster/${clusterName(i)}/net/${networkName(i)}
    global:
      meshID: mesh1
      multiCluster:
        clusterName: ${clusterName(i)}
      network: ${networkName(i)}
      remotePilotAddress: ${eastWestAddress(primary)}
`;
}

const teamOf = (app) => `team-${String(Math.floor(app / APPS_PER_FILE)).padStart(2, '0')}`;

function namespaces(i, apps, controlPlane) {
  const annotation = controlPlane === undefined ? '' : `  annotations:\n    topology.istio.io/controlPlaneClusters: ${clusterName(controlPlane)}\n`;
  const docs = [
    `apiVersion: v1
kind: Namespace
metadata:
  name: istio-system
  labels:
    topology.istio.io/network: ${networkName(i)}
${annotation}`,
  ];
  const teams = new Set(Array.from({ length: apps }, (_, app) => teamOf(app)));
  for (const team of teams) docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${team}\n  labels:\n    istio-injection: enabled\n`);
  return docs.join('---\n');
}

export function cacertsSecret(i, namespace = 'istio-system') {
  const pki = clusterPki(i);
  return `apiVersion: v1
kind: Secret
metadata:
  name: cacerts
  namespace: ${namespace}
type: Opaque
data:
  ca-cert.pem: ${b64(pki.caCert)}
  ca-key.pem: ${b64(pki.caKey)}
  root-cert.pem: ${b64(pki.root)}
  cert-chain.pem: ${b64(pki.chain)}
`;
}

/**
 * What `istioctl create-remote-secret --name=clusterK` prints: a kubeconfig with clusterK's service-account
 * token. It is created once and applied to every cluster that reads clusterK, so every copy is the same text.
 */
export function remoteSecret(target, namespace = 'istio-system') {
  const random = seededRandom(target * 104729);
  const name = clusterName(target);
  const kubeconfig = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${b64(clusterPki(target).caCert)}
    server: ${apiServer(target)}
  name: ${name}
contexts:
- context:
    cluster: ${name}
    user: ${name}
  name: ${name}
current-context: ${name}
kind: Config
preferences: {}
users:
- name: ${name}
  user:
    token: ${fakeToken(random, 36)}.${fakeToken(random, 600)}.${fakeToken(random, 342)}
`;
  return `apiVersion: v1
kind: Secret
metadata:
  annotations:
    networking.istio.io/cluster: ${name}
  creationTimestamp: null
  labels:
    istio/multiCluster: "true"
  name: istio-remote-secret-${name}
  namespace: ${namespace}
stringData:
  ${name}: |
${indent(kubeconfig, 4)}`;
}

export function application(i, app, random) {
  const name = `app-${String(app).padStart(3, '0')}`;
  const ns = teamOf(app);
  const host = `${name}.${ns}.svc.cluster.local`;
  const timeout = 1 + Math.floor(random() * 9);
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
  labels:
    app: ${name}
spec:
  selector:
    app: ${name}
  ports:
    - name: http
      port: 8080
      targetPort: 8080
    - name: grpc
      port: 9090
      targetPort: 9090
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  hosts:
    - ${host}
  http:
    - match:
        - headers:
            x-canary:
              exact: "true"
      route:
        - destination:
            host: ${host}
            subset: v2
    - route:
        - destination:
            host: ${host}
            subset: v1
          weight: 90
        - destination:
            host: ${host}
            subset: v2
          weight: 10
      timeout: ${timeout}s
      retries:
        attempts: 3
        perTryTimeout: 500ms
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  host: ${host}
  trafficPolicy:
    tls:
      mode: ISTIO_MUTUAL
    outlierDetection:
      consecutive5xxErrors: 5
      interval: 30s
      baseEjectionTime: 60s
  subsets:
    - name: v1
      labels:
        version: v1
    - name: v2
      labels:
        version: v2
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${name}-upstream
  namespace: ${ns}
spec:
  hosts:
    - ${name}.api.${clusterName(i)}.example.com
  location: MESH_EXTERNAL
  ports:
    - number: 443
      name: https
      protocol: TLS
  resolution: DNS
`;
}

// ---------- the mesh ----------

/** The cluster index of the primary that runs a remote cluster's control plane (primary-remote only). */
const PRIMARY_OF_REMOTES = 1;

/** Files of one cluster, relative to the mesh folder, with their text. */
function clusterFiles(model, i, clusters, apps) {
  const random = seededRandom(i * 7919 + apps);
  const primary = model === 'multi-primary' || i === PRIMARY_OF_REMOTES;
  const dir = clusterName(i);
  const files = new Map();
  files.set(`${dir}/istio-operator.yaml`, primary ? primaryOperator(i, model) : remoteOperator(i, PRIMARY_OF_REMOTES));
  files.set(`${dir}/eastwest-gateway.yaml`, eastWestGatewayOperator(dir, networkName(i)));
  files.set(`${dir}/expose-services.yaml`, exposeServicesGateway(dir, 'istio-system'));
  if (model === 'primary-remote' && primary) files.set(`${dir}/expose-istiod.yaml`, exposeIstiod(dir, 'istio-system'));
  files.set(`${dir}/namespaces.yaml`, namespaces(i, apps, primary ? undefined : PRIMARY_OF_REMOTES));
  if (primary) files.set(`${dir}/cacerts.yaml`, cacertsSecret(i));
  // Multi-primary: every cluster reads every other; primary-remote: the primary reads its remotes.
  const targets = [];
  for (let j = 1; j <= clusters; j++) if (j !== i && (model === 'multi-primary' || primary)) targets.push(j);
  if (targets.length) files.set(`${dir}/remote-secrets.yaml`, targets.map((j) => remoteSecret(j)).join('---\n'));
  for (let first = 0; first < apps; first += APPS_PER_FILE) {
    const docs = [];
    for (let app = first; app < Math.min(apps, first + APPS_PER_FILE); app++) docs.push(application(i, app, random));
    files.set(`${dir}/apps/${teamOf(first)}.yaml`, docs.join('---\n'));
  }
  return files;
}

export function meshDir(model, clusters, apps) {
  return join(CACHE_DIR, 'meshes', `${model}-${clusters}x${apps}`);
}

/**
 * Writes the mesh (unless the cache already holds this version of it) and returns its folder and size.
 * Stats are recorded next to it so a cached mesh is described without re-reading it.
 */
export function generateMesh({ model, clusters, apps, out = meshDir(model, clusters, apps) }) {
  if (!MODELS.includes(model)) throw new Error(`unknown model ${model} (one of ${MODELS.join(', ')})`);
  const stamp = join(out, '.generated.json');
  if (existsSync(stamp)) {
    const stats = JSON.parse(readFileSync(stamp, 'utf8'));
    if (stats.version === GENERATOR_VERSION) return { dir: out, ...stats };
  }
  rmSync(out, { recursive: true, force: true });
  let bytes = 0;
  let documents = 0;
  let files = 0;
  for (let i = 1; i <= clusters; i++) {
    for (const [path, text] of clusterFiles(model, i, clusters, apps)) {
      const full = join(out, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
      bytes += Buffer.byteLength(text);
      documents += text.split(/^---$/m).length;
      files++;
    }
  }
  const stats = { version: GENERATOR_VERSION, model, clusters, apps, files, documents, bytes };
  writeFileSync(stamp, JSON.stringify(stats));
  return { dir: out, ...stats };
}

function parseArgs(argv) {
  const options = { model: 'multi-primary', clusters: 10, apps: 20 };
  for (let i = 0; i < argv.length; i++) {
    const next = () => argv[++i];
    if (argv[i] === '--model') options.model = next();
    else if (argv[i] === '--clusters') options.clusters = Number(next());
    else if (argv[i] === '--apps') options.apps = Number(next());
    else if (argv[i] === '--out') options.out = next();
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return options;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const mesh = generateMesh(parseArgs(process.argv.slice(2)));
  console.log(`${mesh.dir}: ${mesh.files} files, ${mesh.documents} documents, ${(mesh.bytes / 1e6).toFixed(1)} MB`);
}

// The runbook: the docs' install procedure derived from the workspace's files, for every example model, compared
// with the istio.io commands where the reference data is present, and quoted safely for a shell.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';

import { runRunbookCli } from '../../server/src/cli/runbook';
import { formatMarkdown, formatShell } from '../../server/src/runbook/format';
import { buildRunbooks, type Runbook, type RunbookStep } from '../../server/src/runbook/runbook';
import { analyzeFolder } from '../support/analyze';
import { layOutModel, OFFICIAL_MODELS } from '../support/officialModels';
import { EXAMPLES, FIXTURES, REFERENCE_SKIP_REASON, referenceDir } from '../support/paths';

function runbookOf(folder: string, contexts: Record<string, string> = {}): Runbook {
  const { meshes, findings } = analyzeFolder(folder);
  const runbooks = buildRunbooks(meshes, findings, () => new Map(Object.entries(contexts)), folder);
  assert.equal(runbooks.length, 1, `one mesh in ${folder}`);
  return runbooks[0];
}

/** `kind cluster: command`, for the install steps (trust and verification have their own tests). */
function installSequence(runbook: Runbook): string[] {
  return runbook.steps.filter((s) => s.phase === 'install').map((s) => `${s.kind} ${s.cluster}: ${s.display}`);
}

function stepsOf(runbook: Runbook, kind: RunbookStep['kind']): RunbookStep[] {
  return runbook.steps.filter((s) => s.kind === kind);
}

describe('runbook of the examples', () => {
  test('multi-primary: cacerts and control plane per cluster, then a remote secret each way', () => {
    const runbook = runbookOf(join(EXAMPLES, 'multi-primary'));
    assert.deepEqual(installSequence(runbook), [
      'control-plane cluster1: istioctl install -f cluster1/control-plane.yaml --context "${CTX_CLUSTER1}" -y',
      'control-plane cluster2: istioctl install -f cluster2/control-plane.yaml --context "${CTX_CLUSTER2}" -y',
      'remote-secret cluster2: istioctl create-remote-secret --context "${CTX_CLUSTER1}" --name=cluster1 | kubectl apply -f - --context "${CTX_CLUSTER2}"',
      'remote-secret cluster1: istioctl create-remote-secret --context "${CTX_CLUSTER2}" --name=cluster2 | kubectl apply -f - --context "${CTX_CLUSTER1}"',
    ]);
    // No cacerts in the workspace: the docs' plug-in CA commands, the namespace first (the Secret goes in it).
    assert.deepEqual(
      runbook.steps.filter((s) => s.phase === 'before-you-begin').map((s) => `${s.kind} ${s.cluster ?? '-'}`),
      ['namespace cluster1', 'root-ca -', 'cacerts cluster1', 'cacerts cluster1', 'namespace cluster2', 'cacerts cluster2', 'cacerts cluster2'],
    );
    const remoteSecret = stepsOf(runbook, 'remote-secret')[0];
    assert.deepEqual(remoteSecret.pipeline, [
      ['istioctl', 'create-remote-secret', '--context', '${CTX_CLUSTER1}', '--name=cluster1'],
      ['kubectl', 'apply', '-f', '-', '--context', '${CTX_CLUSTER2}'],
    ]);
    assert.deepEqual(runbook.variables.map((v) => v.name).sort(), ['CTX_CLUSTER1', 'CTX_CLUSTER2', 'ISTIO_DIR']);
    assert.deepEqual(runbook.fixFirst, []);
  });

  test('multi-primary multi-network: namespace files, east-west gateways, their addresses, expose-services', () => {
    const runbook = runbookOf(join(EXAMPLES, 'multi-primary-multi-network'));
    assert.deepEqual(
      installSequence(runbook).map((s) => s.split(':')[0]),
      [
        'namespace cluster1',
        'control-plane cluster1',
        'gateway cluster1',
        'gateway-address cluster1',
        'expose-services cluster1',
        'namespace cluster2',
        'control-plane cluster2',
        'gateway cluster2',
        'gateway-address cluster2',
        'expose-services cluster2',
        'remote-secret cluster2',
        'remote-secret cluster1',
      ],
    );
    assert.equal(stepsOf(runbook, 'namespace')[0].display, 'kubectl apply -f cluster1/istio-system.yaml --context "${CTX_CLUSTER1}"');
    assert.equal(stepsOf(runbook, 'gateway')[0].display, 'istioctl install -f cluster1/eastwest-gateway.yaml --context "${CTX_CLUSTER1}" -y');
    assert.equal(stepsOf(runbook, 'gateway-address')[1].display, 'kubectl get svc istio-eastwestgateway -n istio-system --context "${CTX_CLUSTER2}"');
    // The Namespace is a file: it is applied, never labelled by hand.
    assert.equal(stepsOf(runbook, 'network-label').length, 0);
  });

  test('primary-remote: the remote waits for the primary, reads its discovery address, then joins with a remote secret', () => {
    const runbook = runbookOf(join(EXAMPLES, 'primary-remote'), { cluster1: 'kind-east' });
    assert.deepEqual(installSequence(runbook), [
      'control-plane cluster1: istioctl install -f cluster1/control-plane.yaml --context kind-east -y',
      'gateway cluster1: istioctl install -f cluster1/eastwest-gateway.yaml --context kind-east -y',
      'gateway-address cluster1: kubectl get svc istio-eastwestgateway -n istio-system --context kind-east',
      'expose-istiod cluster1: kubectl apply -f cluster1/expose-istiod.yaml --context kind-east',
      'namespace cluster2: kubectl apply -f cluster2/istio-system.yaml --context "${CTX_CLUSTER2}"',
      `discovery-address cluster1: export DISCOVERY_ADDRESS="$(kubectl get svc istio-eastwestgateway -n istio-system --context kind-east -o 'jsonpath={.status.loadBalancer.ingress[0].ip}')"`,
      'control-plane cluster2: envsubst < cluster2/remote-profile.yaml | istioctl install -f - --context "${CTX_CLUSTER2}" -y',
      'remote-secret cluster1: istioctl create-remote-secret --context "${CTX_CLUSTER2}" --name=cluster2 | kubectl apply -f - --context kind-east',
    ]);
    const discovery = stepsOf(runbook, 'discovery-address')[0];
    assert.equal(discovery.assigns, 'DISCOVERY_ADDRESS');
    assert.deepEqual(runbook.variables.find((v) => v.name === 'DISCOVERY_ADDRESS')?.setByStep, discovery.number);
    // Only the primary runs istiod: no cacerts for the remote.
    assert.deepEqual(
      stepsOf(runbook, 'cacerts').map((s) => s.cluster),
      ['cluster1', 'cluster1'],
    );
    assert.deepEqual(stepsOf(runbook, 'verify')[0].pipeline, [['istioctl', 'remote-clusters', '--context', 'kind-east']]);
  });

  test('primary-remote multi-network: the primary exposes services after its remote joined, on the primary only', () => {
    const runbook = runbookOf(join(EXAMPLES, 'primary-remote-multi-network'));
    const kinds = installSequence(runbook).map((s) => s.split(':')[0]);
    assert.deepEqual(kinds, [
      'namespace cluster1',
      'control-plane cluster1',
      'gateway cluster1',
      'gateway-address cluster1',
      'expose-istiod cluster1',
      'namespace cluster2',
      'discovery-address cluster1',
      'control-plane cluster2',
      'remote-secret cluster1',
      'gateway cluster2',
      'gateway-address cluster2',
      'expose-services cluster1',
    ]);
  });

  test("helm-chart: a chart's templates are rendered by helm with the cluster's release values, never applied as written", () => {
    const runbook = runbookOf(join(EXAMPLES, 'helm-chart'));
    const exposures = installSequence(runbook).filter((s) => s.startsWith('expose-'));
    assert.deepEqual(exposures, [
      'expose-istiod cluster1: helm template mesh-gateways charts/mesh-gateways -f charts/mesh-gateways/values-cluster1.yaml --show-only templates/expose-istiod.yaml | kubectl apply -f - --context "${CTX_CLUSTER1}"',
      'expose-services cluster1: helm template mesh-gateways charts/mesh-gateways -f charts/mesh-gateways/values-cluster1.yaml --show-only templates/cross-network-gateway.yaml | kubectl apply -f - --context "${CTX_CLUSTER1}"',
    ]);
  });

  test("helm: base, istiod and gateway releases from the values files, in the Helm guide's order", () => {
    const runbook = runbookOf(join(EXAMPLES, 'helm'));
    const cluster1 = runbook.steps.filter((s) => s.cluster === 'cluster1' && ['control-plane', 'gateway'].includes(s.kind));
    assert.deepEqual(
      cluster1.map((s) => s.pipeline[0]),
      [
        [
          'helm',
          'upgrade',
          '--install',
          'istio-base',
          'istio/base',
          '-n',
          'istio-system',
          '-f',
          'cluster1/istio-base-values.yaml',
          '--kube-context',
          '${CTX_CLUSTER1}',
        ],
        [
          'helm',
          'upgrade',
          '--install',
          'istiod',
          'istio/istiod',
          '-n',
          'istio-system',
          '-f',
          'cluster1/istiod-values.yaml',
          '--kube-context',
          '${CTX_CLUSTER1}',
        ],
        [
          'helm',
          'upgrade',
          '--install',
          'istio-eastwestgateway',
          'istio/gateway',
          '-n',
          'istio-system',
          '-f',
          'cluster1/eastwest-gateway-values.yaml',
          '--kube-context',
          '${CTX_CLUSTER1}',
        ],
      ],
    );
  });

  test('flux and argocd: the wrappers are applied to the cluster the controller runs in', () => {
    for (const [example, controller] of [
      ['flux', 'flux'],
      ['argocd', 'argocd'],
    ] as const) {
      const runbook = runbookOf(join(EXAMPLES, example), { [controller]: 'mgmt' });
      const installs = stepsOf(runbook, 'control-plane');
      assert.deepEqual(
        installs.map((s) => s.display),
        [`kubectl apply -f cluster1.yaml --context mgmt`, `kubectl apply -f cluster2.yaml --context mgmt`],
        example,
      );
      assert.deepEqual(
        installs.map((s) => s.cluster),
        ['cluster1', 'cluster2'],
      );
      // The gateway those releases create is still waited for in the target cluster.
      assert.equal(stepsOf(runbook, 'gateway-address')[0].context, '${CTX_CLUSTER1}');
    }
    const unmapped = runbookOf(join(EXAMPLES, 'flux'));
    assert.ok(unmapped.variables.some((v) => v.name === 'CTX_FLUX'));
  });

  test('sail and ambient: Sail resources with kubectl; ambient needs no expose-services and verifies with ambient labels', () => {
    const sail = runbookOf(join(EXAMPLES, 'sail'));
    assert.equal(stepsOf(sail, 'control-plane')[0].display, 'kubectl apply -f cluster1/istio.yaml --context "${CTX_CLUSTER1}"');
    assert.match(stepsOf(sail, 'gateway')[0].display, /^helm upgrade --install istio-eastwestgateway istio\/gateway /);
    const ambient = runbookOf(join(EXAMPLES, 'ambient'));
    assert.deepEqual(
      stepsOf(ambient, 'gateway').map((s) => s.display),
      [
        'kubectl apply -f cluster1/eastwest-gateway.yaml --context "${CTX_CLUSTER1}"',
        'kubectl apply -f cluster2/eastwest-gateway.yaml --context "${CTX_CLUSTER2}"',
      ],
    );
    assert.equal(stepsOf(ambient, 'expose-services').length, 0);
    assert.ok(ambient.steps.some((s) => s.display.includes('istio.io/dataplane-mode=ambient')));
    assert.ok(ambient.steps.some((s) => s.display.includes('istio.io/global=true')));
  });

  test("mistakes: the errors come first with file:line, and the missing expose-istiod is the docs' sample", () => {
    const folder = join(EXAMPLES, 'mistakes');
    const runbook = runbookOf(folder);
    assert.deepEqual(
      runbook.fixFirst.map((f) => `${f.code} ${basename(f.file)}:${f.line}`),
      [
        'MESH205 control-plane.yaml:10',
        'MESH101 control-plane.yaml:11',
        'MESH201 remote-profile.yaml:11',
        'MESH101 control-plane.yaml:13',
        'MESH104 istio-system.yaml:9',
      ],
    );
    const markdown = formatMarkdown([runbook], folder);
    assert.match(markdown, /## Fix before you start\n\n- `east\/control-plane.yaml:10:5` \*\*MESH205\*\*/);
    const exposure = stepsOf(runbook, 'expose-istiod');
    assert.equal(exposure.length, 1);
    assert.equal(exposure[0].workingDirectory, '${ISTIO_DIR}');
    assert.deepEqual(exposure[0].pipeline[0], [
      'kubectl',
      'apply',
      '-n',
      'istio-system',
      '-f',
      'samples/multicluster/expose-istiod.yaml',
      '--context',
      '${CTX_EAST}',
    ]);
  });
});

describe('runbook safety', () => {
  test('a context with shell characters stays literal when the command runs in a shell', () => {
    const hostile = `prod'; touch /tmp/pwned-$(id -u) "$HOME" \`x\``;
    const runbook = runbookOf(join(EXAMPLES, 'primary-remote'), { cluster1: hostile, cluster2: 'a b' });
    for (const step of runbook.steps.filter((s) => s.pipeline.length === 1 && !s.workingDirectory && !s.assigns && !s.input)) {
      // The display form, with the program replaced by printf, must give back exactly the argument array.
      const echoed = execFileSync('bash', ['-c', `printf '%s\\n' ${step.display.slice(step.pipeline[0][0].length)}`], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, CTX_CLUSTER1: 'unused' },
      });
      assert.deepEqual(echoed.split('\n').slice(0, -1), step.pipeline[0].slice(1), step.display);
    }
    const script = formatShell([runbook], join(EXAMPLES, 'primary-remote'));
    execFileSync('bash', ['-n'], { input: script });
    assert.match(script, /^set -euo pipefail$/m);
    assert.ok(!script.includes(`--context ${hostile}`));
  });

  test('the shell script expands only its own variables and checks them before it starts', () => {
    const script = formatShell([runbookOf(join(EXAMPLES, 'primary-remote'))], join(EXAMPLES, 'primary-remote'));
    assert.match(script, /^: "\$\{CTX_CLUSTER2:\?set CTX_CLUSTER2: the kube context of cluster cluster2\}"$/m);
    assert.match(script, /^DISCOVERY_ADDRESS="\$\(kubectl get svc istio-eastwestgateway .*\)"$/m);
    assert.match(script, /^\[ -n "\$\{DISCOVERY_ADDRESS\}" \] \|\| \{ echo .* exit 1; \}$/m);
    // DISCOVERY_ADDRESS is set by the script, so it is not demanded up front.
    assert.doesNotMatch(script, /DISCOVERY_ADDRESS:\?/);
  });

  test('remote secrets in the files are applied by name; their credentials appear nowhere', () => {
    const folder = join(FIXTURES, 'apply');
    const token = 'fixture-remote-token-7f3c9a1e5d2b48c6';
    assert.ok(readFileSync(join(folder, 'cluster1', 'remote-secret-cluster2.yaml'), 'utf8').includes(token));
    const { meshes, findings } = analyzeFolder(folder);
    const runbooks = buildRunbooks(meshes, findings, () => new Map(), folder);
    const fromFile = runbooks[0].steps.filter((s) => s.kind === 'remote-secret' && s.files.length);
    assert.deepEqual(
      fromFile.map((s) => s.display),
      ['kubectl apply -f cluster1/remote-secret-cluster2.yaml --context "${CTX_CLUSTER1}"'],
    );
    for (const text of [JSON.stringify(runbooks), formatMarkdown(runbooks, folder), formatShell(runbooks, folder)]) assert.ok(!text.includes(token));
  });
});

describe('the shell script runs end to end', () => {
  /**
   * The script of primary-remote-multi-network run by bash with stand-ins for kubectl, istioctl, make and envsubst
   * (each logs its arguments): cluster1's east-west gateway gets an address at the third look, cluster2's never
   * unless `addressAfter` says so.
   */
  function runScript(addressAfter: number, env: Record<string, string> = {}): { status: number | null; log: string[]; stderr: string } {
    const folder = join(EXAMPLES, 'primary-remote-multi-network');
    const work = mkdtempSync(join(tmpdir(), 'istio-mesh-runbook-'));
    try {
      const bin = join(work, 'bin');
      mkdirSync(bin);
      const stub = [
        '#!/usr/bin/env bash',
        'echo "$(basename "$0") $*" >> "$STUB_LOG"',
        // A look at the Service's address: empty until the attempt addressAfter.
        'if [[ "$*" == *"get svc"*"-o jsonpath="* ]]; then',
        '  n=$(( $(cat "$STUB_COUNT" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$STUB_COUNT"',
        '  [ "$n" -ge "$ADDRESS_AFTER" ] && echo 192.0.2.10',
        'fi',
        'exit 0',
      ].join('\n');
      for (const program of ['kubectl', 'istioctl', 'make', 'envsubst']) writeFileSync(join(bin, program), stub, { mode: 0o755 });
      writeFileSync(join(work, 'runbook.sh'), formatShell([runbookOf(folder)], folder));
      // stdin is not a socket: bash would read ~/.bashrc as for a remote shell.
      const result = spawnSync('bash', [join(work, 'runbook.sh')], {
        cwd: folder,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          STUB_LOG: join(work, 'log'),
          STUB_COUNT: join(work, 'count'),
          ADDRESS_AFTER: String(addressAfter),
          CTX_CLUSTER1: 'kind-cluster1',
          CTX_CLUSTER2: 'kind-cluster2',
          ISTIO_DIR: join(work, 'istio'),
          ISTIO_MESH_WAIT_SECONDS: '0',
          ...env,
        },
      });
      const log = existsSync(join(work, 'log')) ? readFileSync(join(work, 'log'), 'utf8').trim().split('\n') : [];
      return { status: result.status, log, stderr: result.stderr };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  test("it waits for the east-west gateway's address, then goes on to the end", () => {
    const { status, log, stderr } = runScript(3);
    assert.equal(status, 0, stderr);
    const looks = log.filter((line) => line.includes('get svc istio-eastwestgateway') && line.includes('--context kind-cluster1 -o'));
    // Two looks without an address, the one that finds it (the wait), then DISCOVERY_ADDRESS read once.
    assert.equal(looks.length, 4, log.join('\n'));
    assert.match(stderr, /^step 7: waiting for an external address of istio-eastwestgateway in cluster1 \(attempt 2\)$/m);
    assert.match(log.at(-1)!, /^kubectl exec -n sample -c curl deploy\/curl --context kind-cluster2 /);
  });

  test('it gives up after its attempts, saying what it waited for', () => {
    const { status, log, stderr } = runScript(1000, { ISTIO_MESH_WAIT_ATTEMPTS: '3' });
    assert.equal(status, 1);
    assert.match(stderr, /^step 7: gave up waiting for an external address of istio-eastwestgateway in cluster1 after 3 attempts$/m);
    assert.equal(log.filter((line) => line.includes('get svc')).length, 3);
    assert.ok(!log.some((line) => line.startsWith('kubectl apply -f cluster1/expose-istiod.yaml')), log.join('\n'));
  });
});

describe('CLI', () => {
  async function cli(args: string[], cwd = EXAMPLES) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runRunbookCli(args, { out: (t) => out.push(t), err: (l) => err.push(l), cwd });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  test('istio-mesh runbook prints markdown, json and shell; --context CLUSTER=CTX names the contexts', async () => {
    const markdown = await cli(['primary-remote', '--context', 'cluster1=ctx=with=equals']);
    assert.equal(markdown.code, 0);
    assert.match(markdown.out, /^# Istio Mesh runbook: primary-remote/);
    assert.match(markdown.out, /istioctl install -f primary-remote\/cluster1\/control-plane.yaml --context ctx=with=equals -y/);
    const json = JSON.parse((await cli(['primary-remote', '--format', 'json'])).out) as Runbook[];
    assert.equal(json[0].steps[0].number, 1);
    assert.equal(json[0].root, 'primary-remote');
    assert.match((await cli(['multi-primary', '--format', 'shell'])).out, /^#!\/usr\/bin\/env bash\n/);
  });

  test('bad usage exits 2', async () => {
    assert.equal((await cli(['multi-primary', '--format', 'yaml'])).code, 2);
    assert.equal((await cli(['multi-primary', '--context', 'no-equals-sign'])).code, 2);
  });
});

/** A command of the docs' commands.txt, at the level compared: what kind, which cluster, which file. */
interface DocsCommand {
  kind: string;
  cluster: string;
  file?: string;
}

const CONTEXT_CLUSTER = /CTX_(CLUSTER\d+)/g;

function docsClusters(line: string): string[] {
  return [...line.matchAll(CONTEXT_CLUSTER)].map((m) => m[1].toLowerCase());
}

function classifyDocsCommand(line: string): DocsCommand | undefined {
  const [first] = docsClusters(line);
  if (/create-remote-secret/.test(line)) {
    const [source, holder] = docsClusters(line);
    return { kind: 'remote-secret', cluster: holder, file: source };
  }
  if (/gen-eastwest-gateway\.sh/.test(line)) return { kind: 'gateway', cluster: first, file: `${first}-eastwest-gateway.yaml` };
  if (/^export DISCOVERY_ADDRESS=/.test(line)) return { kind: 'discovery-address', cluster: first };
  if (/istioctl install .*-f (\S+)/.test(line)) return { kind: 'control-plane', cluster: first, file: /-f (\S+)/.exec(line)![1] };
  if (/get svc istio-eastwestgateway/.test(line)) return { kind: 'gateway-address', cluster: first };
  if (/expose-istiod\.yaml/.test(line)) return { kind: 'expose-istiod', cluster: first, file: 'expose-istiod.yaml' };
  if (/expose-services\.yaml/.test(line)) return { kind: 'expose-services', cluster: first, file: 'expose-services.yaml' };
  if (/label namespace istio-system topology\.istio\.io\/network=/.test(line)) return { kind: 'network-label', cluster: first };
  if (/annotate namespace istio-system/.test(line)) return { kind: 'control-plane-clusters', cluster: first };
  if (/create namespace istio-system/.test(line)) return { kind: 'namespace', cluster: first };
  return undefined;
}

/** The istioctl path of a model's page, in order: alternatives ("Helm path instead", "Path B ... replaces") and cleanup left out. */
function docsInstallCommands(text: string): DocsCommand[] {
  const commands: DocsCommand[] = [];
  let alternative = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('## Cleanup')) break;
    if (line.startsWith('#')) {
      alternative = /instead|replaces/i.test(line);
      continue;
    }
    if (!line.trim() || alternative) continue;
    const command = classifyDocsCommand(line);
    assert.ok(command, `a docs command this test does not classify: ${line}`);
    commands.push(command);
  }
  return commands;
}

/**
 * Known difference: the docs create, annotate and label istio-system with kubectl; a workspace that has the
 * Namespace as a file applies it instead. Both are one "namespace" entry per cluster at the same position.
 */
function collapseNamespaceSteps(commands: DocsCommand[]): string[] {
  const namespaceKinds = new Set(['namespace', 'network-label', 'control-plane-clusters']);
  const keys: string[] = [];
  for (const command of commands) {
    const key = namespaceKinds.has(command.kind)
      ? `namespace ${command.cluster}`
      : `${command.kind} ${command.cluster}${command.file ? ` ${command.file}` : ''}`;
    if (key !== keys[keys.length - 1] || !key.startsWith('namespace ')) keys.push(key);
  }
  return keys;
}

function runbookCommands(runbook: Runbook): DocsCommand[] {
  return runbook.steps
    .filter((s) => s.phase === 'install')
    .map((step) => {
      const source = step.kind === 'remote-secret' ? /--name=(\S+)/.exec(step.pipeline[0].join(' '))?.[1] : undefined;
      const compared = ['control-plane', 'gateway', 'expose-istiod', 'expose-services'].includes(step.kind);
      return {
        kind: step.kind,
        cluster: step.cluster!,
        file: source ?? (compared ? basename(step.files[0]?.path ?? step.pipeline.flat().find((a) => a.endsWith('.yaml')) ?? '') : undefined),
      };
    });
}

describe('runbook against the istio.io commands', { skip: referenceDir() ? false : REFERENCE_SKIP_REASON }, () => {
  for (const model of OFFICIAL_MODELS) {
    test(`${model}: the install steps are the docs' steps, in the docs' order`, () => {
      const reference = referenceDir()!;
      const { root } = layOutModel(reference, model);
      const runbook = runbookOf(root);
      const docs = collapseNamespaceSteps(docsInstallCommands(readFileSync(join(reference, 'istio.io', model, 'commands.txt'), 'utf8')));
      assert.deepEqual(collapseNamespaceSteps(runbookCommands(runbook)), docs);
    });
  }

  test("before-you-begin: the cacerts Secret is created with the docs' layout, for each primary", () => {
    const reference = referenceDir()!;
    const docs = readFileSync(join(reference, 'istio.io', 'before-you-begin', 'commands.txt'), 'utf8');
    const docsSecret = docs
      .split('\n')
      .find((l) => l.startsWith('kubectl create secret generic cacerts'))!
      .split(' ');
    const { root } = layOutModel(reference, 'multi-primary');
    const runbook = runbookOf(root);
    const secrets = runbook.steps.filter((s) => s.kind === 'cacerts' && s.pipeline[0][0] === 'kubectl');
    assert.deepEqual(
      secrets.map((s) => s.cluster),
      ['cluster1', 'cluster2'],
    );
    // The docs run it in the current context; the runbook names the cluster's context.
    assert.deepEqual(secrets[0].pipeline[0], [...docsSecret, '--context', '${CTX_CLUSTER1}']);
    assert.ok(docs.includes(`make -f ${stepsOf(runbook, 'root-ca')[0].pipeline[0].slice(2).join(' ')}`));
  });

  test('verify: istioctl remote-clusters first, against each primary', () => {
    const reference = referenceDir()!;
    const verify = readFileSync(join(reference, 'istio.io', 'verify', 'commands.txt'), 'utf8');
    assert.match(verify, /^istioctl remote-clusters --context="\$\{CTX_CLUSTER1\}"$/m);
    const { root } = layOutModel(reference, 'primary-remote');
    const first = runbookOf(root).steps.find((s) => s.phase === 'verify')!;
    assert.deepEqual(first.pipeline, [['istioctl', 'remote-clusters', '--context', '${CTX_CLUSTER1}']]);
  });
});

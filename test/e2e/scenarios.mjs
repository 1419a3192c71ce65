// The E2E scenarios, in the order they run against one workbench per session (its fixture folder copied to a temp
// folder). Each is { name, title, session?, prepare?(workspaceDir), run(ctx) }; prepare runs on the copy before the
// workbench opens it; session 'untrusted' runs in a second VS Code with workspace trust on, 'multiNetwork' in a third
// on test/e2e/workspace-multi-network with fake API servers behind KUBECONFIG (run.mjs SESSIONS).
// What they expect is data at the top, so a new feature adds a row or a scenario.
// ctx: { wb: Workbench, codeServer, languageServer: LanguageServerProbe, workspaceDir, session (what the session's
// start() gave: the fake clusters, or skipReason), shot(name), note(text), skip(reason), check(ok, message) }.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describeProblems, overlaps } from './lib/workbench.mjs';

/** Findings the fixture workspace must show in the Problems panel before any file is opened. */
export const EXPECTED_PROBLEMS = [
  { code: 'YAML001', file: 'broken.yaml', line: 9, column: 3, severity: 'error' },
  { code: 'MESH101', file: 'cluster1/istio-operator.yaml', line: 9, column: 15, severity: 'error' },
  { code: 'MESH101', file: 'cluster2/istio-operator.yaml', line: 9, column: 15, severity: 'error' },
];

/** Squiggles under exact text once a file is opened: `text` starts at line:column. `readmeImage` as in COMPLETIONS. */
export const EXPECTED_SQUIGGLES = [
  { file: 'cluster1/istio-operator.yaml', severity: 'error', line: 9, column: 15, text: 'east-mesh', hoverContains: 'meshID', readmeImage: 'mesh-finding' },
];

/** The edit that resolves the meshID mismatch: typed into cluster2's file, it clears cluster1's finding. */
export const MESH_ID_EDIT = {
  file: 'cluster2/istio-operator.yaml',
  line: 9,
  column: 15,
  oldText: 'east-mesh-2',
  newText: 'east-mesh',
  clears: 'cluster1/istio-operator.yaml',
  code: 'MESH101',
};

/**
 * Completion cases: on `line` of `file`, the text after `after` is deleted and suggestions are asked for there; each
 * `expected` label must be offered. `hover` (optional): hovering the word `on` of that line shows `contains`.
 * `readmeImage`: the screenshot also illustrates the README (docs/images/NAME.png, with E2E_README_IMAGES=1).
 */
export const COMPLETIONS = [
  {
    name: 'a Gateway name in VirtualService.gateways',
    file: 'cluster1/expose-istiod.yaml',
    line: 29,
    after: '- ',
    expected: ['istiod-gateway'],
  },
  {
    name: 'Gateway tls.mode values',
    file: 'cluster1/expose-istiod.yaml',
    line: 16,
    after: 'mode: ',
    expected: ['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL'],
    readmeImage: 'completion',
    hover: { on: 'mode', contains: 'TLS', readmeImage: 'hover' },
  },
];

export const SNIPPET = {
  file: 'new-remote.yaml',
  prefix: 'istio-remote',
  inserted: ['kind: IstioOperator', 'profile: remote', 'remotePilotAddress: ${DISCOVERY_ADDRESS}'],
  placeholder: '${DISCOVERY_ADDRESS}',
  /** The part of the placeholder the grammar colours as a variable (its `${` and `}` are punctuation). */
  placeholderName: 'DISCOVERY_ADDRESS',
  /** A plain scalar the placeholder must not look like. */
  plainValue: { key: 'profile: ', text: 'remote' },
};

export const DIRECTIVE = { file: 'cluster1/expose-istiod.yaml', line: 1, keyword: 'istio-mesh:' };

/**
 * The multiNetwork session's workspace (test/e2e/workspace-multi-network): cluster1 on network1, cluster2 and
 * cluster3 on network2, none with an east-west gateway; cluster3's meshID is the odd one out.
 */
/**
 * A Gateway whose tls.mode is misspelt (SCHEMA003 under `PASTHROUGH`), written by `prepare`; its quick fix
 * "Suppress SCHEMA003 for this document" writes the ignore comment above the document, which clears the squiggle.
 */
export const SUPPRESSION = {
  file: 'cluster1/passthrough-gateway.yaml',
  content:
    'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: passthrough\n  namespace: istio-system\nspec:\n  selector:\n    istio: ingressgateway\n  servers:\n    - port: {number: 443, name: tls, protocol: TLS}\n      tls:\n        mode: PASTHROUGH\n      hosts: ["apps.example.com"]\n',
  code: 'SCHEMA003',
  line: 12,
  column: 15,
  text: 'PASTHROUGH',
  title: 'Suppress SCHEMA003 for this document',
  comment: '# istio-mesh: ignore=SCHEMA003',
};

/** The istioMesh.rules setting written to the workspace's .vscode/settings.json: broken.yaml's syntax error turned off. */
export const RULES_SETTING = { code: 'YAML001', file: 'broken.yaml', settings: { 'istioMesh.rules': { YAML001: 'off' } } };

/** The odd meshID's quick fix, and a finding of another file that must stay listed once it is applied. */
export const QUICK_FIX = {
  file: 'cluster3/istio-operator.yaml',
  code: 'MESH101',
  line: 10,
  column: 15,
  title: 'Change meshID to "mesh1"',
  fixedLine: 'meshID: mesh1',
  stays: { code: 'MESH106', file: 'cluster1/istio-operator.yaml', line: 13 },
};

/**
 * The generator offered on MESH106 while no cluster has an east-west gateway: cluster1, alone in network1, is
 * either in the wrong network or needs a gateway of its own. Generating it settles that the mesh has two
 * networks, so MESH106 leaves and network2's missing gateway, folded into it until then, comes back as MESH203.
 */
export const GENERATOR = {
  file: 'cluster1/istio-operator.yaml',
  code: 'MESH106',
  line: 13,
  column: 16,
  title: 'Generate eastwest-gateway.yaml',
  creates: 'cluster1/eastwest-gateway.yaml',
  createdContains: ['kind: IstioOperator', 'istio: eastwestgateway', 'topology.istio.io/network: network1'],
  comesBack: { code: 'MESH203', file: 'cluster2/istio-operator.yaml' },
};

/** "Apply Current File…" on cluster2's file, to the context of the fake API server standing for cluster2. */
export const APPLY = {
  file: 'cluster2/istio-system.yaml',
  command: 'Istio Mesh: Apply Current File…',
  cluster: 'cluster2',
  context: 'kind-cluster2',
  confirm: 'Apply',
  arrives: [
    { kind: 'Namespace', name: 'istio-system' },
    { kind: 'Gateway', namespace: 'istio-system', name: 'cross-network-gateway' },
  ],
  untouched: 'cluster1',
  outputChannel: 'Istio Mesh: Apply',
};

/** The meshes session: prod/ and staging/ reuse cluster1 and cluster2; template/ is a primary-remote mesh written as a template. */
export const APPLY_CLUSTER = {
  command: 'Istio Mesh: Apply Cluster…',
  clusterRows: 6,
  mesh: 'staging',
  other: 'prod',
  cluster: 'cluster1',
  context: 'kind-cluster1',
};

export const TEMPLATE_PLAN = {
  mesh: 'template',
  cluster: 'cluster2',
  /** Contexts asked for: the remote's, then the primary's, whose gateway address the plan reads. */
  contexts: [
    { cluster: 'cluster2', context: 'kind-cluster2' },
    { cluster: 'cluster1', context: 'kind-cluster1' },
  ],
  variable: 'CLUSTER2_NETWORK',
  value: 'network1',
  filled: [
    'CLUSTER2_NETWORK = network1 (given',
    'Filled in: template/cluster2/namespace.yaml',
    'topology.istio.io/network: network1',
    'DISCOVERY_ADDRESS: computed during the apply',
  ],
};

/**
 * Runs a command once the palette lists it, trying again while it does not: the palette may open before the workbench
 * registered the extension's commands, or lose the first keys typed while focus moves (after a click on a tab). The
 * command may open its quick pick in the palette's own widget, so Enter is pressed at once, not after it hides.
 */
async function runListedCommand(wb, command) {
  await wb.waitFor(
    `"${command}" in the palette`,
    async () => {
      const listed = (await wb.paletteEntries(command)).some((entry) => entry.startsWith(command));
      await wb.page.keyboard.press(listed ? 'Enter' : 'Escape');
      return listed || undefined;
    },
    { timeoutMs: 60_000, intervalMs: 1_000 },
  );
}

/** Chooses `context` in the kube context quick pick whose title holds `titleContains`; gives the pick as it first showed. */
async function chooseContext(wb, titleContains, context) {
  const pick = await wb.quickPick(`the kube context quick pick (${titleContains})`, { titleContains });
  await wb.page.keyboard.type(context);
  await wb.waitFor(`the quick pick to narrow to ${context}`, () =>
    wb.quickPick('the filtered context pick', { titleContains }).then((p) => p.rows[0] === context && p.rows.length === 1),
  );
  await wb.page.keyboard.press('Enter');
  return pick;
}

/** Runs "Apply Cluster…" and narrows its quick pick to one mesh's two clusters; gives the rows it showed first. */
async function startApplyCluster(wb, mesh) {
  await runListedCommand(wb, APPLY_CLUSTER.command);
  const all = await wb.quickPick('the cluster quick pick', { titleContains: 'which mesh' });
  await wb.page.keyboard.type(mesh);
  await wb.waitFor(`the quick pick to narrow to mesh ${mesh}`, () =>
    wb.quickPick('the filtered cluster quick pick', { titleContains: 'which mesh' }).then((p) => p.rows.length === 2),
  );
  return all;
}

/** Navigation in the meshes session's template/ mesh (test/fixtures/apply-template). */
export const NAVIGATION = {
  routes: 'template/cluster1/expose-istiod.yaml',
  gatewayEntry: { after: 'gateways:', text: 'istiod-gateway' },
  gatewayName: 'name: istiod-gateway',
  outline: ['Gateway istio-system/istiod-gateway', 'VirtualService istio-system/istiod-vs'],
  controlPlane: 'template/cluster1/istio.yaml',
  lens: 'cluster template/cluster1 · primary',
  renameIn: 'template/cluster2/remote-profile.yaml',
  renameAt: { after: 'injectionPath', text: 'cluster2' },
  newName: 'west',
  renamedFile: 'template/cluster1/remote-secret-cluster2.yaml',
  renamed: ['name: istio-remote-secret-west', 'networking.istio.io/cluster: west', '  west: <kubeconfig of cluster2>'],
};

/** The 1-based line and column of `text` on the first line after the one holding `after` (or from the top). */
function locate(workspaceDir, file, text, after) {
  const lines = readFileSync(join(workspaceDir, file), 'utf8').split('\n');
  const start = after ? lines.findIndex((l) => l.includes(after) && !l.trim().startsWith('#')) : 0;
  const index = lines.findIndex((l, i) => i >= start && l.includes(text) && !l.trim().startsWith('#'));
  return { line: index + 1, column: lines[index].indexOf(text) + 1 };
}

const EXTENSION_ID = 'istio-mesh.istio-mesh';
const RED_HAT_YAML = 'redhat.vscode-yaml';

/** How the palette shows a contributed command. */
const commandLabel = (command) => (command.category ? `${command.category}: ${command.title}` : command.title);
const needsTrust = (command) => /isWorkspaceTrusted/.test(command.enablement ?? '');
const hasExpectedProblems = (list) => EXPECTED_PROBLEMS.every((e) => list.some((p) => matches(p, e)));

const matches = (problem, expected) => Object.entries(expected).every(([key, value]) => problem[key] === value);
const describe = (p) => `${p.code} ${p.file}:${p.line}:${p.column}`;

/** Finds `text` on an editor line (on screen) and returns its characters' place and colour. */
async function locateOnLine(wb, line, text, fromColumn = 1) {
  const lineText = await wb.lineText(line);
  if (lineText === undefined) throw new Error(`line ${line} is not rendered`);
  const index = lineText.indexOf(text, fromColumn - 1);
  if (index < 0) throw new Error(`line ${line} does not contain "${text}": ${JSON.stringify(lineText)}`);
  const where = await wb.characters(line, index + 1, text.length);
  return { ...where, column: index + 1 };
}

/**
 * VS Code tokenizes with TextMate in the background, so a line's colours settle a moment after its text is
 * rendered (on a slow machine, seconds). Locates until `settled` holds or the time is up, and returns the last look.
 */
async function settledColours(wb, locate, settled, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const look = await locate();
    if (settled(look) || Date.now() > deadline) return look;
    await wb.page.waitForTimeout(250);
  }
}

/** Monaco renders text no grammar scope coloured with its first token class, the editor's foreground. */
const DEFAULT_FOREGROUND_CLASS = 'mtk1';

/** Both spans have a colour of their own from the grammar, and not the same one. */
const isColouredApart = (a, b) =>
  a.tokenClass !== DEFAULT_FOREGROUND_CLASS && b.tokenClass !== DEFAULT_FOREGROUND_CLASS && a.tokenClass !== b.tokenClass && a.colour !== b.colour;

/** Waits until the Problems panel lists the finding `{ code, file, line? }`, and returns the panel's rows. */
function waitForFinding(wb, finding, timeoutMs = 45_000) {
  return wb.waitForProblems(`${finding.code} in ${finding.file}`, (list) => list.some((p) => isFinding(p, finding)), timeoutMs);
}

const isFinding = (problem, { code, file, line }) => problem.code === code && problem.file === file && (line === undefined || problem.line === line);

/**
 * Puts the cursor on a finding, opens the quick fix menu with Ctrl+., screenshots it and picks `title` with the
 * mouse, as a user fixes a squiggle.
 */
async function applyQuickFix({ wb, shot, check }, { file, line, column, title }, screenshotName) {
  await wb.openFile(file);
  await wb.goTo(line, column);
  const titles = await wb.quickFixes({ expecting: [title] });
  check(titles.includes(title), `Ctrl+. at ${file}:${line}:${column} offers "${title}" (menu: ${titles.join(' | ') || 'empty'})`);
  await shot(screenshotName);
  await wb.chooseQuickFix(title);
}

/** The log files of an extension's log output channel: `<extension id>/<channel name without punctuation>.log`. */
function outputChannelLogs(codeServer, channel) {
  const fileName = `${channel.replace(/[^\w\s-]/g, '')}.log`;
  return codeServer.allLogs().filter((path) => path.endsWith(`/${EXTENSION_ID}/${fileName}`));
}

/** The Istio Mesh view and the topology picture on the primary-remote mesh of two networks (session 'topology'). */
export const TOPOLOGY = {
  rows: [
    'Cluster east: primary, primary of west, discovers west, network net-east',
    'Cluster west: remote, remote of east, network net-west',
    'Relation: west is remote of east',
    'East-west gateway istio-eastwestgateway of cluster east: network net-east, ports 15021, 15443, 15012, 15017, exposes istiod and services',
  ],
  clusterRow: 'Cluster west: remote',
  menu: ['Apply Cluster…', 'Choose Kube Context for Cluster…', 'Show Runbook', 'Show Topology', 'Open File'],
  westId: 'workspace#cluster:west',
  gatewayWithFinding: 'workspace#cluster:west/gateway:istio-eastwestgateway',
  controlPlane: 'workspace#cluster:east/control-plane:east/control-plane.yaml:1',
  fix: { file: 'west/eastwest.yaml', from: 'topology.istio.io/network: net-east', to: 'topology.istio.io/network: net-west' },
};

/** The frame of the webview whose page holds `selector` (webviews are nested iframes), or undefined. */
async function webviewFrame(page, selector) {
  for (const frame of page.frames()) {
    const found = await frame.$(selector).catch(() => null);
    if (found) return frame;
  }
  return undefined;
}

/** What the topology webview shows: each box's id, classes and accessible label, the arrows, the focused box. */
async function topologyBoxes(frame) {
  return frame.evaluate(() => ({
    boxes: [...document.querySelectorAll('svg.topology [data-id]')].map((g) => ({
      id: g.getAttribute('data-id'),
      className: g.getAttribute('class'),
      label: g.getAttribute('aria-label'),
      tabIndex: g.getAttribute('tabindex'),
    })),
    edges: [...document.querySelectorAll('svg.topology .edge')].map((e) => `${e.getAttribute('class')}: ${e.textContent}`),
    focused: document.activeElement?.getAttribute('data-id') ?? undefined,
    scripts: document.querySelectorAll('script').length,
    csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
  }));
}

async function showTopologyFrame(wb) {
  return wb.waitFor('the topology webview', () => webviewFrame(wb.page, 'svg.topology [data-id]'), { timeoutMs: 30_000 });
}

export const SCENARIOS = [
  {
    name: 'problems',
    title: 'Problems panel lists the workspace findings for files never opened',
    async run({ wb, shot, check, note }) {
      check((await wb.openEditorCount()) === 0, 'no editor is open: the findings come from files on disk');
      const codes = new Set(EXPECTED_PROBLEMS.map((p) => p.code));
      let problems = [];
      try {
        problems = await wb.waitForProblems('the expected findings', hasExpectedProblems, 45_000);
      } catch (error) {
        problems = await wb.problems();
        const seenCodes = new Set(problems.map((p) => p.code));
        const absent = [...codes].filter((code) => !seenCodes.has(code));
        if (absent.length) note(`no ${absent.join(', ')} finding at all: is that rule registered in server/src/rules/index.ts?`);
        await shot('problems');
        throw error;
      }
      await shot('problems');
      for (const expected of EXPECTED_PROBLEMS)
        check(
          problems.some((p) => matches(p, expected)),
          `Problems lists ${describe(expected)}`,
        );
      check(
        problems.every((p) => p.source === 'istio-mesh'),
        'every finding comes from istio-mesh',
      );
      const others = problems.filter((p) => !EXPECTED_PROBLEMS.some((e) => matches(p, e)));
      if (others.length) note(`other findings shown (not asserted):\n${describeProblems(others)}`);
    },
  },
  {
    name: 'squiggles',
    title: 'Opening a file shows squiggles at the findings, with the message on hover',
    async run({ wb, shot, check }) {
      for (const expected of EXPECTED_SQUIGGLES) {
        await wb.openFile(expected.file);
        await wb.goTo(expected.line, expected.column);
        await wb.pressEscape();
        let target = await wb.waitFor(`line ${expected.line} of ${expected.file} on screen`, () =>
          wb.characters(expected.line, expected.column, expected.text.length),
        );
        // The editor may still scroll or re-render after goTo: the text and the squiggles are read again together
        // until they line up, instead of comparing a squiggle with where the text was a moment before.
        const underTarget = await wb
          .waitFor(`a ${expected.severity} squiggle under "${expected.text}"`, async () => {
            const now = await wb.characters(expected.line, expected.column, expected.text.length);
            if (!now) return undefined;
            target = now;
            const found = await wb.squiggles(expected.severity);
            return found.some((s) => overlaps(s, { ...now.rect, bottom: now.rect.bottom + 4 })) || undefined;
          })
          .catch(() => false);
        check(underTarget, `a ${expected.severity} squiggle lies under "${expected.text}" at ${expected.file}:${expected.line}:${expected.column}`);
        const hover = await wb.hoverText((target.rect.left + target.rect.right) / 2, (target.rect.top + target.rect.bottom) / 2, {
          contains: expected.hoverContains,
        });
        check(hover.includes(expected.hoverContains), `hovering the squiggle shows the finding ("${hover.slice(0, 80)}…")`);
        await shot(`squiggles-${expected.file.replace(/\W+/g, '-')}`, { keepPointer: true, readme: expected.readmeImage });
        await wb.pressEscape();
      }
    },
  },
  {
    name: 'edit-clears-other-file',
    title: "Typing the meshID in one cluster's file clears the finding in the other cluster's file",
    async run({ wb, shot, check }) {
      const edit = MESH_ID_EDIT;
      await wb.openFile(edit.file);
      await wb.goTo(edit.line, edit.column);
      await wb.page.keyboard.press('Shift+End');
      await wb.page.keyboard.type(edit.newText, { delay: 40 });
      const line = await wb.lineText(edit.line);
      check(line?.trim() === `meshID: ${edit.newText}`, `the editor shows "${line?.trim()}" in ${edit.file}`);
      // The other expected findings stay: proof that the panel was read, not caught empty while it refreshed.
      const staying = EXPECTED_PROBLEMS.filter((p) => p.code !== edit.code);
      const problems = await wb.waitForProblems(
        `${edit.code} to leave ${edit.clears}`,
        (list) => !list.some((p) => p.code === edit.code) && staying.every((e) => list.some((p) => matches(p, e))),
        30_000,
      );
      check(!problems.some((p) => p.code === edit.code && p.file === edit.clears), `${edit.code} is gone from ${edit.clears}, which is not open`);
      await shot('edit-clears-other-file');
    },
  },
  {
    name: 'command-palette',
    title: "The command palette lists the extension's commands",
    async run({ wb, codeServer, shot, check, skip }) {
      // The installed package.json: what this VS Code was given, even if the repository's changed since packaging.
      const contributes = codeServer.installedPackageJson(EXTENSION_ID).contributes ?? {};
      // Commands that belong to a view's title bar are hidden from the palette on purpose (`when: false`).
      const hidden = new Set((contributes.menus?.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
      const commands = (contributes.commands ?? []).filter((c) => !hidden.has(c.command));
      const entries = await wb.paletteEntries('Istio Mesh');
      await shot('command-palette');
      await wb.pressEscape();
      if (commands.length === 0) skip('package.json contributes no commands yet');
      for (const command of commands)
        check(
          entries.some((entry) => entry.includes(commandLabel(command))),
          `the palette lists "${commandLabel(command)}" (${command.command})`,
        );
    },
  },
  {
    name: 'completion-and-hover',
    title: 'Completion offers a Gateway name in VirtualService.gateways and PASSTHROUGH in tls.mode; hover shows field docs',
    async run({ wb, languageServer, workspaceDir, shot, check, note }) {
      for (const c of COMPLETIONS) {
        const path = join(workspaceDir, c.file);
        const lines = readFileSync(path, 'utf8').split('\n');
        const column = lines[c.line - 1].indexOf(c.after) + c.after.length + 1;
        check(column > c.after.length, `line ${c.line} of ${c.file} has "${c.after}"`);
        lines[c.line - 1] = lines[c.line - 1].slice(0, column - 1);
        // Asked of the language server directly first: a failure then tells the server's part from the editor's.
        const serverOffers = await languageServer.completionLabels(path, lines.join('\n'), c.line, column);
        check(
          c.expected.every((label) => serverOffers.includes(label)),
          `the language server offers ${c.expected.join(', ')} for ${c.name}`,
        );
        await wb.openFile(c.file);
        await wb.goTo(c.line, column);
        await wb.page.keyboard.press('Shift+End');
        await wb.page.keyboard.press('Delete');
        const labels = await wb.suggestions({ expecting: c.expected });
        await shot(`completion-${c.name.replace(/\W+/g, '-')}`, { readme: c.readmeImage });
        note(`offered for ${c.name}: ${labels.join(', ') || 'nothing'}`);
        for (const value of c.expected) check(labels.includes(value), `completion of ${c.name} offers ${value}`);
        await wb.pressEscape();
        await wb.page.keyboard.press('Control+Z');
        if (!c.hover) continue;
        const hoverColumn = readFileSync(path, 'utf8').split('\n')[c.line - 1].indexOf(c.hover.on) + 1;
        const serverHover = await languageServer.hoverText(path, readFileSync(path, 'utf8'), c.line, hoverColumn);
        check(serverHover.includes(c.hover.contains), `the language server's hover on "${c.hover.on}" mentions "${c.hover.contains}"`);
        const word = await locateOnLine(wb, c.line, c.hover.on);
        const hover = await wb.hoverText(word.rect.left + 4, (word.rect.top + word.rect.bottom) / 2, { contains: c.hover.contains });
        check(hover.includes(c.hover.contains), `hover on "${c.hover.on}" shows its docs ("${hover.slice(0, 80)}…")`);
        await shot(`hover-${c.hover.on}`, { keepPointer: true, readme: c.hover.readmeImage });
        await wb.pressEscape();
      }
    },
  },
  {
    name: 'snippet-and-grammar',
    title: 'A snippet inserts an IstioOperator; the injection grammar colours a placeholder and a directive',
    prepare(workspaceDir) {
      writeFileSync(join(workspaceDir, SNIPPET.file), '');
    },
    async run({ wb, shot, check }) {
      const s = SNIPPET;
      await wb.openFile(s.file);
      await wb.page.keyboard.type(s.prefix);
      const labels = await wb.suggestions({ expecting: [s.prefix] });
      check(labels.includes(s.prefix), `suggestions offer the ${s.prefix} snippet (offered: ${labels.join(', ') || 'nothing'})`);
      await wb.page.keyboard.press('Enter');
      await wb.pressEscape(2);
      const text = (await wb.lines(12)).join('\n');
      for (const line of s.inserted) check(text.includes(line), `the snippet inserted "${line}"`);
      const lines = text.split('\n');
      const placeholderLine = lines.findIndex((l) => l.includes(s.placeholder)) + 1;
      const plainLine = lines.findIndex((l) => l.includes(s.plainValue.key + s.plainValue.text)) + 1;
      const plainColumn = lines[plainLine - 1].indexOf(s.plainValue.key) + s.plainValue.key.length + 1;
      const { placeholder, plain } = await settledColours(
        wb,
        async () => ({
          placeholder: await locateOnLine(wb, placeholderLine, s.placeholderName),
          plain: await locateOnLine(wb, plainLine, s.plainValue.text, plainColumn),
        }),
        ({ placeholder, plain }) => isColouredApart(placeholder, plain),
      );
      check(
        isColouredApart(placeholder, plain),
        `${s.placeholder} is coloured apart from a plain value (${placeholder.tokenClass} ${placeholder.colour} vs ${plain.tokenClass} ${plain.colour})`,
      );
      await shot('snippet-and-grammar');

      await wb.openFile(DIRECTIVE.file);
      await wb.goTo(DIRECTIVE.line);
      const { hash, keyword } = await settledColours(
        wb,
        async () => ({
          hash: await locateOnLine(wb, DIRECTIVE.line, '#'),
          keyword: await locateOnLine(wb, DIRECTIVE.line, DIRECTIVE.keyword),
        }),
        ({ hash, keyword }) => isColouredApart(keyword, hash),
      );
      check(isColouredApart(keyword, hash), `the "# ${DIRECTIVE.keyword}" directive is coloured apart from a comment (${keyword.colour} vs ${hash.colour})`);
    },
  },
  {
    name: 'activation-log',
    title: "The extension activated without errors in the extension host log, without Red Hat's YAML extension",
    async run({ wb, codeServer, shot, check, note }) {
      check(!codeServer.installedExtensions().includes(RED_HAT_YAML), `${RED_HAT_YAML} is not installed`);
      const readLogs = () =>
        codeServer
          .extensionHostLogs()
          .map((path) => readFileSync(path, 'utf8'))
          .join('\n');
      // Run alone, this scenario may look before the extension host has written the activation.
      const activated = await wb
        .waitFor(`the extension host log to record ${EXTENSION_ID}'s activation`, () => readLogs().includes(`_doActivateExtension ${EXTENSION_ID}`), {
          timeoutMs: 30_000,
        })
        .catch(() => false);
      const text = readLogs();
      await shot('activation-log');
      check(text.length > 0, 'the extension host wrote a log');
      check(activated, `${EXTENSION_ID} was activated`);
      const errors = text.split('\n').filter((line) => /\[error\]/i.test(line) || /Activating extension .* failed/i.test(line));
      const ours = errors.filter((line) => line.includes(EXTENSION_ID) || /istio-mesh|Istio Mesh/.test(line));
      check(ours.length === 0, `no error about ${EXTENSION_ID} in the extension host log${ours.length ? `:\n    ${ours.join('\n    ')}` : ''}`);
      if (errors.length > ours.length) note(`other errors in the extension host log:\n    ${errors.filter((l) => !ours.includes(l)).join('\n    ')}`);
    },
  },
  {
    name: 'suppression-clears-squiggle',
    title: 'An inline suppression clears a squiggle: "Suppress SCHEMA003 for this document" from Ctrl+. writes the ignore comment',
    prepare(workspaceDir) {
      writeFileSync(join(workspaceDir, SUPPRESSION.file), SUPPRESSION.content);
    },
    async run(ctx) {
      const { wb, shot, check } = ctx;
      const s = SUPPRESSION;
      const before = await waitForFinding(wb, { code: s.code, file: s.file, line: s.line });
      // A finding of another file, which must stay: the panel was read after the fix, not caught empty.
      const staying = before.find((p) => p.file !== s.file);
      check(staying, 'another file has a finding to stay listed');
      await wb.openFile(s.file);
      await wb.goTo(s.line, s.column);
      await wb.pressEscape();
      const target = await wb.waitFor(`line ${s.line} of ${s.file} on screen`, () => wb.characters(s.line, s.column, s.text.length));
      const squiggles = await wb.waitFor(`the error squiggle in ${s.file}`, async () => {
        const found = await wb.squiggles('error');
        return found.some((squiggle) => overlaps(squiggle, { ...target.rect, bottom: target.rect.bottom + 4 })) ? found : undefined;
      });
      check(squiggles.length > 0, `an error squiggle lies under "${s.text}" at ${s.file}:${s.line}:${s.column}`);
      await shot('suppression-squiggle');
      await applyQuickFix(ctx, s, 'suppression-menu');
      const first = await wb.waitFor('the ignore comment on line 1', async () => ((await wb.lineText(1))?.trim() === s.comment ? s.comment : undefined));
      check(first === s.comment, `line 1 reads "${s.comment}"`);
      const { hash, setting } = await settledColours(
        wb,
        async () => ({ hash: await locateOnLine(wb, 1, '#'), setting: await locateOnLine(wb, 1, 'ignore') }),
        ({ hash, setting }) => isColouredApart(setting, hash),
      );
      check(isColouredApart(setting, hash), `the grammar colours "ignore" apart from the comment (${setting.colour} vs ${hash.colour})`);
      const cleared = await wb.waitFor(`the squiggles of ${s.file} to clear`, async () => ((await wb.squiggles('error')).length === 0 ? true : undefined), {
        timeoutMs: 30_000,
      });
      check(cleared, `no error squiggle is left in ${s.file}`);
      const after = await wb.waitForProblems(
        `${s.code} to leave ${s.file}`,
        (list) => !list.some((p) => p.file === s.file) && list.some((p) => isFinding(p, staying)),
        30_000,
      );
      check(!after.some((p) => p.file === s.file), `Problems lists nothing for ${s.file} (the comment is used, so no SUPPRESS001 either)`);
      await shot('suppression-cleared');
    },
  },
  {
    name: 'rules-setting-turns-code-off',
    title: 'The istioMesh.rules setting turns a code off: YAML001 leaves the Problems panel, and comes back when the setting goes',
    async run({ wb, workspaceDir, shot, check }) {
      const r = RULES_SETTING;
      const listed = await waitForFinding(wb, { code: r.code, file: r.file });
      const staying = listed.find((p) => p.code !== r.code);
      check(staying, `a finding other than ${r.code} is listed, to stay`);
      const settingsFile = join(workspaceDir, '.vscode', 'settings.json');
      const before = existsSync(settingsFile) ? readFileSync(settingsFile, 'utf8') : undefined;
      mkdirSync(join(workspaceDir, '.vscode'), { recursive: true });
      writeFileSync(settingsFile, JSON.stringify({ ...(before ? JSON.parse(before) : {}), ...r.settings }, null, 2));
      try {
        const off = await wb.waitForProblems(
          `${r.code} to leave the Problems panel`,
          (list) => !list.some((p) => p.code === r.code) && list.some((p) => isFinding(p, staying)),
          45_000,
        );
        check(!off.some((p) => p.code === r.code), `with "istioMesh.rules": ${JSON.stringify(r.settings['istioMesh.rules'])}, Problems lists no ${r.code}`);
        await shot('rules-setting-off');
      } finally {
        if (before === undefined) rmSync(settingsFile);
        else writeFileSync(settingsFile, before);
      }
      const back = await waitForFinding(wb, { code: r.code, file: r.file });
      check(
        back.some((p) => p.code === r.code && p.file === r.file),
        `without the setting, ${r.code} of ${r.file} is listed again`,
      );
    },
  },
  {
    name: 'untrusted-workspace',
    session: 'untrusted',
    title: 'In Restricted Mode the findings still show, and the commands that run kubectl are not offered',
    async run({ wb, codeServer, shot, check, note }) {
      const restricted = await wb.waitFor('the Restricted Mode indicator', () =>
        wb.page.evaluate(() => /Restricted Mode/.test(document.querySelector('.part.statusbar')?.textContent ?? '')),
      );
      check(restricted, 'the workspace is in Restricted Mode');
      const problems = await wb.waitForProblems('the expected findings in Restricted Mode', hasExpectedProblems, 45_000);
      for (const expected of EXPECTED_PROBLEMS)
        check(
          problems.some((p) => matches(p, expected)),
          `analysis runs untrusted: Problems lists ${describe(expected)}`,
        );
      await wb.openFile(MESH_ID_EDIT.file);
      const entries = await wb.paletteEntries('Istio Mesh');
      await shot('untrusted-workspace');
      await wb.pressEscape();
      const gated = (codeServer.installedPackageJson(EXTENSION_ID).contributes?.commands ?? []).filter(needsTrust);
      if (gated.length === 0) note('no command is gated on workspace trust yet');
      for (const command of gated) check(!entries.some((entry) => entry.includes(commandLabel(command))), `"${commandLabel(command)}" is not offered`);
    },
  },
  {
    name: 'quick-fix',
    session: 'multiNetwork',
    title: "A quick fix from Ctrl+. changes the odd meshID to the majority's, and MESH101 leaves the Problems panel",
    async run(ctx) {
      const { wb, workspaceDir, shot, check } = ctx;
      const q = QUICK_FIX;
      const finding = { code: q.code, file: q.file, line: q.line };
      const before = await waitForFinding(wb, finding);
      check(
        before.some((p) => isFinding(p, finding)),
        `Problems lists ${q.code} at ${q.file}:${q.line}`,
      );
      // Another finding, which must stay: the panel was read after the fix, not caught empty.
      const staying = q.stays;
      check(
        before.some((p) => isFinding(p, staying)),
        `Problems lists ${staying.code} at ${staying.file}:${staying.line}`,
      );
      await applyQuickFix(ctx, q, 'quick-fix-menu');
      const line = await wb.waitFor('the fix to change the line', async () => ((await wb.lineText(q.line))?.trim() === q.fixedLine ? q.fixedLine : undefined));
      check(line === q.fixedLine, `the editor shows "${q.fixedLine}" on line ${q.line}`);
      const after = await wb.waitForProblems(
        `${q.code} to leave the Problems panel`,
        (list) => !list.some((p) => p.code === q.code) && list.some((p) => isFinding(p, staying)),
        30_000,
      );
      check(!after.some((p) => p.code === q.code), `Problems lists no ${q.code} any more (${staying.code} of ${staying.file} still listed)`);
      await shot('quick-fix-applied');
      await wb.page.keyboard.press('Control+S');
      const path = join(workspaceDir, q.file);
      const saved = await wb.waitFor(`${q.file} to be saved`, () => readFileSync(path, 'utf8').includes(q.fixedLine));
      check(saved, `Ctrl+S wrote "${q.fixedLine}" to ${q.file}`);
    },
  },
  {
    name: 'generator',
    session: 'multiNetwork',
    title:
      "A generator quick fix on MESH106 writes cluster1's east-west gateway beside its control plane; MESH106 leaves, and the MESH203 folded into it comes back",
    async run(ctx) {
      const { wb, workspaceDir, shot, check } = ctx;
      const g = GENERATOR;
      const created = join(workspaceDir, g.creates);
      check(!existsSync(created), `${g.creates} does not exist yet`);
      const finding = { code: g.code, file: g.file, line: g.line };
      const before = await waitForFinding(wb, finding);
      check(!before.some((p) => isFinding(p, g.comesBack)), `${g.comesBack.code} of ${g.comesBack.file} is folded into ${g.code}, not listed`);
      await applyQuickFix(ctx, g, 'generator-menu');
      const content = await wb.waitFor(`${g.creates} to be written with the generated gateway`, () => {
        const text = existsSync(created) ? readFileSync(created, 'utf8') : '';
        return g.createdContains.every((part) => text.includes(part)) ? text : undefined;
      });
      for (const part of g.createdContains) check(content.includes(part), `${g.creates} on disk holds "${part}"`);
      // The explorer reveals the active file, so the control plane's folder, where the new file goes, is expanded.
      const name = g.creates.split('/').at(-1);
      const listed = await wb.waitFor(`the explorer to list ${name}`, async () => {
        const labels = await wb.explorerLabels();
        return labels.includes(name) ? labels : undefined;
      });
      check(listed.includes(name), `the explorer lists ${name} (${listed.join(', ')})`);
      const after = await wb.waitForProblems(
        `${g.code} to leave ${g.file} and ${g.comesBack.code} of ${g.comesBack.file} to come back`,
        (list) => !list.some((p) => isFinding(p, finding)) && list.some((p) => isFinding(p, g.comesBack)),
        30_000,
      );
      check(!after.some((p) => isFinding(p, finding)), `Problems lists no ${g.code} for ${g.file} any more`);
      check(
        after.some((p) => isFinding(p, g.comesBack)),
        `${g.comesBack.code} of ${g.comesBack.file} (network2, still without a gateway) is listed on its own`,
      );
      await shot('generator-applied');
    },
  },
  {
    name: 'apply-file',
    session: 'multiNetwork',
    title: '"Apply Current File…" from the palette applies to the chosen context\'s API server only, and logs no credential',
    async run({ wb, codeServer, session, shot, check, note, skip }) {
      if (session.skipReason) skip(session.skipReason);
      const a = APPLY;
      // The summary once kubectl is done, not the progress notification ("Istio Mesh Apply: cluster2 → …").
      const SUMMARY = /^Istio Mesh Apply: \d+ document\(s\) in \d+ step\(s\)/;
      const target = session.clusters[a.cluster];
      const untouched = session.clusters[a.untouched];
      await wb.openFile(a.file);
      await wb.runCommand(a.command);
      const pick = await wb.quickPick('the kube context quick pick', { titleContains: `cluster ${a.cluster}` });
      check(pick.rows[0] === a.context, `the context quick pick for ${a.cluster} lists ${a.context} first (rows: ${pick.rows.join(', ')})`);
      await wb.page.keyboard.type(a.context);
      await wb.waitFor(`the quick pick to narrow to ${a.context}`, () =>
        wb.quickPick('the filtered quick pick', { titleContains: `cluster ${a.cluster}` }).then((p) => p.rows[0] === a.context && p.rows.length === 1),
      );
      await shot('apply-context');
      await wb.page.keyboard.press('Enter');
      const plan = await wb.dialog('the plan to confirm');
      note(`the plan:\n${plan.detail}`);
      check(plan.detail.includes(a.file) && plan.detail.includes(`context ${a.context}`), `the plan names ${a.file} and context ${a.context}`);
      check(plan.buttons.includes(a.confirm), `the plan dialog offers "${a.confirm}" (buttons: ${plan.buttons.join(', ')})`);
      check(target.writes().length === 0, `nothing was written to ${a.cluster}'s API server before the confirmation`);
      await shot('apply-plan');
      await wb.clickDialogButton(a.confirm);
      const summary = await wb.notification(SUMMARY, { timeoutMs: 60_000 });
      check(/succeeded/.test(summary.message) && !/failed/.test(summary.message), `the summary says it succeeded ("${summary.message}")`);
      // At once: an information toast hides itself after a while.
      await wb.clickNotificationButton(SUMMARY, 'Show Output');
      for (const object of a.arrives) {
        const label = `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`;
        check(target.find(object.kind, object.namespace, object.name), `${label} arrived on ${a.cluster}'s API server (${a.context})`);
      }
      // Reads are allowed: Google Cloud SDK's kubectl dispatcher asks the current context's /version on every call.
      const seen = untouched.requests.map((r) => `${r.method} ${r.path}`);
      check(
        untouched.writes().length === 0 && untouched.objects().length === 0,
        `nothing arrived on ${a.untouched}'s API server (requests: ${seen.join(', ') || 'none'})`,
      );
      const shown = await wb.waitFor(`the ${a.outputChannel} output to show the kubectl call`, async () => {
        const text = await wb.outputPanelText();
        return text.includes(a.context) ? text : undefined;
      });
      await shot('apply-output');
      const logs = outputChannelLogs(codeServer, a.outputChannel);
      check(logs.length > 0, `VS Code wrote the "${a.outputChannel}" channel to a log file`);
      const logged = logs.map((path) => readFileSync(path, 'utf8')).join('\n');
      check(logged.includes('kubectl') && logged.includes(a.context), 'the channel records the kubectl call and its context');
      const leaked = session.tokens.filter((token) => logged.includes(token) || shown.includes(token));
      check(
        leaked.length === 0,
        `neither the output panel nor its log shows any of the ${session.tokens.length} kubeconfig tokens${leaked.length ? ` (${leaked.length} shown)` : ''}`,
      );
    },
  },
  {
    name: 'apply-cluster-two-meshes',
    session: 'meshes',
    title: '"Apply Cluster…" in a folder of two meshes that reuse cluster names asks for a cluster of one mesh, and the plan names it',
    async run({ wb, session, shot, check, note, skip }) {
      if (session.skipReason) skip(session.skipReason);
      const a = APPLY_CLUSTER;
      const clusters = await startApplyCluster(wb, a.mesh);
      check(
        clusters.rows.length === a.clusterRows && clusters.rows.filter((r) => r === a.cluster).length === 3,
        `each mesh's ${a.cluster} is a row of its own (rows: ${clusters.rows.join(', ')})`,
      );
      await shot('apply-cluster-pick');
      await wb.page.keyboard.press('Enter');
      const contexts = await chooseContext(wb, `cluster ${a.cluster} of mesh ${a.mesh}`, a.context);
      check(contexts.title.includes(`of mesh ${a.mesh}`), `the context quick pick names the mesh ("${contexts.title}")`);
      const plan = await wb.dialog('the plan to confirm');
      note(`the plan:\n${plan.detail}`);
      check(
        plan.detail.includes(`cluster ${a.cluster} of mesh ${a.mesh} → context ${a.context}`),
        `the plan maps ${a.cluster} of mesh ${a.mesh} to ${a.context}`,
      );
      check(!plan.detail.includes(`${a.other}/`), `the plan holds no file of mesh ${a.other}`);
      await shot('apply-cluster-plan');
      await wb.clickDialogButton('Cancel');
      check(session.clusters.cluster1.writes().length === 0, 'nothing was applied after Cancel');
    },
  },
  {
    name: 'apply-template-plan',
    session: 'meshes',
    title: 'Applying a remote written as a template asks for the variable nothing gives, and the plan shows the filled-in text',
    async run({ wb, session, shot, check, note, skip }) {
      if (session.skipReason) skip(session.skipReason);
      const t = TEMPLATE_PLAN;
      await startApplyCluster(wb, t.mesh);
      await wb.page.keyboard.press('ArrowDown');
      await wb.page.keyboard.press('Enter');
      for (const { cluster, context } of t.contexts) await chooseContext(wb, `cluster ${cluster} of mesh ${t.mesh}`, context);
      const input = await wb.inputBox(`the input box for \${${t.variable}}`, { titleContains: t.variable });
      check(input.prompt.includes('namespace.yaml'), `the input box says where \${${t.variable}} is used ("${input.prompt}")`);
      await wb.page.keyboard.type(t.value);
      await shot('apply-template-value');
      await wb.page.keyboard.press('Enter');
      const plan = await wb.dialog('the plan to confirm');
      note(`the plan:\n${plan.detail}`);
      for (const text of t.filled) check(plan.detail.includes(text), `the plan shows "${text}"`);
      check(!/^\s*topology\.istio\.io\/network: \$\{/m.test(plan.detail), 'the filled-in text holds no placeholder');
      await shot('apply-template-plan');
      await wb.clickDialogButton('Cancel');
      check(session.clusters.cluster2.writes().length === 0, 'nothing was applied after Cancel');
    },
  },
  {
    name: 'navigation',
    session: 'meshes',
    title:
      'F12 on a VirtualService gateway opens the Gateway, the outline lists the documents, a code lens names the cluster, F2 renames a cluster in every file',
    async run({ wb, workspaceDir, shot, check, note }) {
      const n = NAVIGATION;
      await wb.openFile(n.routes);
      const entry = locate(workspaceDir, n.routes, n.gatewayEntry.text, n.gatewayEntry.after);
      const name = locate(workspaceDir, n.routes, n.gatewayName);
      await wb.goTo(entry.line, entry.column + 1);
      await wb.page.keyboard.press('F12');
      const landed = await wb.waitFor("the cursor on the Gateway's name", async () => {
        const position = await wb.cursorPosition();
        return position && position.line === name.line ? position : undefined;
      });
      check(landed.line === name.line, `F12 on "${n.gatewayEntry.text}" (line ${entry.line}) moved to the Gateway's name (line ${landed.line})`);
      await shot('definition');
      await wb.runCommand('Explorer: Focus on Outline View');
      const outline = await wb.waitFor('the outline to list the documents', async () => {
        const labels = await wb.page.evaluate(() => [...document.querySelectorAll('.monaco-list-row .label-name')].map((el) => el.textContent?.trim() ?? ''));
        return n.outline.every((symbol) => labels.includes(symbol)) ? labels : undefined;
      });
      check(
        n.outline.every((symbol) => outline.includes(symbol)),
        `the outline lists ${n.outline.join(' and ')}`,
      );
      await shot('outline');
      await wb.openFile(n.controlPlane);
      const lenses = await wb.waitFor(
        'a code lens above the control plane',
        async () => {
          const texts = await wb.codeLenses();
          return texts.some((t) => t.includes(n.lens)) ? texts : undefined;
        },
        { timeoutMs: 30_000 },
      );
      note(`code lenses: ${lenses.join(' | ')}`);
      check(
        lenses.some((t) => t.includes('Apply Cluster')),
        `the code lens names ${n.lens} and offers Apply Cluster…`,
      );
      await shot('code-lens', { readme: 'navigation' });
      await wb.openFile(n.renameIn);
      const at = locate(workspaceDir, n.renameIn, n.renameAt.text, n.renameAt.after);
      await wb.goTo(at.line, at.column + 1);
      await wb.page.keyboard.press('F2');
      // Typed into the rename box itself: it takes the focus a moment after it shows.
      const box = '.rename-box input';
      await wb.page.waitForSelector(box, { state: 'visible' });
      const offered = await wb.page.inputValue(box);
      check(offered === n.renameAt.text, `F2 offers to rename "${offered}"`);
      await wb.page.fill(box, n.newName);
      await shot('rename');
      await wb.page.press(box, 'Enter');
      await wb.page.waitForSelector('.rename-box', { state: 'hidden' });
      await wb.runCommand('File: Save All');
      const renamed = await wb.waitFor(`${n.renamedFile} to be renamed on disk`, () => {
        const text = readFileSync(join(workspaceDir, n.renamedFile), 'utf8');
        return n.renamed.every((line) => text.includes(line)) ? text : undefined;
      });
      for (const line of n.renamed) check(renamed.includes(line), `${n.renamedFile} now says "${line.trim()}"`);
      check(
        readFileSync(join(workspaceDir, n.renameIn), 'utf8').includes(`/inject/cluster/${n.newName}/net/`),
        `the injection path of ${n.renameIn} names ${n.newName}`,
      );
    },
  },
  {
    name: 'runbook-document',
    title: '"Show Runbook" opens a read-only runbook titled with the folder, and closing it asks nothing',
    async run({ wb, shot, check }) {
      await wb.runCommand('Istio Mesh: Show Runbook');
      const title = await wb.waitFor('the runbook tab', () =>
        wb.page.evaluate(() =>
          [...document.querySelectorAll('.tab .label-name')].map((el) => el.textContent ?? '').find((t) => t.startsWith('Istio Mesh runbook')),
        ),
      );
      check(/Istio Mesh runbook — workspace\.md/.test(title), `the runbook is titled with the folder ("${title}")`);
      await shot('runbook');
      // Closed with its tab's own close button: the preview (a webview) may hold the keyboard focus, so F1 and
      // "View: Close Editor" are unreliable here, and only the runbook is closed (earlier scenarios may leave edited
      // files of their own open).
      const runbookTab = wb.page.locator('.tab', { has: wb.page.locator(`.label-name:text-is("${title}")`) });
      await runbookTab.hover();
      await runbookTab.locator('.tab-actions .codicon-close').click();
      // Files earlier scenarios edited may ask to be saved; the runbook, read-only, is never among them.
      const prompt = await wb.dialog('a save prompt', { timeoutMs: 3_000 }).catch(() => undefined);
      check(
        !prompt || !`${prompt.message}\n${prompt.detail}`.includes('Istio Mesh runbook'),
        `closing the runbook asks nothing about it${prompt ? ` (asked about: ${prompt.detail.replace(/\n/g, ', ')})` : ''}`,
      );
      if (prompt) await wb.pressEscape();
      const open = await wb.page.evaluate((t) => [...document.querySelectorAll('.tab .label-name')].some((el) => el.textContent === t), title);
      check(!open, 'the runbook tab is closed');
    },
  },
  {
    name: 'mesh-view-and-topology',
    session: 'topology',
    title:
      'The Istio Mesh view shows networks, clusters, their relations and gateways with accessible labels and a context menu; Show Topology draws them, a box opens its file, and the picture follows a fix',
    async run({ wb, workspaceDir, shot, check, note }) {
      const t = TOPOLOGY;
      await runListedCommand(wb, 'Explorer: Focus on Istio Mesh View');
      // The view's list is virtualised: with the folder tree collapsed, all its rows are on screen.
      await wb.page.locator('.pane-header', { hasText: 'workspace' }).first().click();
      const labels = await wb.waitFor(
        'the Istio Mesh view to list the model',
        async () => {
          const seen = await wb.page.$$eval('.monaco-list-row', (rows) => rows.map((row) => row.getAttribute('aria-label') ?? ''));
          return t.rows.every((row) => seen.some((label) => label.startsWith(row))) ? seen : undefined;
        },
        { timeoutMs: 45_000 },
      );
      for (const row of t.rows)
        check(
          labels.some((label) => label.startsWith(row)),
          `the view has a row "${row}…"`,
        );
      await shot('mesh-view', { readme: 'mesh-view' });
      const clusterRow = wb.page.locator(`.monaco-list-row[aria-label^="${t.clusterRow}"]`);
      await clusterRow.click({ button: 'right' });
      const menu = await wb.waitFor('the context menu of a cluster', async () => {
        const items = await wb.page.$$eval('.context-view .monaco-menu .action-label', (els) => els.map((el) => el.textContent?.trim() ?? '').filter(Boolean));
        return items.length ? items : undefined;
      });
      note(`context menu: ${menu.join(' | ')}`);
      for (const item of t.menu) check(menu.includes(item), `the cluster's context menu offers ${item}`);
      await shot('mesh-view-context-menu');
      await wb.page.locator('.context-view .monaco-menu .action-label', { hasText: 'Show Topology' }).click();
      const frame = await showTopologyFrame(wb);
      const shown = await wb.waitFor('the west cluster focused in the picture', async () => {
        const state = await topologyBoxes(frame);
        return state.focused === t.westId ? state : undefined;
      });
      check(shown.focused === t.westId, 'Show Topology from the west row focuses the west cluster');
      check(
        shown.boxes.every((b) => b.tabIndex === '0' && b.label),
        `every one of the ${shown.boxes.length} boxes is focusable and has an accessible label`,
      );
      check(shown.boxes.find((b) => b.id === t.gatewayWithFinding)?.className.includes('has-error'), "the finding is marked on west's east-west gateway");
      check(
        shown.edges.some((e) => e.startsWith('edge edge-serves')) && shown.edges.some((e) => e.startsWith('edge edge-discovers')),
        'arrows: serves and remote secret',
      );
      check(/script-src 'nonce-/.test(shown.csp) && !/unsafe|https?:/.test(shown.csp), `a strict Content-Security-Policy (${shown.csp})`);
      await shot('topology', { readme: 'topology' });
      await frame.locator(`[data-id="${t.controlPlane}"]`).click();
      await wb.waitFor('control-plane.yaml to open', () =>
        wb.page.evaluate(() => [...document.querySelectorAll('.tab .label-name')].some((el) => el.textContent === 'control-plane.yaml')),
      );
      check(true, "clicking east's control plane opens control-plane.yaml");
      const path = join(workspaceDir, t.fix.file);
      writeFileSync(path, readFileSync(path, 'utf8').replace(t.fix.from, t.fix.to));
      const fixed = await wb.waitFor(
        'the picture to drop the fixed finding',
        async () => {
          const current = await webviewFrame(wb.page, 'svg.topology [data-id]');
          const state = current && (await topologyBoxes(current));
          return state && !state.boxes.find((b) => b.id === t.gatewayWithFinding)?.className.includes('has-error') ? state : undefined;
        },
        { timeoutMs: 30_000 },
      );
      check(!fixed.boxes.some((b) => b.className.includes('has-error')), 'after the fix on disk no box is marked with an error');
      await shot('topology-after-fix');
    },
  },
  {
    name: 'topology-multi-primary',
    session: 'topologyMultiPrimary',
    title: 'Show Topology draws three primaries on two networks, each pair discovering the other with one two-headed arrow',
    async run({ wb, shot, check }) {
      await runListedCommand(wb, 'Istio Mesh: Show Topology');
      const frame = await showTopologyFrame(wb);
      const state = await wb.waitFor('three clusters in the picture', async () => {
        const s = await topologyBoxes(frame);
        return s.boxes.filter((b) => b.className.includes('cluster')).length === 3 ? s : undefined;
      });
      check(state.boxes.filter((b) => b.className.split(' ').includes('network')).length === 2, 'two networks');
      const discovers = state.edges.filter((e) => e.includes('remote secrets both ways'));
      check(discovers.length === 3, `three two-headed remote-secret arrows (${discovers.length})`);
      await shot('topology-multi-primary');
    },
  },
];

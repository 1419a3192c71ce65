// The E2E scenarios, in the order they run against one workbench (test/e2e/workspace copied to a temp folder).
// Each is { name, title, session?, prepare?(workspaceDir), run(ctx) }; prepare runs on the copy before the workbench
// opens it; session 'untrusted' runs in a second VS Code with workspace trust on (run.mjs SESSIONS).
// What they expect is data at the top, so a new feature adds a row or a scenario.
// ctx: { wb: Workbench, codeServer, languageServer: LanguageServerProbe, workspaceDir, shot(name), note(text), skip(reason), check(ok, message) }.
import { readFileSync, writeFileSync } from 'node:fs';
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
export const MESH_ID_EDIT = { file: 'cluster2/istio-operator.yaml', line: 9, column: 15, oldText: 'east-mesh-2', newText: 'east-mesh', clears: 'cluster1/istio-operator.yaml', code: 'MESH101' };

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
  /** A plain scalar the placeholder must not look like. */
  plainValue: { key: 'profile: ', text: 'remote' },
};

export const DIRECTIVE = { file: 'cluster1/expose-istiod.yaml', line: 1, keyword: 'istio-mesh:' };

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
      for (const expected of EXPECTED_PROBLEMS) check(problems.some((p) => matches(p, expected)), `Problems lists ${describe(expected)}`);
      check(problems.every((p) => p.source === 'istio-mesh'), 'every finding comes from istio-mesh');
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
        const target = await wb.waitFor(`line ${expected.line} of ${expected.file} on screen`, () => wb.characters(expected.line, expected.column, expected.text.length));
        const squiggles = await wb.waitFor(`${expected.severity} squiggles in ${expected.file}`, async () => {
          const found = await wb.squiggles(expected.severity);
          return found.length ? found : undefined;
        });
        check(
          squiggles.some((s) => overlaps(s, { ...target.rect, bottom: target.rect.bottom + 4 })),
          `a ${expected.severity} squiggle lies under "${expected.text}" at ${expected.file}:${expected.line}:${expected.column}`,
        );
        const hover = await wb.hoverText((target.rect.left + target.rect.right) / 2, (target.rect.top + target.rect.bottom) / 2, { contains: expected.hoverContains });
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
      const commands = codeServer.installedPackageJson(EXTENSION_ID).contributes?.commands ?? [];
      const entries = await wb.paletteEntries('Istio Mesh');
      await shot('command-palette');
      await wb.pressEscape();
      if (commands.length === 0) skip('package.json contributes no commands yet');
      for (const command of commands) check(entries.some((entry) => entry.includes(commandLabel(command))), `the palette lists "${commandLabel(command)}" (${command.command})`);
    },
  },
  {
    name: 'completion-and-hover',
    title: 'Completion offers a Gateway name in VirtualService.gateways and PASSTHROUGH in tls.mode; hover shows field docs',
    async run({ wb, languageServer, workspaceDir, shot, check, note, skip }) {
      let exercised = 0;
      for (const c of COMPLETIONS) {
        const path = join(workspaceDir, c.file);
        const lines = readFileSync(path, 'utf8').split('\n');
        const column = lines[c.line - 1].indexOf(c.after) + c.after.length + 1;
        check(column > c.after.length, `line ${c.line} of ${c.file} has "${c.after}"`);
        lines[c.line - 1] = lines[c.line - 1].slice(0, column - 1);
        const serverOffers = await languageServer.completionLabels(path, lines.join('\n'), c.line, column);
        if (!c.expected.some((label) => serverOffers.includes(label))) {
          note(`skipped ${c.name}: the language server offers none of ${c.expected.join(', ')} there (not landed yet?)`);
          continue;
        }
        exercised++;
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
        if (!serverHover.includes(c.hover.contains)) {
          note(`skipped hover on "${c.hover.on}": the language server's hover there does not mention "${c.hover.contains}" (not landed yet?)`);
          continue;
        }
        const word = await locateOnLine(wb, c.line, c.hover.on);
        const hover = await wb.hoverText(word.rect.left + 4, (word.rect.top + word.rect.bottom) / 2, { contains: c.hover.contains });
        check(hover.includes(c.hover.contains), `hover on "${c.hover.on}" shows its docs ("${hover.slice(0, 80)}…")`);
        await shot(`hover-${c.hover.on}`, { keepPointer: true, readme: c.hover.readmeImage });
        await wb.pressEscape();
      }
      if (exercised === 0) skip('the language server offers none of the expected completions yet');
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
      const placeholder = await locateOnLine(wb, placeholderLine, s.placeholder);
      const plain = await locateOnLine(wb, plainLine, s.plainValue.text, lines[plainLine - 1].indexOf(s.plainValue.key) + s.plainValue.key.length + 1);
      check(
        placeholder.tokenClass !== plain.tokenClass && placeholder.colour !== plain.colour,
        `${s.placeholder} is coloured apart from a plain value (${placeholder.tokenClass} ${placeholder.colour} vs ${plain.tokenClass} ${plain.colour})`,
      );
      await shot('snippet-and-grammar');

      await wb.openFile(DIRECTIVE.file);
      await wb.goTo(DIRECTIVE.line);
      const hash = await locateOnLine(wb, DIRECTIVE.line, '#');
      const keyword = await locateOnLine(wb, DIRECTIVE.line, DIRECTIVE.keyword);
      check(keyword.colour !== hash.colour, `the "# ${DIRECTIVE.keyword}" directive is coloured apart from a comment (${keyword.colour} vs ${hash.colour})`);
    },
  },
  {
    name: 'activation-log',
    title: "The extension activated without errors in the extension host log, without Red Hat's YAML extension",
    async run({ wb, codeServer, check, note }) {
      check(!codeServer.installedExtensions().includes(RED_HAT_YAML), `${RED_HAT_YAML} is not installed`);
      const readLogs = () => codeServer.extensionHostLogs().map((path) => readFileSync(path, 'utf8')).join('\n');
      // Run alone, this scenario may look before the extension host has written the activation.
      const activated = await wb
        .waitFor(`the extension host log to record ${EXTENSION_ID}'s activation`, () => readLogs().includes(`_doActivateExtension ${EXTENSION_ID}`), { timeoutMs: 30_000 })
        .catch(() => false);
      const text = readLogs();
      check(text.length > 0, 'the extension host wrote a log');
      check(activated, `${EXTENSION_ID} was activated`);
      const errors = text.split('\n').filter((line) => /\[error\]/i.test(line) || /Activating extension .* failed/i.test(line));
      const ours = errors.filter((line) => line.includes(EXTENSION_ID) || /istio-mesh|Istio Mesh/.test(line));
      check(ours.length === 0, `no error about ${EXTENSION_ID} in the extension host log${ours.length ? `:\n    ${ours.join('\n    ')}` : ''}`);
      if (errors.length > ours.length) note(`other errors in the extension host log:\n    ${errors.filter((l) => !ours.includes(l)).join('\n    ')}`);
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
      for (const expected of EXPECTED_PROBLEMS) check(problems.some((p) => matches(p, expected)), `analysis runs untrusted: Problems lists ${describe(expected)}`);
      await wb.openFile(MESH_ID_EDIT.file);
      const entries = await wb.paletteEntries('Istio Mesh');
      await shot('untrusted-workspace');
      await wb.pressEscape();
      const gated = (codeServer.installedPackageJson(EXTENSION_ID).contributes?.commands ?? []).filter(needsTrust);
      if (gated.length === 0) note('no command is gated on workspace trust yet');
      for (const command of gated) check(!entries.some((entry) => entry.includes(commandLabel(command))), `"${commandLabel(command)}" is not offered`);
    },
  },
];

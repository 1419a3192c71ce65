// The end-to-end suite: the packaged extension (dist/istio-mesh.vsix, from `npm run package`) installed into a real
// VS Code 1.100.3 (code-server), driven in Debian's chromium through playwright-core, as a user sees it.
//
//   npm run test:e2e                       package, then run every scenario
//   node test/e2e/run.mjs [NAME...]        only the named scenarios (the vsix must exist)
//   E2E_KEEP=1 node test/e2e/run.mjs       keep the run's temp folder (logs, user data) for a look afterwards
//   E2E_README_IMAGES=1 npm run test:e2e   also refresh the README's screenshots in docs/images/
//
// Screenshots go to test-results/e2e/. The last paragraph counts the scenarios passed, failed and skipped, with why
// each was skipped and which failed (as scripts/test-summary.mjs does for the unit and protocol suites); the exit code
// is non-zero when a scenario failed or the setup did.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { summaryParagraph } from '../../scripts/test-summary.mjs';
import { CHROMIUM, installCodeServer } from './install-code-server.mjs';
import { CodeServer, isolatedEnv } from './lib/codeServer.mjs';
import { startFakeKube } from './lib/fakeKube.mjs';
import { LanguageServerProbe } from './lib/languageServer.mjs';
import { pidsMentioning, stopAll } from './lib/processes.mjs';
import { checkVsixContents, zipEntries } from './lib/vsix.mjs';
import { Workbench } from './lib/workbench.mjs';
import { SCENARIOS } from './scenarios.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VSIX = join(REPO, 'dist', 'istio-mesh.vsix');
const SERVER_BUNDLE = join(REPO, 'dist', 'server.js');
const FIXTURES = join(REPO, 'test', 'e2e');
const RESULTS = join(REPO, 'test-results', 'e2e');
const README_IMAGES = join(REPO, 'docs', 'images');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-crash-reporter',
];
const SCENARIO_TIMEOUT_MS = 90_000;

class Skip extends Error {}

const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function ruleDocs() {
  const dir = join(REPO, 'docs', 'rules');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => name.endsWith('.md'))
        .map((name) => `docs/rules/${name}`)
    : [];
}

function checkPackage() {
  if (!existsSync(VSIX)) throw new Error(`${VSIX} is missing: run "npm run package" (or "npm run test:e2e", which does)`);
  const problems = checkVsixContents(zipEntries(VSIX), ruleDocs());
  if (problems.length) throw new Error(`the packaged extension is wrong (see .vscodeignore):\n  ${problems.join('\n  ')}`);
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

async function runScenario(scenario, shared, index) {
  const checks = [];
  const notes = [];
  const ctx = {
    ...shared,
    check(ok, message) {
      checks.push({ ok: !!ok, message });
      if (!ok) throw new Error(message);
    },
    note: (text) => notes.push(text),
    skip(reason) {
      throw new Skip(reason);
    },
    /** Saves a screenshot; `readme` names it for docs/images/ too, when E2E_README_IMAGES=1 refreshes them. */
    shot: async (name, { keepPointer = false, readme } = {}) => {
      const path = join(RESULTS, `${String(index + 1).padStart(2, '0')}-${name}.png`);
      await shared.wb.screenshot(path, { keepPointer });
      notes.push(`screenshot ${path.slice(REPO.length + 1)}`);
      if (readme && process.env.E2E_README_IMAGES) {
        mkdirSync(README_IMAGES, { recursive: true });
        cpSync(path, join(README_IMAGES, `${readme}.png`));
        notes.push(`README image docs/images/${readme}.png`);
      }
    },
  };
  const started = Date.now();
  let outcome = 'passed';
  let detail = '';
  try {
    await withTimeout(scenario.run(ctx), SCENARIO_TIMEOUT_MS, scenario.name);
  } catch (error) {
    if (error instanceof Skip) {
      outcome = 'skipped';
      detail = error.message;
    } else {
      outcome = 'failed';
      detail = error instanceof Error ? error.message : String(error);
      await ctx.shot(`${scenario.name}-FAILED`).catch(() => {});
      await shared.wb.pressEscape(3).catch(() => {});
    }
  }
  console.log(`${outcome === 'passed' ? 'ok  ' : outcome === 'skipped' ? 'skip' : 'FAIL'} ${scenario.name}: ${scenario.title} (${seconds(started)})`);
  for (const check of checks) if (check.ok) console.log(`       ✓ ${check.message}`);
  if (detail) console.log(`       ${outcome === 'skipped' ? '–' : '✗'} ${detail.replace(/\n/g, '\n         ')}`);
  for (const note of notes) console.log(`       · ${note.replace(/\n/g, '\n         ')}`);
  return { name: scenario.name, outcome, detail };
}

/**
 * One code-server + browser for a group of scenarios, each on a copy of its fixture folder under test/e2e/:
 * `trusted` (workspace trust off, as most users run), `untrusted` (trust on, the workspace opened in Restricted
 * Mode) and `multiNetwork` (three primaries on two networks: quick fixes, a generator, applying to fake clusters).
 * `start` runs before code-server and gives `{ env, close() }` and more for the scenarios (ctx.session).
 */
const SESSIONS = {
  trusted: { workspaceTrust: false, settings: {}, fixture: 'workspace' },
  untrusted: {
    workspaceTrust: true,
    // No startup dialog: the folder opens in Restricted Mode, as when a user answers "No, I don't trust the authors".
    settings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' },
    fixture: 'workspace',
  },
  multiNetwork: {
    workspaceTrust: false,
    settings: {},
    fixture: 'workspace-multi-network',
    // The fake API servers are up before code-server starts: its extension host, and kubectl under it, inherit KUBECONFIG.
    start: () => startFakeKube(REPO),
  },
  // Two meshes that reuse cluster names (the apply tests' fixture) and, as a third mesh, a remote written as a template.
  meshes: {
    workspaceTrust: false,
    settings: {},
    fixture: '../fixtures/apply-meshes',
    extraFixtures: { template: '../fixtures/apply-template' },
    start: () => startFakeKube(REPO),
  },
  // The Istio Mesh view and the topology picture: a primary-remote mesh of two networks, and three primaries.
  topology: { workspaceTrust: false, settings: {}, fixture: '../fixtures/topology/primary-remote-multi-network' },
  topologyMultiPrimary: { workspaceTrust: false, settings: {}, fixture: '../fixtures/topology/multi-primary-three-clusters' },
};

async function runSession(sessionName, scenarios, { entry, runDir, started }) {
  const session = SESSIONS[sessionName];
  const sessionDir = join(runDir, sessionName);
  const workspaceDir = join(sessionDir, 'workspace');
  cpSync(join(FIXTURES, session.fixture), workspaceDir, { recursive: true });
  for (const [folder, fixture] of Object.entries(session.extraFixtures ?? {})) cpSync(join(FIXTURES, fixture), join(workspaceDir, folder), { recursive: true });
  for (const scenario of scenarios) scenario.prepare?.(workspaceDir);
  const setup = session.start ? await session.start() : {};
  if (setup.note) console.log(`[${sessionName}] ${setup.note}`);
  const env = { ...isolatedEnv(sessionDir), ...setup.env };
  const codeServer = new CodeServer({ entry, runDir: sessionDir, env });
  const consoleLines = [];
  let browser;
  let languageServer;
  const outcomes = [];
  try {
    codeServer.writeUserSettings(session.settings);
    await codeServer.installExtension(VSIX);
    await codeServer.start({ workspaceTrust: session.workspaceTrust });
    console.log(`[${sessionName}] code-server on ${codeServer.url}, extension installed (${seconds(started)})`);
    browser = await chromium.launch({ executablePath: CHROMIUM, env, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    await page.goto(codeServer.folderUrl(workspaceDir));
    const wb = new Workbench(page, workspaceDir);
    await wb.waitReady();
    console.log(`[${sessionName}] workbench ready (${seconds(started)})`);
    // The initialization options the extension sends when Red Hat's YAML extension is absent, as here.
    languageServer = await LanguageServerProbe.start(SERVER_BUNDLE, workspaceDir, { schemaCompletionAndHover: true });
    const shared = { wb, page, codeServer, languageServer, workspaceDir, consoleLines, session: setup };
    for (const scenario of scenarios) outcomes.push(await runScenario(scenario, shared, SCENARIOS.indexOf(scenario)));
  } finally {
    const results = join(RESULTS, sessionName);
    mkdirSync(results, { recursive: true });
    writeFileSync(join(results, 'browser-console.log'), consoleLines.join('\n') + '\n');
    writeFileSync(join(results, 'code-server.log'), codeServer.logLines.join('\n') + '\n');
    // VS Code's logs, the extension host's and the Istio Mesh output channel among them.
    if (existsSync(join(codeServer.userDataDir, 'logs'))) cpSync(join(codeServer.userDataDir, 'logs'), join(results, 'logs'), { recursive: true });
    languageServer?.stop();
    await browser?.close().catch(() => {});
    await stopAll([codeServer.process?.pid], sessionDir);
    await setup.close?.();
  }
  return outcomes;
}

async function main() {
  const only = process.argv.slice(2);
  const scenarios = only.length ? SCENARIOS.filter((s) => only.includes(s.name)) : SCENARIOS;
  if (scenarios.length === 0) throw new Error(`no scenario named ${only.join(', ')} (have: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  const started = Date.now();
  checkPackage();
  const entry = installCodeServer();
  rmSync(RESULTS, { recursive: true, force: true });
  mkdirSync(RESULTS, { recursive: true });

  const runDir = mkdtempSync(join(tmpdir(), 'istio-mesh-e2e-'));
  const outcomes = [];
  try {
    for (const sessionName of Object.keys(SESSIONS)) {
      const inSession = scenarios.filter((s) => (s.session ?? 'trusted') === sessionName);
      if (inSession.length) outcomes.push(...(await runSession(sessionName, inSession, { entry, runDir, started })));
    }
  } finally {
    await stopAll([], runDir);
    const left = pidsMentioning(runDir);
    if (left.length) console.log(`processes still running after cleanup: ${left.join(', ')}`);
    if (process.env.E2E_KEEP) console.log(`kept ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  }
  console.log(`E2E finished in ${seconds(started)}; screenshots and logs in ${RESULTS.slice(REPO.length + 1)}/`);
  return outcomes;
}

/** The counts summaryParagraph reads, from the scenarios' outcomes. */
function tally(outcomes) {
  const of = (outcome) => outcomes.filter((o) => o.outcome === outcome);
  const skipReasons = new Map();
  for (const { detail } of of('skipped')) skipReasons.set(detail || 'no reason given', (skipReasons.get(detail || 'no reason given') ?? 0) + 1);
  const failures = of('failed').map((o) => ({ name: o.name, file: 'test/e2e/scenarios.mjs' }));
  return { passed: of('passed').length, failed: failures.length, skipped: of('skipped').length, todo: 0, skipReasons, failures };
}

try {
  const outcomes = await main();
  console.log(`\n${summaryParagraph('e2e', tally(outcomes))}`);
  process.exit(outcomes.some((o) => o.outcome === 'failed') ? 1 : 0);
} catch (error) {
  console.error(`E2E setup failed: ${error instanceof Error ? error.message : error}`);
  console.log(`\ne2e: the setup failed before any scenario ran (${error instanceof Error ? error.message : error}).`);
  process.exit(1);
}

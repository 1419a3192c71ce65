// One code-server for one E2E run: a fresh HOME, user-data-dir and extensions-dir, the built .vsix installed, a free
// port on 127.0.0.1.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { freePort, spawnGroup } from './processes.mjs';

const execFileAsync = promisify(execFile);

/** HOME and the XDG folders inside `runDir`: code-server and chromium both write under ~/.config and ~/.local. */
export function isolatedEnv(runDir) {
  const home = join(runDir, 'home');
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_RUNTIME_DIR: join(home, '.runtime'),
  };
  for (const dir of [env.XDG_CONFIG_HOME, env.XDG_DATA_HOME, env.XDG_CACHE_HOME, env.XDG_RUNTIME_DIR]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The test's own VS Code must not reach into a developer's terminal or git credentials.
  delete env.VSCODE_IPC_HOOK_CLI;
  delete env.GIT_ASKPASS;
  return env;
}

const USER_SETTINGS = {
  // Otherwise a "Get Started" page covers the editor in every fresh profile.
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  // Deterministic editing: no auto-closing or format-on-type changes what the suite types.
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.acceptSuggestionOnEnter': 'on',
  // Only the language server's suggestions: words already in the file would otherwise pass for completion.
  'editor.wordBasedSuggestions': 'off',
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'editor.hover.delay': 300,
  'editor.minimap.enabled': false,
  'files.autoSave': 'off',
  'security.workspace.trust.enabled': false,
  'window.restoreWindows': 'none',
  'workbench.colorTheme': 'Default Dark Modern',
};

export class CodeServer {
  constructor({ entry, runDir, env }) {
    this.entry = entry;
    this.runDir = runDir;
    this.env = env;
    this.userDataDir = join(runDir, 'user-data');
    this.extensionsDir = join(runDir, 'extensions');
    this.logLines = [];
    this.process = undefined;
    this.url = undefined;
  }

  baseArgs() {
    return ['--user-data-dir', this.userDataDir, '--extensions-dir', this.extensionsDir];
  }

  writeUserSettings(extra = {}) {
    const userDir = join(this.userDataDir, 'User');
    mkdirSync(userDir, { recursive: true });
    writeFileSync(join(userDir, 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...extra }, null, 2));
  }

  async installExtension(vsix) {
    const { stdout, stderr } = await execFileAsync(process.execPath, [this.entry, ...this.baseArgs(), '--install-extension', vsix, '--force'], {
      env: this.env,
      timeout: 120_000,
    });
    const output = `${stdout}\n${stderr}`;
    if (!/successfully installed/i.test(output)) throw new Error(`installing ${vsix} failed:\n${output.trim()}`);
  }

  /** Ids (publisher.name) of the extensions installed in this run's extensions-dir. */
  installedExtensions() {
    return readdirSync(this.extensionsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name.replace(/-\d+\.\d+\.\d+.*$/, ''));
  }

  /** The package.json of an installed extension (publisher.name). */
  installedPackageJson(id) {
    const folder = readdirSync(this.extensionsDir).find((name) => name.startsWith(`${id}-`));
    if (!folder) throw new Error(`${id} is not installed in ${this.extensionsDir}`);
    return JSON.parse(readFileSync(join(this.extensionsDir, folder, 'package.json'), 'utf8'));
  }

  async start({ workspaceTrust = false } = {}) {
    const port = await freePort();
    const args = [
      this.entry,
      ...this.baseArgs(),
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--bind-addr',
      `127.0.0.1:${port}`,
    ];
    if (!workspaceTrust) args.push('--disable-workspace-trust');
    this.process = spawnGroup(process.execPath, args, { env: this.env, cwd: this.runDir, logLines: this.logLines });
    this.url = `http://127.0.0.1:${port}`;
    await this.waitHealthy();
    return this.url;
  }

  async waitHealthy(timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) throw new Error(`code-server exited (${this.process.exitCode}):\n${this.logLines.slice(-20).join('\n')}`);
      try {
        const response = await fetch(`${this.url}/healthz`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`code-server did not answer /healthz within ${timeoutMs / 1000} s:\n${this.logLines.slice(-20).join('\n')}`);
  }

  folderUrl(folder) {
    return `${this.url}/?folder=${encodeURIComponent(folder)}`;
  }

  /** Every log file under user-data/logs (the extension host's, each extension's output channel, …). */
  allLogs() {
    const found = [];
    const walk = (dir) => {
      for (const entry of safeReaddir(dir)) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.log')) found.push(path);
      }
    };
    walk(join(this.userDataDir, 'logs'));
    return found;
  }

  /** The extension host's log file(s) (remoteexthost.log) under user-data/logs. */
  extensionHostLogs() {
    return this.allLogs().filter((path) => /(^|\/)(remote)?exthost\.log$/.test(path));
  }
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

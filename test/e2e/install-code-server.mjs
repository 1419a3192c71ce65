// Installs code-server (VS Code 1.100.3 with a Node extension host) into .e2e/ for the E2E suite, offline apart from
// the npm and Debian registries. Idempotent: a second run only checks, and finishes in a few seconds.
// The recipe, and why each step is there, is in docs/e2e.md ("Installing code-server") and in the comments below.
//
// Usage: node test/e2e/install-code-server.mjs        (prints the entry.js path on its last line)
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
export const VSCODE_VERSION = '1.100.3';
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE_DIR = join(REPO, '.e2e', `code-server-${CODE_SERVER_VERSION}`);
const CODE_SERVER = join(CACHE_DIR, 'node_modules', 'code-server');
const VSCODE = join(CODE_SERVER, 'lib', 'vscode');
export const ENTRY = join(CODE_SERVER, 'out', 'node', 'entry.js');
export const CHROMIUM = '/usr/bin/chromium';

/** Debian packages: the browser, ripgrep (Quick Open and search), and the `kerberos` module's headers. */
const DEBIAN_PACKAGES = ['chromium', 'ripgrep', 'libkrb5-dev'];

/** Native modules of VS Code that `--ignore-scripts` left unbuilt, each with the binary that proves it built. */
const VSCODE_NATIVE_MODULES = [
  { name: 'kerberos', binary: 'build/Release/kerberos.node' },
  { name: 'node-pty', binary: 'build/Release/pty.node' },
  { name: '@vscode/spdlog', binary: 'build/Release/spdlog.node' },
  { name: 'native-watchdog', binary: 'build/Release/watchdog.node' },
];

const log = (message) => console.error(`[install-code-server] ${message}`);

/** Native builds use the system's Node headers (node-gyp would otherwise download them); npx must not ask. */
const buildEnv = { ...process.env, npm_config_nodedir: '/usr', npm_config_yes: 'true', npm_config_fund: 'false', npm_config_audit: 'false' };

function run(command, args, cwd) {
  log(`${cwd ? `(in ${cwd.replace(REPO + '/', '')}) ` : ''}${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd, env: buildEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

function isDebianPackageInstalled(name) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

function ensureDebianPackages() {
  const missing = DEBIAN_PACKAGES.filter((name) => !isDebianPackageInstalled(name));
  if (missing.length === 0) return;
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const apt = (args) => (asRoot.length ? run(asRoot[0], [...asRoot.slice(1), 'apt-get', ...args]) : run('apt-get', args));
  log(`Debian packages missing: ${missing.join(', ')}`);
  process.env.DEBIAN_FRONTEND = 'noninteractive';
  buildEnv.DEBIAN_FRONTEND = 'noninteractive';
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
}

function ensureCodeServerPackage() {
  if (existsSync(join(CODE_SERVER, 'package.json'))) return;
  mkdirSync(CACHE_DIR, { recursive: true });
  // A package.json of its own keeps npm from climbing up to the repository's.
  writeFileSync(join(CACHE_DIR, 'package.json'), JSON.stringify({ name: 'istio-mesh-e2e-code-server', private: true }, null, 2));
  // --ignore-scripts: code-server's postinstall refuses root, and @vscode/ripgrep's would download from the internet.
  run('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`], CACHE_DIR);
}

function ensureDependencies(folder, probe) {
  if (existsSync(join(folder, 'node_modules', probe))) return;
  run('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], folder);
}

function ensureRipgrep() {
  const target = join(VSCODE, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg');
  if (existsSync(target)) return;
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync('/usr/bin/rg', target);
}

/** True when `binary` loads into this Node (the ABI code-server runs with). */
function loads(binary) {
  if (!existsSync(binary)) return false;
  const result = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(binary)})`], { stdio: 'ignore' });
  return result.status === 0;
}

function ensureVscodeNativeModules() {
  const broken = VSCODE_NATIVE_MODULES.filter((m) => !loads(join(VSCODE, 'node_modules', m.name, m.binary)));
  if (broken.length === 0) return;
  run('npm', ['rebuild', ...broken.map((m) => m.name)], VSCODE);
  const stillBroken = broken.filter((m) => !loads(join(VSCODE, 'node_modules', m.name, m.binary)));
  if (stillBroken.length) throw new Error(`native modules did not build: ${stillBroken.map((m) => m.name).join(', ')}`);
}

function argon2Loads() {
  const result = spawnSync(process.execPath, ['-e', 'require("argon2")'], { cwd: CODE_SERVER, stdio: 'ignore' });
  return result.status === 0;
}

function ensureArgon2() {
  // code-server loads argon2 at start even with --auth none. npm hoists it to the cache folder's node_modules, so the
  // rebuild runs there; --build-from-source keeps node-pre-gyp from trying to download a prebuilt binary.
  if (argon2Loads()) return;
  run('npm', ['rebuild', 'argon2', '--build-from-source'], CACHE_DIR);
  if (!argon2Loads()) throw new Error('argon2 does not load after npm rebuild');
}

function ensureLink(linkPath, target) {
  try {
    if (lstatSync(linkPath).isSymbolicLink() && readlinkSync(linkPath) === target) return;
    rmSync(linkPath, { recursive: true, force: true });
  } catch {
    // absent: create it below
  }
  symlinkSync(target, linkPath);
}

function ensureLinks() {
  ensureLink(join(VSCODE, 'node_modules.asar'), 'node_modules');
  ensureLink(join(VSCODE, 'bin', 'remote-cli', 'code-server'), 'code-linux.sh');
  ensureLink(join(VSCODE, 'bin', 'helpers', 'browser.sh'), 'browser-linux.sh');
}

function checkVersion(home) {
  const out = execFileSync(process.execPath, [ENTRY, '--version'], {
    encoding: 'utf8',
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share') },
  });
  if (!out.includes(CODE_SERVER_VERSION) || !out.includes(`Code ${VSCODE_VERSION}`)) {
    throw new Error(`unexpected code-server --version output: ${out.trim()}`);
  }
  return out
    .split('\n')
    .find((line) => line.includes(`Code ${VSCODE_VERSION}`))
    .trim();
}

/** Installs what is missing and returns the path of code-server's entry.js. `home` keeps `--version` out of ~. */
export function installCodeServer(home = join(REPO, '.e2e', 'home')) {
  const started = Date.now();
  ensureDebianPackages();
  ensureCodeServerPackage();
  ensureDependencies(VSCODE, '@vscode/spdlog');
  ensureRipgrep();
  ensureVscodeNativeModules();
  ensureLinks();
  ensureDependencies(join(VSCODE, 'extensions'), 'typescript');
  ensureArgon2();
  mkdirSync(home, { recursive: true });
  const version = checkVersion(home);
  log(`code-server ready (${version}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return ENTRY;
}

/** The installed code-server's package version, or undefined when it is not installed. */
export function installedCodeServerVersion() {
  try {
    return JSON.parse(readFileSync(join(CODE_SERVER, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    console.log(installCodeServer());
  } catch (error) {
    log(`failed: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
}

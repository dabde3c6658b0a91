// `npm start`: try the extension on the sample workspace (samples/workspace).
//   - With VS Code's `code` command on PATH: opens an Extension Development Host window on the sample workspace.
//   - Without it: starts code-server (the same VS Code, in the browser) with the extension under development, prints
//     the address to open, opens it when there is a display, and runs until Ctrl-C.
// Options: --code-server (use code-server even when `code` exists), --port N (default: a free port),
//          --print-url-only or NC_MONITOR_START_NO_WAIT=1 (start, print the address, check it answers, stop; a smoke check).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, build, ensureDependencies } from './prepare.mjs';
import { setUpTools } from './tools.mjs';
import { startCodeServer, workbenchUrl } from './code-server.mjs';

const SAMPLE_WORKSPACE = join(REPO_ROOT, 'samples', 'workspace');

function say(message) {
  process.stdout.write(`[start] ${message}\n`);
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function option(name) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? (process.argv[index + 1] ?? '') : undefined;
}

async function withCodeServer(printOnly) {
  say('checking the editor tools (Node 24, code-server)…');
  const tools = await setUpTools();
  const port = option('--port');
  say('starting code-server…');
  const server = await startCodeServer(tools, port === undefined ? {} : { port: Number(port) });
  const url = workbenchUrl(server, { folder: SAMPLE_WORKSPACE, extensionPath: REPO_ROOT });
  let stopping = false;
  const stop = async (why) => {
    if (stopping) return;
    stopping = true;
    say(`${why}: stopping code-server and the runs it started…`);
    // Trainers get a few seconds to write their checkpoint before they are killed.
    await server.stop({ trainerGraceMs: 5000 });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl-C'));
  process.on('SIGTERM', () => void stop('terminated'));
  void server.whenExited.then(({ code, signal }) => {
    if (stopping) return;
    process.stderr.write(
      `[start] code-server exited (${signal ?? `code ${code}`}). Its last lines:\n${server.output.slice(-20).join('\n')}\n`,
    );
    process.exit(1);
  });

  process.stdout.write(
    `\n  Neural Collapse Monitor is running in VS Code (code-server ${server.url}), on samples/workspace.\n` +
      `  Open this address in a browser (it loads the extension from this folder):\n\n    ${url}\n\n` +
      `  Then: Ctrl+Shift+P (F1) → "NC Monitor: Start Long-Tail Run". Ctrl-C here stops the server.\n\n`,
  );
  if (printOnly) {
    const response = await fetch(url);
    say(`the workbench answers: HTTP ${response.status}`);
    await stop('--print-url-only');
    return;
  }
  if ((process.env.DISPLAY || process.env.WAYLAND_DISPLAY) && onPath('xdg-open')) {
    spawn('xdg-open', [url], { stdio: 'ignore', detached: true }).unref();
    say('opened it in your browser');
  } else if (process.platform === 'darwin') {
    spawn('open', [url], { stdio: 'ignore', detached: true }).unref();
  }
}

function withCode() {
  say(`opening VS Code: code --extensionDevelopmentPath=${REPO_ROOT} samples/workspace`);
  const result = spawnSync('code', [`--extensionDevelopmentPath=${REPO_ROOT}`, SAMPLE_WORKSPACE], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`code exited with ${result.status ?? result.signal}; try \`npm start -- --code-server\``);
  say('an Extension Development Host window opens on samples/workspace: F1 → "NC Monitor: Start Long-Tail Run".');
}

async function main() {
  ensureDependencies(say);
  build(say);
  const printOnly = process.argv.includes('--print-url-only') || process.env.NC_MONITOR_START_NO_WAIT === '1';
  if (onPath('code') && !process.argv.includes('--code-server') && !printOnly) withCode();
  else await withCodeServer(printOnly);
}

main().catch((error) => {
  process.stderr.write(`[start] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { ENV_RUN_ID, ENV_SERVER_URL, ENV_TOKEN } from '../../protocol/messages';
import { PYTORCH_ENGINE_MODULE } from '../../protocol/engines';

/** The program that trains one run: an executable, its arguments before the run's own, and extra environment. */
export interface TrainerCommand {
  executable: string;
  leadingArgs: string[];
  env: Record<string, string>;
  /** What to tell the user when the executable cannot be started. */
  spawnErrorHint: string;
}

export interface TrainerLaunch {
  command: TrainerCommand;
  /** The trainer's arguments after the command's own: `--config FILE --out DIR --run-id ID …`, the same for both engines. */
  args: string[];
  cwd: string;
  serverUrl: string;
  token: string;
  runId: string;
  onOutput: (stream: 'stdout' | 'stderr', line: string) => void;
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
  onSpawnError: (error: Error) => void;
}

/**
 * The trainer runs in its own process: native TensorFlow.js addons and CUDA must never load into the extension host,
 * and a crash of the trainer must not take the editor with it. The run's secret travels in the environment, not on
 * the command line, where other users could read it.
 */
export function launchTrainer(launch: TrainerLaunch): ChildProcess {
  const { command } = launch;
  const child = spawn(command.executable, [...command.leadingArgs, ...launch.args], {
    cwd: launch.cwd,
    env: {
      ...process.env,
      ...command.env,
      [ENV_SERVER_URL]: launch.serverUrl,
      [ENV_TOKEN]: launch.token,
      [ENV_RUN_ID]: launch.runId,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: the trainer outlives a window reload, and the next window re-attaches to it.
    detached: true,
    windowsHide: true,
  });
  pipeLines(child.stdout, (line) => launch.onOutput('stdout', line));
  pipeLines(child.stderr, (line) => launch.onOutput('stderr', line));
  child.on('error', launch.onSpawnError);
  child.on('exit', launch.onExit);
  return child;
}

/** The bundled TensorFlow.js trainer under Node: `node dist/trainer.js run …`. */
export function tfjsTrainerCommand(trainerScript: string, nodePath: string): TrainerCommand {
  const spawnErrorHint = 'Set ncMonitor.trainer.nodePath to a Node.js 20+ executable.';
  if (nodePath !== '') return { executable: nodePath, leadingArgs: [trainerScript, 'run'], env: {}, spawnErrorHint };
  const onPath = findOnPath(process.platform === 'win32' ? 'node.exe' : 'node');
  if (onPath !== undefined) return { executable: onPath, leadingArgs: [trainerScript, 'run'], env: {}, spawnErrorHint };
  // The editor's own runtime (Electron) behaves as plain Node with this variable; wasm and cpu backends work there.
  return { executable: process.execPath, leadingArgs: [trainerScript, 'run'], env: { ELECTRON_RUN_AS_NODE: '1' }, spawnErrorHint };
}

/**
 * The PyTorch engine: `python -m ncmonitor.train …` with the extension's own copy of the package first on
 * PYTHONPATH, so that it needs nothing installed but PyTorch.
 */
export function pytorchEngineCommand(python: string, packageRoot: string): TrainerCommand {
  const existing = process.env.PYTHONPATH;
  return {
    executable: python,
    leadingArgs: ['-m', PYTORCH_ENGINE_MODULE],
    env: { PYTHONPATH: existing ? `${packageRoot}${delimiter}${existing}` : packageRoot, PYTHONUNBUFFERED: '1' },
    spawnErrorHint: `Set ncMonitor.python.interpreterPath to a Python 3.9+ interpreter with PyTorch (it was "${python}").`,
  };
}

export function findOnPath(executable: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = `${directory}/${executable}`;
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function pipeLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (stream === null) return;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split(/\r?\n/);
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (pending !== '') onLine(pending);
  });
}

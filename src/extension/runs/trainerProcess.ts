import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ENV_RUN_ID, ENV_SERVER_URL, ENV_TOKEN } from '../../protocol/messages';

export interface TrainerLaunch {
  /** The bundled trainer (dist/trainer.js). */
  trainerScript: string;
  /** Node executable from the settings; empty: `node` on PATH, else the editor's own runtime. */
  nodePath: string;
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
 * The trainer runs in its own process: native TensorFlow.js addons must never load into the extension host, and a
 * crash of the trainer must not take the editor with it. The run's secret travels in the environment, not on the
 * command line, where other users could read it.
 */
export function launchTrainer(launch: TrainerLaunch): ChildProcess {
  const { command, extraEnv } = resolveNode(launch.nodePath);
  const child = spawn(command, [launch.trainerScript, ...launch.args], {
    cwd: launch.cwd,
    env: {
      ...process.env,
      ...extraEnv,
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

function resolveNode(nodePath: string): { command: string; extraEnv: Record<string, string> } {
  if (nodePath !== '') return { command: nodePath, extraEnv: {} };
  const onPath = findOnPath(process.platform === 'win32' ? 'node.exe' : 'node');
  if (onPath !== undefined) return { command: onPath, extraEnv: {} };
  // The editor's own runtime (Electron) behaves as plain Node with this variable; wasm and cpu backends work there.
  return { command: process.execPath, extraEnv: { ELECTRON_RUN_AS_NODE: '1' } };
}

function findOnPath(executable: string): string | undefined {
  const separator = process.platform === 'win32' ? ';' : ':';
  for (const directory of (process.env.PATH ?? '').split(separator)) {
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

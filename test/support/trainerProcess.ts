import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const TRAINER = join(REPO, 'dist', 'trainer.js');

/** Builds the bundles when dist/trainer.js is missing or older than any trainer/protocol source. */
export function ensureTrainerBuilt(): void {
  const newestSource = Math.max(...['src/trainer', 'src/protocol'].flatMap((folder) => newestMtimes(join(REPO, folder))));
  if (!existsSync(TRAINER) || statSync(TRAINER).mtimeMs < newestSource) {
    execFileSync(process.execPath, [join(REPO, 'scripts', 'build.mjs')], { cwd: REPO, stdio: 'ignore' });
  }
}

function newestMtimes(folder: string): number[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? newestMtimes(join(folder, entry.name)) : [statSync(join(folder, entry.name)).mtimeMs],
  );
}

export function temporaryFolder(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `nc-monitor-${prefix}-`));
}

/** A tiny run on the generated dataset: seconds, not minutes. */
export function tinyConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'tiny',
    dataset: { name: 'synthetic', classes: 4, imageSize: 8, trainPerClass: 40, testPerClass: 10 },
    imbalance: { profile: 'exponential', factor: 10 },
    model: { architecture: 'mlp', featureDim: 8, hiddenUnits: [16] },
    optimizer: { name: 'adam', learningRate: 0.01 },
    batchSize: 16,
    epochs: 2,
    backend: 'cpu',
    seed: 1,
    ...overrides,
  };
}

export function writeConfig(folder: string, config: unknown, name = 'tiny.ltrun.json'): string {
  const path = join(folder, name);
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return path;
}

export interface TrainerResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startTrainer(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<TrainerResult> } {
  const child = spawn(process.execPath, [TRAINER, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<TrainerResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

import { mkdirSync, writeFileSync, readFileSync, existsSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RUN_FILES } from '../protocol/runFolder';
import type { StoredRunConfig } from '../protocol/runFolder';
export type { StoredRunConfig } from '../protocol/runFolder';

/** A run folder holds everything a run produced (layout: src/protocol/runFolder.ts). */
export interface RunFolder {
  path: string;
  runId: string;
  eventsPath: string;
  configPath: string;
  summaryPath: string;
  checkpointPath: string;
  pidPath: string;
}

export function runFolderAt(path: string, runId: string): RunFolder {
  const absolute = resolve(path);
  return {
    path: absolute,
    runId,
    eventsPath: join(absolute, RUN_FILES.events),
    configPath: join(absolute, RUN_FILES.config),
    summaryPath: join(absolute, RUN_FILES.summary),
    checkpointPath: join(absolute, RUN_FILES.checkpoint),
    pidPath: join(absolute, RUN_FILES.pid),
  };
}

export function createRunFolder(runsDirectory: string, runId: string, stored: StoredRunConfig): RunFolder {
  const folder = runFolderAt(join(runsDirectory, runId), runId);
  if (existsSync(folder.eventsPath)) {
    throw new Error(`run folder ${folder.path} already holds a run; choose another run id or use --resume ${folder.path}`);
  }
  mkdirSync(folder.path, { recursive: true });
  writeJsonAtomically(folder.configPath, stored);
  return folder;
}

export function readStoredConfig(folder: RunFolder): StoredRunConfig {
  if (!existsSync(folder.configPath)) {
    throw new Error(`${folder.path} is not a run folder: ${RUN_FILES.config} is missing`);
  }
  return JSON.parse(readFileSync(folder.configPath, 'utf8')) as StoredRunConfig;
}

/** Writes through a temporary file so that a reader never sees half a file. */
export function writeJsonAtomically(path: string, value: unknown): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temporary, path);
}

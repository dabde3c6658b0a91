import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeTrainerMessage } from '../../protocol/messages';
import type { TrainerMessage } from '../../protocol/messages';
import { RUN_FILES } from '../../protocol/runFolder';
import type { RunFolderRecord } from '../../protocol/runFolder';

export interface RunOnDisk {
  folder: string;
  stored: RunFolderRecord;
  messages: TrainerMessage[];
  /** Lines of events.jsonl that could not be read (a torn last line after a crash, or a hand edit). */
  skippedLines: number;
  /** The trainer's pid if trainer.pid exists (the run may still be going). */
  pid: number | undefined;
}

/** Every run folder directly under `runsDirectory` (folders without config.json are not runs and are skipped). */
export async function readRunsDirectory(runsDirectory: string): Promise<RunOnDisk[]> {
  let entries: string[];
  try {
    entries = await readdir(runsDirectory);
  } catch {
    return [];
  }
  const runs = await Promise.all(entries.sort().map((entry) => readRunFolder(join(runsDirectory, entry)).catch(() => undefined)));
  return runs.filter((run): run is RunOnDisk => run !== undefined);
}

export async function readRunFolder(folder: string): Promise<RunOnDisk | undefined> {
  if (!(await stat(folder)).isDirectory()) return undefined;
  let stored: RunFolderRecord;
  try {
    stored = JSON.parse(await readFile(join(folder, RUN_FILES.config), 'utf8')) as RunFolderRecord;
  } catch {
    return undefined;
  }
  const { messages, skippedLines } = await readEvents(join(folder, RUN_FILES.events));
  let pid: number | undefined;
  try {
    const parsed = Number.parseInt(await readFile(join(folder, RUN_FILES.pid), 'utf8'), 10);
    pid = Number.isFinite(parsed) ? parsed : undefined;
  } catch {
    pid = undefined;
  }
  return { folder, stored, messages, skippedLines, pid };
}

export async function readEvents(
  path: string,
  fromByte = 0,
): Promise<{ messages: TrainerMessage[]; skippedLines: number; bytesRead: number }> {
  let text: string;
  try {
    const buffer = await readFile(path);
    text = buffer.subarray(fromByte).toString('utf8');
  } catch {
    return { messages: [], skippedLines: 0, bytesRead: 0 };
  }
  // Only complete lines: the trainer may be in the middle of appending the last one.
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  const messages: TrainerMessage[] = [];
  let skippedLines = 0;
  for (const line of complete.split('\n')) {
    if (line.trim() === '') continue;
    const decoded = decodeTrainerMessage(line);
    if (decoded.ok) messages.push(decoded.message);
    else skippedLines++;
  }
  return { messages, skippedLines, bytesRead: Buffer.byteLength(complete) };
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

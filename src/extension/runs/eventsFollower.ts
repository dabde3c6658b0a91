import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import { RUN_FILES } from '../../protocol/runFolder';
import type { Run } from './run';
import { readEvents, isProcessAlive } from './runFolderReader';

const POLL_MS = 500;

/**
 * Follows a run whose trainer outlived the window that started it: new lines of events.jsonl are applied as they
 * are appended, until the run ends or its process disappears.
 */
export function followEvents(run: Run, pid: number, log: vscode.LogOutputChannel): vscode.Disposable {
  const eventsPath = join(run.folder, RUN_FILES.events);
  let offset = 0;
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      const size = (await stat(eventsPath)).size;
      if (size > offset) {
        const { messages, bytesRead } = await readEvents(eventsPath, offset);
        offset += bytesRead;
        for (const message of messages) run.apply(message);
      }
      if (run.ended === undefined && !isProcessAlive(pid)) {
        run.errorTail = ['The trainer process ended without finishing the run.'];
        run.setStatus('failed');
      }
    } catch (error) {
      log.warn(`run ${run.id}: cannot follow events.jsonl: ${(error as Error).message}`);
    } finally {
      busy = false;
    }
    if (run.ended !== undefined || !run.isLive) clearInterval(timer);
  };
  const timer = setInterval(() => void poll(), POLL_MS);
  return { dispose: () => clearInterval(timer) };
}

import { existsSync, readFileSync } from 'node:fs';
import { decodeTrainerMessage } from '../../protocol/messages';
import type { TrainerMessage } from '../../protocol/messages';
import type { CollapseTracker } from '../metrics';
import { collapseEvaluationOf } from '../metrics';

/** The messages a run folder's events.jsonl holds (unreadable lines, e.g. one torn by a crash, are skipped). */
export function readEventLog(path: string): TrainerMessage[] {
  if (!existsSync(path)) return [];
  const messages: TrainerMessage[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const decoded = decodeTrainerMessage(line);
    if (decoded.ok) messages.push(decoded.message);
  }
  return messages;
}

/** The last `seq` already used, so that a resumed run continues the numbering and nothing is taken for a resend. */
export function lastSequenceNumber(path: string): number {
  return readEventLog(path).reduce((highest, message) => Math.max(highest, message.seq), 0);
}

/**
 * Feeds the evaluations before the checkpoint back into a fresh collapse tracker, so that a resumed run keeps the
 * onset epochs of classes that were already flagged.
 */
export function replayCollapseHistory(eventsPath: string, tracker: CollapseTracker, upToEpoch: number): void {
  for (const message of readEventLog(eventsPath)) {
    if (message.type !== 'metrics/didUpdate' || message.epoch > upToEpoch) continue;
    const evaluation = collapseEvaluationOf(message.reports);
    if (evaluation !== undefined) tracker.update(evaluation);
  }
}

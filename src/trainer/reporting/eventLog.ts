import { appendFileSync, openSync, closeSync, fsyncSync } from 'node:fs';
import type { TrainerMessage } from '../../protocol/messages';

/**
 * `events.jsonl` in the run folder: every message the trainer reports, one JSON object per line, appended and
 * flushed as it happens so that a crash loses nothing already reported. The extension rebuilds a finished run
 * from this file after a window reload.
 */
export class EventLog {
  private readonly descriptor: number;

  constructor(readonly path: string) {
    this.descriptor = openSync(path, 'a');
  }

  append(message: TrainerMessage): void {
    appendFileSync(this.descriptor, `${JSON.stringify(message)}\n`);
  }

  close(): void {
    try {
      fsyncSync(this.descriptor);
    } finally {
      closeSync(this.descriptor);
    }
  }
}

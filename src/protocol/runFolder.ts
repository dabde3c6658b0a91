import type { RunConfig } from './runConfig';

/** The layout of a run folder, shared by the trainer that writes it and the extension that reads it back. */
export const RUN_FILES = {
  /** The resolved config (defaults filled in) and where it came from. */
  config: 'config.json',
  /** Every reported message, one JSON object per line, in order. */
  events: 'events.jsonl',
  /** Final state, written at the end of the run. */
  summary: 'summary.json',
  /** The latest checkpoint, for --resume. */
  checkpoint: 'checkpoint',
  /** The trainer's process id while it runs, so that a reloaded window can re-attach to it. */
  pid: 'trainer.pid',
} as const;

export function newRunId(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'run';
  const suffix = Math.floor(Math.random() * 36 ** 3)
    .toString(36)
    .padStart(3, '0');
  return `${stamp}-${slug}-${suffix}`;
}

/** The content of config.json for a run the extension started from a run config. */
export interface StoredRunConfig {
  runId: string;
  runName: string;
  /** The *.ltrun.json the run was started from. */
  sourceFile: string;
  config: RunConfig;
}

/**
 * The content of config.json for an attached run: a user's own script reports through the attach client, and the
 * extension keeps what it reports in this folder (the script's own config arrives in its run/didStart).
 */
export interface AttachedRunRecord {
  runId: string;
  runName: string;
  sourceFile: '';
  attached: true;
  attachedAt: string;
}

/** What config.json of any run folder holds. */
export type RunFolderRecord = StoredRunConfig | AttachedRunRecord;

export function isAttachedRun(record: RunFolderRecord): record is AttachedRunRecord {
  return 'attached' in record && record.attached;
}

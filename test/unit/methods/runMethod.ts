/** Runs the real training loop (trainRun) on a config in a temporary run folder, collecting its messages in memory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainerMessage } from '../../../src/protocol/messages';
import type { EvaluationReport } from '../../../src/protocol/metrics';
import { parseRunConfig } from '../../../src/protocol/runConfig';
import type { RunConfigInput } from '../../../src/protocol/runConfig';
import { Reporter } from '../../../src/trainer/reporting/reporter';
import { createRunFolder } from '../../../src/trainer/runFolder';
import type { RunFolder } from '../../../src/trainer/runFolder';
import { StopSignal } from '../../../src/trainer/training/stopSignal';
import { trainRun } from '../../../src/trainer/training/trainRun';

/** A tiny run: 6 synthetic classes of 8×8 images, IF 10, an MLP, cpu backend. */
export function tinyConfig(method: RunConfigInput['method'], overrides: Partial<RunConfigInput> = {}): RunConfigInput {
  return {
    dataset: { name: 'synthetic', classes: 6, imageSize: 8, trainPerClass: 40, testPerClass: 10 },
    imbalance: { profile: 'exponential', factor: 10 },
    model: { architecture: 'mlp', featureDim: 8, hiddenUnits: [16] },
    optimizer: { name: 'adam', learningRate: 0.01 },
    batchSize: 32,
    epochs: 2,
    seed: 0,
    backend: 'cpu',
    method,
    ...overrides,
  };
}

export interface InMemoryRun {
  messages: TrainerMessage[];
  folder: RunFolder;
  stopped: boolean;
  /** The last evaluation's reports by split. */
  last: { train?: EvaluationReport; test?: EvaluationReport };
}

const createdFolders: string[] = [];

/** Deletes every temporary run folder `runInMemory` created (call from `after`). */
export function removeRunFolders(): void {
  for (const folder of createdFolders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

export async function runInMemory(input: RunConfigInput, runId = 'run'): Promise<InMemoryRun> {
  const parsed = parseRunConfig(input);
  if (!parsed.ok) throw new Error(parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  const base = mkdtempSync(join(tmpdir(), 'nc-methods-'));
  createdFolders.push(base);
  const stored = { runId, runName: runId, sourceFile: join(base, `${runId}.ltrun.json`), config: parsed.config };
  const folder = createRunFolder(base, runId, stored);
  const messages: TrainerMessage[] = [];
  const reporter = new Reporter([{ write: (message) => messages.push(message), close: () => Promise.resolve() }]);
  const outcome = await trainRun({ stored, folder, reporter, stop: new StopSignal(), resume: false });
  const updates = messages.filter((message) => message.type === 'metrics/didUpdate');
  const reports =
    updates.at(-1)?.type === 'metrics/didUpdate' ? (updates.at(-1) as Extract<TrainerMessage, { type: 'metrics/didUpdate' }>).reports : [];
  return {
    messages,
    folder,
    stopped: outcome.stopped,
    last: { train: reports.find((report) => report.split === 'train'), test: reports.find((report) => report.split === 'test') },
  };
}

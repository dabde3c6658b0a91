/**
 * Part 1: training images/second of this project's trainer (wasm backend with its kernels, one thread: Node's wasm
 * has no threads) against PyTorch on the CPU at one thread and at every core, same model, batch, loss and optimiser.
 * Warm-up steps are excluded; each side reports the median over repeats of (steps × batch / time), best of the
 * interleaved rounds (measure.ts, bestRound).
 */
import { availableParallelism } from 'node:os';
import { runPythonChild, runTsChild } from './children';
import { bestRound } from './measure';
import type { Measured } from './measure';
import type { TrainingMeasurement } from './trainingChild';
import { TRAINING_MODEL_SPECS, TRAINING_MODELS } from './trainingModels';
import type { TrainingModel } from './trainingModels';

export interface TorchMeasurement {
  repeats: number[];
  imagesPerSecond: number;
  msPerStep: number;
  threads: number;
}

export interface TrainingRow {
  model: TrainingModel;
  label: string;
  ours: Measured<TrainingMeasurement & { roundScores: number[] }>;
  torchOneThread: Measured<TorchMeasurement & { roundScores: number[] }>;
  torchAllCores: Measured<TorchMeasurement & { roundScores: number[] }>;
  /** ours / PyTorch at 1 thread: our trainer uses one core, so this is the same-cores comparison. */
  ratioOneThread: number | null;
  ratioAllCores: number | null;
}

export interface TrainingResult {
  cores: number;
  /** Interleaved rounds per side; each side reports its best round (see bestRound). */
  rounds: number;
  settings: Record<TrainingModel, { warmup: number; repeats: number; steps: number }>;
  rows: TrainingRow[];
}

const FULL = {
  mlp: { warmup: 3, repeats: 5, steps: 20 },
  'small-cnn': { warmup: 2, repeats: 5, steps: 4 },
  resnet20: { warmup: 1, repeats: 3, steps: 3 },
};
const QUICK = {
  mlp: { warmup: 2, repeats: 3, steps: 10 },
  'small-cnn': { warmup: 1, repeats: 3, steps: 2 },
  resnet20: { warmup: 1, repeats: 2, steps: 1 },
};

export interface TrainingOptions {
  quick: boolean;
  models: readonly TrainingModel[];
  /** Why PyTorch is not measured, when it is not. */
  torchMissing: string | undefined;
  log: (line: string) => void;
}

export async function benchTraining({ quick, models, torchMissing, log }: TrainingOptions): Promise<TrainingResult> {
  const settings = quick ? QUICK : FULL;
  const rounds = quick ? 1 : 2;
  const cores = availableParallelism();
  const rows: TrainingRow[] = [];
  for (const model of TRAINING_MODELS.filter((name) => models.includes(name))) {
    const { warmup, repeats, steps } = settings[model];
    const common = ['--model', model, '--warmup', String(warmup), '--repeats', String(repeats), '--steps', String(steps)];
    const torchAt = async (threads: number): Promise<Measured<TorchMeasurement>> => {
      if (torchMissing !== undefined) return { ok: false, reason: torchMissing };
      log(`training ${model}: PyTorch, ${threads} thread${threads === 1 ? '' : 's'}…`);
      return runPythonChild<TorchMeasurement>('torch_training.py', [...common, '--threads', String(threads)], {
        // One BLAS/OpenMP pool of the requested size: the env caps what torch.set_num_threads can use.
        env: { OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
      });
    };
    const oursRounds: Measured<TrainingMeasurement>[] = [];
    const oneThreadRounds: Measured<TorchMeasurement>[] = [];
    const allCoresRounds: Measured<TorchMeasurement>[] = [];
    for (let round = 0; round < rounds; round++) {
      log(`training ${model}: ours (wasm)${rounds > 1 ? `, round ${round + 1} of ${rounds}` : ''}…`);
      const measured = await runTsChild<TrainingMeasurement>('trainingChild.ts', common);
      oursRounds.push(measured.ok ? { ok: true, value: measured.value } : measured);
      oneThreadRounds.push(await torchAt(1));
      allCoresRounds.push(await torchAt(cores));
    }
    const throughput = (value: { imagesPerSecond: number }) => value.imagesPerSecond;
    const ours = bestRound(oursRounds, throughput, true);
    const torchOneThread = bestRound(oneThreadRounds, throughput, true);
    const torchAllCores = bestRound(allCoresRounds, throughput, true);
    const ratio = (peer: Measured<TorchMeasurement>) =>
      ours.ok && peer.ok ? ours.value.imagesPerSecond / peer.value.imagesPerSecond : null;
    rows.push({
      model,
      label: TRAINING_MODEL_SPECS[model].label,
      ours,
      torchOneThread,
      torchAllCores,
      ratioOneThread: ratio(torchOneThread),
      ratioAllCores: ratio(torchAllCores),
    });
    const last = rows.at(-1)!;
    log(
      `  ours ${last.ours.ok ? last.ours.value.imagesPerSecond.toFixed(0) : last.ours.reason} img/s, PyTorch 1 thread ${
        torchOneThread.ok ? torchOneThread.value.imagesPerSecond.toFixed(0) : '–'
      }, ${cores} threads ${torchAllCores.ok ? torchAllCores.value.imagesPerSecond.toFixed(0) : '–'}`,
    );
  }
  return { cores, rounds, settings, rows };
}

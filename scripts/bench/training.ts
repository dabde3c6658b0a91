/**
 * Part 1: training images/second of this project's trainer (wasm backend with its kernels, one thread: Node's wasm
 * has no threads) against PyTorch on the CPU at one thread and at every core, same model, batch, loss and optimiser.
 * Warm-up steps are excluded; each side reports the median over repeats of (steps × batch / time).
 */
import { availableParallelism } from 'node:os';
import { runPythonChild, runTsChild } from './children';
import type { TrainingMeasurement } from './trainingChild';
import { TRAINING_MODEL_SPECS, TRAINING_MODELS } from './trainingModels';
import type { TrainingModel } from './trainingModels';

export interface TorchMeasurement {
  repeats: number[];
  imagesPerSecond: number;
  msPerStep: number;
  threads: number;
}

export type Measured<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface TrainingRow {
  model: TrainingModel;
  label: string;
  ours: Measured<TrainingMeasurement>;
  torchOneThread: Measured<TorchMeasurement>;
  torchAllCores: Measured<TorchMeasurement>;
  /** ours / PyTorch at 1 thread: our trainer uses one core, so this is the same-cores comparison. */
  ratioOneThread: number | null;
  ratioAllCores: number | null;
}

export interface TrainingResult {
  cores: number;
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
  const cores = availableParallelism();
  const rows: TrainingRow[] = [];
  for (const model of TRAINING_MODELS.filter((name) => models.includes(name))) {
    const { warmup, repeats, steps } = settings[model];
    const common = ['--model', model, '--warmup', String(warmup), '--repeats', String(repeats), '--steps', String(steps)];
    log(`training ${model}: ours (wasm)…`);
    const ours = await runTsChild<TrainingMeasurement>('trainingChild.ts', common);
    const torchAt = async (threads: number): Promise<Measured<TorchMeasurement>> => {
      if (torchMissing !== undefined) return { ok: false, reason: torchMissing };
      log(`training ${model}: PyTorch, ${threads} thread${threads === 1 ? '' : 's'}…`);
      return runPythonChild<TorchMeasurement>('torch_training.py', [...common, '--threads', String(threads)], {
        // One BLAS/OpenMP pool of the requested size: the env caps what torch.set_num_threads can use.
        env: { OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
      });
    };
    const torchOneThread = await torchAt(1);
    const torchAllCores = await torchAt(cores);
    const ratio = (peer: Measured<TorchMeasurement>) =>
      ours.ok && peer.ok ? ours.value.imagesPerSecond / peer.value.imagesPerSecond : null;
    rows.push({
      model,
      label: TRAINING_MODEL_SPECS[model].label,
      ours: ours.ok ? { ok: true, value: ours.value } : ours,
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
  return { cores, settings, rows };
}

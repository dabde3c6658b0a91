/**
 * Training throughput (images/s) of the small CNN (28×28×1, conv32-pool-conv64-pool-dense128-dense10)
 * and the MLP 784-256-128-10, batch 128, Adam, on:
 *   wasm          with every replacement of src/trainer/backend/wasmKernels.ts
 *   wasm-minimal  stock wasm plus only the missing Conv2DBackpropFilter (the least that trains a CNN)
 *   wasm-stock    stock wasm 4.22 (a CNN cannot train: no Conv2DBackpropFilter)
 *   cpu           the plain JS backend (one CNN step takes minutes: its filter gradient is a JS loop)
 * Each measurement runs in its own process, so kernel registrations do not leak between variants.
 *
 *   node --import tsx scripts/bench-kernels.ts [--steps N] [--variants wasm,cpu] [--models cnn,mlp] [--cpu-cnn]
 */
import { execFileSync } from 'node:child_process';
import { dirname, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilter } from '../src/trainer/backend/wasm/conv2dBackpropFilter';
import { replaceWasmKernel } from '../src/trainer/backend/wasm/wasmTensors';
import { registerWasmKernels } from '../src/trainer/backend/wasmKernels';
import { createModel } from '../src/trainer/models/createModel';

const VARIANTS = ['wasm', 'wasm-minimal', 'wasm-stock', 'cpu'] as const;
const MODELS = ['cnn', 'mlp'] as const;
type Variant = (typeof VARIANTS)[number];
type BenchModel = (typeof MODELS)[number];

const BATCH = 128;

interface Measurement {
  variant: Variant;
  model: BenchModel;
  imagesPerSecond?: number;
  msPerStep?: number;
  /** The fastest single step: less disturbed by other processes on a shared machine than the mean. */
  bestMsPerStep?: number;
  steps?: number;
  note?: string;
}

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function useVariant(variant: Variant): Promise<void> {
  if (variant === 'cpu') {
    await tf.setBackend('cpu');
    return;
  }
  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}${sep}`);
  if (variant === 'wasm') registerWasmKernels();
  if (variant === 'wasm-minimal') replaceWasmKernel('Conv2DBackpropFilter', conv2dBackpropFilter);
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to start');
}

async function measure(variant: Variant, model: BenchModel, steps: number, warmup: number): Promise<Measurement> {
  await useVariant(variant);
  const classifier = createModel(
    model === 'cnn'
      ? { architecture: 'small-cnn', featureDim: 128, hiddenUnits: [], width: 16 }
      : { architecture: 'mlp', featureDim: 128, hiddenUnits: [256], width: 16 },
    { inputShape: [28, 28, 1], numClasses: 10, seed: 0 },
  );
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform<tf.Rank.R4>([BATCH, 28, 28, 1], 0, 1, 'float32', 1);
  const labels = tf.oneHot(tf.randomUniform<tf.Rank.R1>([BATCH], 0, 10, 'int32', 2), 10);
  const step = (): void => {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(labels, classifier.forward(x, true).logits),
      true,
      classifier.trainableVariables,
    );
    loss?.dataSync();
    loss?.dispose();
  };
  try {
    for (let i = 0; i < warmup; i++) step();
    let total = 0;
    let best = Infinity;
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      step();
      const elapsed = performance.now() - start;
      total += elapsed;
      best = Math.min(best, elapsed);
    }
    const msPerStep = total / steps;
    return { variant, model, steps, msPerStep, bestMsPerStep: best, imagesPerSecond: (BATCH * 1000) / msPerStep };
  } catch (error) {
    return { variant, model, note: `cannot train: ${(error as Error).message.split('\n')[0]}` };
  }
}

async function child(): Promise<void> {
  const variant = option('variant') as Variant;
  const model = option('model') as BenchModel;
  const steps = Number(option('steps') ?? (model === 'mlp' ? 50 : 10));
  const result = await measure(variant, model, steps, Number(option('warmup') ?? 2));
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

function parent(): void {
  const variants = (option('variants')?.split(',') ?? VARIANTS) as Variant[];
  const models = (option('models')?.split(',') ?? MODELS) as BenchModel[];
  const steps = option('steps');
  const results: Measurement[] = [];
  for (const model of models) {
    for (const variant of variants) {
      if (variant === 'cpu' && model === 'cnn' && !process.argv.includes('--cpu-cnn')) {
        results.push({ variant, model, note: 'skipped (minutes per step; pass --cpu-cnn to measure one)' });
        continue;
      }
      const slowCpu = variant === 'cpu' && model === 'cnn';
      const args = ['--import', 'tsx', __filename, '--child', '--variant', variant, '--model', model];
      // One cold step for the cpu CNN: each takes minutes (its Conv2DBackpropFilter is a plain JS loop).
      if (slowCpu) args.push('--steps', '1', '--warmup', '0');
      else if (steps !== undefined) args.push('--steps', steps);
      let output: string;
      try {
        output = execFileSync(process.execPath, args, {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
          timeout: (slowCpu ? 20 : 5) * 60_000,
        });
      } catch (error) {
        results.push({ variant, model, note: `no result: ${(error as Error).message.split('\n')[0]}` });
        continue;
      }
      const line = output.split('\n').find((text) => text.startsWith('RESULT '));
      results.push(line === undefined ? { variant, model, note: 'no result' } : (JSON.parse(line.slice(7)) as Measurement));
      const last = results[results.length - 1] as Measurement;
      process.stderr.write(`${model} ${variant}: ${last.imagesPerSecond?.toFixed(0) ?? last.note} img/s\n`);
    }
  }
  process.stdout.write(`\nbatch ${BATCH}, 28×28×1, Adam, Node ${process.version}\n`);
  process.stdout.write(
    `${'model'.padEnd(6)}${'variant'.padEnd(15)}${'img/s'.padStart(9)}${'ms/step'.padStart(10)}${'best ms'.padStart(10)}  note\n`,
  );
  for (const result of results) {
    const columns = [
      result.imagesPerSecond?.toFixed(0).padStart(9) ?? '–'.padStart(9),
      result.msPerStep?.toFixed(1).padStart(10) ?? '–'.padStart(10),
      result.bestMsPerStep?.toFixed(1).padStart(10) ?? '–'.padStart(10),
    ];
    process.stdout.write(
      `${result.model.padEnd(6)}${result.variant.padEnd(15)}${columns.join('')}  ${result.note ?? `${result.steps} steps`}\n`,
    );
  }
}

if (process.argv.includes('--child')) {
  child().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  });
} else {
  parent();
}

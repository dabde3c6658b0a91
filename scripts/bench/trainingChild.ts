/**
 * Child process: training throughput of this project's trainer on one model. It goes through the trainer's own code
 * paths: selectBackend('wasm') (which registers the kernel replacements of wasmKernels.ts), createModel, the
 * cross-entropy method, the Optimizer class, and the body of one step of trainEpoch (src/trainer/training/trainRun.ts:
 * upload the batch, forward in training mode, the accuracy read-back, the loss, gradients, weight decay, Adam).
 * Data: random images and labels (speed does not depend on the values).
 *
 *   node --import tsx scripts/bench/trainingChild.ts --model mlp --warmup 2 --repeats 5 --steps 10
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/trainer/backend/selectBackend';
import { createMethod } from '../../src/trainer/methods';
import { createModel } from '../../src/trainer/models/createModel';
import { SeededRandom } from '../../src/trainer/random';
import { Optimizer } from '../../src/trainer/training/optimizer';
import { argument, printResult } from './children';
import { median } from './measure';
import { TRAINING_BATCH, TRAINING_MODEL_SPECS, TRAINING_OPTIMIZER } from './trainingModels';
import type { TrainingModel } from './trainingModels';

export interface TrainingMeasurement {
  /** Images per second of each repeat (steps × batch / wall time). */
  repeats: number[];
  imagesPerSecond: number;
  msPerStep: number;
  backend: string;
  /** Tensors alive after the measurement minus before: 0 when a step frees everything it allocates. */
  leakedTensors: number;
}

async function main(): Promise<void> {
  const model = argument('model') as TrainingModel;
  const spec = TRAINING_MODEL_SPECS[model];
  if (spec === undefined) throw new Error(`--model must be one of ${Object.keys(TRAINING_MODEL_SPECS).join(', ')}`);
  const warmup = Number(argument('warmup') ?? 2);
  const repeats = Number(argument('repeats') ?? 5);
  const steps = Number(argument('steps') ?? 10);

  const backend = await selectBackend('wasm');
  const [height, width, channels] = spec.inputShape;
  const classCount = spec.classCount;
  const network = createModel(spec.config, { inputShape: spec.inputShape, numClasses: classCount, seed: 0 });
  const method = createMethod(
    { name: 'cross-entropy' },
    {
      trainCounts: new Array<number>(classCount).fill(100),
      targetClassCount: classCount,
      featureDim: spec.config.featureDim,
      totalEpochs: 1,
      seed: 0,
      learningRate: 1e-3,
    },
  );
  const optimizer = new Optimizer(TRAINING_OPTIMIZER);
  const variables = network.trainableVariables;

  // A few distinct batches, uploaded every step as the trainer uploads each batch it assembles.
  const random = new SeededRandom(1);
  const pixelsPerBatch = TRAINING_BATCH * height * width * channels;
  const batches = Array.from({ length: 4 }, () => ({
    pixels: Float32Array.from({ length: pixelsPerBatch }, () => random.nextFloat() * 2 - 1),
    labels: Int32Array.from({ length: TRAINING_BATCH }, () => Math.floor(random.nextFloat() * classCount)),
  }));

  let stepIndex = 0;
  const step = (): void => {
    const batch = batches[stepIndex++ % batches.length]!;
    let batchCorrect = 0;
    tf.tidy(() => {
      const x = tf.tensor4d(batch.pixels, [TRAINING_BATCH, height, width, channels]);
      const labels = tf.tensor1d(batch.labels, 'int32');
      const oneHot = tf.oneHot(labels, classCount).toFloat() as tf.Tensor2D;
      return optimizer.minimize(() => {
        const { features, logits } = network.forward(x, true);
        batchCorrect = tf.sum(tf.equal(tf.argMax(logits, 1), labels)).dataSync()[0] ?? 0;
        return method.loss({ features, logits, labels, oneHot, epoch: 1, model: network });
      }, variables);
    });
    if (batchCorrect < 0) throw new Error('unreachable: keeps the accuracy read-back from being optimised away');
  };

  for (let i = 0; i < warmup; i++) step();
  const tensorsBefore = tf.memory().numTensors;
  const rates: number[] = [];
  const stepMs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    for (let i = 0; i < steps; i++) step();
    const elapsed = performance.now() - start;
    rates.push((steps * TRAINING_BATCH * 1000) / elapsed);
    stepMs.push(elapsed / steps);
  }
  const result: TrainingMeasurement = {
    repeats: rates,
    imagesPerSecond: median(rates),
    msPerStep: median(stepMs),
    backend: backend.detail,
    leakedTensors: tf.memory().numTensors - tensorsBefore,
  };
  printResult(result);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

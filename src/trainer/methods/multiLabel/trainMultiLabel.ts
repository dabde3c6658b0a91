/**
 * The minimal multi-label training path: a ClassifierModel trained with binary cross-entropy on multi-hot labels,
 * then one inference pass that reports per-label recall/precision, the label statistics (S, Σ_Y, κ_m) and the
 * prototype check on the penultimate features. It runs outside the single-label run loop (trainRun), whose metrics
 * and protocol are single-label.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset, ChannelStatistics } from '../../data';
import { toFloatBatch } from '../../data';
import type { ClassifierModel } from '../../models/classifierModel';
import { SeededRandom } from '../../random';
import { Optimizer } from '../../training/optimizer';
import { binaryCrossEntropy, perLabelScores } from './binaryCrossEntropy';
import type { PerLabelScores } from './binaryCrossEntropy';
import type { LabelMatrix } from './labelMatrix';
import { labelStatistics } from './labelStatistics';
import type { LabelStatistics } from './labelStatistics';
import { prototypeCheck } from './prototypes';
import type { PrototypeCheck } from './prototypes';

export interface MultiLabelTrainingOptions {
  model: ClassifierModel;
  images: ImageDataset;
  labels: LabelMatrix;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  stats?: ChannelStatistics;
}

export interface MultiLabelEvaluation {
  scores: PerLabelScores;
  statistics: LabelStatistics;
  prototypes: PrototypeCheck;
}

/** Trains with Adam on BCE; returns the mean loss of each epoch. */
export function trainMultiLabel(options: MultiLabelTrainingOptions): number[] {
  const { model, images, labels } = options;
  if (labels.rows !== images.count) throw new RangeError(`${labels.rows} label rows for ${images.count} images`);
  if (labels.classCount !== model.description.numClasses)
    throw new RangeError(`${labels.classCount} labels for a model with ${model.description.numClasses} outputs`);
  const optimizer = new Optimizer({ name: 'adam', learningRate: options.learningRate, momentum: 0.9, weightDecay: 0 });
  const losses: number[] = [];
  const C = labels.classCount;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const random = SeededRandom.derive(options.seed, 'multi-label epoch', epoch);
    const order = random.permutation(images.count);
    let lossSum = 0;
    for (let start = 0; start < images.count; start += options.batchSize) {
      const indices = order.subarray(start, Math.min(start + options.batchSize, images.count));
      const pixels = toFloatBatch(images, indices, options.stats === undefined ? {} : { stats: options.stats });
      const targets = new Float32Array(indices.length * C);
      indices.forEach((row, i) => {
        for (let c = 0; c < C; c++) targets[i * C + c] = labels.values[row * C + c] as number;
      });
      const loss = tf.tidy(() => {
        const x = tf.tensor4d(pixels, [indices.length, images.height, images.width, images.channels]);
        const y = tf.tensor2d(targets, [indices.length, C]);
        return optimizer.minimize(() => binaryCrossEntropy(model.forward(x, true).logits, y), model.trainableVariables);
      });
      lossSum += loss * indices.length;
    }
    losses.push(lossSum / images.count);
  }
  optimizer.dispose();
  return losses;
}

export function evaluateMultiLabel(
  model: ClassifierModel,
  images: ImageDataset,
  labels: LabelMatrix,
  stats?: ChannelStatistics,
): MultiLabelEvaluation {
  const d = model.description.featureDim;
  const C = labels.classCount;
  const features = new Float32Array(images.count * d);
  const logits = new Float32Array(images.count * C);
  for (let start = 0; start < images.count; start += 256) {
    const indices = Int32Array.from({ length: Math.min(256, images.count - start) }, (_, i) => start + i);
    const pixels = toFloatBatch(images, indices, stats === undefined ? {} : { stats });
    const [h, z] = tf.tidy(() => {
      const out = model.forward(tf.tensor4d(pixels, [indices.length, images.height, images.width, images.channels]), false);
      return [out.features, out.logits];
    });
    features.set(h.dataSync(), start * d);
    logits.set(z.dataSync(), start * C);
    tf.dispose([h, z]);
  }
  const statistics = labelStatistics(labels);
  return { scores: perLabelScores(logits, labels), statistics, prototypes: prototypeCheck(features, d, labels, statistics.frequencies) };
}

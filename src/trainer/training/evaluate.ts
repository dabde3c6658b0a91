import * as tf from '@tensorflow/tfjs';
import type { ClassifierModel } from '../models/classifierModel';
import type { ImageDataset, ChannelStatistics } from '../data';
import { toFloatBatch } from '../data';

const EVALUATION_BATCH = 256;

export interface CollectedFeatures {
  /** Penultimate features, row-major N × d. */
  features: Float32Array;
  /** argmax(W h + b) per sample. */
  predictions: Int32Array;
  labels: Int32Array;
  featureDim: number;
  /** W h + b, row-major N × C: only when asked for (multi-label runs score every label from them). */
  logits?: Float32Array;
}

/**
 * One inference pass over a split (batch norm in inference mode, no augmentation): the features and predictions
 * that the metrics need. Features are copied out batch by batch so that GPU memory stays bounded.
 */
export function collectFeatures(
  model: ClassifierModel,
  dataset: ImageDataset,
  stats: ChannelStatistics | undefined,
  options: { logits?: boolean } = {},
): CollectedFeatures {
  const featureDim = model.description.featureDim;
  const classCount = model.description.numClasses;
  const features = new Float32Array(dataset.count * featureDim);
  const predictions = new Int32Array(dataset.count);
  const logitRows = options.logits === true ? new Float32Array(dataset.count * classCount) : undefined;
  for (let start = 0; start < dataset.count; start += EVALUATION_BATCH) {
    const end = Math.min(start + EVALUATION_BATCH, dataset.count);
    const indices = Int32Array.from({ length: end - start }, (_, i) => start + i);
    const pixels = toFloatBatch(dataset, indices, stats === undefined ? {} : { stats });
    const [h, predicted, z] = tf.tidy((): [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D] => {
      const x = tf.tensor4d(pixels, [indices.length, dataset.height, dataset.width, dataset.channels]);
      const { features: batchFeatures, logits } = model.forward(x, false);
      return [batchFeatures, tf.argMax(logits, 1), logits];
    });
    features.set(h.dataSync(), start * featureDim);
    predictions.set(predicted.dataSync(), start);
    logitRows?.set(z.dataSync(), start * classCount);
    tf.dispose([h, predicted, z]);
  }
  return { features, predictions, labels: dataset.labels, featureDim, ...(logitRows === undefined ? {} : { logits: logitRows }) };
}

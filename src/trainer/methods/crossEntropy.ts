import * as tf from '@tensorflow/tfjs';
import type { TrainingMethod } from './method';

/** Softmax cross-entropy, averaged over the batch: the baseline whose tail classifiers collapse under imbalance. */
export function crossEntropy(): TrainingMethod {
  return {
    name: 'cross-entropy',
    loss: ({ logits, oneHot }) => tf.losses.softmaxCrossEntropy(oneHot, logits),
  };
}

/**
 * Softmax focal loss (Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017, arXiv 1708.02002), in the
 * multi-class form used for long-tailed classification: ℓ_i = −(1 − p_{i,y})^γ log p_{i,y}, p = softmax(z).
 * γ = 0 is cross-entropy; larger γ down-weights well-classified (mostly head) samples.
 */
import * as tf from '@tensorflow/tfjs';
import type { MethodOptions, TrainingMethod } from './method';

/** ℓ_i per sample (a vector of N). */
export function focalLossPerSample(logits: tf.Tensor2D, oneHot: tf.Tensor2D, gamma: number): tf.Tensor1D {
  const logProbability = tf.sum<tf.Tensor1D>(tf.mul(oneHot, tf.logSoftmax(logits)), 1);
  if (gamma === 0) return tf.neg(logProbability);
  // (1 − p)^γ has an unbounded derivative at p = 1 for γ < 1; the clip keeps a saturated sample's gradient finite (≈ 0).
  const modulating = tf.pow(tf.clipByValue(tf.sub(1, tf.exp(logProbability)), 1e-12, 1), gamma);
  return tf.neg(tf.mul(modulating, logProbability)) as tf.Tensor1D;
}

/** Mean over the batch of the focal loss. */
export function focalLoss(logits: tf.Tensor2D, oneHot: tf.Tensor2D, gamma: number): tf.Scalar {
  return tf.mean(focalLossPerSample(logits, oneHot, gamma));
}

export function focal(options: MethodOptions<'focal'>): TrainingMethod {
  return {
    name: 'focal',
    loss: ({ logits, oneHot }) => focalLoss(logits, oneHot, options.gamma),
  };
}

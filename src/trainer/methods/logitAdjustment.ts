/**
 * Logit adjustment (Menon et al., "Long-Tail Learning via Logit Adjustment", ICLR 2021, arXiv 2007.07314), with the
 * training priors π_c = n_c/N:
 * - loss: ℓ_i = CE(z_i + τ log π, y_i); predictions use the plain logits z;
 * - post-hoc: train with cross-entropy, predict with argmax_c (z_c − τ log π_c), i.e. the bias b_c − τ log π_c.
 */
import * as tf from '@tensorflow/tfjs';
import { logPriors } from './classPriors';
import type { MethodContext, MethodOptions, TrainingMethod } from './method';

/** Mean over the batch of CE(z + offset, y): logit adjustment (offset τ log π) and Balanced Softmax (offset log n). */
export function offsetCrossEntropy(logits: tf.Tensor2D, oneHot: tf.Tensor2D, offsets: tf.Tensor1D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(oneHot, tf.add(logits, offsets));
}

/** b − τ log π: the bias that makes W h + b the post-hoc adjusted logits. */
export function postHocAdjustedBias(bias: Float32Array, trainCounts: readonly number[], tau: number): Float32Array {
  const logPrior = logPriors(trainCounts);
  return Float32Array.from(bias, (value, c) => value - tau * (logPrior[c] as number));
}

export function logitAdjustment(options: MethodOptions<'logit-adjustment'>, context: MethodContext): TrainingMethod {
  if (options.mode === 'post-hoc') {
    return {
      name: 'logit-adjustment',
      loss: ({ logits, oneHot }) => tf.losses.softmaxCrossEntropy(oneHot, logits),
      evaluationClassifier: ({ weights, bias }) => ({ weights, bias: postHocAdjustedBias(bias, context.trainCounts, options.tau) }),
    };
  }
  const offsets = tf.tensor1d(logPriors(context.trainCounts).map((value) => options.tau * value));
  return {
    name: 'logit-adjustment',
    loss: ({ logits, oneHot }) => offsetCrossEntropy(logits, oneHot, offsets),
    dispose: () => offsets.dispose(),
  };
}

/**
 * Balanced Softmax (Ren et al., "Balanced Meta-Softmax for Long-Tailed Visual Recognition", NeurIPS 2020,
 * arXiv 2007.10740): ℓ_i = CE(z_i + log n, y_i), i.e. softmax with p_c ∝ n_c exp(z_c) during training; predictions use
 * the plain logits. It equals the logit-adjusted loss with τ = 1 (log n and log π differ by a constant).
 */
import * as tf from '@tensorflow/tfjs';
import { offsetCrossEntropy } from './logitAdjustment';
import type { MethodContext, TrainingMethod } from './method';

export function balancedSoftmax(context: MethodContext): TrainingMethod {
  const logCounts = tf.tensor1d(context.trainCounts.map(Math.log));
  return {
    name: 'balanced-softmax',
    loss: ({ logits, oneHot }) => offsetCrossEntropy(logits, oneHot, logCounts),
    dispose: () => logCounts.dispose(),
  };
}

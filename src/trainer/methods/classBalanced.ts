/**
 * Class-balanced loss (Cui et al., "Class-Balanced Loss Based on Effective Number of Samples", CVPR 2019,
 * arXiv 1901.05555): each sample's loss is multiplied by its class weight w_y ∝ (1 − β)/(1 − β^n_y) (Σ_c w_c = C) and
 * the batch loss is (1/N) Σ_i w_{y_i} ℓ_i, as in the paper, where ℓ is softmax cross-entropy or the softmax focal loss.
 */
import * as tf from '@tensorflow/tfjs';
import { effectiveNumberWeights } from './classPriors';
import { focalLossPerSample } from './focal';
import type { MethodContext, MethodOptions, TrainingMethod } from './method';
import { perSampleClassValue } from './tensorMath';

/** (1/N) Σ_i w_{y_i} ℓ_i with ℓ the per-sample cross-entropy (γ = 0) or focal loss. */
export function classBalancedLoss(logits: tf.Tensor2D, oneHot: tf.Tensor2D, classWeights: tf.Tensor1D, gamma: number): tf.Scalar {
  return tf.mean(tf.mul(perSampleClassValue(classWeights, oneHot), focalLossPerSample(logits, oneHot, gamma)));
}

export function classBalanced(options: MethodOptions<'class-balanced'>, context: MethodContext): TrainingMethod {
  const weights = tf.tensor1d(effectiveNumberWeights(context.trainCounts, options.beta));
  const gamma = options.loss === 'focal' ? options.gamma : 0;
  return {
    name: 'class-balanced',
    loss: ({ logits, oneHot }) => classBalancedLoss(logits, oneHot, weights, gamma),
    dispose: () => weights.dispose(),
  };
}

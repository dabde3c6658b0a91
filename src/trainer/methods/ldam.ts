/**
 * LDAM loss with deferred re-weighting (Cao et al., "Learning Imbalanced Datasets with Label-Distribution-Aware
 * Margin Loss", NeurIPS 2019, arXiv 1906.07413).
 * - Margins Δ_c = K / n_c^(1/4) with K chosen so that the smallest class gets `maxMargin` (0.5 in the paper's code).
 * - Logits: as in the reference code, a cosine classifier z_c = cos(w_c, h) (no bias), scaled by s = 30; the true
 *   class's logit is lowered by its margin before the softmax: ℓ_i = CE(s·(z_i − Δ_{y_i} e_{y_i}), y_i).
 * - DRW: after the deferred epochs (160 of 200 in the CIFAR recipe), each sample is weighted by the effective-number
 *   weight of its class (β = 0.9999), as a weighted mean Σ w_{y_i} ℓ_i / Σ w_{y_i} (PyTorch's `cross_entropy(weight=…)`,
 *   which the reference code uses); before that the weights are all 1.
 */
import * as tf from '@tensorflow/tfjs';
import { effectiveNumberWeights } from './classPriors';
import type { MethodContext, MethodOptions, TrainingMethod } from './method';
import { tauNormalisedClassifier } from './tauNormalisation';
import { crossEntropyPerSample, normaliseRows, perSampleClassValue, weightedMean } from './tensorMath';

/** Δ_c = maxMargin · (n_min / n_c)^(1/4): ∝ n_c^(−1/4), largest (= maxMargin) for the smallest class. */
export function ldamMargins(trainCounts: readonly number[], maxMargin: number): number[] {
  const raw = trainCounts.map((count) => count ** -0.25);
  const largest = Math.max(...raw);
  return raw.map((margin) => (margin * maxMargin) / largest);
}

/** The LDAM loss of a batch from its logits z (cosines, or raw logits): weighted mean of CE(s·(z − Δ_y e_y), y). */
export function ldamLoss(
  logits: tf.Tensor2D,
  oneHot: tf.Tensor2D,
  margins: tf.Tensor1D,
  scale: number,
  classWeights?: tf.Tensor1D,
): tf.Scalar {
  const shifted = tf.mul<tf.Tensor2D>(tf.sub(logits, tf.mul(oneHot, margins)), scale);
  const perSample = crossEntropyPerSample(shifted, oneHot);
  return classWeights === undefined ? tf.mean(perSample) : weightedMean(perSample, perSampleClassValue(classWeights, oneHot));
}

/** cos(w_c, h_i) for every sample and class (N × C). */
export function cosineLogits(features: tf.Tensor2D, weights: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(normaliseRows(features), normaliseRows(weights), false, true);
}

export function ldamDrw(options: MethodOptions<'ldam-drw'>, context: MethodContext): TrainingMethod {
  const margins = tf.tensor1d(ldamMargins(context.trainCounts, options.maxMargin));
  const drwWeights = tf.tensor1d(effectiveNumberWeights(context.trainCounts, options.beta));
  const deferredEpochs = options.reweightAfterEpochs ?? Math.round(0.8 * context.totalEpochs);
  return {
    name: 'ldam-drw',
    prepare: (model) => {
      if (!options.cosineClassifier) return;
      // The cosine classifier has no bias; keeping b at 0 makes argmax(W h + b) rank classes as the loss does up to ‖w_c‖.
      tf.tidy(() => model.classifier.bias.assign(tf.zerosLike(model.classifier.bias)));
      model.classifier.bias.trainable = false;
    },
    loss: ({ features, logits, oneHot, epoch, model }) => {
      const z = options.cosineClassifier ? cosineLogits(features, model.classifier.weights as tf.Tensor2D) : logits;
      const reweighted = options.deferredReweighting && epoch > deferredEpochs;
      return ldamLoss(z, oneHot, margins, options.scale, reweighted ? drwWeights : undefined);
    },
    // Predictions follow the cosine logits: argmax_c cos(w_c, h) = argmax_c (w_c/‖w_c‖)·h.
    ...(options.cosineClassifier ? { evaluationClassifier: ({ weights, bias }) => tauNormalisedClassifier(weights, bias.length, 1) } : {}),
    dispose: () => tf.dispose([margins, drwWeights]),
  };
}

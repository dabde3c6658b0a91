/**
 * AllNC stand-in. AllNC ("All-around Neural Collapse for Imbalanced Classification", Zhang et al., arXiv 2408.07253)
 * restores neural collapse on features, class means and classifier together with a hybrid contrastive loss (HyCon),
 * a peer-to-peer loss (P2P) and progressive decoupling through a generalised bilateral-branch network. Its exact
 * formulas are not public here, so this method implements documented stand-ins and names them as such:
 * - HyCon stand-in: 1 − cos(h_i, sg(μ̂_{y_i})), two views only (the anchor and its running class mean, no negatives);
 * - P2P stand-in: mean over seen classes of 1 − cos(w_c, sg(μ̂_c − μ̂_G)) (classifier rows toward the centred means);
 * - progressive decoupling: a representation branch (cross-entropy + HyCon, trains body and classifier) and a
 *   re-balanced classifier branch (class-balanced cross-entropy, weights ∝ 1/n_c, on sg(h): trains only W and b),
 *   mixed with the bilateral-branch weight α = 1 − (T/T_max)² (Zhou et al., BBN, CVPR 2020), T = epoch − 1:
 *   L = α (CE + λ_h HyCon) + (1 − α) CE_balanced(sg(h)) + λ_p P2P.
 * One batch feeds both branches (BBN draws a second, reversed-sampled batch; the class weights stand in for it).
 */
import * as tf from '@tensorflow/tfjs';
import type { MethodContext, MethodOptions, TrainingMethod } from './method';
import { RunningClassMeans } from './runningClassMeans';
import { crossEntropyPerSample, perSampleClassValue, rowCosines, stopGradient, weightedMean } from './tensorMath';

/** α = 1 − (T/T_max)² with T = epoch − 1 (BBN's cumulative learning schedule): 1 at the start, → 0 at the end. */
export function bilateralBranchWeight(epoch: number, totalEpochs: number): number {
  return 1 - ((epoch - 1) / totalEpochs) ** 2;
}

/** Mean over samples of 1 − cos(h_i, sg(μ_{y_i})), with `means` (C × d) the class means. */
export function hyconStandIn(features: tf.Tensor2D, oneHot: tf.Tensor2D, means: tf.Tensor2D): tf.Scalar {
  const anchors = stopGradient(tf.matMul<tf.Tensor2D>(oneHot, means));
  return tf.mean(tf.sub(1, rowCosines(features, anchors)));
}

/** Mean over the rows with mask 1 of 1 − cos(w_c, target_c): `weights` and `targets` C × d, `mask` C. */
export function maskedRowAlignment(weights: tf.Tensor2D, targets: tf.Tensor2D, mask: tf.Tensor1D): tf.Scalar {
  const misalignment = tf.sub(1, rowCosines(weights, targets));
  return tf.div(tf.sum(tf.mul(misalignment, mask)), tf.maximum(tf.sum(mask), 1));
}

export function allnc(options: MethodOptions<'allnc'>, context: MethodContext): TrainingMethod {
  const classCount = context.trainCounts.length;
  const runningMeans = new RunningClassMeans(classCount, context.featureDim, options.momentum);
  const balancedWeights = tf.tensor1d(context.trainCounts.map((count) => 1 / count));
  return {
    name: 'allnc',
    loss: ({ features, logits, oneHot, epoch, model }) => {
      const alpha = bilateralBranchWeight(epoch, context.totalEpochs);
      const { means, centredMeans, seen } = runningMeans.update(features, oneHot);
      const representation = tf.add(
        tf.losses.softmaxCrossEntropy(oneHot, logits),
        tf.mul(options.hyconWeight, hyconStandIn(features, oneHot, means)),
      );
      const { weights, bias } = model.classifier;
      const detachedLogits = tf.add<tf.Tensor2D>(tf.matMul(stopGradient(features), weights, false, true), bias);
      const classifierBranch = weightedMean(crossEntropyPerSample(detachedLogits, oneHot), perSampleClassValue(balancedWeights, oneHot));
      const peer = maskedRowAlignment(weights as tf.Tensor2D, stopGradient(centredMeans), seen);
      return tf.addN([tf.mul(alpha, representation), tf.mul(1 - alpha, classifierBranch), tf.mul(options.peerWeight, peer)]) as tf.Scalar;
    },
    dispose: () => {
      runningMeans.dispose();
      balancedWeights.dispose();
    },
  };
}

/**
 * Running class means μ̂_c of the penultimate features, updated every training step from the batch: the class-mean
 * estimate the alignment stand-ins (AllNC, SpA) need without a pass over the whole training set. For a class in the
 * batch with batch mean μ̄_c: μ̂_c ← m·μ̂_c + (1 − m)·μ̄_c, or μ̄_c the first time the class is seen. The global mean
 * μ̂_G is the mean of the seen class means (DOMAIN.md's default centring, robust to imbalance).
 *
 * Not saved in checkpoints: after a resume the means restart from the next batches.
 */
import * as tf from '@tensorflow/tfjs';
import { stopGradient } from './tensorMath';

export interface ClassMeanUpdate {
  /**
   * μ̂_c after this step (C × d). The batch part keeps its gradient: m·sg(μ̂_c) + (1 − m)·μ̄_c for classes in the batch;
   * wrap in stopGradient for a target that must not move the features.
   */
  means: tf.Tensor2D;
  /** μ̂_c − sg(μ̂_G), centred by the mean of the seen class means (C × d). */
  centredMeans: tf.Tensor2D;
  /** 1 for classes seen so far (this step included), else 0 (C). */
  seen: tf.Tensor1D;
}

export class RunningClassMeans {
  private readonly means: tf.Variable;
  private readonly seenClasses: tf.Variable;

  constructor(
    readonly classCount: number,
    readonly featureDim: number,
    readonly momentum: number,
  ) {
    if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`running-mean momentum must be in [0, 1), got ${momentum}`);
    this.means = tf.tidy(() => tf.variable(tf.zeros([classCount, featureDim]), false));
    this.seenClasses = tf.tidy(() => tf.variable(tf.zeros([classCount]), false));
  }

  /** Folds one batch in (call inside the loss: the stored means are updated as a side effect, like batch-norm statistics). */
  update(features: tf.Tensor2D, oneHot: tf.Tensor2D): ClassMeanUpdate {
    const counts = tf.sum(oneHot, 0); // C
    const sums = tf.matMul(tf.transpose(oneHot), features); // C × d
    const batchMeans = tf.div(sums, tf.expandDims(tf.maximum(counts, 1), 1));
    const inBatch = tf.expandDims(tf.cast(tf.greater(counts, 0), 'float32'), 1); // C × 1
    const seenBefore = tf.expandDims(this.seenClasses, 1);
    const previous = this.means as tf.Tensor2D;
    // Weight of the batch mean: 1 − m for a class seen before, 1 for a new one, 0 for a class not in the batch.
    const batchWeight = tf.mul(inBatch, tf.sub(1, tf.mul(seenBefore, this.momentum)));
    const means = tf.add<tf.Tensor2D>(tf.mul(stopGradient(previous), tf.sub(1, batchWeight)), tf.mul(batchMeans, batchWeight));
    const seen = tf.squeeze<tf.Tensor1D>(tf.maximum(seenBefore, inBatch), [1]);
    this.means.assign(stopGradient(means));
    this.seenClasses.assign(seen);
    const seenColumn = tf.expandDims(seen, 1);
    const globalMean = stopGradient(tf.div(tf.sum(tf.mul(means, seenColumn), 0, true), tf.maximum(tf.sum(seen), 1)));
    return { means, centredMeans: tf.sub<tf.Tensor2D>(means, globalMean), seen };
  }

  /** Copies of the stored μ̂ (C × d, row-major) and the seen flags, for hooks that run outside the tape. */
  snapshot(): { means: Float32Array; seen: Float32Array } {
    return { means: Float32Array.from(this.means.dataSync()), seen: Float32Array.from(this.seenClasses.dataSync()) };
  }

  /** The stored μ̂_c − μ̂_G (C × d) and the seen flags as tensors (caller disposes, or call inside tf.tidy). */
  centred(): { centredMeans: tf.Tensor2D; seen: tf.Tensor1D } {
    return tf.tidy(() => {
      const seen = tf.clone(this.seenClasses) as tf.Tensor1D;
      const seenColumn = tf.expandDims(seen, 1);
      const globalMean = tf.div(tf.sum(tf.mul(this.means, seenColumn), 0, true), tf.maximum(tf.sum(seen), 1));
      return { centredMeans: tf.sub<tf.Tensor2D>(this.means, globalMean), seen };
    });
  }

  dispose(): void {
    this.means.dispose();
    this.seenClasses.dispose();
  }
}

/**
 * Neighbor-silencing loss, stand-in. The paper (arXiv 2410.15980) adds a "neighbor-silencing loss that encourages the
 * model to focus on class discrimination within the target dataset" so that the many auxiliary classes do not
 * overwhelm training; its exact formula is not public here. Stand-in: softmax cross-entropy in which, for a sample of
 * a target class, its k largest auxiliary logits (its nearest auxiliary neighbours; by default all of them) are
 * silenced, i.e. left out of the softmax, so an auxiliary class never takes probability from a target label; samples
 * of auxiliary classes use the full softmax over all classes, which is what makes the representation finer.
 * At evaluation the auxiliary rows of W are masked out (see granularity.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { crossEntropyPerSample } from '../tensorMath';

/** A finite stand-in for −∞: exp(z − max) underflows to 0 and the masked logit gets no gradient. */
const SILENCED_LOGIT = -1e9;

/**
 * Which logits are silenced for each sample (N × C, bool): for a target-class sample (label < T), its k largest
 * auxiliary logits (all auxiliary logits when k ≥ A); nothing for an auxiliary-class sample.
 */
export function silencingMask(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  targetClassCount: number,
  silencedNeighbours?: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows, classCount] = logits.shape;
    const auxiliaryCount = classCount - targetClassCount;
    const isTargetSample = tf.expandDims(tf.less(labels, targetClassCount), 1); // N × 1
    const k = Math.min(silencedNeighbours ?? auxiliaryCount, auxiliaryCount);
    let auxiliaryMask: tf.Tensor2D;
    if (auxiliaryCount === 0 || k === 0) auxiliaryMask = tf.zeros([rows, auxiliaryCount], 'bool');
    else {
      // A constant copy of the values: the mask must not put top-k (which has no gradient in tfjs) on the tape's path.
      const values = tf.tensor2d(logits.dataSync(), [rows, classCount]);
      const auxiliaryLogits = tf.slice(values, [0, targetClassCount], [rows, auxiliaryCount]);
      if (k === auxiliaryCount) auxiliaryMask = tf.onesLike(auxiliaryLogits).cast<tf.Tensor2D>('bool');
      else {
        const kthLargest = tf.slice(tf.topk(auxiliaryLogits, k).values, [0, k - 1], [rows, 1]);
        auxiliaryMask = tf.greaterEqual<tf.Tensor2D>(auxiliaryLogits, kthLargest);
      }
    }
    const targetPart = tf.zeros([rows, targetClassCount], 'bool');
    return tf.logicalAnd<tf.Tensor2D>(tf.concat([targetPart, auxiliaryMask], 1), isTargetSample);
  });
}

/** Mean over the batch of the cross-entropy with the silenced logits left out of each sample's softmax. */
export function neighborSilencingLoss(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  oneHot: tf.Tensor2D,
  targetClassCount: number,
  silencedNeighbours?: number,
): tf.Scalar {
  const mask = silencingMask(logits, labels, targetClassCount, silencedNeighbours);
  const silenced = tf.where<tf.Tensor2D>(mask, tf.fill(logits.shape, SILENCED_LOGIT), logits);
  return tf.mean(crossEntropyPerSample(silenced, oneHot));
}

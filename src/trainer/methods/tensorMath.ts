/** Small tensor helpers shared by the losses. Call inside tf.tidy or a gradient tape. */
import * as tf from '@tensorflow/tfjs';

/** Guards 1/‖x‖ for a zero row: ‖x‖ is taken as √(‖x‖² + ε²), which leaves rows of norm ≫ 1e-6 unchanged in float32. */
const NORM_EPSILON_SQUARED = 1e-12;

/**
 * sg(x): the value of x, with no gradient flowing back through it. tfjs 4.22 has no stopGradient op, so it is an
 * identity whose custom gradient is zero.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const identity = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    return { value: tf.clone(input), gradFunc: (dy: tf.Tensor) => [tf.zerosLike(dy)] };
  });
  return identity(x) as T;
}

/** ‖x_i‖ of each row of an N × d matrix, as an N × 1 column. */
export function rowNorms(x: tf.Tensor2D): tf.Tensor2D {
  return tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), NORM_EPSILON_SQUARED)) as tf.Tensor2D;
}

/** x_i / ‖x_i‖ for each row. */
export function normaliseRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, rowNorms(x));
}

/** cos(a_i, b_i) for each pair of rows (N × d each), as a vector of N. */
export function rowCosines(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(normaliseRows(a), normaliseRows(b)), 1);
}

/** Per-sample softmax cross-entropy −log softmax(z)_y, a vector of N. */
export function crossEntropyPerSample(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Tensor1D {
  return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)) as tf.Tensor1D;
}

/** A per-class vector (length C) picked by each sample's label: v_{y_i}, a vector of N. */
export function perSampleClassValue(perClass: tf.Tensor1D, oneHot: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(oneHot, perClass), 1);
}

/** Σ w_i ℓ_i / Σ w_i: the weighted mean that PyTorch's `cross_entropy(weight=…)` uses. */
export function weightedMean(values: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  return tf.div(tf.sum(tf.mul(values, weights)), tf.sum(weights));
}

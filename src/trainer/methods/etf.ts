/**
 * Fixed simplex-ETF classifier with the dot-regression loss (Yang et al., "Inducing Neural Collapse in Imbalanced
 * Learning: Do We Really Need a Learnable Classifier at the End of Deep Neural Network?", NeurIPS 2022,
 * arXiv 2203.09081).
 * - W (C × d, rows w_c) is the transpose of √(C/(C−1)) P (I − 11ᵀ/C), P a seeded d × C matrix with orthonormal
 *   columns: unit rows with pairwise cosine −1/(C−1), whatever the imbalance. It is never trained; b = 0.
 * - Loss: ½ (w_yᵀh − ‖w_y‖‖h‖)² / ‖h‖ averaged over the batch, with ‖h‖ treated as a constant (not
 *   back-propagated), so the gradient w.r.t. h is (w_yᵀh − ‖w_y‖‖h‖)/‖h‖ · w_y: it only turns h toward w_y.
 * - Features fed to the ETF are L2-normalised and have no final ReLU (the model's featureOutput): on raw ReLU
 *   features the loss is also minimised by h → 0 and the features die.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRandom } from '../random';
import type { MethodContext, TrainingMethod } from './method';
import { rowNorms, stopGradient } from './tensorMath';

/** Orthonormalises vectors in place order by modified Gram–Schmidt, run twice ("twice is enough", Giraud et al. 2005). */
function orthonormalise(vectors: Float64Array[]): Float64Array[] {
  for (let pass = 0; pass < 2; pass++) {
    vectors.forEach((vector, i) => {
      for (let j = 0; j < i; j++) {
        const previous = vectors[j] as Float64Array;
        let dot = 0;
        for (let k = 0; k < vector.length; k++) dot += (vector[k] as number) * (previous[k] as number);
        for (let k = 0; k < vector.length; k++) vector[k] = (vector[k] as number) - dot * (previous[k] as number);
      }
      let norm = 0;
      for (const value of vector) norm += value * value;
      norm = Math.sqrt(norm);
      if (!(norm > 1e-10)) throw new Error('orthonormalise: the vectors are linearly dependent');
      for (let k = 0; k < vector.length; k++) vector[k] = (vector[k] as number) / norm;
    });
  }
  return vectors;
}

function gaussianVectors(count: number, length: number, random: SeededRandom): Float64Array[] {
  return Array.from({ length: count }, () => Float64Array.from({ length }, () => random.normal()));
}

/**
 * The C × d simplex ETF, rows w_c, seeded. d ≥ C: rows of (√(C/(C−1)) P (I − 11ᵀ/C))ᵀ. d = C − 1 (P cannot have C
 * orthonormal columns): √(C/(C−1)) U Qᵀ with U an orthonormal basis of 1^⊥ ⊂ R^C and Q a seeded d × (C−1) matrix with
 * orthonormal columns, which has the same Gram matrix C/(C−1)·(I − 11ᵀ/C).
 */
export function simplexEtf(classCount: number, featureDim: number, seed: number): Float32Array {
  const C = classCount;
  const d = featureDim;
  if (!Number.isInteger(C) || C < 2) throw new RangeError(`a simplex ETF needs at least 2 classes, got ${C}`);
  if (!Number.isInteger(d) || d < C - 1) {
    throw new RangeError(
      `model.featureDim ${d} < C − 1 = ${C - 1}: a simplex ETF of ${C} classes needs at least ${C - 1} feature dimensions. Raise model.featureDim.`,
    );
  }
  const random = SeededRandom.derive(seed, 'etf-classifier');
  const scale = Math.sqrt(C / (C - 1));
  const weights = new Float32Array(C * d);
  if (d >= C) {
    const columns = orthonormalise(gaussianVectors(C, d, random)); // P's columns p_c
    const mean = new Float64Array(d);
    for (const column of columns) for (let k = 0; k < d; k++) mean[k] = (mean[k] as number) + (column[k] as number) / C;
    columns.forEach((column, c) => {
      for (let k = 0; k < d; k++) weights[c * d + k] = scale * ((column[k] as number) - (mean[k] as number));
    });
    return weights;
  }
  // d = C − 1: U from e_1 − 1/C, …, e_{C−1} − 1/C (a basis of 1^⊥).
  const basis = orthonormalise(
    Array.from({ length: C - 1 }, (_, i) => Float64Array.from({ length: C }, (__, k) => (k === i ? 1 : 0) - 1 / C)),
  );
  const q = orthonormalise(gaussianVectors(C - 1, d, random)); // Q's columns
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < d; k++) {
      let value = 0;
      for (let j = 0; j < C - 1; j++) value += ((basis[j] as Float64Array)[c] as number) * ((q[j] as Float64Array)[k] as number);
      weights[c * d + k] = scale * value;
    }
  }
  return weights;
}

/** Mean over the batch of ½ (w_yᵀh − ‖w_y‖ sg(‖h‖))² / sg(‖h‖). `weights` is W (C × d). */
export function dotRegressionLoss(features: tf.Tensor2D, oneHot: tf.Tensor2D, weights: tf.Tensor2D): tf.Scalar {
  const target = tf.matMul<tf.Tensor2D>(oneHot, weights); // w_{y_i} per row
  const dot = tf.sum(tf.mul(target, features), 1);
  const targetNorm = tf.squeeze(rowNorms(target), [1]);
  const featureNorm = stopGradient(tf.squeeze(rowNorms(features), [1]));
  const residual = tf.sub(dot, tf.mul(targetNorm, featureNorm));
  return tf.mean(tf.div(tf.mul(0.5, tf.square(residual)), featureNorm));
}

export function etfClassifier(context: MethodContext): TrainingMethod {
  return {
    name: 'etf-classifier',
    featureOutput: 'l2-normalised',
    prepare: (model) => {
      const { weights, bias } = model.classifier;
      const [rows, width] = weights.shape as [number, number];
      tf.tidy(() => {
        weights.assign(tf.tensor2d(simplexEtf(rows, width, context.seed), [rows, width]));
        bias.assign(tf.zerosLike(bias));
      });
      weights.trainable = false;
      bias.trainable = false;
    },
    loss: ({ features, oneHot, model }) => dotRegressionLoss(features, oneHot, model.classifier.weights as tf.Tensor2D),
  };
}

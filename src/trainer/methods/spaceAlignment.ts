/**
 * Space-alignment stand-ins. "Space Alignment Matters" (Wang et al., arXiv 2512.07844) shows that under imbalance the
 * feature-mean space and the classifier space are misaligned and proposes three plug-ins, SpA-Reg, SpA-SLERP and
 * SpA-Proj. Their exact formulas are not public here; these are documented stand-ins on top of cross-entropy, using
 * the running class means μ̂_c and the centred means m_c = μ̂_c − μ̂_G (μ̂_G: mean of the class means):
 * - SpA-Reg: L = CE + λ · mean_c (1 − cos(w_c, m_c)), where m_c carries this batch's gradient to the features, so
 *   both spaces move toward each other;
 * - SpA-SLERP: after every step, w_c ← ‖w_c‖ · slerp(ŵ_c, m̂_c; t): the direction moves a fraction t of the angle
 *   toward the centred mean along the great circle, the norm is kept;
 * - SpA-Proj: after every step, W ← (1 − s)·W + s·W P_M, P_M the orthogonal projector onto span(m_1 … m_C)
 *   (computed in float64 from the C × C Gram matrix of M, with a relative eigenvalue cut-off, once every class has
 *   been seen).
 */
import * as tf from '@tensorflow/tfjs';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { maskedRowAlignment } from './allnc';
import type { MethodContext, MethodOptions, TrainingMethod } from './method';
import { RunningClassMeans } from './runningClassMeans';
import { rowNorms, stopGradient } from './tensorMath';

export function spaceAlignmentRegulariser(options: MethodOptions<'spa-reg'>, context: MethodContext): TrainingMethod {
  const runningMeans = new RunningClassMeans(context.trainCounts.length, context.featureDim, options.momentum);
  return {
    name: 'spa-reg',
    loss: ({ features, logits, oneHot, model }) => {
      const { centredMeans, seen } = runningMeans.update(features, oneHot);
      const alignment = maskedRowAlignment(model.classifier.weights as tf.Tensor2D, centredMeans, seen);
      return tf.add(tf.losses.softmaxCrossEntropy(oneHot, logits), tf.mul(options.weight, alignment));
    },
    dispose: () => runningMeans.dispose(),
  };
}

/**
 * Rows of `from` turned a fraction t of the angle toward the matching rows of `toward` (great-circle interpolation,
 * Shoemake 1985), norms of `from` kept. Rows whose angle is ~0 or ~π (direction undefined), or whose mask is 0, stay.
 */
export function slerpRows(from: tf.Tensor2D, toward: tf.Tensor2D, t: number, mask: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const norms = rowNorms(from);
    const a = tf.div(from, norms);
    const b = tf.div(toward, rowNorms(toward));
    const cosine = tf.clipByValue(tf.sum(tf.mul(a, b), 1, true), -1, 1);
    const angle = tf.acos(cosine);
    const sine = tf.sin(angle);
    const safeSine = tf.maximum(sine, 1e-6);
    const direction = tf.div(tf.add(tf.mul(a, tf.sin(tf.mul(angle, 1 - t))), tf.mul(b, tf.sin(tf.mul(angle, t)))), safeSine);
    const towardUsable = tf.greater(tf.sum(tf.square(toward), 1, true), 1e-12);
    const move = tf.logicalAnd(tf.logicalAnd(tf.greater(sine, 1e-6), towardUsable), tf.greater(tf.expandDims(mask, 1), 0));
    return tf.where(move, tf.mul(direction, norms), from) as tf.Tensor2D;
  });
}

export function spaceAlignmentSlerp(options: MethodOptions<'spa-slerp'>, context: MethodContext): TrainingMethod {
  const runningMeans = new RunningClassMeans(context.trainCounts.length, context.featureDim, options.momentum);
  return {
    name: 'spa-slerp',
    loss: ({ features, logits, oneHot }) => {
      runningMeans.update(features, oneHot);
      return tf.losses.softmaxCrossEntropy(oneHot, logits);
    },
    afterStep: (model) => {
      const { weights } = model.classifier;
      tf.tidy(() => {
        const { centredMeans, seen } = runningMeans.centred();
        weights.assign(slerpRows(weights as tf.Tensor2D, stopGradient(centredMeans), options.rate, seen));
      });
    },
    dispose: () => runningMeans.dispose(),
  };
}

/**
 * An orthonormal basis (d × r, row-major) of the column span of M (d × C, given as C rows m_c of length d): from the
 * Gram matrix G = MᵀM = V Λ Vᵀ, the columns M v_k / √λ_k for λ_k > tolerance · λ_max (float64 throughout).
 */
export function spanBasis(
  rows: Float64Array | Float32Array,
  classCount: number,
  featureDim: number,
  relativeTolerance = 1e-6,
): { basis: Float64Array; rank: number } {
  const gram = new Matrix(classCount, classCount);
  for (let i = 0; i < classCount; i++) {
    for (let j = i; j < classCount; j++) {
      let dot = 0;
      for (let k = 0; k < featureDim; k++) dot += (rows[i * featureDim + k] as number) * (rows[j * featureDim + k] as number);
      gram.set(i, j, dot);
      gram.set(j, i, dot);
    }
  }
  const eigen = new EigenvalueDecomposition(gram, { assumeSymmetric: true });
  const values = eigen.realEigenvalues;
  const vectors = eigen.eigenvectorMatrix;
  const largest = Math.max(0, ...values);
  const kept = values.map((value, index) => ({ value, index })).filter(({ value }) => largest > 0 && value > relativeTolerance * largest);
  const rank = kept.length;
  const basis = new Float64Array(featureDim * rank);
  kept.forEach(({ value, index }, column) => {
    const scale = 1 / Math.sqrt(value);
    for (let k = 0; k < featureDim; k++) {
      let entry = 0;
      for (let c = 0; c < classCount; c++) entry += (rows[c * featureDim + k] as number) * vectors.get(c, index);
      basis[k * rank + column] = entry * scale;
    }
  });
  return { basis, rank };
}

/** (1 − s)·W + s·W Q Qᵀ for W (C × d) and Q (d × r), both row-major; returned as float32 C × d. */
export function projectRows(
  weights: Float32Array,
  classCount: number,
  featureDim: number,
  basis: Float64Array,
  rank: number,
  strength: number,
): Float32Array {
  const projected = new Float32Array(weights.length);
  const coordinates = new Float64Array(rank);
  for (let c = 0; c < classCount; c++) {
    coordinates.fill(0);
    for (let k = 0; k < featureDim; k++) {
      const value = weights[c * featureDim + k] as number;
      for (let j = 0; j < rank; j++) coordinates[j] = (coordinates[j] as number) + value * (basis[k * rank + j] as number);
    }
    for (let k = 0; k < featureDim; k++) {
      let inSpan = 0;
      for (let j = 0; j < rank; j++) inSpan += (coordinates[j] as number) * (basis[k * rank + j] as number);
      projected[c * featureDim + k] = (1 - strength) * (weights[c * featureDim + k] as number) + strength * inSpan;
    }
  }
  return projected;
}

export function spaceAlignmentProjection(options: MethodOptions<'spa-proj'>, context: MethodContext): TrainingMethod {
  const classCount = context.trainCounts.length;
  const { featureDim } = context;
  const runningMeans = new RunningClassMeans(classCount, featureDim, options.momentum);
  return {
    name: 'spa-proj',
    loss: ({ features, logits, oneHot }) => {
      runningMeans.update(features, oneHot);
      return tf.losses.softmaxCrossEntropy(oneHot, logits);
    },
    afterStep: (model) => {
      const { centredMeans, seen } = runningMeans.centred();
      const rows = centredMeans.dataSync() as Float32Array;
      const allSeen = seen.dataSync().every((flag) => flag > 0);
      tf.dispose([centredMeans, seen]);
      if (!allSeen) return;
      const { basis, rank } = spanBasis(rows, classCount, featureDim);
      if (rank === 0) return;
      const { weights } = model.classifier;
      const projected = projectRows(weights.dataSync() as Float32Array, classCount, featureDim, basis, rank, options.strength);
      tf.tidy(() => weights.assign(tf.tensor2d(projected, [classCount, featureDim])));
    },
    dispose: () => runningMeans.dispose(),
  };
}

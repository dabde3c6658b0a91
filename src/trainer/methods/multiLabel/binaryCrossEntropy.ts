/**
 * Multi-label training and scoring: one sigmoid per class.
 * - Binary cross-entropy, mean over the N × C entries: ℓ = max(z, 0) − z·y + log(1 + e^(−|z|)), the overflow-free
 *   form of −y log σ(z) − (1 − y) log(1 − σ(z)).
 * - Per-label recall and precision of the predictions σ(z) > threshold (0.5: z > 0).
 */
import * as tf from '@tensorflow/tfjs';
import type { LabelMatrix } from './labelMatrix';

export function binaryCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.mean(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}

export interface PerLabelScores {
  /** TP/(TP + FN) per label; null for a label no sample has. */
  recall: (number | null)[];
  /** TP/(TP + FP) per label; null for a label never predicted. */
  precision: (number | null)[];
  /** Mean over labels with a defined value. */
  macroRecall: number | null;
  macroPrecision: number | null;
}

/** Scores from logits (row-major N × C) against the label matrix; a label is predicted where the logit > 0. */
export function perLabelScores(logits: ArrayLike<number>, labels: LabelMatrix): PerLabelScores {
  const { rows, classCount: C, values } = labels;
  if (logits.length !== rows * C) throw new RangeError(`${logits.length} logits for ${rows} × ${C} labels`);
  const truePositive = new Float64Array(C);
  const actual = new Float64Array(C);
  const predicted = new Float64Array(C);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < C; c++) {
      const has = values[i * C + c] === 1;
      const says = (logits[i * C + c] as number) > 0;
      if (has) actual[c] = (actual[c] as number) + 1;
      if (says) predicted[c] = (predicted[c] as number) + 1;
      if (has && says) truePositive[c] = (truePositive[c] as number) + 1;
    }
  }
  const recall = Array.from(actual, (count, c) => (count > 0 ? (truePositive[c] as number) / count : null));
  const precision = Array.from(predicted, (count, c) => (count > 0 ? (truePositive[c] as number) / count : null));
  const mean = (list: (number | null)[]) => {
    const defined = list.filter((value): value is number => value !== null);
    return defined.length === 0 ? null : defined.reduce((a, b) => a + b, 0) / defined.length;
  };
  return { recall, precision, macroRecall: mean(recall), macroPrecision: mean(precision) };
}

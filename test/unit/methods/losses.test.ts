/**
 * Each loss against a value computed by hand (plain float64 arithmetic from the formula, written out here) on a small
 * batch, and the gradients where the loss shapes them (LDAM margins and DRW weights, focal modulation).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { classBalancedLoss } from '../../../src/trainer/methods/classBalanced';
import { effectiveNumberWeights, logPriors } from '../../../src/trainer/methods/classPriors';
import { focalLoss } from '../../../src/trainer/methods/focal';
import { ldamLoss, ldamMargins } from '../../../src/trainer/methods/ldam';
import { offsetCrossEntropy, postHocAdjustedBias } from '../../../src/trainer/methods/logitAdjustment';
import { tauNormalisedClassifier } from '../../../src/trainer/methods/tauNormalisation';
import { createMethod } from '../../../src/trainer/methods';

before(async () => {
  await tf.setBackend('cpu');
});

// Three samples, three classes.
const LOGITS = [
  [2.0, 0.5, -1.0],
  [0.1, 0.3, 0.2],
  [-0.5, 1.5, 2.5],
];
const LABELS = [0, 2, 1];
const COUNTS = [100, 10, 1];

function softmax(row: number[]): number[] {
  const max = Math.max(...row);
  const exps = row.map((z) => Math.exp(z - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function oneHot(labels: number[], classes: number): tf.Tensor2D {
  return tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D;
}

function scalar(tensor: tf.Scalar): number {
  const value = tensor.dataSync()[0] as number;
  tensor.dispose();
  return value;
}

function close(actual: number, expected: number, tolerance = 1e-5, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what} ${actual} ≠ ${expected}`);
}

describe('class priors and weights', () => {
  it('effective-number weights: (1 − β)/(1 − β^n), normalised to sum C', () => {
    const beta = 0.9999;
    const raw = COUNTS.map((n) => (1 - beta) / (1 - beta ** n));
    const sum = raw.reduce((a, b) => a + b, 0);
    const expected = raw.map((w) => (w * 3) / sum);
    effectiveNumberWeights(COUNTS, beta).forEach((w, c) => close(w, expected[c] as number, 1e-9, `w_${c}`));
    // β = 0 weighs every class equally; β → 1 approaches inverse frequency.
    assert.deepEqual(effectiveNumberWeights(COUNTS, 0), [1, 1, 1]);
    const nearInverse = effectiveNumberWeights([100, 10], 1 - 1e-9);
    close((nearInverse[1] as number) / (nearInverse[0] as number), 10, 1e-5, 'inverse-frequency ratio');
  });

  it('log priors are log(n_c / N)', () => {
    logPriors(COUNTS).forEach((value, c) => close(value, Math.log((COUNTS[c] as number) / 111), 1e-12));
  });
});

describe('cross-entropy family', () => {
  const perSampleCe = LOGITS.map((row, i) => -Math.log(softmax(row)[LABELS[i] as number] as number));

  it('class-balanced cross-entropy = (1/N) Σ w_y ℓ', () => {
    const weights = effectiveNumberWeights(COUNTS, 0.9999);
    const expected = perSampleCe.reduce((sum, loss, i) => sum + (weights[LABELS[i] as number] as number) * loss, 0) / 3;
    const actual = scalar(tf.tidy(() => classBalancedLoss(tf.tensor2d(LOGITS), oneHot(LABELS, 3), tf.tensor1d(weights), 0)));
    close(actual, expected, 1e-5);
  });

  it('focal loss = mean of −(1 − p_y)^γ log p_y, and its gradient matches the closed form', () => {
    const gamma = 2;
    const expected =
      LOGITS.reduce((sum, row, i) => {
        const p = softmax(row)[LABELS[i] as number] as number;
        return sum - (1 - p) ** gamma * Math.log(p);
      }, 0) / 3;
    close(scalar(tf.tidy(() => focalLoss(tf.tensor2d(LOGITS), oneHot(LABELS, 3), gamma))), expected, 1e-5);
    // d/dz_j of −(1−p)^γ log p with p = p_y: (∂/∂p)·(∂p/∂z_j), ∂/∂p = γ(1−p)^(γ−1) log p − (1−p)^γ/p, ∂p/∂z_j = p(δ_jy − p_j).
    const gradient = tf.tidy(
      () =>
        tf
          .grad((z: tf.Tensor) => focalLoss(z as tf.Tensor2D, oneHot(LABELS, 3), gamma))(tf.tensor2d(LOGITS))
          .arraySync() as number[][],
    );
    LOGITS.forEach((row, i) => {
      const probabilities = softmax(row);
      const y = LABELS[i] as number;
      const p = probabilities[y] as number;
      const outer = gamma * (1 - p) ** (gamma - 1) * Math.log(p) - (1 - p) ** gamma / p;
      row.forEach((_, j) =>
        close(gradient[i]?.[j] as number, (outer * p * ((j === y ? 1 : 0) - (probabilities[j] as number))) / 3, 1e-4, `∂/∂z[${i}][${j}]`),
      );
    });
  });

  it('focal loss with γ = 0 is cross-entropy', () => {
    const expected = perSampleCe.reduce((a, b) => a + b, 0) / 3;
    close(scalar(tf.tidy(() => focalLoss(tf.tensor2d(LOGITS), oneHot(LABELS, 3), 0))), expected, 1e-5);
  });

  it('logit-adjusted loss = CE(z + τ log π) and Balanced Softmax = CE(z + log n) give the same value at τ = 1', () => {
    const tau = 1;
    const adjusted = LOGITS.map((row) => row.map((z, c) => z + tau * Math.log((COUNTS[c] as number) / 111)));
    const expected = adjusted.reduce((sum, row, i) => sum - Math.log(softmax(row)[LABELS[i] as number] as number), 0) / 3;
    const la = scalar(tf.tidy(() => offsetCrossEntropy(tf.tensor2d(LOGITS), oneHot(LABELS, 3), tf.tensor1d(logPriors(COUNTS)))));
    const bs = scalar(tf.tidy(() => offsetCrossEntropy(tf.tensor2d(LOGITS), oneHot(LABELS, 3), tf.tensor1d(COUNTS.map(Math.log)))));
    close(la, expected, 1e-5, 'logit adjustment');
    close(bs, expected, 1e-5, 'balanced softmax');
    // With τ = 1 the adjusted loss raises a tail logit's required margin: it exceeds the plain cross-entropy here.
    assert.ok(la > perSampleCe.reduce((a, b) => a + b, 0) / 3);
  });

  it('post-hoc logit adjustment subtracts τ log π from the bias', () => {
    const bias = Float32Array.from([0.5, 0, -0.5]);
    const adjusted = postHocAdjustedBias(bias, COUNTS, 0.5);
    adjusted.forEach((b, c) => close(b, (bias[c] as number) - 0.5 * Math.log((COUNTS[c] as number) / 111), 1e-6));
    // The tail (class 2, π = 1/111) gains 0.5·ln(100) over the head relative to the unadjusted bias.
    close((adjusted[2] as number) - (adjusted[0] as number) - ((bias[2] as number) - (bias[0] as number)), 0.5 * Math.log(100), 1e-6);
  });
});

describe('LDAM', () => {
  it('margins are ∝ n^(−1/4) with the smallest class at maxMargin', () => {
    const margins = ldamMargins(COUNTS, 0.5);
    close(margins[2] as number, 0.5, 1e-12);
    close(margins[1] as number, 0.5 * (1 / 10) ** 0.25, 1e-12);
    close(margins[0] as number, 0.5 * (1 / 100) ** 0.25, 1e-12);
  });

  const cosines = [
    [0.9, 0.1, -0.3],
    [0.2, -0.1, 0.4],
    [-0.2, 0.5, 0.3],
  ];
  const margins = ldamMargins(COUNTS, 0.5);
  const scale = 30;
  const shifted = cosines.map((row, i) => row.map((z, c) => scale * (z - (c === LABELS[i] ? (margins[c] as number) : 0))));

  it('loss = CE(s·(z − Δ_y e_y)), weighted mean Σ w ℓ / Σ w with DRW weights', () => {
    const losses = shifted.map((row, i) => -Math.log(softmax(row)[LABELS[i] as number] as number));
    const plain = losses.reduce((a, b) => a + b, 0) / 3;
    close(scalar(tf.tidy(() => ldamLoss(tf.tensor2d(cosines), oneHot(LABELS, 3), tf.tensor1d(margins), scale))), plain, 1e-5, 'no DRW');
    const weights = [0.2, 1.0, 1.8];
    const weighted =
      losses.reduce((sum, loss, i) => sum + (weights[LABELS[i] as number] as number) * loss, 0) /
      losses.reduce((sum, _, i) => sum + (weights[LABELS[i] as number] as number), 0);
    close(
      scalar(tf.tidy(() => ldamLoss(tf.tensor2d(cosines), oneHot(LABELS, 3), tf.tensor1d(margins), scale, tf.tensor1d(weights)))),
      weighted,
      1e-5,
      'DRW',
    );
  });

  it('gradient w.r.t. the cosines is s·(softmax(shifted) − e_y)·w_y/Σw', () => {
    const weights = [0.2, 1.0, 1.8];
    const total = LABELS.reduce((sum, y) => sum + (weights[y] as number), 0);
    const gradient = tf.tidy(
      () =>
        tf
          .grad((z: tf.Tensor) => ldamLoss(z as tf.Tensor2D, oneHot(LABELS, 3), tf.tensor1d(margins), scale, tf.tensor1d(weights)))(
            tf.tensor2d(cosines),
          )
          .arraySync() as number[][],
    );
    shifted.forEach((row, i) => {
      const p = softmax(row);
      const y = LABELS[i] as number;
      row.forEach((_, j) =>
        close(
          gradient[i]?.[j] as number,
          (scale * ((p[j] as number) - (j === y ? 1 : 0)) * (weights[y] as number)) / total,
          1e-4,
          `∂/∂z[${i}][${j}]`,
        ),
      );
    });
  });

  it('DRW switches on after reweightAfterEpochs, and the loss then differs', () => {
    const method = createMethod(
      {
        name: 'ldam-drw',
        maxMargin: 0.5,
        scale: 30,
        deferredReweighting: true,
        reweightAfterEpochs: 2,
        beta: 0.9999,
        cosineClassifier: false,
      },
      { trainCounts: COUNTS, targetClassCount: 3, featureDim: 2, totalEpochs: 4, seed: 0, learningRate: 0.1 },
    );
    const batch = (epoch: number) =>
      scalar(
        tf.tidy(() => {
          const logits = tf.tensor2d(cosines);
          const labels = tf.tensor1d(LABELS, 'int32');
          return method.loss({ features: tf.zeros([3, 2]), logits, labels, oneHot: oneHot(LABELS, 3), epoch, model: undefined as never });
        }),
      );
    const unweighted = scalar(tf.tidy(() => ldamLoss(tf.tensor2d(cosines), oneHot(LABELS, 3), tf.tensor1d(margins), scale)));
    const drw = scalar(
      tf.tidy(() =>
        ldamLoss(tf.tensor2d(cosines), oneHot(LABELS, 3), tf.tensor1d(margins), scale, tf.tensor1d(effectiveNumberWeights(COUNTS, 0.9999))),
      ),
    );
    close(batch(1), unweighted, 1e-5, 'epoch 1');
    close(batch(2), unweighted, 1e-5, 'epoch 2');
    close(batch(3), drw, 1e-5, 'epoch 3');
    assert.ok(Math.abs(drw - unweighted) > 1e-3);
    method.dispose?.();
  });
});

describe('τ-normalisation', () => {
  it('divides each row by ‖w_c‖^τ and drops the bias', () => {
    const weights = Float32Array.from([3, 4, 0, 0.6, 0, 0.8]); // rows of norm 5 and 1
    const half = tauNormalisedClassifier(weights, 2, 0.5);
    assert.equal(half.bias, null);
    [3, 4, 0].forEach((value, k) => close(half.weights[k] as number, value / Math.sqrt(5), 1e-6));
    [0.6, 0, 0.8].forEach((value, k) => close(half.weights[3 + k] as number, value, 1e-6));
    const unit = tauNormalisedClassifier(weights, 2, 1);
    close(Math.hypot(unit.weights[0] as number, unit.weights[1] as number, unit.weights[2] as number), 1, 1e-6);
    assert.deepEqual(Array.from(tauNormalisedClassifier(weights, 2, 0).weights), Array.from(weights));
  });
});

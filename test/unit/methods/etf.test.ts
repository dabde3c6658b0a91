/**
 * The fixed simplex-ETF classifier: its construction (unit rows, pairwise cosine −1/(C−1), also at d = C − 1), the
 * dot-regression loss and its stop-gradient on ‖h‖, the L2-normalised features without a final ReLU, and that the
 * classifier stays fixed through an optimiser step.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { dotRegressionLoss, simplexEtf } from '../../../src/trainer/methods/etf';
import { createMethod } from '../../../src/trainer/methods';
import { buildModel } from '../../../src/trainer/models/createModel';
import { Optimizer } from '../../../src/trainer/training/optimizer';

before(async () => {
  await tf.setBackend('cpu');
});

function rows(weights: Float32Array, classCount: number): number[][] {
  const width = weights.length / classCount;
  return Array.from({ length: classCount }, (_, c) => Array.from(weights.subarray(c * width, (c + 1) * width)));
}

const dot = (a: number[], b: number[]) => a.reduce((sum, value, k) => sum + value * (b[k] as number), 0);

function checkSimplex(weights: Float32Array, classCount: number): void {
  const vectors = rows(weights, classCount);
  for (const [c, vector] of vectors.entries())
    assert.ok(Math.abs(Math.sqrt(dot(vector, vector)) - 1) < 1e-6, `‖w_${c}‖ = ${Math.sqrt(dot(vector, vector))}`);
  for (let i = 0; i < classCount; i++) {
    for (let j = i + 1; j < classCount; j++) {
      const cosine = dot(vectors[i] as number[], vectors[j] as number[]);
      assert.ok(Math.abs(cosine + 1 / (classCount - 1)) < 1e-6, `cos(w_${i}, w_${j}) = ${cosine}, expected ${-1 / (classCount - 1)}`);
    }
  }
  // The rows sum to zero: a simplex ETF is centred.
  const width = weights.length / classCount;
  for (let k = 0; k < width; k++) assert.ok(Math.abs(vectors.reduce((sum, vector) => sum + (vector[k] as number), 0)) < 1e-5);
}

describe('simplex ETF construction', () => {
  it('d ≥ C: unit rows with pairwise cosine −1/(C−1)', () => {
    checkSimplex(simplexEtf(4, 6, 0), 4);
    checkSimplex(simplexEtf(10, 64, 3), 10);
    checkSimplex(simplexEtf(2, 2, 1), 2);
  });

  it('d = C − 1 still gives a simplex ETF', () => {
    checkSimplex(simplexEtf(5, 4, 0), 5);
    checkSimplex(simplexEtf(10, 9, 7), 10);
  });

  it('is seeded: the same seed gives the same W, another seed a rotated one', () => {
    assert.deepEqual(simplexEtf(4, 6, 11), simplexEtf(4, 6, 11));
    assert.notDeepEqual(simplexEtf(4, 6, 11), simplexEtf(4, 6, 12));
  });

  it('refuses d < C − 1 with a message naming model.featureDim', () => {
    assert.throws(() => simplexEtf(10, 8, 0), /model\.featureDim 8 < C − 1 = 9/);
  });
});

describe('dot-regression loss', () => {
  // W has rows of norm 2 and √2; h_1 = (3, 4, 0) with y = 0, h_2 = (1, 2, 2) with y = 1.
  const W = [
    [2, 0, 0],
    [0, 1, 1],
  ];
  const H = [
    [3, 4, 0],
    [1, 2, 2],
  ];
  const labels = [0, 1];
  const residual = (h: number[], w: number[]) => dot(w, h) - Math.sqrt(dot(w, w)) * Math.sqrt(dot(h, h));

  it('is ½ (w_yᵀh − ‖w_y‖‖h‖)²/‖h‖ averaged over the batch', () => {
    const expected =
      H.reduce((sum, h, i) => sum + (0.5 * residual(h, W[labels[i] as number] as number[]) ** 2) / Math.sqrt(dot(h, h)), 0) / 2;
    // By hand for sample 1: 6 − 2·5 = −4, ½·16/5 = 1.6.
    assert.ok(Math.abs((0.5 * residual(H[0] as number[], W[0] as number[]) ** 2) / 5 - 1.6) < 1e-12);
    const actual = tf.tidy(
      () =>
        dotRegressionLoss(
          tf.tensor2d(H),
          tf.oneHot(tf.tensor1d(labels, 'int32'), 2).toFloat() as tf.Tensor2D,
          tf.tensor2d(W),
        ).dataSync()[0] as number,
    );
    assert.ok(Math.abs(actual - expected) < 1e-5, `${actual} ≠ ${expected}`);
  });

  it('back-propagates (w_yᵀh − ‖w_y‖‖h‖)/‖h‖ · w_y: ‖h‖ is not differentiated', () => {
    const gradient = tf.tidy(
      () =>
        tf
          .grad((h: tf.Tensor) =>
            dotRegressionLoss(h as tf.Tensor2D, tf.oneHot(tf.tensor1d(labels, 'int32'), 2).toFloat() as tf.Tensor2D, tf.tensor2d(W)),
          )(tf.tensor2d(H))
          .arraySync() as number[][],
    );
    H.forEach((h, i) => {
      const w = W[labels[i] as number] as number[];
      const norm = Math.sqrt(dot(h, h));
      const r = residual(h, w);
      const stopped = w.map((value) => ((r / norm) * value) / 2);
      // The full derivative (‖h‖ differentiated) for comparison: it differs, so the test sees the stop-gradient.
      const full = h.map(
        (value, k) => ((r / norm) * ((w[k] as number) - (Math.sqrt(dot(w, w)) * value) / norm) - (0.5 * r * r * value) / norm ** 3) / 2,
      );
      stopped.forEach((value, k) =>
        assert.ok(Math.abs((gradient[i]?.[k] as number) - value) < 1e-5, `∂/∂h[${i}][${k}] = ${gradient[i]?.[k]}, expected ${value}`),
      );
      assert.ok(stopped.some((value, k) => Math.abs(value - (full[k] as number)) > 1e-3));
    });
  });
});

describe('featureOutput "l2-normalised" on every architecture', () => {
  const cases = [
    { architecture: 'mlp' as const, featureDim: 6, hiddenUnits: [8] },
    { architecture: 'small-cnn' as const, featureDim: 6 },
    { architecture: 'resnet8' as const, featureDim: 16, width: 4 }, // pooled block output is h: its last ReLU is dropped
    { architecture: 'resnet8' as const, featureDim: 6, width: 4 }, // a projection follows the pool
  ];
  for (const shape of cases) {
    it(`${shape.architecture}, d = ${shape.featureDim}: unit-norm features with negative entries; ReLU features by default`, () => {
      const x = tf.tensor4d(
        Float32Array.from({ length: 4 * 64 }, (_, i) => Math.cos(i * 0.91)),
        [4, 8, 8, 1],
      );
      for (const featureOutput of ['l2-normalised', undefined] as const) {
        const model = buildModel(
          { ...shape, inputShape: [8, 8, 1], numClasses: 3, ...(featureOutput === undefined ? {} : { featureOutput }) },
          2,
        );
        const [norms, minimum] = tf.tidy(() => {
          const { features } = model.forward(x, true);
          return [tf.norm(features, 'euclidean', 1).arraySync() as number[], features.min().dataSync()[0] as number];
        });
        if (featureOutput === undefined) assert.ok(minimum >= 0, 'ReLU features are non-negative');
        else {
          for (const norm of norms) assert.ok(Math.abs(norm - 1) < 1e-5, `‖h‖ = ${norm}`);
          assert.ok(minimum < 0);
        }
        model.dispose();
      }
      x.dispose();
    });
  }
});

describe('etf-classifier method', () => {
  it('asks for L2-normalised features without ReLU, fixes W to the ETF and b to 0, and keeps them through a step', () => {
    const method = createMethod(
      { name: 'etf-classifier' },
      { trainCounts: [50, 20, 8, 3], targetClassCount: 4, featureDim: 6, totalEpochs: 2, seed: 5, learningRate: 0.01 },
    );
    assert.equal(method.featureOutput, 'l2-normalised');
    const model = buildModel(
      { architecture: 'mlp', inputShape: [4, 4, 1], numClasses: 4, featureDim: 6, hiddenUnits: [8], featureOutput: 'l2-normalised' },
      1,
    );
    method.prepare?.(model);
    const expected = simplexEtf(4, 6, 5);
    assert.deepEqual(model.classifierWeights().weights, expected);
    assert.deepEqual(Array.from(model.classifierWeights().bias), [0, 0, 0, 0]);
    assert.ok(!model.trainableVariables.includes(model.classifier.weights));
    assert.ok(!model.trainableVariables.includes(model.classifier.bias));

    const x = tf.tensor4d(
      Float32Array.from({ length: 8 * 16 }, (_, i) => Math.sin(i * 0.37)),
      [8, 4, 4, 1],
    );
    const labels = tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32');
    const oneHot = tf.oneHot(labels, 4).toFloat() as tf.Tensor2D;
    const { features } = model.forward(x, false);
    const norms = tf.norm(features, 'euclidean', 1).arraySync() as number[];
    norms.forEach((norm) => assert.ok(Math.abs(norm - 1) < 1e-5, `‖h‖ = ${norm}`));
    assert.ok((features.min().dataSync()[0] as number) < 0, 'features without a final ReLU take negative values');

    const optimizer = new Optimizer({ name: 'sgd', learningRate: 0.5, momentum: 0, weightDecay: 0.01 });
    const bodyBefore = model.getWeights();
    const loss = optimizer.minimize(() => {
      const out = model.forward(x, true);
      return method.loss({ ...out, labels, oneHot, epoch: 1, model });
    }, model.trainableVariables);
    assert.ok(Number.isFinite(loss) && loss > 0);
    assert.deepEqual(model.classifierWeights().weights, expected, 'W stays the ETF');
    const bodyAfter = model.getWeights();
    assert.ok(
      tf.any(tf.notEqual(bodyBefore['features/kernel'] as tf.Tensor, bodyAfter['features/kernel'] as tf.Tensor)).dataSync()[0] === 1,
      'the body trains',
    );
    tf.dispose([x, labels, oneHot, features, bodyBefore, bodyAfter]);
    optimizer.dispose();
    model.dispose();
  });
});

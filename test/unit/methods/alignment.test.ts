/**
 * The alignment stand-ins (AllNC, SpA-Reg/SLERP/Proj): running class means, the HyCon and peer-to-peer terms, the
 * bilateral-branch weight, great-circle interpolation and the projection onto span(M), each against values worked
 * out by hand.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { bilateralBranchWeight, hyconStandIn, maskedRowAlignment } from '../../../src/trainer/methods/allnc';
import { RunningClassMeans } from '../../../src/trainer/methods/runningClassMeans';
import { projectRows, slerpRows, spanBasis } from '../../../src/trainer/methods/spaceAlignment';
import { stopGradient } from '../../../src/trainer/methods/tensorMath';

before(async () => {
  await tf.setBackend('cpu');
});

const near = (actual: number, expected: number, tolerance = 1e-5, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} ≠ ${expected}`);

describe('running class means', () => {
  it('starts at the first batch mean, then blends with momentum; μ̂_G is the mean of the seen class means', () => {
    const means = new RunningClassMeans(3, 2, 0.5);
    tf.tidy(() => {
      // Batch 1: class 0 has (1, 0) and (3, 0) → mean (2, 0); class 1 has (0, 4); class 2 absent.
      const first = means.update(
        tf.tensor2d([
          [1, 0],
          [3, 0],
          [0, 4],
        ]),
        tf.tensor2d([
          [1, 0, 0],
          [1, 0, 0],
          [0, 1, 0],
        ]),
      );
      assert.deepEqual(first.seen.arraySync(), [1, 1, 0]);
      assert.deepEqual(first.means.arraySync(), [
        [2, 0],
        [0, 4],
        [0, 0],
      ]);
      // μ̂_G = ((2,0) + (0,4))/2 = (1, 2).
      assert.deepEqual(first.centredMeans.arraySync().slice(0, 2), [
        [1, -2],
        [-1, 2],
      ]);
      // Batch 2: class 0 has (4, 2) → 0.5·(2,0) + 0.5·(4,2) = (3, 1); class 2 is new → (6, 6).
      const second = means.update(
        tf.tensor2d([
          [4, 2],
          [6, 6],
        ]),
        tf.tensor2d([
          [1, 0, 0],
          [0, 0, 1],
        ]),
      );
      assert.deepEqual(second.means.arraySync(), [
        [3, 1],
        [0, 4],
        [6, 6],
      ]);
      assert.deepEqual(second.seen.arraySync(), [1, 1, 1]);
    });
    const stored = means.snapshot();
    assert.deepEqual(Array.from(stored.means), [3, 1, 0, 4, 6, 6]);
    means.dispose();
  });

  it('the batch part of the returned means carries a gradient of weight (1 − m)/n_c to the features', () => {
    const means = new RunningClassMeans(2, 1, 0.75);
    tf.tidy(() => {
      means.update(
        tf.tensor2d([[1], [2]]),
        tf.tensor2d([
          [1, 0],
          [0, 1],
        ]),
      );
    });
    const gradient = tf.tidy(() =>
      tf
        .grad((h: tf.Tensor) =>
          tf.sum(
            means.update(
              h as tf.Tensor2D,
              tf.tensor2d([
                [1, 0],
                [1, 0],
                [0, 1],
              ]),
            ).means,
          ),
        )(tf.tensor2d([[5], [7], [9]]))
        .arraySync(),
    );
    // Class 0 (2 samples): each contributes (1 − 0.75)/2; class 1 (1 sample): 0.25.
    assert.deepEqual(gradient, [[0.125], [0.125], [0.25]]);
    means.dispose();
  });
});

describe('AllNC stand-in terms', () => {
  it('bilateral-branch weight α = 1 − ((epoch − 1)/T_max)²', () => {
    assert.equal(bilateralBranchWeight(1, 10), 1);
    near(bilateralBranchWeight(6, 10), 0.75, 1e-12);
    near(bilateralBranchWeight(10, 10), 1 - 0.81, 1e-12);
  });

  it('HyCon stand-in = mean of 1 − cos(h_i, μ_{y_i}), with no gradient into the means', () => {
    const features = [
      [1, 0],
      [1, 1],
    ];
    const means = [
      [0, 2],
      [3, 0],
    ];
    const labels = [0, 1];
    // cos((1,0),(0,2)) = 0; cos((1,1),(3,0)) = 1/√2.
    const expected = (1 - 0 + (1 - 1 / Math.SQRT2)) / 2;
    const value = tf.tidy(
      () =>
        hyconStandIn(
          tf.tensor2d(features),
          tf.oneHot(tf.tensor1d(labels, 'int32'), 2).toFloat() as tf.Tensor2D,
          tf.tensor2d(means),
        ).dataSync()[0] as number,
    );
    near(value, expected, 1e-6);
    const meanGradient = tf.tidy(
      () =>
        tf
          .grad((m: tf.Tensor) =>
            hyconStandIn(tf.tensor2d(features), tf.oneHot(tf.tensor1d(labels, 'int32'), 2).toFloat() as tf.Tensor2D, m as tf.Tensor2D),
          )(tf.tensor2d(means))
          .abs()
          .sum()
          .dataSync()[0],
    );
    assert.equal(meanGradient, 0);
  });

  it('peer-to-peer / SpA-Reg alignment averages 1 − cos(w_c, m_c) over the masked-in rows only', () => {
    const weights = [
      [1, 0],
      [0, 1],
      [5, 5],
    ];
    const targets = [
      [1, 0],
      [1, 0],
      [-1, -1],
    ];
    // Rows 0 and 1 in: (1 − 1 + 1 − 0)/2 = 0.5; row 2 (cos −1) is masked out.
    const value = tf.tidy(
      () => maskedRowAlignment(tf.tensor2d(weights), tf.tensor2d(targets), tf.tensor1d([1, 1, 0])).dataSync()[0] as number,
    );
    near(value, 0.5, 1e-6);
  });

  it('stopGradient passes the value and blocks the gradient', () => {
    const [value, gradient] = tf.tidy(() => {
      const x = tf.tensor1d([1, 2, 3]);
      return [
        stopGradient(x).arraySync(),
        tf
          .grad((v: tf.Tensor) => tf.sum(tf.mul(stopGradient(v), v)))(x)
          .arraySync(),
      ];
    });
    assert.deepEqual(value, [1, 2, 3]);
    assert.deepEqual(gradient, [1, 2, 3]); // d/dv Σ sg(v)·v = sg(v)
  });
});

describe('SpA-SLERP', () => {
  it('turns each row a fraction t of the angle toward its target, keeping its norm; masked rows stay', () => {
    // Row 0: (2, 0) toward (0, 5): 90°, t = 1/3 → 30°, norm 2 → (√3, 1). Row 1: masked out.
    const moved = tf.tidy(() =>
      slerpRows(
        tf.tensor2d([
          [2, 0],
          [1, 0],
        ]),
        tf.tensor2d([
          [0, 5],
          [0, 1],
        ]),
        1 / 3,
        tf.tensor1d([1, 0]),
      ).arraySync(),
    );
    near(moved[0]?.[0] as number, Math.sqrt(3), 1e-5);
    near(moved[0]?.[1] as number, 1, 1e-5);
    assert.deepEqual(moved[1], [1, 0]);
  });

  it('leaves rows alone when the target is zero or already aligned', () => {
    const moved = tf.tidy(() =>
      slerpRows(
        tf.tensor2d([
          [1, 2],
          [3, 0],
        ]),
        tf.tensor2d([
          [0, 0],
          [6, 0],
        ]),
        0.5,
        tf.tensor1d([1, 1]),
      ).arraySync(),
    );
    near(moved[0]?.[0] as number, 1);
    near(moved[0]?.[1] as number, 2);
    near(moved[1]?.[0] as number, 3);
    near(moved[1]?.[1] as number, 0);
  });
});

describe('SpA-Proj', () => {
  it('finds an orthonormal basis of span(M) and projects W onto it', () => {
    // Centred means of 3 classes in R³ span the plane z = 0 (rank 2 = C − 1).
    const means = Float64Array.from([1, 0, 0, -0.5, 1, 0, -0.5, -1, 0]);
    const { basis, rank } = spanBasis(means, 3, 3);
    assert.equal(rank, 2);
    // Columns orthonormal and inside the plane.
    for (let a = 0; a < rank; a++) {
      near(basis[2 * rank + a] as number, 0, 1e-12, 'z component');
      for (let b = 0; b < rank; b++) {
        let product = 0;
        for (let k = 0; k < 3; k++) product += (basis[k * rank + a] as number) * (basis[k * rank + b] as number);
        near(product, a === b ? 1 : 0, 1e-12);
      }
    }
    const weights = Float32Array.from([1, 2, 3, 0, 0, 7]);
    const full = projectRows(weights, 2, 3, basis, rank, 1);
    assert.deepEqual(
      Array.from(full).map((v) => Math.round(v * 1e6) / 1e6),
      [1, 2, 0, 0, 0, 0],
    );
    const half = projectRows(weights, 2, 3, basis, rank, 0.5);
    assert.deepEqual(
      Array.from(half).map((v) => Math.round(v * 1e6) / 1e6),
      [1, 2, 1.5, 0, 0, 3.5],
    );
  });
});

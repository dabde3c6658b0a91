/**
 * The other wasm replacements against the cpu backend: MatMul with transposeA/B (2-D, batched and
 * fused), MaxPoolGrad (overlapping, padded, strided, non-square windows) and Sum/Mean over leading axes,
 * each forward and through its gradient.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels } from '../../../src/trainer/backend/wasmKernels';
import { assertWasmMatchesCpu, countKernelCalls, prepareBackends, runOn, sampleValues } from './backendComparison';

function tensorOf(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(
    sampleValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
}

describe('wasm MatMul with transposed operands matches cpu', () => {
  before(prepareBackends);

  for (const [transposeA, transposeB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`2-D, transposeA=${transposeA} transposeB=${transposeB}, with gradients`, async () => {
      await assertWasmMatchesCpu('matMul', () => {
        const a = tensorOf(transposeA ? [7, 5] : [5, 7], 11);
        const b = tensorOf(transposeB ? [3, 7] : [7, 3], 12);
        const weights = tensorOf([5, 3], 13);
        const product = tf.matMul(a, b, transposeA, transposeB);
        const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
          tf.sum(tf.mul(tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D, transposeA, transposeB), weights)),
        )([a, b]);
        return { product, da: da as tf.Tensor, db: db as tf.Tensor };
      });
    });
  }

  it('batched 3-D with both flags', async () => {
    await assertWasmMatchesCpu('batched matMul', () => ({
      product: tf.matMul(tensorOf([2, 6, 4], 14), tensorOf([2, 3, 6], 15), true, true),
    }));
  });

  it('fused matMul with bias and relu, transposed operands', async () => {
    await assertWasmMatchesCpu('fused matMul', () => ({
      product: tf.fused.matMul({
        a: tensorOf([6, 4], 16),
        b: tensorOf([5, 6], 17),
        transposeA: true,
        transposeB: true,
        bias: tensorOf([5], 18),
        activation: 'relu',
      }),
    }));
  });

  it('transposes both operands explicitly before the stock kernel runs', async () => {
    const transposes = await countKernelCalls('Transpose', async () => {
      await runOn('wasm', () => ({ product: tf.matMul(tensorOf([4, 3], 19), tensorOf([5, 4], 20), true, true) }));
    });
    assert.equal(transposes, 2);
  });

  it('registering again does not wrap the wrapper (which would transpose twice)', async () => {
    const before = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
    registerWasmKernels();
    assert.ok(before !== undefined);
    assert.equal(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc, before);
    await assertWasmMatchesCpu('matMul after re-registering', () => ({
      product: tf.matMul(tensorOf([3, 4], 26), tensorOf([5, 3], 27), true, true),
    }));
  });
});

describe('wasm MaxPoolGrad matches cpu', () => {
  before(prepareBackends);

  const cases: {
    name: string;
    shape: [number, number, number, number];
    filter: number | [number, number];
    strides: number | [number, number];
    pad: 'same' | 'valid';
  }[] = [
    { name: '2×2 stride 2 valid', shape: [3, 8, 6, 4], filter: 2, strides: 2, pad: 'valid' },
    { name: '2×2 stride 2 valid, odd size (last row unread)', shape: [2, 7, 9, 3], filter: 2, strides: 2, pad: 'valid' },
    { name: '3×3 stride 2 same (overlapping, padded)', shape: [2, 9, 8, 5], filter: 3, strides: 2, pad: 'same' },
    { name: '3×3 stride 1 same', shape: [2, 6, 7, 3], filter: 3, strides: 1, pad: 'same' },
    { name: '3×2 window, strides [1, 2]', shape: [2, 7, 8, 2], filter: [3, 2], strides: [1, 2], pad: 'valid' },
  ];
  for (const testCase of cases) {
    it(testCase.name, async () => {
      await assertWasmMatchesCpu(testCase.name, () => {
        const x = tensorOf(testCase.shape, 21);
        const pooled = tf.maxPool(x as tf.Tensor4D, testCase.filter, testCase.strides, testCase.pad);
        const weights = tensorOf(pooled.shape, 22);
        const dx = tf.grad((input: tf.Tensor) =>
          tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, testCase.filter, testCase.strides, testCase.pad), weights)),
        )(x);
        return { pooled, dx };
      });
    });
  }

  it('routes each window gradient to exactly one position (closed form on a ramp)', async () => {
    // x increases along every axis, so each 2×2 window's maximum is its bottom-right pixel.
    const result = await runOn('wasm', () => {
      const x = tf.tensor4d(
        Array.from({ length: 16 }, (_, i) => i),
        [1, 4, 4, 1],
      );
      return { dx: tf.grad((input: tf.Tensor) => tf.sum(tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid')))(x) };
    });
    assert.deepEqual(Array.from(result['dx'] ?? []), [0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1]);
  });

  it('gives a tied window gradient to its first pixel in row-major order, as cpu does', async () => {
    await assertWasmMatchesCpu('ties', () => {
      const x = tf.tensor4d([5, 5, 1, 7, 5, 5, 7, 7, 0, 0, 2, 2, 0, 0, 2, 2], [1, 4, 4, 1]);
      return { dx: tf.grad((input: tf.Tensor) => tf.sum(tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid')))(x) };
    });
    const result = await runOn('wasm', () => {
      const x = tf.tensor4d([5, 5, 1, 7, 5, 5, 7, 7, 0, 0, 2, 2, 0, 0, 2, 2], [1, 4, 4, 1]);
      return { dx: tf.grad((input: tf.Tensor) => tf.sum(tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid')))(x) };
    });
    assert.deepEqual(Array.from(result['dx'] ?? []), [1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
  });
});

describe('wasm Sum and Mean over leading axes match cpu', () => {
  before(prepareBackends);

  it('NHWC over [0, 1, 2], keepDims both ways, with gradients', async () => {
    await assertWasmMatchesCpu('leading reductions', () => {
      const x = tensorOf([4, 5, 3, 6], 23);
      const gradient = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.mean(input, [0, 1, 2]), tensorOf([6], 24))))(x);
      return {
        sum: tf.sum(x, [0, 1, 2]),
        sumKeep: tf.sum(x, [2, 0, 1], true),
        mean: tf.mean(x, [0, 1]),
        meanNegative: tf.mean(x, [-4, -3, -2]),
        gradient,
      };
    });
  });

  it('other reductions still go to the stock kernels and agree', async () => {
    await assertWasmMatchesCpu('other reductions', () => {
      const x = tensorOf([4, 5, 6], 25);
      return {
        inner: tf.sum(x, [1, 2]),
        middle: tf.mean(x, 1),
        all: tf.sum(x),
        ints: tf.cast(tf.sum(tf.cast(tf.mul(x, 10), 'int32'), 0), 'float32'),
      };
    });
  });

  it('sums in float64: 2²⁴ + many ones is not absorbed', async () => {
    // In float32, 16777216 + 1 == 16777216, so a float32 running sum of [2^24, 1, 1, …] stays at 2^24.
    const result = await runOn('wasm', () => {
      const column = new Float32Array(1001).fill(1);
      column[0] = 2 ** 24;
      return { total: tf.sum(tf.tensor2d(column, [1001, 1]), 0) };
    });
    assert.equal(result['total']?.[0], 2 ** 24 + 1000);
  });
});

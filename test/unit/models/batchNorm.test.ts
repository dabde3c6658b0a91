/**
 * The batch-norm layer's own gradient against tfjs autodiff of the textbook formula (cpu backend and
 * wasm), and its running statistics against a direct computation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/trainer/backend/selectBackend';
import { BATCH_NORM_EPSILON, BATCH_NORM_MOMENTUM, batchNormLayer } from '../../../src/trainer/models/layers';
import { ParameterStore } from '../../../src/trainer/models/parameterStore';

const shape: [number, number, number, number] = [3, 4, 5, 6];
const size = shape.reduce((a, b) => a * b);

function sample(count: number, seed: number, offset = 0): Float32Array {
  const values = new Float32Array(count);
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = offset + 3 * (state / 2 ** 32 - 0.5);
  }
  return values;
}

/** y = γ·(x − μ)/√(σ² + ε) + β with μ, σ² the biased batch moments, differentiated by tfjs itself. */
function referenceBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, BATCH_NORM_EPSILON))), gamma), beta);
}

async function compareOn(backend: 'cpu' | 'wasm'): Promise<void> {
  await selectBackend(backend);
  const store = new ParameterStore();
  const layer = batchNormLayer(store, 'bn', shape[3]);
  layer.gamma.assign(tf.tensor1d(sample(shape[3], 2, 1)));
  layer.beta.assign(tf.tensor1d(sample(shape[3], 3)));
  const x = tf.tensor4d(sample(size, 1, 0.7), shape);
  const upstream = tf.tensor4d(sample(size, 4), shape);
  const loss = (f: (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(f(a, g, b), upstream));
  // layer.apply reads layer.gamma and layer.beta, the very tensors passed as the 2nd and 3rd inputs.
  const ours = tf.grads(loss((a) => layer.apply(a as tf.Tensor4D, true)))([x, layer.gamma, layer.beta]);
  const reference = tf.grads(loss(referenceBatchNorm))([x, layer.gamma, layer.beta]);
  const forward = [layer.apply(x, true), referenceBatchNorm(x, layer.gamma, layer.beta)];
  for (const [index, name] of ['dx', 'dγ', 'dβ'].entries()) {
    const actual = (ours[index] as tf.Tensor).dataSync();
    const expected = (reference[index] as tf.Tensor).dataSync();
    const scale = Math.max(1, ...Array.from(expected, Math.abs));
    const worst = Math.max(...Array.from(actual, (value, i) => Math.abs(value - (expected[i] as number))));
    assert.ok(worst < 1e-4 * scale, `${backend} ${name}: max difference ${worst}`);
  }
  const worstForward = Math.max(
    ...Array.from(forward[0]!.dataSync(), (value, i) => Math.abs(value - (forward[1]!.dataSync()[i] as number))),
  );
  assert.ok(worstForward < 1e-4, `${backend} forward: ${worstForward}`);
  tf.dispose([x, upstream, ...ours, ...reference, ...forward]);
  store.dispose();
}

describe('batch norm', () => {
  it('its gradients equal autodiff of the textbook formula on cpu', async () => {
    await compareOn('cpu');
  });

  it('and on wasm', async () => {
    await compareOn('wasm');
  });

  it('training updates running statistics by PyTorch momentum with the unbiased variance; inference uses them', async () => {
    await selectBackend('cpu');
    const store = new ParameterStore();
    const layer = batchNormLayer(store, 'bn', 2);
    const values = [1, 10, 2, 20, 3, 30, 6, 40]; // 4 samples × 2 channels
    const x = tf.tensor2d(values, [4, 2]);
    tf.dispose(layer.apply(x, true));
    // Channel 0: 1, 2, 3, 6 → mean 3, unbiased variance (4+1+0+9)/3 = 14/3.
    // Channel 1: 10, 20, 30, 40 → mean 25, unbiased variance (225+25+25+225)/3 = 500/3.
    const m = BATCH_NORM_MOMENTUM;
    const expectedMean = [m * 3, m * 25];
    const expectedVariance = [1 - m + m * (14 / 3), 1 - m + m * (500 / 3)];
    const runningMean = Array.from(layer.runningMean.dataSync());
    const runningVariance = Array.from(layer.runningVariance.dataSync());
    for (let c = 0; c < 2; c++) {
      assert.ok(Math.abs((runningMean[c] as number) - (expectedMean[c] as number)) < 1e-5);
      assert.ok(Math.abs((runningVariance[c] as number) - (expectedVariance[c] as number)) < 1e-4);
    }
    const inferred = tf.tidy(() => Array.from(layer.apply(tf.tensor2d([0, 0], [1, 2]), false).dataSync()));
    for (let c = 0; c < 2; c++) {
      const expected = (0 - (expectedMean[c] as number)) / Math.sqrt((expectedVariance[c] as number) + BATCH_NORM_EPSILON);
      assert.ok(Math.abs((inferred[c] as number) - expected) < 1e-5);
    }
    assert.equal(layer.runningMean.trainable, false);
    tf.dispose(x);
    store.dispose();
  });
});

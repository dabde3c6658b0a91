/** Seeded initialisers: reproducible per (seed, name), independent streams, the documented distributions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { glorotUniform, heNormal, uniformStream } from '../../../src/trainer/models/seededInit';

function moments(values: Float32Array): { mean: number; variance: number } {
  let sum = 0;
  for (const value of values) sum += value;
  const mean = sum / values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return { mean, variance: squares / values.length };
}

describe('seeded initialisation', () => {
  it('the same seed and name give the same values; another seed or name gives others', () => {
    assert.deepEqual(heNormal(7, 'conv1/kernel', 100, 9), heNormal(7, 'conv1/kernel', 100, 9));
    assert.notDeepEqual(heNormal(7, 'conv1/kernel', 100, 9), heNormal(8, 'conv1/kernel', 100, 9));
    assert.notDeepEqual(heNormal(7, 'conv1/kernel', 100, 9), heNormal(7, 'conv2/kernel', 100, 9));
  });

  it('uniform stream stays in [0, 1) with mean ≈ 1/2 and variance ≈ 1/12', () => {
    const next = uniformStream(3, 'u');
    const values = new Float32Array(200_000);
    for (let i = 0; i < values.length; i++) {
      const value = next();
      assert.ok(value >= 0 && value < 1);
      values[i] = value;
    }
    const { mean, variance } = moments(values);
    // Standard errors: 1/√(12·n) ≈ 6.5e-4 for the mean; the bounds are ~6 of them.
    assert.ok(Math.abs(mean - 0.5) < 4e-3, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1 / 12) < 2e-3, `variance ${variance}`);
  });

  it('He normal has mean 0 and variance 2/fanIn', () => {
    const fanIn = 50;
    const { mean, variance } = moments(heNormal(1, 'w', 100_001, fanIn));
    assert.ok(Math.abs(mean) < 0.002, `mean ${mean}`);
    assert.ok(Math.abs(variance / (2 / fanIn) - 1) < 0.02, `variance ${variance}`);
  });

  it('Glorot uniform lies within ±√(6/(fanIn+fanOut)) with variance 2/(fanIn+fanOut)', () => {
    const [fanIn, fanOut] = [30, 10];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const values = glorotUniform(2, 'classifier/weights', 100_000, fanIn, fanOut);
    for (const value of values) assert.ok(Math.abs(value) <= limit);
    const { variance } = moments(values);
    assert.ok(Math.abs(variance / (2 / (fanIn + fanOut)) - 1) < 0.02, `variance ${variance}`);
  });
});

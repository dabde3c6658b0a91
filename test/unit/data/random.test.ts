import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../../src/trainer/random';

describe('SeededRandom (xoshiro128** seeded by SplitMix64)', () => {
  it('reproduces the reference C implementation', () => {
    // Printed by Blackman & Vigna's xoshiro128starstar.c seeded with splitmix64.c (state words: low, high of the
    // first output, low, high of the second), compiled with gcc on this machine.
    const expected: Record<number, number[]> = {
      0: [3737715805, 2584255861, 2876756834, 3286328325, 1553311962, 1625202774],
      42: [1776835114, 4165204688, 17111135, 2317295270, 2792088233, 2554630222],
      9007199254740991: [1233166643, 1287031142, 661813442, 2960669951, 2601079046, 1036114921],
    };
    for (const [seed, outputs] of Object.entries(expected)) {
      const random = new SeededRandom(Number(seed));
      assert.deepEqual(
        outputs.map(() => random.nextUint32()),
        outputs,
        `seed ${seed}`,
      );
    }
  });

  it('rejects seeds that are not non-negative safe integers', () => {
    for (const seed of [-1, 1.5, Number.NaN, 2 ** 53]) assert.throws(() => new SeededRandom(seed), RangeError);
  });

  it('nextFloat is in [0, 1), built from the two next 32-bit outputs', () => {
    const random = new SeededRandom(7);
    const twin = new SeededRandom(7);
    for (let i = 0; i < 1000; i++) {
      const value = random.nextFloat();
      const high = twin.nextUint32() >>> 5;
      const low = twin.nextUint32() >>> 6;
      assert.equal(value, (high * 2 ** 26 + low) / 2 ** 53);
      assert.ok(value >= 0 && value < 1);
    }
  });

  it('nextInt covers [0, n) evenly (chi-square, 9 degrees of freedom)', () => {
    const random = new SeededRandom(3);
    const n = 10;
    const draws = 100_000;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < draws; i++) {
      const value = random.nextInt(n);
      assert.ok(Number.isInteger(value) && value >= 0 && value < n);
      counts[value] = (counts[value] ?? 0) + 1;
    }
    const expected = draws / n;
    const chiSquare = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    assert.ok(chiSquare < 27.88, `chi-square ${chiSquare} above the 0.001 critical value`); // χ²₉(0.999) = 27.88
    assert.throws(() => random.nextInt(0), RangeError);
    assert.throws(() => random.nextInt(2.5), RangeError);
    assert.equal(random.nextInt(1), 0);
  });

  it('nextInt(2^32) returns the raw outputs (no rejection needed)', () => {
    const random = new SeededRandom(11);
    const twin = new SeededRandom(11);
    for (let i = 0; i < 10; i++) assert.equal(random.nextInt(2 ** 32), twin.nextUint32());
  });

  it('normal() has mean 0 and variance 1, and mean/std arguments scale it', () => {
    const random = new SeededRandom(5);
    const count = 200_000;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < count; i++) {
      const value = random.normal();
      sum += value;
      squares += value * value;
    }
    const mean = sum / count;
    const variance = squares / count - mean * mean;
    // Standard errors: 1/√N ≈ 0.0022 for the mean, √(2/N) ≈ 0.0032 for the variance; allow 5 of them.
    assert.ok(Math.abs(mean) < 0.011, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.016, `variance ${variance}`);
    const a = new SeededRandom(9);
    const b = new SeededRandom(9);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(a.normal(3, 2) - (3 + 2 * b.normal())) < 1e-12);
  });

  it('shuffle yields a permutation, the same for the same seed, different for another', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const first = new SeededRandom(1).shuffle([...items]);
    const again = new SeededRandom(1).shuffle([...items]);
    const other = new SeededRandom(2).shuffle([...items]);
    assert.deepEqual(
      [...first].sort((a, b) => a - b),
      items,
    );
    assert.deepEqual(first, again);
    assert.notDeepEqual(first, other);
    assert.notDeepEqual(first, items);
    const typed = new SeededRandom(1).shuffle(Int32Array.from(items));
    assert.deepEqual(Array.from(typed), first);
    assert.deepEqual(Array.from(new SeededRandom(1).permutation(50)), first);
  });

  it('shuffle is uniform over the 6 orders of 3 items', () => {
    const random = new SeededRandom(13);
    const counts = new Map<string, number>();
    const draws = 60_000;
    for (let i = 0; i < draws; i++) {
      const key = random.shuffle(['a', 'b', 'c']).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    assert.equal(counts.size, 6);
    for (const count of counts.values()) assert.ok(Math.abs(count - draws / 6) < 5 * Math.sqrt((draws / 6) * (5 / 6)), `count ${count}`);
  });

  it('derive gives independent, reproducible streams per label', () => {
    const a = SeededRandom.derive(0, 'subsample', 3);
    const a2 = SeededRandom.derive(0, 'subsample', 3);
    const b = SeededRandom.derive(0, 'subsample', 4);
    const c = SeededRandom.derive(1, 'subsample', 3);
    const first = [a.nextUint32(), a.nextUint32()];
    assert.deepEqual(first, [a2.nextUint32(), a2.nextUint32()]);
    assert.notDeepEqual(first, [b.nextUint32(), b.nextUint32()]);
    assert.notDeepEqual(first, [c.nextUint32(), c.nextUint32()]);
  });
});

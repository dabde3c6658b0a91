import { test } from 'node:test';
import assert from 'node:assert/strict';
import { longTailCounts, shotGroupOf, tailSelection } from '../../../src/protocol/longTail';

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

test('exponential profile reproduces the published long-tailed benchmark sizes', () => {
  // Totals from the LDAM-DRW / BagofTricks-LT papers and DOMAIN.md.
  assert.equal(sum(longTailCounts('exponential', 6000, 100, 10)), 14886);
  assert.equal(sum(longTailCounts('exponential', 5000, 100, 10)), 12406);
  assert.equal(sum(longTailCounts('exponential', 500, 100, 100)), 10847);
  assert.equal(Math.min(...longTailCounts('exponential', 6000, 100, 10)), 60);
  assert.equal(Math.min(...longTailCounts('exponential', 500, 100, 100)), 5);
});

test('exponential profile follows n_i = floor(n_max · IF^(−i/(C−1)))', () => {
  const counts = longTailCounts('exponential', 600, 100, 10);
  counts.forEach((count, i) => {
    const exact = 600 * 100 ** (-i / 9);
    assert.ok(count <= exact + 1e-9 && count > exact - 1, `class ${i}: ${count} vs ${exact}`);
  });
  assert.equal(counts[0], 600);
  assert.equal(counts[9], 6);
});

test('step profile keeps n_max for the first half and n_max/IF for the rest', () => {
  assert.deepEqual(longTailCounts('step', 5000, 10, 10), [5000, 5000, 5000, 5000, 5000, 500, 500, 500, 500, 500]);
  assert.deepEqual(longTailCounts('step', 100, 3, 3), [100, 33, 33]);
  assert.deepEqual(longTailCounts('none', 7, 100, 3), [7, 7, 7]);
});

test('shot groups: Many > 100, Medium 20–100, Few < 20', () => {
  assert.deepEqual([101, 100, 20, 19, 0].map(shotGroupOf), ['many', 'medium', 'medium', 'few', 'few']);
});

test('tail selection by shot, fraction and explicit classes', () => {
  const counts = [600, 359, 215, 129, 77, 46, 27, 16, 10, 6];
  assert.deepEqual(tailSelection({ by: 'shot', fraction: 0.3, classes: [] }, counts), [7, 8, 9]);
  assert.deepEqual(tailSelection({ by: 'shot', fraction: 0.3, classes: [] }, [500, 50, 30]), [1, 2]);
  assert.deepEqual(tailSelection({ by: 'shot', fraction: 0.3, classes: [] }, [500, 400]), []);
  assert.deepEqual(tailSelection({ by: 'fraction', fraction: 0.2, classes: [] }, counts), [9, 8]);
  assert.deepEqual(tailSelection({ by: 'classes', fraction: 0.3, classes: [1, 42] }, counts), [1]);
});

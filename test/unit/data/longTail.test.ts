import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageDataset } from '../../../src/trainer/data/dataset';
import { DatasetError, classCounts } from '../../../src/trainer/data/dataset';
import { longTailCounts, subsampleLongTail } from '../../../src/trainer/data/longTail';
import { targetTrainCounts } from '../../../src/trainer/data/loadDataset';

/** The original index each image of a subset of balancedDataset() came from. */
function imageIndices(dataset: ImageDataset): number[] {
  return Array.from({ length: dataset.count }, (_, i) => 256 * (dataset.images[2 * i] as number) + (dataset.images[2 * i + 1] as number));
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

/** A balanced dataset of 1×2 images; image i stores its own index (i = 256·pixel0 + pixel1) and has label i mod C. */
function balancedDataset(classCount: number, perClass: number): ImageDataset {
  const count = classCount * perClass;
  return {
    images: Uint8Array.from({ length: 2 * count }, (_, k) => (k % 2 === 0 ? Math.floor(k / 2 / 256) : ((k - 1) / 2) % 256)),
    labels: Int32Array.from({ length: count }, (_, i) => i % classCount),
    count,
    height: 1,
    width: 2,
    channels: 1,
    classNames: Array.from({ length: classCount }, (_, c) => `c${c}`),
  };
}

describe('long-tail counts', () => {
  // Published training-set sizes (Cao et al. 2019, Table 1 setups; DOMAIN.md): CIFAR-10-LT and CIFAR-100-LT at IF 10,
  // 50 and 100, and the Fashion-MNIST-LT with n_max 6000 at IF 100.
  const published = [
    { name: 'Fashion-MNIST-LT IF 100', maxPerClass: 6000, classCount: 10, factor: 100, total: 14886, min: 60 },
    { name: 'CIFAR-10-LT IF 100', maxPerClass: 5000, classCount: 10, factor: 100, total: 12406, min: 50 },
    { name: 'CIFAR-10-LT IF 50', maxPerClass: 5000, classCount: 10, factor: 50, total: 13996, min: 100 },
    { name: 'CIFAR-10-LT IF 10', maxPerClass: 5000, classCount: 10, factor: 10, total: 20431, min: 500 },
    { name: 'CIFAR-100-LT IF 100', maxPerClass: 500, classCount: 100, factor: 100, total: 10847, min: 5 },
    { name: 'CIFAR-100-LT IF 50', maxPerClass: 500, classCount: 100, factor: 50, total: 12608, min: 10 },
    { name: 'CIFAR-100-LT IF 10', maxPerClass: 500, classCount: 100, factor: 10, total: 19573, min: 50 },
  ];
  for (const benchmark of published) {
    it(`reproduces ${benchmark.name}: ${benchmark.total} images, min ${benchmark.min}`, () => {
      const counts = longTailCounts({ profile: 'exponential', ...benchmark });
      assert.equal(counts.length, benchmark.classCount);
      assert.equal(sum(counts), benchmark.total);
      assert.equal(counts[0], benchmark.maxPerClass);
      assert.equal(counts[counts.length - 1], benchmark.min);
      for (let i = 1; i < counts.length; i++) assert.ok((counts[i] as number) <= (counts[i - 1] as number), 'non-increasing');
    });
  }

  it('CIFAR-10-LT IF 100 per class, from n_max·IF^(−i/9) worked by hand', () => {
    // 5000·100^(−i/9): 5000, 2997.4, 1796.9, 1077.2, 645.8, 387.1, 232.08, 139.1, 83.4, 50.0
    assert.deepEqual(
      longTailCounts({ profile: 'exponential', maxPerClass: 5000, factor: 100, classCount: 10 }),
      [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50],
    );
  });

  it('step: the first ⌊C/2⌋ classes keep n_max, the rest n_max/IF', () => {
    assert.deepEqual(
      longTailCounts({ profile: 'step', maxPerClass: 5000, factor: 100, classCount: 10 }),
      [5000, 5000, 5000, 5000, 5000, 50, 50, 50, 50, 50],
    );
    assert.deepEqual(longTailCounts({ profile: 'step', maxPerClass: 500, factor: 10, classCount: 5 }), [500, 500, 50, 50, 50]);
    assert.equal(sum(longTailCounts({ profile: 'step', maxPerClass: 500, factor: 100, classCount: 100 })), 50 * 500 + 50 * 5);
  });

  it('none keeps n_max everywhere; one class keeps n_max', () => {
    assert.deepEqual(longTailCounts({ profile: 'none', maxPerClass: 7, factor: 100, classCount: 3 }), [7, 7, 7]);
    assert.deepEqual(longTailCounts({ profile: 'exponential', maxPerClass: 7, factor: 100, classCount: 1 }), [7]);
  });
});

describe('target training counts from the config', () => {
  it('defaults n_max to the smallest full class', () => {
    assert.deepEqual(targetTrainCounts([6000, 5900, 6100], { profile: 'step', factor: 10 }), [5900, 590, 590]);
  });
  it('profile none without maxPerClass keeps the full training set', () => {
    assert.deepEqual(targetTrainCounts([10, 3, 7], { profile: 'none', factor: 100 }), [10, 3, 7]);
  });
  it('refuses a profile that leaves a class empty, naming the fields', () => {
    assert.throws(
      () => targetTrainCounts([50, 50], { profile: 'exponential', factor: 100, maxPerClass: 50 }),
      (error: unknown) => {
        return error instanceof DatasetError && /imbalance\.factor/.test(error.message) && /imbalance\.maxPerClass/.test(error.message);
      },
    );
  });
});

describe('long-tail subsampling', () => {
  const dataset = balancedDataset(10, 300);
  const counts = longTailCounts({ profile: 'exponential', maxPerClass: 300, factor: 100, classCount: 10 });

  it('keeps exactly n_i images of class i, in the original order, with their own pixels', () => {
    const subset = subsampleLongTail(dataset, counts, 0);
    assert.deepEqual(classCounts(subset), counts);
    assert.equal(subset.count, sum(counts));
    const originals = imageIndices(subset);
    originals.forEach((original, i) => assert.equal(subset.labels[i], original % 10, 'pixels and label stay together'));
    for (let i = 1; i < originals.length; i++) assert.ok((originals[i] as number) > (originals[i - 1] as number), 'original order');
    assert.deepEqual(subset.classNames, dataset.classNames);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const first = subsampleLongTail(dataset, counts, 7);
    const again = subsampleLongTail(dataset, counts, 7);
    const other = subsampleLongTail(dataset, counts, 8);
    assert.deepEqual(first.images, again.images);
    assert.deepEqual(first.labels, again.labels);
    assert.notDeepEqual(first.images, other.images);
  });

  it('picks a random subset of a class, not its first n_i images', () => {
    const subset = subsampleLongTail(balancedDataset(2, 100), [10, 100], 1);
    const kept = imageIndices(subset).filter((_, i) => subset.labels[i] === 0);
    assert.equal(kept.length, 10);
    assert.notDeepEqual(kept, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    assert.ok(
      kept.some((index) => index > 100),
      'drawn from the whole class',
    );
  });

  it('nests: the images kept at IF 100 are among those kept at IF 10 (same seed)', () => {
    const full = balancedDataset(10, 300);
    const at10 = imageIndices(
      subsampleLongTail(full, longTailCounts({ profile: 'exponential', maxPerClass: 300, factor: 10, classCount: 10 }), 3),
    );
    const at100 = imageIndices(subsampleLongTail(full, counts, 3));
    const kept10 = new Set(at10);
    assert.ok(at100.length < at10.length);
    for (const index of at100) assert.ok(kept10.has(index), `image ${index}`);
  });

  it('refuses a count larger than a class, naming imbalance.maxPerClass', () => {
    assert.throws(
      () => subsampleLongTail(dataset, [301, ...counts.slice(1)], 0),
      /class 0 \("c0"\) should keep 301 training images but has only 300; lower imbalance\.maxPerClass/,
    );
  });
});

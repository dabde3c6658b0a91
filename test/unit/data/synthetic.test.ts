import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageDataset } from '../../../src/trainer/data/dataset';
import { classCounts } from '../../../src/trainer/data/dataset';
import { generateSyntheticDataset } from '../../../src/trainer/data/synthetic';

/** Accuracy on `test` of the nearest class mean (Euclidean, raw pixels) fitted on `train`. */
function nearestClassMeanAccuracy(train: ImageDataset, test: ImageDataset): number {
  const size = train.height * train.width * train.channels;
  const classCount = train.classNames.length;
  const means = new Float64Array(classCount * size);
  const counts = classCounts(train);
  for (let i = 0; i < train.count; i++) {
    const c = train.labels[i] as number;
    for (let p = 0; p < size; p++)
      means[c * size + p] = (means[c * size + p] as number) + (train.images[i * size + p] as number) / (counts[c] as number);
  }
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    let best = -1;
    let bestDistance = Infinity;
    for (let c = 0; c < classCount; c++) {
      let distance = 0;
      for (let p = 0; p < size; p++) distance += ((test.images[i * size + p] as number) - (means[c * size + p] as number)) ** 2;
      if (distance < bestDistance) [best, bestDistance] = [c, distance];
    }
    if (best === test.labels[i]) correct++;
  }
  return correct / test.count;
}

describe('synthetic dataset', () => {
  const options = { classes: 10, imageSize: 28, trainPerClass: 200, testPerClass: 60, seed: 0 };

  it('has the requested shape, balanced classes interleaved by label', () => {
    const { train, test } = generateSyntheticDataset(options);
    assert.deepEqual([train.count, train.height, train.width, train.channels], [2000, 28, 28, 1]);
    assert.equal(train.images.length, 2000 * 28 * 28);
    assert.equal(test.count, 600);
    assert.deepEqual(classCounts(train), new Array(10).fill(200));
    assert.deepEqual(classCounts(test), new Array(10).fill(60));
    assert.deepEqual(Array.from(train.labels.subarray(0, 12)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    assert.equal(train.classNames.length, 10);
  });

  it('is deterministic for a seed, differs for another seed, and train differs from test', () => {
    const first = generateSyntheticDataset(options);
    const again = generateSyntheticDataset(options);
    const other = generateSyntheticDataset({ ...options, seed: 1 });
    assert.deepEqual(first.train.images, again.train.images);
    assert.deepEqual(first.test.images, again.test.images);
    assert.notDeepEqual(first.train.images, other.train.images);
    assert.notDeepEqual(first.train.images.subarray(0, 784), first.test.images.subarray(0, 784));
  });

  it('more samples per class append to the same images', () => {
    const small = generateSyntheticDataset({ ...options, trainPerClass: 20, testPerClass: 5 });
    const large = generateSyntheticDataset({ ...options, trainPerClass: 30, testPerClass: 5 });
    assert.deepEqual(large.train.images.subarray(0, small.train.images.length), small.train.images);
    assert.deepEqual(large.test.images, small.test.images);
  });

  it('uses the grey range without saturating', () => {
    const { train } = generateSyntheticDataset(options);
    let sum = 0;
    let clipped = 0;
    for (const value of train.images) {
      sum += value;
      if (value === 0 || value === 255) clipped++;
    }
    const mean = sum / train.images.length;
    assert.ok(Math.abs(mean - 127.5) < 5, `mean ${mean}`);
    assert.ok(clipped / train.images.length < 0.05, `clipped ${clipped / train.images.length}`);
  });

  it('is learnable but not trivial: nearest class mean on raw pixels beats chance clearly, far from perfect', () => {
    const { train, test } = generateSyntheticDataset(options);
    const accuracy = nearestClassMeanAccuracy(train, test);
    assert.ok(accuracy > 0.35, `accuracy ${accuracy} (chance 0.1)`);
    assert.ok(accuracy < 0.9, `accuracy ${accuracy}: too easy`);
  });

  it('keeps classes apart for many classes and other sizes', () => {
    const { train, test } = generateSyntheticDataset({ classes: 40, imageSize: 16, trainPerClass: 40, testPerClass: 10, seed: 0 });
    assert.deepEqual([train.height, train.width], [16, 16]);
    const accuracy = nearestClassMeanAccuracy(train, test);
    assert.ok(accuracy > 4 / 40, `accuracy ${accuracy} (chance 0.025)`);
  });

  it('rejects non-positive sizes', () => {
    assert.throws(() => generateSyntheticDataset({ ...options, classes: 0 }), /classes must be a positive integer/);
    assert.throws(() => generateSyntheticDataset({ ...options, imageSize: 2.5 }), /imageSize must be a positive integer/);
  });
});

/**
 * Granularity (category extrapolation): auxiliary classes held out of a dataset, the neighbor-silencing masks and
 * loss, and the auxiliary classifier rows masked at evaluation.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { DatasetSplits, ImageDataset } from '../../../src/trainer/data';
import { classCounts, generateSyntheticDataset, longTailCounts } from '../../../src/trainer/data';
import { holdOutAuxiliaryClasses, splitClasses } from '../../../src/trainer/methods/granularity/auxiliaryClasses';
import { maskAuxiliaryRows } from '../../../src/trainer/methods/granularity/granularity';
import { neighborSilencingLoss, silencingMask } from '../../../src/trainer/methods/granularity/neighborSilencing';

before(async () => {
  await tf.setBackend('cpu');
});

function fullSplits(): DatasetSplits {
  const { train, test } = generateSyntheticDataset({ classes: 6, imageSize: 8, trainPerClass: 50, testPerClass: 10, seed: 0 });
  const counts = classCounts(train);
  return { train, test, source: 'synthetic', fullTrainCounts: counts, trainCounts: counts };
}

/** Hashes of each image of a class: which source images a relabelled dataset holds. */
function imageHashes(dataset: ImageDataset, label: number): Set<string> {
  const size = dataset.height * dataset.width * dataset.channels;
  const hashes = new Set<string>();
  dataset.labels.forEach((value, index) => {
    if (value === label)
      hashes.add(
        createHash('sha1')
          .update(dataset.images.subarray(index * size, (index + 1) * size))
          .digest('hex'),
      );
  });
  return hashes;
}

describe('auxiliary classes held out of the dataset', () => {
  it('splits classes into targets (in order) and auxiliary, and rejects bad lists with the field name', () => {
    assert.deepEqual(splitClasses(6, [4, 1]), { targets: [0, 2, 3, 5], auxiliary: [4, 1] });
    assert.throws(() => splitClasses(6, [6]), /method\.auxiliaryClasses: 6 is not a class of this dataset \(0 … 5\)/);
    assert.throws(() => splitClasses(6, [1, 1]), /lists a class twice/);
    assert.throws(() => splitClasses(3, [0, 1]), /leaving 1 target class; at least 2 are needed/);
  });

  it('re-numbers targets 0…T−1 with the long-tail profile over T classes, appends auxiliary rows, drops them from test', () => {
    const full = fullSplits();
    const data = holdOutAuxiliaryClasses(full, { auxiliaryClasses: [4, 1], imbalance: { profile: 'exponential', factor: 5 }, seed: 3 });
    const expectedTargetCounts = longTailCounts({ profile: 'exponential', maxPerClass: 50, factor: 5, classCount: 4 });
    assert.deepEqual(data.trainCounts, expectedTargetCounts);
    assert.deepEqual(data.rowTrainCounts, [...expectedTargetCounts, 50, 50]);
    assert.deepEqual(classCounts(data.train), [...expectedTargetCounts, 50, 50]);
    assert.deepEqual(
      data.classNames,
      [0, 2, 3, 5].map((c) => full.train.classNames[c]),
    );
    assert.equal(data.train.classNames.length, 6);
    assert.deepEqual(classCounts(data.test), [10, 10, 10, 10]);
    assert.equal(data.test.classNames.length, 4);
    assert.deepEqual(classCounts(data.evaluationTrain), expectedTargetCounts);
    // Target 1 is dataset class 2; auxiliary row 4 is dataset class 4, row 5 class 1: same images.
    const source = (c: number) => imageHashes(full.train, c);
    for (const hash of imageHashes(data.train, 1)) assert.ok(source(2).has(hash));
    assert.deepEqual(imageHashes(data.train, 4), source(4));
    assert.deepEqual(imageHashes(data.train, 5), source(1));
    assert.deepEqual(imageHashes(data.test, 3), imageHashes(full.test, 5));
    assert.match(data.source, /auxiliary classes 4 \(.*\), 1 \(.*\) held out/);
  });

  it('keeps auxiliaryPerClass images per auxiliary class, seeded', () => {
    const full = fullSplits();
    const options = { auxiliaryClasses: [5], auxiliaryPerClass: 7, imbalance: { profile: 'none' as const, factor: 1 }, seed: 9 };
    const first = holdOutAuxiliaryClasses(full, options);
    assert.deepEqual(first.rowTrainCounts, [50, 50, 50, 50, 50, 7]);
    assert.deepEqual(imageHashes(first.train, 5), imageHashes(holdOutAuxiliaryClasses(full, options).train, 5));
  });
});

describe('neighbor-silencing', () => {
  // T = 2 target classes, A = 3 auxiliary; samples of class 0 (target), 3 (auxiliary), 1 (target).
  const logits = [
    [1.0, 0.0, 0.5, 2.0, -1.0],
    [0.2, 0.1, 0.3, 0.4, 0.5],
    [0.0, 1.0, 3.0, -2.0, 1.5],
  ];
  const labels = [0, 3, 1];

  it('silences all auxiliary logits of target samples by default, none of auxiliary samples', () => {
    const mask = tf.tidy(() => silencingMask(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), 2).arraySync());
    assert.deepEqual(mask, [
      [0, 0, 1, 1, 1],
      [0, 0, 0, 0, 0],
      [0, 0, 1, 1, 1],
    ]);
  });

  it('with k neighbours, silences only the k largest auxiliary logits', () => {
    const mask = tf.tidy(() => silencingMask(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), 2, 1).arraySync());
    assert.deepEqual(mask, [
      [0, 0, 0, 1, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 1, 0, 0],
    ]);
    const none = tf.tidy(() => silencingMask(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), 2, 0).arraySync());
    assert.ok(none.flat().every((value) => value === 0));
  });

  it('loss = mean of −log softmax over the non-silenced logits; silenced logits get no gradient', () => {
    const lse = (values: number[]) => Math.log(values.reduce((sum, z) => sum + Math.exp(z), 0));
    const expected = (lse([1.0, 0.0]) - 1.0 + (lse(logits[1] as number[]) - 0.4) + (lse([0.0, 1.0]) - 1.0)) / 3;
    const run = (z: tf.Tensor) =>
      neighborSilencingLoss(
        z as tf.Tensor2D,
        tf.tensor1d(labels, 'int32'),
        tf.oneHot(tf.tensor1d(labels, 'int32'), 5).toFloat() as tf.Tensor2D,
        2,
      );
    const value = tf.tidy(() => run(tf.tensor2d(logits)).dataSync()[0] as number);
    assert.ok(Math.abs(value - expected) < 1e-5, `${value} ≠ ${expected}`);
    const gradient = tf.tidy(() => tf.grad(run)(tf.tensor2d(logits)).arraySync() as number[][]);
    for (const row of [0, 2]) for (const c of [2, 3, 4]) assert.equal(gradient[row]?.[c], 0);
    assert.ok(Math.abs(gradient[1]?.[0] as number) > 0, 'an auxiliary sample still pushes on target logits');
  });

  it('masks the auxiliary rows of W and b at evaluation', () => {
    const weights = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]); // 4 rows × 2
    const bias = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
    const masked = maskAuxiliaryRows(weights, bias, 3);
    assert.deepEqual(Array.from(masked.weights), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(Array.from(masked.bias ?? []), Array.from(Float32Array.from([0.1, 0.2, 0.3])));
  });
});

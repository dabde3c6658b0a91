/**
 * Multi-label mode: label files, S = YᵀY/N and Σ_Y = S − ppᵀ, κ_m on label matrices with a known spectrum, the
 * single-label bound, BCE and per-label scores by hand, the prototype check, the generator, and the report part.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { generateSyntheticDataset } from '../../../src/trainer/data';
import {
  binaryCrossEntropy,
  generateMultiLabelDataset,
  labelMatrixFromSets,
  labelStatistics,
  labelsOf,
  loadLabelFile,
  perLabelScores,
  prototypeCheck,
  multiLabelReport,
  singleLabelRows,
} from '../../../src/trainer/methods/multiLabel';

before(async () => {
  await tf.setBackend('cpu');
});

const near = (actual: number, expected: number, tolerance = 1e-9, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} ≠ ${expected}`);

describe('label statistics and κ_m', () => {
  it('two labels with P(a ∧ b) = p_a p_b: Σ_Y = ¼ I, κ_m = ¼', () => {
    const stats = labelStatistics(labelMatrixFromSets([[0], [1], [0, 1], []], ['a', 'b']));
    assert.deepEqual(Array.from(stats.frequencies), [0.5, 0.5]);
    assert.deepEqual(Array.from(stats.secondMoment), [0.5, 0.25, 0.25, 0.5]);
    assert.deepEqual(Array.from(stats.centredCovariance), [0.25, 0, 0, 0.25]);
    near(stats.kappaM as number, 0.25, 1e-12);
    near(stats.labelsPerSample, 1, 1e-12);
  });

  it('independent labels with p = (½, ¼, ½): Σ_Y = diag(¼, 3/16, ¼), κ_m = 3/16', () => {
    const sets: number[][] = [];
    for (const a of [0, 1])
      for (const position of [0, 1, 2, 3])
        for (const c of [0, 1]) sets.push([...(a ? [0] : []), ...(position === 0 ? [1] : []), ...(c ? [2] : [])]);
    const stats = labelStatistics(labelMatrixFromSets(sets, ['a', 'b', 'c']));
    [0.25, 0, 0, 0, 3 / 16, 0, 0, 0, 0.25].forEach((value, k) => near(stats.centredCovariance[k] as number, value, 1e-12, `Σ[${k}]`));
    near(stats.spectrum[0] as number, 3 / 16, 1e-12);
    near(stats.kappaM as number, 3 / 16, 1e-12);
  });

  it('single-label data: Σ_Y = diag(p) − ppᵀ has eigenvalue 0 and κ_m between the two smallest frequencies (secular equation)', () => {
    const labels = [0, 0, 0, 0, 0, 1, 1, 1, 2, 2].map((c) => [c]);
    const stats = labelStatistics(labelMatrixFromSets(labels, ['a', 'b', 'c']));
    const p = [0.5, 0.3, 0.2];
    near(stats.spectrum[0] as number, 0, 1e-12, 'null direction 1');
    // Eigenvalues of diag(p) − ppᵀ solve 1 = Σ p_i²/(p_i − λ); bisect on (0.2, 0.3), where the left side decreases.
    const secular = (lambda: number) => 1 - p.reduce((sum, value) => sum + value ** 2 / (value - lambda), 0);
    let [low, high] = [0.2 + 1e-12, 0.3 - 1e-12];
    for (let i = 0; i < 200; i++) {
      const middle = (low + high) / 2;
      if (Math.sign(secular(middle)) === Math.sign(secular(low))) low = middle;
      else high = middle;
    }
    near(stats.kappaM as number, (low + high) / 2, 1e-10);
    assert.ok((stats.kappaM as number) > 0.2 && (stats.kappaM as number) < 0.3);
  });
});

describe('label files', () => {
  const folder = mkdtempSync(join(tmpdir(), 'labels-'));

  it('reads a 0/1 CSV with a sample column and a JSON of index lists to the same matrix', () => {
    writeFileSync(join(folder, 'labels.csv'), 'sample,cat,dog,bird\nimg1,1,0,1\nimg2,0,1,0\n');
    writeFileSync(join(folder, 'labels.json'), JSON.stringify({ classNames: ['cat', 'dog', 'bird'], labels: [[0, 2], [1]] }));
    const csv = loadLabelFile(join(folder, 'labels.csv'));
    const json = loadLabelFile(join(folder, 'labels.json'));
    assert.deepEqual(csv, json);
    assert.deepEqual(labelsOf(csv, 0), [0, 2]);
    assert.deepEqual(csv.classNames, ['cat', 'dog', 'bird']);
  });

  it('names the file, the line and the fix for bad content', () => {
    writeFileSync(join(folder, 'bad.csv'), 'cat,dog\n1,0\n1,2\n');
    assert.throws(() => loadLabelFile(join(folder, 'bad.csv')), /bad\.csv: line 3, column "dog": "2" is not 0 or 1/);
    writeFileSync(join(folder, 'short.csv'), 'cat,dog\n1\n');
    assert.throws(() => loadLabelFile(join(folder, 'short.csv')), /line 2: 1 label columns, the header has 2/);
    writeFileSync(join(folder, 'bad.json'), JSON.stringify({ classNames: ['a', 'b'], labels: [[0, 5]] }));
    assert.throws(() => loadLabelFile(join(folder, 'bad.json')), /bad\.json: labels\[0\] must be an array of class indices in 0 … 1/);
    assert.throws(() => loadLabelFile(join(folder, 'missing.csv')), /missing\.csv: cannot read the label file \(ENOENT\)/);
  });
});

describe('BCE and per-label scores', () => {
  it('binary cross-entropy = mean of −y log σ(z) − (1 − y) log(1 − σ(z)), stable for large |z|', () => {
    const logits = [
      [2, -1],
      [0.5, 40],
    ];
    const targets = [
      [1, 0],
      [0, 1],
    ];
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    const expected =
      logits.flat().reduce((sum, z, k) => {
        const y = targets.flat()[k] as number;
        return sum - (y === 1 ? Math.log(sigmoid(z)) : Math.log(1 - sigmoid(z)));
      }, 0) / 4;
    const value = tf.tidy(() => binaryCrossEntropy(tf.tensor2d(logits), tf.tensor2d(targets)).dataSync()[0] as number);
    near(value, expected, 1e-6);
    const extreme = tf.tidy(() => binaryCrossEntropy(tf.tensor2d([[-200]]), tf.tensor2d([[1]])).dataSync()[0] as number);
    near(extreme, 200, 1e-3);
  });

  it('recall TP/(TP+FN) and precision TP/(TP+FP) per label, null where undefined', () => {
    const labels = labelMatrixFromSets([[0], [0, 1], [1], []], ['a', 'b', 'c']);
    // Predictions (logit > 0): sample 0 → {0}, 1 → {1}, 2 → {0, 1}, 3 → {}.
    const logits = [1, -1, -1, -1, 2, -3, 0.5, 0.5, -1, -1, -1, -1];
    const scores = perLabelScores(logits, labels);
    assert.deepEqual(scores.recall, [0.5, 1, null]);
    assert.deepEqual(scores.precision, [0.5, 1, null]);
    near(scores.macroRecall as number, 0.75, 1e-12);
  });
});

describe('prototype check', () => {
  it('finds the frequency-weighted synthesis when multi-label features follow it', () => {
    // Prototypes μ_0 = (1, 0), μ_1 = (0, 1); frequencies p = (0.75, 0.25) put (0.75, 0.25) for {0, 1}.
    const sets = [[0], [0], [0], [0], [1], [0, 1], [0, 1]];
    const labels = labelMatrixFromSets(sets, ['a', 'b']);
    const features = [1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0.75, 0.25, 0.75, 0.25];
    const check = prototypeCheck(features, 2, labels, [0.75, 0.25]);
    assert.equal(check.sets.length, 1);
    const [set] = check.sets;
    assert.deepEqual(set?.labels, [0, 1]);
    assert.equal(set?.samples, 2);
    near(set?.weightedError, 0, 1e-12);
    // Uniform synthesis (0.5, 0.5) is at distance √(0.125) from (0.75, 0.25), whose norm is √0.625.
    near(set?.uniformError, Math.sqrt(0.125) / Math.sqrt(0.625), 1e-12);
    assert.equal(check.weightedCloserFraction, 1);
    assert.deepEqual(check.classesWithoutPrototype, []);
  });
});

describe('multi-label generator and training', () => {
  const source = generateSyntheticDataset({ classes: 4, imageSize: 8, trainPerClass: 40, testPerClass: 1, seed: 0 }).train;

  it('draws imbalanced primary labels, correlated pairs, and superimposes the images', () => {
    const data = generateMultiLabelDataset(source, { samples: 2000, imbalanceFactor: 10, pairProbability: 0.5, correlation: 0.9, seed: 1 });
    const stats = labelStatistics(data.labels);
    // Primary labels follow IF^(−c/3); the partner (c+1) adds to the next class, so compare the head with the tail.
    assert.ok((stats.frequencies[0] as number) > (stats.frequencies[3] as number));
    near(stats.labelsPerSample, 1.5, 0.05, 'labels per sample');
    // Correlated pairs: {0, 1} (0's partner) co-occurs far more than {0, 2}.
    const pair = (a: number, b: number) => stats.secondMoment[a * 4 + b] as number;
    assert.ok(pair(0, 1) > 5 * pair(0, 2), `S_01 = ${pair(0, 1)}, S_02 = ${pair(0, 2)}`);
    // A single-label sample's image is one of its class's images; a pair's image is at least as bright as neither less.
    const size = 64;
    const single = Array.from({ length: data.labels.rows }, (_, i) => i).find((i) => labelsOf(data.labels, i).length === 1) as number;
    const c = labelsOf(data.labels, single)[0] as number;
    const image = Buffer.from(data.images.images.subarray(single * size, (single + 1) * size));
    const matches = Array.from(source.labels).some(
      (label, index) => label === c && image.equals(Buffer.from(source.images.subarray(index * size, (index + 1) * size))),
    );
    assert.ok(matches);
    assert.deepEqual(
      generateMultiLabelDataset(source, { samples: 50, imbalanceFactor: 10, pairProbability: 0.5, correlation: 0.9, seed: 1 }).labels
        .values,
      generateMultiLabelDataset(source, { samples: 50, imbalanceFactor: 10, pairProbability: 0.5, correlation: 0.9, seed: 1 }).labels
        .values,
    );
  });

  it('draws primary labels from given weights, never from a weight of 0, and a named stream is independent', () => {
    const weights = [6, 3, 1, 0];
    const options = { samples: 4000, primaryWeights: weights, pairProbability: 0, correlation: 0, seed: 3 };
    const stats = labelStatistics(generateMultiLabelDataset(source, { ...options, stream: 'train' }).labels);
    // Without second labels, p_c estimates weight_c / Σ weights; 4000 draws: standard error ≤ 0.008.
    weights.forEach((weight, c) => near(stats.frequencies[c] as number, weight / 10, 0.03, `p_${c}`));
    assert.equal(stats.frequencies[3], 0);
    const train = generateMultiLabelDataset(source, { ...options, samples: 50, stream: 'train' }).labels.values;
    const test = generateMultiLabelDataset(source, { ...options, samples: 50, stream: 'test' }).labels.values;
    assert.notDeepEqual(train, test);
    assert.throws(() => generateMultiLabelDataset(source, { ...options, primaryWeights: [1, 1] }), /2 primary-label weights for 4 classes/);
  });
});

describe('the multi-label report', () => {
  // Y rows {0}, {0}, {1}, {0, 1}; predictions (logit > 0) {0}, {}, {1}, {0, 1}.
  const labels = labelMatrixFromSets([[0], [0], [1], [0, 1]], ['a', 'b']);
  const logits = [2, -1, -1, -1, -3, 0.5, 1, 1];
  const features = [1, 0, 1, 0, 0, 1, 0.75, 0.25];

  it('scores, counts, S, Σ_Y and κ_m of Y and of the predictions, by hand', () => {
    const part = multiLabelReport({ logits, features, featureDim: 2, labels, trainFrequencies: [0.75, 0.25], maxMatrixClasses: 2 });
    assert.equal(part.threshold, 0.5);
    assert.deepEqual([part.sampleCount, part.unlabelledCount, part.singleLabelCount, part.multiLabelCount], [4, 0, 3, 1]);
    assert.deepEqual(part.labelCounts, [3, 2]);
    // Label a: in rows 0, 1, 3, predicted in 0 and 3. Label b: in rows 2, 3, predicted in 2 and 3.
    assert.deepEqual(part.recallPerLabel, [2 / 3, 1]);
    assert.deepEqual(part.precisionPerLabel, [1, 1]);
    near(part.macroRecall as number, 5 / 6, 1e-12);
    assert.equal(part.exactMatch, 3 / 4);
    // p = (3/4, 1/2); S = [[3/4, 1/4], [1/4, 1/2]]; Σ_Y = [[3/16, −1/8], [−1/8, 1/4]]: eigenvalues (7 ± √17)/32.
    assert.deepEqual(part.labelStatistics.frequencies, [0.75, 0.5]);
    assert.deepEqual(part.labelStatistics.secondMoment, [
      [0.75, 0.25],
      [0.25, 0.5],
    ]);
    const covariance = part.labelStatistics.centredCovariance ?? [];
    [3 / 16, -1 / 8, -1 / 8, 1 / 4].forEach((value, k) => near(covariance[Math.floor(k / 2)]?.[k % 2] as number, value, 1e-12, `Σ[${k}]`));
    near(part.labelStatistics.kappaM as number, (7 - Math.sqrt(17)) / 32, 1e-12);
    near(part.labelStatistics.labelsPerSample, 5 / 4, 1e-12);
    // Ŷ rows (1,0), (0,0), (0,1), (1,1): p̂ = (½, ½), Σ_Ŷ = ¼ I.
    near(part.predictedKappaM as number, 0.25, 1e-12);
  });

  it('runs the prototype check with the training frequencies and leaves the matrices out past the cap', () => {
    const part = multiLabelReport({ logits, features, featureDim: 2, labels, trainFrequencies: [0.75, 0.25], maxMatrixClasses: 1 });
    assert.equal(part.labelStatistics.secondMoment, null);
    assert.equal(part.labelStatistics.centredCovariance, null);
    // μ_a = (1, 0), μ_b = (0, 1); the {a, b} sample sits at the weighted synthesis (¾, ¼), √0.125 from the uniform one.
    assert.equal(part.prototypes.weights, 'training label frequencies');
    assert.equal(part.prototypes.setCount, 1);
    assert.equal(part.prototypes.checkedSampleCount, 1);
    near(part.prototypes.meanWeightedError as number, 0, 1e-12);
    near(part.prototypes.meanUniformError as number, Math.sqrt(0.125) / Math.sqrt(0.625), 1e-12);
    assert.equal(part.prototypes.weightedCloserFraction, 1);
    assert.deepEqual(part.prototypes.largestSets[0]?.labels, [0, 1]);
  });

  it('selects the single-label rows for the NC metrics', () => {
    const rows = singleLabelRows(labelMatrixFromSets([[1], [], [0, 2], [2], [0]], ['a', 'b', 'c']));
    assert.deepEqual(Array.from(rows.rows), [0, 3, 4]);
    assert.deepEqual(Array.from(rows.labels), [1, 2, 0]);
  });
});

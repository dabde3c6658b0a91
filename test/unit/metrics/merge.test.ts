/**
 * Both passes' sums merge by addition: two halves accumulated separately and merged give the same statistics and
 * the same report as one accumulation over everything, and batching does not change anything. Also the streaming
 * path's robustness: non-finite rows, a non-finite classifier, empty and single-class inputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classMeanGeometry } from '../../../src/trainer/metrics/betweenClass';
import { FeatureStatistics } from '../../../src/trainer/metrics/featureStatistics';
import { buildEvaluationReport, evaluateNeuralCollapse } from '../../../src/trainer/metrics/index';
import { WithinClassPass } from '../../../src/trainer/metrics/withinClassPass';
import { evaluationReportSchema } from '../../../src/protocol/metrics';
import { assertRelative, DEFAULT_METRICS, seededRandom } from './helpers';

const C = 6;
const d = 10;
const N = 517; // odd, and not a multiple of the 64-row blocks

function data() {
  const { gaussian, uniform } = seededRandom(99);
  const centres = Array.from({ length: C * d }, () => 3 * gaussian());
  const labels = Int32Array.from({ length: N }, () => Math.min(C - 1, Math.floor(C * uniform() ** 1.8)));
  const features = Float32Array.from({ length: N * d }, (_, index) => centres[labels[Math.floor(index / d)]! * d + (index % d)]! + gaussian());
  const weights = Float32Array.from({ length: C * d }, (_, index) => centres[index]! + gaussian());
  const bias = Float32Array.from({ length: C }, gaussian);
  const trainCounts = new Array<number>(C).fill(0);
  for (const label of labels) trainCounts[label]!++;
  return { labels, features, weights, bias, trainCounts };
}

test('first-pass statistics of two merged halves equal those of the whole', () => {
  const { labels, features } = data();
  const whole = new FeatureStatistics(C, d);
  whole.add(features, labels);
  const split = 200;
  const first = new FeatureStatistics(C, d);
  first.add(features.subarray(0, split * d), labels.subarray(0, split));
  const second = new FeatureStatistics(C, d);
  second.add(features.subarray(split * d), labels.subarray(split));
  first.merge(second);
  assert.deepEqual(first.classCounts, whole.classCounts);
  for (let k = 0; k < whole.classSums.length; k++) assertRelative(first.classSums[k], whole.classSums[k]!, 1e-12, `S[${k}]`);
  assert.equal(first.sampleCount, N);
});

test('reports from merged halves (both passes) equal the report over everything', () => {
  const { labels, features, weights, bias, trainCounts } = data();
  const classifier = { weights, bias };
  const whole = evaluateNeuralCollapse({ epoch: 4, split: 'train', features, labels, featureDim: d, classifier, trainCounts, metrics: DEFAULT_METRICS }).report;

  const split = 300;
  const halves = [
    { features: features.subarray(0, split * d), labels: labels.subarray(0, split) },
    { features: features.subarray(split * d), labels: labels.subarray(split) },
  ];
  const statistics = halves.map((half) => {
    const accumulator = new FeatureStatistics(C, d);
    accumulator.add(half.features, half.labels);
    return accumulator;
  });
  statistics[0]!.merge(statistics[1]!);
  const geometry = classMeanGeometry(statistics[0]!, 'class-means');
  const passes = halves.map((half) => {
    const pass = new WithinClassPass(geometry, { classifier });
    // Uneven batches inside each half, too.
    for (let start = 0; start < half.labels.length; start += 37) {
      const end = Math.min(half.labels.length, start + 37);
      pass.add(half.features.subarray(start * d, end * d), half.labels.subarray(start, end));
    }
    return pass;
  });
  passes[0]!.merge(passes[1]!);
  const merged = buildEvaluationReport({
    epoch: 4,
    split: 'train',
    statistics: statistics[0]!,
    geometry,
    pass: passes[0]!,
    classifier,
    trainCounts,
    metrics: DEFAULT_METRICS,
    nearestCentreMeans: 'own',
  });

  assertRelative(merged.nc1, whole.nc1!, 1e-10, 'NC1');
  merged.nc1PerClass.forEach((value, c) => assertRelative(value, whole.nc1PerClass[c]!, 1e-10, `NC1_${c}`));
  assertRelative(merged.withinClassVariance, whole.withinClassVariance!, 1e-10, 'tr(Σ_W)');
  assertRelative(merged.nc3, whole.nc3!, 1e-10, 'NC3');
  assert.equal(merged.nc4, whole.nc4);
  assert.deepEqual(merged.nc4PerClass, whole.nc4PerClass);
  assert.deepEqual(merged.recallPerClass, whole.recallPerClass);
  assert.deepEqual(merged.classCounts, whole.classCounts);
  for (const key of Object.keys(whole.nc2) as (keyof typeof whole.nc2)[]) assertRelative(merged.nc2[key], whole.nc2[key]!, 1e-10, `NC2 ${key}`);
});

test('rows with NaN or infinite features are skipped in both passes and reported', () => {
  const { labels, features, weights, trainCounts } = data();
  const broken = Float32Array.from(features);
  broken[3 * d + 2] = Number.NaN;
  broken[10 * d] = Number.POSITIVE_INFINITY;
  const { report } = evaluateNeuralCollapse({ epoch: 1, split: 'train', features: broken, labels, featureDim: d, classifier: { weights }, trainCounts, metrics: DEFAULT_METRICS });
  assert.equal(report.sampleCount, N - 2);
  assert.ok(report.nc1 !== null && Number.isFinite(report.nc1));
  assert.ok(report.diagnostics.includes('2 samples with NaN or infinite features were skipped'), report.diagnostics.join('\n'));
});

test('a classifier with NaN weights still yields a serialisable report that says so', () => {
  const { labels, features, weights, trainCounts } = data();
  const broken = Float32Array.from(weights);
  broken[0] = Number.NaN;
  const { report } = evaluateNeuralCollapse({ epoch: 1, split: 'train', features, labels, featureDim: d, classifier: { weights: broken }, trainCounts, metrics: DEFAULT_METRICS });
  assert.equal(report.nc3, null);
  assert.equal(report.nc2.classifierNormCv, null);
  assert.ok(report.nc1 !== null, 'feature-only metrics survive');
  assert.ok(report.diagnostics.some((line) => line.includes('NaN or infinite values')));
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(report)));
});

test('degenerate inputs (no samples, one class) give a valid report with nulls and reasons, not NaN', () => {
  const weights = Float64Array.from({ length: 3 * 4 }, (_, i) => Math.sin(i + 1));
  const empty = evaluateNeuralCollapse({
    epoch: 0,
    split: 'test',
    features: new Float32Array(0),
    labels: new Int32Array(0),
    featureDim: 4,
    classifier: { weights },
    trainCounts: [10, 5, 1],
    metrics: DEFAULT_METRICS,
  }).report;
  assert.ok(evaluationReportSchema.safeParse(empty).success);
  assert.equal(empty.sampleCount, 0);
  assert.equal(empty.nc1, null);
  assert.equal(empty.nc4, null);
  assert.equal(empty.accuracy, null);
  assert.ok(empty.nc2.classifierNormCv !== null, 'classifier-only metrics need no samples');

  const single = evaluateNeuralCollapse({
    epoch: 0,
    split: 'train',
    features: Float32Array.from([1, 2, 3, 4, 1, 2, 3, 5]),
    labels: Int32Array.from([1, 1]),
    featureDim: 4,
    classifier: { weights },
    trainCounts: [10, 5, 1],
    metrics: DEFAULT_METRICS,
    predictions: [1, 0],
  }).report;
  assert.ok(evaluationReportSchema.safeParse(single).success);
  assert.equal(single.nc1, null);
  assert.ok(single.diagnostics.some((line) => line.includes('NC1 needs at least two classes')));
  // The sample predicted as class 0 (which has no centre) disagrees with the nearest centre; the other agrees.
  assert.equal(single.nc4, 0.5);
  assert.equal(single.accuracy, 0.5);
  assert.throws(
    () => evaluateNeuralCollapse({ epoch: 0, split: 'train', features: Float32Array.from([1, 2, 3, 4]), labels: [0], featureDim: 4, classifier: { weights }, trainCounts: [1, 1, 1], metrics: DEFAULT_METRICS, predictions: [3] }),
    /prediction 3 at row 0 is outside \[0, 3\)/,
  );
});

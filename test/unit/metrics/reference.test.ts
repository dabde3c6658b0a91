/**
 * The two-pass implementation against the naive reference (full d × d covariances, ml-matrix pseudoInverse on Σ_B,
 * nearest centre by full distances) on random long-tailed data, both centrings, d ≥ C and d < C − 1, a class with
 * no samples, and the test split measured against the training centres.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateNeuralCollapse } from '../../../src/trainer/metrics/index';
import { evaluationReportSchema } from '../../../src/protocol/metrics';
import { assertRelative, DEFAULT_METRICS, naiveReference, seededRandom } from './helpers';
import type { ReferenceMetrics } from './helpers';
import type { EvaluationReport } from '../../../src/protocol/metrics';

const TOLERANCE = 1e-6;

function randomLongTail(counts: number[], d: number, seed: number, spread = 1) {
  const { gaussian } = seededRandom(seed);
  const C = counts.length;
  const centres = Array.from({ length: C }, () => Array.from({ length: d }, () => 2 * gaussian()));
  const labels: number[] = [];
  counts.forEach((n, c) => {
    for (let i = 0; i < n; i++) labels.push(c);
  });
  // Interleave classes so batches are not sorted by label.
  labels.sort((a, b) => ((a * 7919 + b) % 13) - 6);
  const features = new Float32Array(labels.length * d);
  labels.forEach((c, i) => {
    for (let k = 0; k < d; k++) features[i * d + k] = centres[c]![k]! + spread * gaussian();
  });
  const weights = Float32Array.from({ length: C * d }, (_, index) => centres[Math.floor(index / d)]![index % d]! * 0.5 + gaussian());
  const bias = Float32Array.from({ length: C }, () => 0.5 * gaussian());
  return { features, labels: Int32Array.from(labels), weights, bias, C };
}

function compare(report: EvaluationReport, reference: ReferenceMetrics, label: string): void {
  assertRelative(report.nc1, reference.nc1, TOLERANCE, `${label} NC1`);
  for (let c = 0; c < report.classCount; c++) {
    const expected = reference.nc1PerClass[c];
    if (expected === null || expected === undefined) assert.equal(report.nc1PerClass[c], null, `${label} NC1_${c} of an absent class`);
    else assertRelative(report.nc1PerClass[c], expected, TOLERANCE, `${label} NC1_${c}`);
  }
  assertRelative(report.withinClassVariance, reference.withinClassVariance, TOLERANCE, `${label} tr(Σ_W)`);
  assertRelative(report.betweenClassVariance, reference.betweenClassVariance, TOLERANCE, `${label} tr(Σ_B)`);
  assertRelative(report.nc2.classMeanNormCv, reference.classMeanNormCv, TOLERANCE, `${label} NC2 mean norms`);
  assertRelative(report.nc2.classifierNormCv, reference.classifierNormCv, TOLERANCE, `${label} NC2 classifier norms`);
  assertRelative(report.nc2.classMeanCosineStd, reference.classMeanCosineStd, TOLERANCE, `${label} NC2 mean cosine std`);
  assertRelative(report.nc2.classifierCosineStd, reference.classifierCosineStd, TOLERANCE, `${label} NC2 classifier cosine std`);
  assertRelative(report.nc2.classMeanMaxAngle, reference.classMeanMaxAngle, TOLERANCE, `${label} NC2 mean max-angle`);
  assertRelative(report.nc2.classifierMaxAngle, reference.classifierMaxAngle, TOLERANCE, `${label} NC2 classifier max-angle`);
  assertRelative(report.nc3, reference.nc3, TOLERANCE, `${label} NC3`);
  assert.equal(report.nc4, reference.nc4, `${label} NC4`);
  assert.deepEqual(report.nc4PerClass, reference.nc4PerClass, `${label} NC4 per class`);
  assert.equal(report.accuracy, reference.accuracy, `${label} accuracy`);
  assert.deepEqual(report.recallPerClass, reference.recallPerClass, `${label} recall`);
  assert.ok(evaluationReportSchema.safeParse(report).success, `${label}: the report satisfies the protocol schema`);
}

for (const centring of ['class-means', 'sample'] as const) {
  test(`random long-tailed data, d ≥ C, ${centring} centring: agrees with the naive reference`, () => {
    const counts = [60, 31, 17, 9, 5];
    const d = 12;
    const data = randomLongTail(counts, d, 11);
    const { report } = evaluateNeuralCollapse({
      epoch: 3,
      split: 'train',
      features: data.features,
      labels: data.labels,
      featureDim: d,
      classifier: { weights: data.weights, bias: data.bias },
      trainCounts: counts,
      metrics: { ...DEFAULT_METRICS, centring },
    });
    const reference = naiveReference({ features: data.features, labels: data.labels, classCount: data.C, d, weights: data.weights, bias: data.bias, centring });
    compare(report, reference, centring);
    assert.ok(reference.nc4 > 0 && reference.nc4 < 1, 'the data make NC4 non-trivial');
    // μ_G is an affine combination of the class means under both centrings: rank C − 1.
    assert.equal(report.betweenClassRank, 4);
    assert.ok(!report.diagnostics.some((line) => line.startsWith('Σ_B has rank')), report.diagnostics.join('\n'));
    assert.equal(report.centring, centring);
  });

  test(`random data with d < C − 1, ${centring} centring: agrees and says the ETF is out of reach`, () => {
    const counts = [40, 30, 22, 15, 11, 8, 6, 4];
    const d = 5;
    const data = randomLongTail(counts, d, 23, 0.7);
    const { report } = evaluateNeuralCollapse({
      epoch: 1,
      split: 'train',
      features: data.features,
      labels: data.labels,
      featureDim: d,
      classifier: { weights: data.weights, bias: data.bias },
      trainCounts: counts,
      metrics: { ...DEFAULT_METRICS, centring },
    });
    const reference = naiveReference({ features: data.features, labels: data.labels, classCount: data.C, d, weights: data.weights, bias: data.bias, centring });
    compare(report, reference, `${centring} d<C-1`);
    assert.equal(report.betweenClassRank, d);
    assert.ok(report.diagnostics.some((line) => line.includes('d = 5 < C − 1 = 7')), report.diagnostics.join('\n'));
  });
}

test('a class without samples is left out of the mean-based metrics and named in the diagnostics', () => {
  const counts = [50, 20, 0, 12, 7];
  const d = 9;
  const data = randomLongTail(counts, d, 5);
  const { report } = evaluateNeuralCollapse({
    epoch: 2,
    split: 'train',
    features: data.features,
    labels: data.labels,
    featureDim: d,
    classifier: { weights: data.weights, bias: data.bias },
    trainCounts: counts,
    metrics: DEFAULT_METRICS,
  });
  const reference = naiveReference({ features: data.features, labels: data.labels, classCount: data.C, d, weights: data.weights, bias: data.bias, centring: 'class-means' });
  compare(report, reference, 'absent class');
  assert.equal(report.presentClassCount, 4);
  assert.equal(report.nc1PerClass[2], null);
  assert.equal(report.recallPerClass[2], null);
  assert.equal(report.minorityCollapse.selfDualityCosine[2], null);
  assert.ok(report.diagnostics.some((line) => line.startsWith('class 2 has no samples in the train split')), report.diagnostics.join('\n'));
  assert.equal(report.cosineMatrices.kind, 'full');
  if (report.cosineMatrices.kind === 'full') {
    assert.ok(report.cosineMatrices.classMeans[2]!.every((value) => value === null));
    assert.ok(report.cosineMatrices.classifier[2]!.every((value) => value !== null), 'classifier rows exist for every class');
  }
});

test('on the test split, NC4 uses the training class centres when given the training geometry', () => {
  const counts = [45, 25, 14, 8];
  const d = 7;
  const train = randomLongTail(counts, d, 41, 1.2);
  const testData = randomLongTail([10, 10, 10, 10], d, 41, 1.6); // same centres and classifier (same seed), new noise
  const common = { featureDim: d, classifier: { weights: train.weights, bias: train.bias }, trainCounts: counts, metrics: DEFAULT_METRICS };
  const trainResult = evaluateNeuralCollapse({ ...common, epoch: 1, split: 'train', features: train.features, labels: train.labels });
  const { report } = evaluateNeuralCollapse({
    ...common,
    epoch: 1,
    split: 'test',
    features: testData.features,
    labels: testData.labels,
    trainGeometry: trainResult.geometry,
  });
  const trainReference = naiveReference({ features: train.features, labels: train.labels, classCount: 4, d, weights: train.weights, bias: train.bias, centring: 'class-means' });
  const reference = naiveReference({
    features: testData.features,
    labels: testData.labels,
    classCount: 4,
    d,
    weights: train.weights,
    bias: train.bias,
    centring: 'class-means',
    centres: { means: trainReference.classMeans, classes: trainReference.presentClasses },
  });
  compare(report, reference, 'test split');
  assert.equal(report.nearestCentreMeans, 'train');
  // Balanced test set: accuracy equals mean recall.
  const recalls = report.recallPerClass.filter((value): value is number => value !== null);
  assert.ok(Math.abs(report.accuracy! - recalls.reduce((a, b) => a + b, 0) / recalls.length) < 1e-12);
});

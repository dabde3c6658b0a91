/**
 * Closed forms: features exactly on a simplex ETF with W = M (all four NC metrics vanish, cosines are −1/(C−1)),
 * and small hand-built geometries whose NC1, NC4, cosines and slopes are worked out by hand in the comments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateNeuralCollapse } from '../../../src/trainer/metrics/index';
import { assertClose, DEFAULT_METRICS, flatten, simplexEtf } from './helpers';

const EXACT = 1e-9;

function etfData(classCount: number, d: number, counts: number[], offsetScale: number) {
  const { rows, orthogonal } = simplexEtf(classCount, d, 7);
  const labels: number[] = [];
  const features: number[] = [];
  counts.forEach((n, c) => {
    for (let i = 0; i < n; i++) {
      labels.push(c);
      // An offset orthogonal to span(P): it moves μ_G but no logit.
      features.push(...rows[c]!.map((value, k) => value + offsetScale * orthogonal[k]!));
    }
  });
  return { rows, labels: Int32Array.from(labels), features: Float64Array.from(features) };
}

for (const [classCount, d] of [
  [4, 6],
  [10, 16],
] as const) {
  test(`simplex ETF with W = M, C = ${classCount}, d = ${d}, imbalanced counts: NC1 = NC2 = NC3 = NC4 = 0`, () => {
    const counts = Array.from({ length: classCount }, (_, c) => Math.max(2, Math.floor(300 * 0.5 ** c)));
    const { rows, labels, features } = etfData(classCount, d, counts, 3);
    const dim = rows[0]!.length;
    const { report } = evaluateNeuralCollapse({
      epoch: 1,
      split: 'train',
      features,
      labels,
      featureDim: dim,
      classifier: { weights: flatten(rows), bias: null },
      trainCounts: counts,
      metrics: DEFAULT_METRICS,
    });
    assertClose(report.nc1, 0, EXACT, 'NC1');
    for (const value of report.nc1PerClass) assertClose(value, 0, EXACT, 'NC1_c');
    for (const [name, value] of Object.entries(report.nc2)) assertClose(value, 0, EXACT, `NC2 ${name}`);
    assertClose(report.nc3, 0, EXACT, 'NC3');
    assert.equal(report.nc4, 0);
    assert.equal(report.accuracy, 1);
    const etf = -1 / (classCount - 1);
    assert.equal(report.minorityCollapse.etfCosine, etf);
    assert.equal(report.cosineMatrices.kind, 'full');
    if (report.cosineMatrices.kind === 'full') {
      for (let a = 0; a < classCount; a++) {
        for (let b = 0; b < classCount; b++) {
          const expected = a === b ? 1 : etf;
          assertClose(report.cosineMatrices.classifier[a]![b], expected, 1e-4, `classifier cos(${a}, ${b})`);
          assertClose(report.cosineMatrices.classMeans[a]![b], expected, 1e-4, `class-mean cos(${a}, ${b})`);
        }
      }
    }
    for (const value of report.minorityCollapse.selfDualityCosine) assertClose(value, 1, EXACT, 'self-duality cosine');
    // Equal norms: flat against log n_c although the counts differ.
    assertClose(report.minorityCollapse.classifierNormSlope, 0, EXACT, 'classifier norm slope');
    assertClose(report.minorityCollapse.classMeanNormSlope, 0, EXACT, 'class-mean norm slope');
    assert.equal(report.betweenClassRank, classCount - 1);
    // ETF norms: ‖m_c‖² = C/(C−1) · (1 − 1/C) = 1, so tr(Σ_B) = 1.
    assertClose(report.betweenClassVariance, 1, EXACT, 'tr(Σ_B)');
  });
}

test('the smallest ETFs, d = C − 1 (triangle, tetrahedron), written out by hand: all zero, no d < C − 1 diagnostic', () => {
  const triangle = [0, 1, 2].map((c) => [Math.cos((2 * Math.PI * c) / 3), Math.sin((2 * Math.PI * c) / 3)]);
  const tetrahedron = [
    [1, 1, 1],
    [1, -1, -1],
    [-1, 1, -1],
    [-1, -1, 1],
  ].map((row) => row.map((value) => value / Math.sqrt(3)));
  for (const rows of [triangle, tetrahedron]) {
    const classCount = rows.length;
    const d = rows[0]!.length;
    const counts = [90, 30, 10, 3].slice(0, classCount);
    const labels = counts.flatMap((n, c) => new Array<number>(n).fill(c));
    const { report } = evaluateNeuralCollapse({
      epoch: 1,
      split: 'train',
      features: Float64Array.from(labels.flatMap((c) => rows[c]!)),
      labels: Int32Array.from(labels),
      featureDim: d,
      classifier: { weights: flatten(rows) },
      trainCounts: counts,
      metrics: DEFAULT_METRICS,
    });
    assertClose(report.nc1, 0, EXACT, `C = ${classCount} NC1`);
    for (const [name, value] of Object.entries(report.nc2)) assertClose(value, 0, EXACT, `C = ${classCount} NC2 ${name}`);
    assertClose(report.nc3, 0, EXACT, `C = ${classCount} NC3`);
    assert.equal(report.nc4, 0);
    assert.equal(report.betweenClassRank, d);
    assertClose(report.minorityCollapse.headClassifierCosine, -1 / (classCount - 1), EXACT, 'head cosine = ETF value');
    assert.ok(!report.diagnostics.some((line) => line.includes('< C − 1')), report.diagnostics.join('\n'));
  }
});

test('simplex ETF, balanced, sample-mean centring: also all zero; imbalanced sample centring distorts NC2', () => {
  const classCount = 5;
  const balanced = etfData(classCount, 8, Array.from({ length: classCount }, () => 20), 2);
  const common = { epoch: 1, split: 'train' as const, featureDim: 8, classifier: { weights: flatten(balanced.rows) } };
  const { report } = evaluateNeuralCollapse({
    ...common,
    features: balanced.features,
    labels: balanced.labels,
    trainCounts: new Array(classCount).fill(20),
    metrics: { ...DEFAULT_METRICS, centring: 'sample' },
  });
  assertClose(report.nc1, 0, EXACT, 'NC1');
  for (const [name, value] of Object.entries(report.nc2)) assertClose(value, 0, EXACT, `NC2 ${name}`);
  assertClose(report.nc3, 0, EXACT, 'NC3');

  const counts = [200, 100, 50, 20, 10];
  const skewed = etfData(classCount, 8, counts, 2);
  const sample = evaluateNeuralCollapse({ ...common, features: skewed.features, labels: skewed.labels, trainCounts: counts, metrics: { ...DEFAULT_METRICS, centring: 'sample' } });
  const classMeans = evaluateNeuralCollapse({ ...common, features: skewed.features, labels: skewed.labels, trainCounts: counts, metrics: DEFAULT_METRICS });
  // DOMAIN.md: the sample mean is dragged toward the head and NC2 reports distortion that is not there.
  assert.ok(sample.report.nc2.classMeanMaxAngle! > 0.05, `sample centring max-angle ${sample.report.nc2.classMeanMaxAngle}`);
  assertClose(classMeans.report.nc2.classMeanMaxAngle, 0, EXACT, 'class-means centring max-angle');
});

test('known within-class spread gives the hand-computed NC1, NC1_c and tr(Σ_W)', () => {
  // d = 3, class means (∓a, 0, 0) so μ_G = 0 and Σ_B = diag(a², 0, 0), Σ_B† = diag(1/a², 0, 0).
  // Class 0: (−a ± s, 0, 0) → Σ_W^(0) = diag(s², 0, 0) → NC1_0 = s²/a².
  // Class 1: (a, ±u, 0) → spread orthogonal to the means → NC1_1 = 0.
  // Pooled Σ_W = diag(s²/2, u²/2, 0): NC1 = (s²/2)/a² / C = s²/(4a²); tr(Σ_W) = (s² + u²)/2.
  const a = 2;
  const s = 1;
  const u = 3;
  const features = Float64Array.from([-a + s, 0, 0, -a - s, 0, 0, a, u, 0, a, -u, 0]);
  const labels = Int32Array.from([0, 0, 1, 1]);
  const { report } = evaluateNeuralCollapse({
    epoch: 1,
    split: 'train',
    features,
    labels,
    featureDim: 3,
    classifier: { weights: Float64Array.from([-1, 0, 0, 1, 0, 0]) },
    trainCounts: [2, 2],
    metrics: DEFAULT_METRICS,
  });
  assertClose(report.nc1, (s * s) / (4 * a * a), 1e-12, 'NC1');
  assertClose(report.nc1PerClass[0], (s * s) / (a * a), 1e-12, 'NC1_0');
  assertClose(report.nc1PerClass[1], 0, 1e-12, 'NC1_1');
  assertClose(report.withinClassVariance, (s * s + u * u) / 2, 1e-12, 'tr(Σ_W)');
  assertClose(report.betweenClassVariance, a * a, 1e-12, 'tr(Σ_B)');
  assert.equal(report.betweenClassRank, 1);
});

test('a bias that moves the decision boundary gives the hand-computed NC4, recall and accuracy', () => {
  // Means (−1, 0) and (1, 0); W = [[−1, 0], [1, 0]], b = [1.2, 0]: predict class 0 iff −x + 1.2 > x ⇔ x < 0.6.
  // Samples x = −1.5, −0.5 (class 0) → 0, 0; x = 0.5, 1.5 (class 1) → 0, 1. The nearest centre of x = 0.5 is class 1,
  // so exactly that sample disagrees: NC4 = 1/4, per class [0, 1/2]; recall [1, 1/2]; accuracy 3/4.
  const features = Float64Array.from([-1.5, 0, -0.5, 0, 0.5, 0, 1.5, 0]);
  const { report } = evaluateNeuralCollapse({
    epoch: 1,
    split: 'test',
    features,
    labels: Int32Array.from([0, 0, 1, 1]),
    featureDim: 2,
    classifier: { weights: Float64Array.from([-1, 0, 1, 0]), bias: Float64Array.from([1.2, 0]) },
    trainCounts: [500, 50],
    metrics: DEFAULT_METRICS,
  });
  assert.equal(report.nc4, 0.25);
  assert.deepEqual(report.nc4PerClass, [0, 0.5]);
  assert.deepEqual(report.recallPerClass, [1, 0.5]);
  assert.equal(report.accuracy, 0.75);
  // Shot groups by training count: 500 → Many, 50 → Medium; Few is empty.
  assert.deepEqual(report.shotGroupAccuracy, { many: 1, medium: 0.5, few: null });
});

test('two identical classifier rows have cosine 1; norms growing with log n_c give that slope', () => {
  // C = 4 in d = 4: rows 2 and 3 both point along e3. Norms 1 + 0.5 ln n_c exactly, so the slope is 0.5.
  const counts = [400, 120, 15, 5];
  const directions = [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 1, 0],
  ];
  const weights = Float64Array.from(directions.flatMap((row, c) => row.map((value) => value * (1 + 0.5 * Math.log(counts[c]!)))));
  const features = Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  const { report } = evaluateNeuralCollapse({
    epoch: 1,
    split: 'train',
    features,
    labels: Int32Array.from([0, 1, 2, 3]),
    featureDim: 4,
    classifier: { weights },
    trainCounts: counts,
    metrics: DEFAULT_METRICS,
  });
  assert.equal(report.cosineMatrices.kind, 'full');
  if (report.cosineMatrices.kind === 'full') {
    assert.equal(report.cosineMatrices.classifier[2]![3], 1);
    assert.equal(report.cosineMatrices.classifier[0]![1], 0);
  }
  const minority = report.minorityCollapse;
  // Tail by shot: Few (< 20) = classes 2 and 3.
  assert.deepEqual(minority.tailClasses, [2, 3]);
  assert.deepEqual(minority.headClasses, [0, 1]);
  assertClose(minority.tailClassifierCosine, 1, 1e-12, 'tail classifier cosine');
  assertClose(minority.headClassifierCosine, 0, 1e-12, 'head classifier cosine');
  assert.deepEqual(minority.tailClassifierCosinePerClass, [1, 1]);
  assertClose(minority.classifierNormSlope, 0.5, 1e-12, 'slope of ‖w_c‖ on ln n_c');
  // Tail/head norm ratio: mean(1 + 0.5 ln 15, 1 + 0.5 ln 5) / mean(1 + 0.5 ln 400, 1 + 0.5 ln 120).
  const norm = (n: number) => 1 + 0.5 * Math.log(n);
  assertClose(minority.tailToHeadClassifierNormRatio, (norm(15) + norm(5)) / (norm(400) + norm(120)), 1e-12, 'norm ratio');
  // Class means e_c centred on (¼, ¼, ¼, ¼): every pair has cosine (−¼·¾·2 + ¼·¼·2)/(¾) = −1/3 = ETF value.
  assertClose(minority.tailClassMeanCosine, -1 / 3, 1e-12, 'tail class-mean cosine');
  // cos(w_2, μ_2 − μ_G) = (¾)/√(¾) = √3/2 for the e3 row against e3 − ¼·1.
  assertClose(minority.selfDualityCosine[2], Math.sqrt(3) / 2, 1e-12, 'self-duality of class 2');
  assertClose(minority.selfDualityCosine[3], 0 - 0.25 / Math.sqrt(0.75), 1e-12, 'self-duality of class 3');
});

test('the relative cut-off drops a between-class direction below float32 precision instead of dividing by it', () => {
  // Means (−1, 0, 0), (0, δ, 0), (1, 0, 0) with δ = 1e-9: σ₂/σ₁ ≈ 6e-10, far below max(C, d)·2⁻²³ ≈ 3.6e-7, so Σ_B† keeps
  // only the x direction. The within-class spread (±s along y) lies in the dropped direction: NC1 = 0. A float64-level
  // cut-off (1e-12) keeps y, divides s² by λ₂ ≈ δ²/4.5 and NC1 explodes (≈ 1e16).
  const delta = 1e-9;
  const s = 0.1;
  const means = [
    [-1, 0, 0],
    [0, delta, 0],
    [1, 0, 0],
  ];
  const labels = [0, 0, 1, 1, 2, 2];
  const features = Float64Array.from(labels.flatMap((c, i) => means[c]!.map((value, k) => value + (k === 1 ? (i % 2 === 0 ? s : -s) : 0))));
  const common = {
    epoch: 1,
    split: 'train' as const,
    features,
    labels: Int32Array.from(labels),
    featureDim: 3,
    classifier: { weights: flatten(means) },
    trainCounts: [2, 2, 2],
    metrics: DEFAULT_METRICS,
  };
  const robust = evaluateNeuralCollapse(common).report;
  assert.equal(robust.betweenClassRank, 1);
  assertClose(robust.nc1, 0, 1e-12, 'NC1 with the float32 cut-off');
  assert.ok(robust.diagnostics.some((line) => line.startsWith('Σ_B has rank 1 (expected 2)')), robust.diagnostics.join('\n'));
  const fragile = evaluateNeuralCollapse({ ...common, relativeTolerance: 1e-12 }).report;
  assert.equal(fragile.betweenClassRank, 2);
  assert.ok(fragile.nc1! > 1e12, `NC1 with a float64 cut-off: ${fragile.nc1}`);
});

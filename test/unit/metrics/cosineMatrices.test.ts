/**
 * Cosine heatmaps: whole matrices up to maxHeatmapClasses, block summaries (shot groups, count bins) above, and
 * the protocol schema that carries them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateNeuralCollapse } from '../../../src/trainer/metrics/index';
import { collapseFlagSchema, evaluationReportSchema } from '../../../src/protocol/metrics';
import { DEFAULT_METRICS } from './helpers';

/**
 * C = 12 one-hot class means e_c in d = 12 and classifier rows: Many classes 0–3 all along e0 + e1 (cosine 1 among
 * themselves), the others one-hot e_c. Counts: 0–3 Many, 4–7 Medium, 8–11 Few.
 */
function oneHotCase(maxHeatmapClasses: number) {
  const C = 12;
  const counts = [400, 300, 200, 150, 90, 70, 50, 30, 15, 10, 8, 5];
  const weights = new Float64Array(C * C);
  for (let c = 0; c < C; c++) {
    if (c < 4) {
      weights[c * C] = 1;
      weights[c * C + 1] = 1;
    } else {
      weights[c * C + c] = 1;
    }
  }
  const features = new Float64Array(C * C);
  for (let c = 0; c < C; c++) features[c * C + c] = 1;
  return evaluateNeuralCollapse({
    epoch: 1,
    split: 'train',
    features,
    labels: Int32Array.from({ length: C }, (_, c) => c),
    featureDim: C,
    classifier: { weights },
    trainCounts: counts,
    metrics: { ...DEFAULT_METRICS, maxHeatmapClasses },
  }).report;
}

test('up to maxHeatmapClasses the whole C × C matrices are sent', () => {
  const report = oneHotCase(12);
  assert.equal(report.cosineMatrices.kind, 'full');
  if (report.cosineMatrices.kind !== 'full') return;
  assert.equal(report.cosineMatrices.classifier.length, 12);
  assert.equal(report.cosineMatrices.classifier[0]![3], 1);
  // cos(e0 + e1, e4) = 0; one-hot means centred on 1/12: cosine −1/11, rounded to 1e-4.
  assert.equal(report.cosineMatrices.classifier[0]![4], 0);
  assert.equal(report.cosineMatrices.classMeans[5]![7], Math.round((-1 / 11) * 1e4) / 1e4);
  assert.ok(evaluationReportSchema.safeParse(report).success);
});

test('above maxHeatmapClasses a block summary by shot group and by count bin is sent instead', () => {
  const report = oneHotCase(4);
  assert.equal(report.cosineMatrices.kind, 'summary');
  if (report.cosineMatrices.kind !== 'summary') return;
  const { shotGroups, bins } = report.cosineMatrices;
  assert.deepEqual(
    shotGroups.groups.map((group) => group.label),
    ['many', 'medium', 'few'],
  );
  // Many × Many: every pair of rows 0–3 has cosine 1. Many × Medium: 0. Medium × Medium: 0 (distinct one-hots).
  assert.equal(shotGroups.classifier[0]![0], 1);
  assert.equal(shotGroups.classifier[0]![1], 0);
  assert.equal(shotGroups.classifier[1]![1], 0);
  // Class means: all pairs −1/11.
  assert.equal(shotGroups.classMeans[2]![2], Math.round((-1 / 11) * 1e4) / 1e4);
  // Four bins of three classes each, by count descending: the first is classes 0, 1, 2 (n = 400–200).
  assert.equal(bins.groups.length, 4);
  assert.deepEqual(bins.groups[0], { label: 'n=400–200', classes: [0, 1, 2] });
  assert.equal(bins.classifier[0]![0], 1);
  assert.ok(evaluationReportSchema.safeParse(report).success);
});

test('the protocol schema rejects NaN, infinities and typed arrays, and survives a JSON round trip', () => {
  const report = oneHotCase(12);
  const roundTrip = JSON.parse(JSON.stringify(report)) as unknown;
  assert.deepEqual(evaluationReportSchema.parse(roundTrip), report);
  assert.equal(evaluationReportSchema.safeParse({ ...report, nc1: Number.NaN }).success, false);
  assert.equal(evaluationReportSchema.safeParse({ ...report, nc3: Number.POSITIVE_INFINITY }).success, false);
  assert.equal(evaluationReportSchema.safeParse({ ...report, recallPerClass: new Float64Array(12) }).success, false);
  assert.equal(collapseFlagSchema.safeParse({}).success, false);
});

/**
 * Tail selection, shot groups, and the collapse tracker fed a sequence of evaluations in which the tail
 * classifier rows fold onto one direction (and later recover, and a tail recall drops).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CollapseTracker,
  FITTED_TRAIN_RECALL,
  collapseEvaluationOf,
  evaluateNeuralCollapse,
  inactiveCollapseFlag,
  selectTailClasses,
  shotGroups,
} from '../../../src/trainer/metrics/index';
import { collapseFlagSchema } from '../../../src/protocol/metrics';
import { DEFAULT_METRICS, flatten, simplexEtf } from './helpers';

test('shot groups: Many > 100, Medium 20–100, Few < 20', () => {
  assert.deepEqual(shotGroups([101, 100, 20, 19, 0, 5000]), { many: [0, 5], medium: [1, 2], few: [3, 4] });
});

test('tail by shot: the Few group, else Medium + nothing, else none with advice', () => {
  const few = selectTailClasses([500, 150, 60, 30, 10, 5], { by: 'shot', fraction: 0.3, classes: [] });
  assert.deepEqual(few.tailClasses, [4, 5]);
  assert.deepEqual(few.headClasses, [0, 1, 2, 3]);
  const medium = selectTailClasses([5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50], { by: 'shot', fraction: 0.3, classes: [] });
  assert.deepEqual(medium.tailClasses, [8, 9]);
  assert.ok(medium.diagnostics[0]!.includes('Medium-shot'));
  const none = selectTailClasses([500, 400], { by: 'shot', fraction: 0.3, classes: [] });
  assert.deepEqual(none.tailClasses, []);
  assert.ok(none.diagnostics[0]!.includes('metrics.tail.by'));
});

test('tail by fraction: the smallest classes, ties to the higher index; by classes: the list, invalid ones reported', () => {
  const counts = [90, 80, 70, 60, 50, 40, 30, 20, 20, 20];
  assert.deepEqual(selectTailClasses(counts, { by: 'fraction', fraction: 0.3, classes: [] }).tailClasses, [7, 8, 9]);
  assert.deepEqual(selectTailClasses(counts, { by: 'fraction', fraction: 0.2, classes: [] }).tailClasses, [8, 9]);
  assert.deepEqual(selectTailClasses(counts, { by: 'fraction', fraction: 0.01, classes: [] }).tailClasses, [9], 'at least one class');
  const explicit = selectTailClasses(counts, { by: 'classes', fraction: 0.3, classes: [3, 1, 12, 3] });
  assert.deepEqual(explicit.tailClasses, [1, 3]);
  assert.ok(explicit.diagnostics.some((line) => line.includes('class 12 is outside [0, 10)')));
});

/**
 * C = 6 in d = 8 on a simplex ETF; the tail (by shot) is classes 4 and 5. `foldTail` ∈ [0, 1] moves the tail
 * classifier rows toward their common mean direction: at 1 they are identical (cosine 1).
 */
function evaluation(epoch: number, foldTail: number, recallOfClass5: number) {
  const counts = [500, 300, 150, 60, 12, 6];
  const C = counts.length;
  const d = 8;
  const { rows } = simplexEtf(C, d, 3);
  const tailDirection = rows[4]!.map((value, k) => (value + rows[5]![k]!) / 2);
  const weights = rows.map((row, c) => (c >= 4 ? row.map((value, k) => (1 - foldTail) * value + foldTail * tailDirection[k]!) : row));
  const labels = Array.from({ length: C * 10 }, (_, i) => Math.floor(i / 10));
  const features = Float64Array.from(labels.flatMap((c) => rows[c]!));
  // Predictions supplied: class 5 is right in `recallOfClass5` of its 10 samples, wrong (predicted 4) otherwise.
  const predictions = labels.map((c, i) => (c === 5 && i % 10 >= recallOfClass5 * 10 ? 4 : c));
  return evaluateNeuralCollapse({
    epoch,
    split: 'test',
    features,
    labels: Int32Array.from(labels),
    featureDim: d,
    classifier: { weights: flatten(weights) },
    trainCounts: counts,
    metrics: DEFAULT_METRICS,
    predictions,
  }).report;
}

test('a collapsed tail has tail cosine 1 and is flagged with its onset, classes and excess over the ETF value', () => {
  const tracker = new CollapseTracker({ collapseCosine: 0.5, collapseRecall: 0.05 });
  assert.equal(tracker.flag.active, false);
  assert.deepEqual(tracker.flag, inactiveCollapseFlag({ collapseCosine: 0.5, collapseRecall: 0.05 }));

  const etf = -1 / 5;
  const first = tracker.update(evaluation(1, 0, 1));
  assert.equal(first.active, false);
  assert.ok(Math.abs(first.tailClassifierCosine! - etf) < 1e-9);
  assert.ok(first.message.startsWith('No minority collapse at epoch 1'), first.message);

  assert.equal(tracker.update(evaluation(2, 0.3, 1)).active, false, 'partly folded rows stay below the 0.5 threshold');

  const collapsedReport = evaluation(3, 1, 1);
  assert.ok(Math.abs(collapsedReport.minorityCollapse.tailClassifierCosine! - 1) < 1e-12, 'identical tail rows: cosine 1');
  const collapsed = tracker.update(collapsedReport);
  assert.equal(collapsed.active, true);
  assert.deepEqual(collapsed.classes, [4, 5]);
  assert.deepEqual(collapsed.classOnsetEpochs, [3, 3]);
  assert.equal(collapsed.onsetEpoch, 3);
  assert.deepEqual(collapsed.classReasons, ['cosine', 'cosine']);
  assert.ok(Math.abs(collapsed.excess! - (1 - etf)) < 1e-12, `excess ${collapsed.excess}`);
  assert.ok(collapsed.message.includes('since epoch 3'), collapsed.message);

  // Still collapsed, and class 5's recall falls to 0: onset stays at 3, the reason grows.
  const later = tracker.update(evaluation(4, 1, 0));
  assert.deepEqual(later.classOnsetEpochs, [3, 3]);
  assert.deepEqual(later.classReasons, ['cosine', 'cosine+recall']);
  assert.deepEqual(later.recalls, [1, 0]);
  assert.ok(collapseFlagSchema.safeParse(later).success);

  // Rows recover: no cosine flag; class 5 stays flagged by recall alone, since epoch 3 (uninterrupted).
  const recovering = tracker.update(evaluation(5, 0, 0));
  assert.deepEqual(recovering.classes, [5]);
  assert.deepEqual(recovering.classReasons, ['recall']);
  assert.equal(recovering.onsetEpoch, 3);

  // Everything recovers, then class 5's recall drops again: a new onset.
  assert.equal(tracker.update(evaluation(6, 0, 1)).active, false);
  const again = tracker.update(evaluation(7, 0, 0));
  assert.deepEqual(again.classes, [5]);
  assert.equal(again.onsetEpoch, 7);
});

test('the flag names classes by name when given names', () => {
  const names = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal'];
  const tracker = new CollapseTracker({ collapseCosine: 0.5, collapseRecall: 0.05 }, names);
  const flag = tracker.update(evaluation(9, 1, 1));
  assert.ok(flag.message.includes('coat (#4)') && flag.message.includes('sandal (#5)'), flag.message);
});

test('a tail class that was never recognised is not flagged by recall; one whose recall falls is', () => {
  const tracker = new CollapseTracker({ collapseCosine: 0.5, collapseRecall: 0.05 });
  // Epochs 1–2: class 5 has recall 0 from the start (not yet learned), rows apart: no flag.
  assert.equal(tracker.update(evaluation(1, 0, 0)).active, false);
  assert.equal(tracker.update(evaluation(2, 0, 0)).active, false);
  // Epoch 3: it is learned (recall 1); epoch 4: its recall falls to 0 while the rows stay apart: flagged by recall.
  assert.equal(tracker.update(evaluation(3, 0, 1)).active, false);
  const fell = tracker.update(evaluation(4, 0, 0));
  assert.deepEqual(fell.classes, [5]);
  assert.deepEqual(fell.classReasons, ['recall']);
  assert.equal(fell.onsetEpoch, 4);
});

test('per-class norms ‖w_c‖ and ‖μ_c − μ_G‖ match a direct computation', () => {
  // Two classes in 2-D: features (1,0),(3,0) for class 0 and (0,2) for class 1; W rows (3,4) and (0,−1).
  const features = Float32Array.from([1, 0, 3, 0, 0, 2]);
  const labels = Int32Array.from([0, 0, 1]);
  const weights = Float32Array.from([3, 4, 0, -1]);
  const { report } = evaluateNeuralCollapse({
    epoch: 1,
    split: 'train',
    features,
    labels,
    featureDim: 2,
    classifier: { weights },
    trainCounts: [2, 1],
    metrics: DEFAULT_METRICS,
  });
  assert.deepEqual(report.classifierNorms, [5, 1]);
  // μ_0 = (2,0), μ_1 = (0,2), μ_G (mean of class means) = (1,1): both centred means have norm √2.
  report.classMeanNorms.forEach((norm) => assert.ok(norm !== null && Math.abs(norm - Math.SQRT2) < 1e-12, String(norm)));
});

test('a tail class fitted on the training split but not recognised on test is flagged from the first evaluation', () => {
  const tracker = new CollapseTracker({ collapseCosine: 0.5, collapseRecall: 0.05 }, ['a', 'b', 'c', 'd', 'e', 'sandal']);
  const withTrainRecall = (epoch: number, testRecall: number, trainRecall: number) => {
    const report = evaluation(epoch, 0, testRecall);
    const trainRecallPerClass = report.recallPerClass.map((recall, c) => (c === 5 ? trainRecall : recall));
    return { ...report, trainRecallPerClass };
  };
  // Not fitted yet (train recall 0.2 < FITTED_TRAIN_RECALL): not yet learned, no flag.
  assert.ok(FITTED_TRAIN_RECALL > 0.2);
  assert.equal(tracker.update(withTrainRecall(1, 0, 0.2)).active, false);
  // Fitted on train (1.0), never recognised on test (0): the silent death, flagged by recall with the train recall named.
  const fitted = tracker.update(withTrainRecall(2, 0, 1));
  assert.deepEqual(fitted.classes, [5]);
  assert.deepEqual(fitted.classReasons, ['recall']);
  assert.equal(fitted.onsetEpoch, 2);
  assert.match(fitted.message, /sandal \(#5\) \(since epoch 2, cos [-0-9.]+, recall 0\.00, train recall 1\.00\)/);
  // Recognised on test again: the flag clears.
  assert.equal(tracker.update(withTrainRecall(3, 0.4, 1)).active, false);
});

test('collapseEvaluationOf: the test report with the train split’s recall beside it; one split alone as it is', () => {
  const train = { ...evaluation(1, 0, 1), split: 'train' as const };
  const test = { ...evaluation(1, 0, 0), split: 'test' as const };
  const both = collapseEvaluationOf([train, test]);
  assert.equal(both?.recallPerClass, test.recallPerClass);
  assert.equal(both?.trainRecallPerClass, train.recallPerClass);
  assert.equal(collapseEvaluationOf([train])?.trainRecallPerClass, undefined);
  assert.equal(collapseEvaluationOf([]), undefined);
});

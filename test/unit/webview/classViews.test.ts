import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classBarsView, headToTailOrder, MAX_CLASS_BARS } from '../../../src/webview/model/classBars';
import { cosineHeatmaps, simplexEtfCosine } from '../../../src/webview/model/cosineHeatmap';
import { logFit, normsView } from '../../../src/webview/model/normScatter';
import type { EvaluationReport } from '../../../src/protocol/metrics';
import { evaluationReportSchema } from '../../../src/protocol/metrics';
import { collapseFlag, evaluationReport } from './fixtures';

const names = (count: number) => Array.from({ length: count }, (_, c) => `class ${c}`);

/** Shot groups by the published thresholds (Many > 100, Medium 20–100, Few < 20), written out independently. */
const groupByCount = (n: number) => (n > 100 ? 'many' : n >= 20 ? 'medium' : 'few');

test('fixture reports are valid evaluation reports', () => {
  for (const classCount of [10, 150]) {
    const parsed = evaluationReportSchema.safeParse(evaluationReport(5, 'test', { classCount, epochs: 10 }));
    assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues[0]));
  }
});

test('head → tail order: most training samples first, ties by class index', () => {
  assert.deepEqual(headToTailOrder([5, 500, 50, 500, 19]), [1, 3, 2, 4, 0]);
});

test('per-class bars: head → tail, training counts, groups in bands, flagged classes marked', () => {
  const report = evaluationReport(20, 'test', { classCount: 10, epochs: 20 });
  const flag = collapseFlag(20, report, null);
  assert.ok(flag.active && flag.classes.length > 0, 'the fixture collapses its tail by the last epoch');
  // Shuffle class order so that index order and head → tail order differ.
  const permutation = [3, 0, 9, 1, 7, 2, 8, 4, 6, 5];
  const shuffled: EvaluationReport = {
    ...report,
    trainCounts: permutation.map((c) => report.trainCounts[c]!),
    recallPerClass: permutation.map((c) => report.recallPerClass[c]!),
    shotGroups: { many: [], medium: [], few: [] },
  };
  const flaggedShuffled = { ...flag, classes: flag.classes.map((c) => permutation.indexOf(c)) };
  const view = classBarsView(shuffled, flaggedShuffled, names(10), 'binned');
  assert.equal(view.bars.length, 10);
  assert.equal(view.binSize, 1);
  const counts = view.bars.map((bar) => bar.trainCount);
  assert.deepEqual(
    counts,
    [...counts].sort((a, b) => b - a),
    'bars are ordered by training count, descending',
  );
  for (const bar of view.bars) {
    const c = bar.classes[0]!;
    assert.equal(bar.label, `class ${c}`);
    assert.equal(bar.recall, shuffled.recallPerClass[c]);
    assert.equal(bar.group, groupByCount(shuffled.trainCounts[c]!));
    assert.equal(bar.flaggedClasses.length > 0, flaggedShuffled.classes.includes(c));
  }
  assert.equal(view.flaggedCount, flag.classes.length);
  // Bands cover the bars of their group and nothing else.
  for (const band of view.bands) {
    for (let i = band.first; i <= band.last; i++) assert.equal(view.bars[i]?.group, band.group);
  }
  assert.equal(
    view.bands.reduce((sum, band) => sum + band.last - band.first + 1, 0),
    10,
  );
});

test('1000 classes: at most MAX_CLASS_BARS (+ one per group) bins, each class once, no bin across groups, mean recall per bin', () => {
  const report = evaluationReport(10, 'test', { classCount: 1000, epochs: 10, maxHeatmapClasses: 100 });
  const flag = collapseFlag(10, report, null);
  const view = classBarsView(report, flag, names(1000), 'binned');
  assert.ok(view.bars.length <= MAX_CLASS_BARS + 3, `${view.bars.length} bars`);
  assert.ok(view.binSize > 1);
  const seen = view.bars.flatMap((bar) => bar.classes);
  assert.equal(seen.length, 1000);
  assert.equal(new Set(seen).size, 1000);
  for (const bar of view.bars) {
    const groups = new Set(bar.classes.map((c) => groupByCount(report.trainCounts[c]!)));
    assert.equal(groups.size, 1, `bin ${bar.label} mixes groups`);
    const recalls = bar.classes.map((c) => report.recallPerClass[c]!);
    assert.ok(Math.abs((bar.recall ?? Number.NaN) - recalls.reduce((sum, r) => sum + r, 0) / recalls.length) < 1e-12);
    assert.deepEqual(
      bar.flaggedClasses,
      bar.classes.filter((c) => flag.classes.includes(c)),
    );
  }
  const scrolling = classBarsView(report, flag, names(1000), 'scroll');
  assert.equal(scrolling.bars.length, 1000);
  assert.equal(scrolling.binSize, 1);
});

test('the simplex-ETF cosine is −1/(C−1)', () => {
  assert.equal(simplexEtfCosine(10), -1 / 9);
  assert.equal(simplexEtfCosine(2), -1);
  assert.equal(simplexEtfCosine(100), -1 / 99);
});

test('full cosine matrices: rows and columns head → tail, ETF values for classifier and present classes', () => {
  const base = evaluationReport(15, 'test', { classCount: 6, epochs: 20 });
  assert.equal(base.cosineMatrices.kind, 'full');
  // Reverse the counts: class 5 becomes the head.
  const counts = [...base.trainCounts].reverse();
  const matrix = base.cosineMatrices.kind === 'full' ? base.cosineMatrices.classifier : [];
  const report: EvaluationReport = { ...base, trainCounts: counts, shotGroups: { many: [], medium: [], few: [] }, presentClassCount: 5 };
  const [classifier, means] = cosineHeatmaps(report, names(6));
  assert.equal(classifier?.kind, 'full');
  assert.deepEqual(classifier?.labels, ['class 5', 'class 4', 'class 3', 'class 2', 'class 1', 'class 0']);
  for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) assert.equal(classifier?.cells[i * 6 + j], matrix[5 - i]?.[5 - j]);
  assert.equal(classifier?.etfCosine, -1 / 5);
  assert.equal(means?.etfCosine, -1 / 4, 'class means: C is the classes present in the split');
  let sum = 0;
  for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) if (i !== j) sum += matrix[i]![j]!;
  assert.ok(Math.abs((classifier?.meanOffDiagonal ?? Number.NaN) - sum / 30) < 1e-12);
  assert.match(classifier?.ariaLabel ?? '', /simplex ETF value −0\.2\b/);
});

test('summary cosine matrices become bin heatmaps with a Many/Medium/Few block table', () => {
  const report = evaluationReport(10, 'train', { classCount: 300, epochs: 10, maxHeatmapClasses: 50 });
  assert.equal(report.cosineMatrices.kind, 'summary');
  const [classifier] = cosineHeatmaps(report, names(300));
  assert.equal(classifier?.kind, 'summary');
  assert.equal(classifier?.size, 50);
  assert.equal(classifier?.cells.length, 2500);
  assert.deepEqual(
    classifier?.blocks?.labels.map((label) => label.split(' ')[0]),
    report.cosineMatrices.kind === 'summary' ? report.cosineMatrices.shotGroups.groups.map((group) => group.label) : [],
  );
  assert.match(classifier?.note ?? '', /300 classes in 50 bins/);
});

test('norms: a placeholder naming the reported slopes until the report carries per-class norms', () => {
  const report = evaluationReport(10, 'test', { classCount: 10, epochs: 10 });
  const placeholder = normsView(report, [], names(10));
  assert.equal(placeholder.kind, 'placeholder');
  assert.match(placeholder.kind === 'placeholder' ? placeholder.text : '', /not in this run’s reports yet/);
  assert.match(placeholder.ariaLabel, new RegExp(String(report.minorityCollapse.classifierNormSlope)));

  // ‖w_c‖ = 1 + 0.25 ln n_c exactly: the fitted slope must be 0.25.
  const withNorms = { ...report, classifierNorms: report.trainCounts.map((n) => 1 + 0.25 * Math.log(n)) };
  const chart = normsView(withNorms, [9], names(10));
  assert.equal(chart.kind, 'chart');
  if (chart.kind !== 'chart') return;
  assert.equal(chart.series.length, 1);
  assert.ok(Math.abs((chart.series[0]?.fit?.slope ?? 0) - 0.25) < 1e-12);
  assert.ok(Math.abs((chart.series[0]?.fit?.intercept ?? 0) - 1) < 1e-12);
  assert.deepEqual(
    chart.series[0]?.points.filter((point) => point.flagged).map((point) => point.name),
    ['class 9'],
  );
});

test('logFit: exact on y = a + b ln x, null when x does not vary', () => {
  const points = [1, 2, 5, 40].map((x) => ({ x, y: -3 + 0.5 * Math.log(x) }));
  const fit = logFit(points);
  assert.ok(Math.abs((fit?.slope ?? 0) - 0.5) < 1e-12);
  assert.ok(Math.abs((fit?.intercept ?? 0) + 3) < 1e-12);
  assert.deepEqual([fit?.from, fit?.to], [1, 40]);
  assert.equal(
    logFit([
      { x: 3, y: 1 },
      { x: 3, y: 2 },
    ]),
    null,
  );
});

/**
 * The dashboard's multi-label views (pure model, no DOM): per-label recall/precision bars head → tail, κ_m and the
 * prototype check over epochs, the summary card; and that single-label runs show none of them. The multi-label
 * parts below follow simple closed forms, attached to the dashboard fixtures' runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deltaMessage, cursorAtEnd, snapshotMessage, splitScalars } from '../../../src/extension/dashboard/dashboardData';
import type { RunData } from '../../../src/extension/dashboard/dashboardData';
import { parseHostMessage } from '../../../src/protocol/dashboard';
import { evaluationReportSchema } from '../../../src/protocol/metrics';
import type { EvaluationReport } from '../../../src/protocol/metrics';
import type { MultiLabelReport } from '../../../src/protocol/multiLabel';
import { MAX_CLASS_BARS } from '../../../src/webview/model/classBars';
import { dashboardView } from '../../../src/webview/model/dashboardView';
import { labelHeadToTailOrder, labelScoresView } from '../../../src/webview/model/multiLabel';
import { formatMetric, formatPercent } from '../../../src/webview/format';
import { initialState, reduce } from '../../../src/webview/state';
import type { DashboardState } from '../../../src/webview/state';
import { fixtureRun } from './fixtures';

const round = (value: number) => Math.round(value * 1e4) / 1e4;
const KAPPA = { train: 0.03, test: 0.05 };

/** A multi-label part for one report: recall falls toward the tail, κ_m of predictions approaches the true one. */
function multiLabelPart(report: EvaluationReport, totalEpochs: number): MultiLabelReport {
  const C = report.classCount;
  const progress = report.epoch / totalEpochs;
  const learned = 1 - Math.exp(-3 * progress);
  const kappa = KAPPA[report.split];
  return {
    threshold: 0.5,
    sampleCount: 1000,
    unlabelledCount: 0,
    singleLabelCount: 700,
    multiLabelCount: 300,
    labelCounts: Array.from({ length: C }, () => 100),
    // Label 3 is never predicted: its precision is undefined.
    recallPerLabel: Array.from({ length: C }, (_, c) => (c === 3 ? 0 : round(learned * (1 - c / (2 * C))))),
    precisionPerLabel: Array.from({ length: C }, (_, c) => (c === 3 ? null : round(0.5 + 0.4 * learned - c / (4 * C)))),
    macroRecall: round(0.6 * learned),
    macroPrecision: round(0.7 * learned),
    exactMatch: round(0.4 * learned),
    labelStatistics: {
      frequencies: Array.from({ length: C }, () => 0.1),
      secondMoment: null,
      centredCovariance: null,
      spectrum: Array.from({ length: C }, (_, c) => kappa + c / 100),
      kappaM: kappa,
      labelsPerSample: 1.3,
    },
    predictedKappaM: round(kappa * (1 + Math.exp(-4 * progress))),
    prototypes: {
      weights: 'training label frequencies',
      checkedSampleCount: 300,
      setCount: 4,
      meanWeightedError: round(0.3 + 0.5 * Math.exp(-3 * progress)),
      meanUniformError: round(0.45 + 0.5 * Math.exp(-3 * progress)),
      weightedCloserFraction: 0.75,
      labelsWithoutPrototype: [],
      largestSets: [{ labels: [0, 1], samples: 120, uniformError: 0.5, weightedError: 0.4 }],
    },
  };
}

/** The fixture run with a multi-label part in every report; training label counts reversed (tail first). */
function multiLabelRun(classCount = 10, epochs = 8): RunData {
  const run = fixtureRun({ classCount, epochs });
  for (const evaluation of run.evaluations) {
    for (const report of evaluation.reports) {
      report.trainCounts = [...report.trainCounts].reverse();
      report.multiLabel = multiLabelPart(report, epochs);
    }
  }
  return run;
}

function stateOf(...runs: RunData[]): DashboardState {
  const message = JSON.parse(JSON.stringify(snapshotMessage(1, 'run', runs, []))) as unknown;
  const parsed = parseHostMessage(message);
  assert.ok(parsed.ok, !parsed.ok ? parsed.error : '');
  return reduce(initialState(), parsed.message);
}

test('the fixture reports are valid evaluation reports, with and without the multi-label part', () => {
  const run = multiLabelRun();
  for (const evaluation of run.evaluations) for (const report of evaluation.reports) evaluationReportSchema.parse(report);
  const old = fixtureRun({ classCount: 10, epochs: 3 }).evaluations[0]?.reports[0];
  assert.equal(evaluationReportSchema.parse(old).multiLabel, undefined);
});

test('the host sends the multi-label scalars with every evaluation point', () => {
  const report = multiLabelRun()
    .evaluations.at(-1)
    ?.reports.find((candidate) => candidate.split === 'test');
  assert.ok(report?.multiLabel);
  assert.deepEqual(splitScalars(report).multiLabel, {
    macroRecall: report.multiLabel.macroRecall,
    macroPrecision: report.multiLabel.macroPrecision,
    exactMatch: report.multiLabel.exactMatch,
    kappaM: KAPPA.test,
    predictedKappaM: report.multiLabel.predictedKappaM,
    meanWeightedError: report.multiLabel.prototypes.meanWeightedError,
    meanUniformError: report.multiLabel.prototypes.meanUniformError,
    weightedCloserFraction: 0.75,
  });
  assert.equal(splitScalars(fixtureRun({ classCount: 10, epochs: 2 }).evaluations[0]!.reports[0]!).multiLabel, undefined);
});

test('κ_m over epochs: predicted κ_m per split, the true κ_m of each split as a reference line', () => {
  const run = multiLabelRun(10, 8);
  const view = dashboardView(stateOf(run));
  const kappa = view.lineCharts.find((chart) => chart.id === 'kappa-m');
  assert.ok(kappa);
  const train = kappa.series.find((series) => series.key === 'predicted-kappa-train');
  const expected = run.evaluations.map((evaluation) => ({
    x: evaluation.epoch,
    y: evaluation.reports.find((report) => report.split === 'train')?.multiLabel?.predictedKappaM,
  }));
  assert.deepEqual(train?.points, expected);
  assert.deepEqual(
    kappa.references.map((line) => line.value),
    [KAPPA.train, KAPPA.test],
  );
  const last = expected.at(-1);
  assert.ok(kappa.ariaLabel.includes(`κ_m of predictions · train ${formatMetric(last?.y)} at epoch 8`), kappa.ariaLabel);
  assert.ok(kappa.ariaLabel.includes(`κ_m of the test labels Y = ${formatMetric(KAPPA.test)}`), kappa.ariaLabel);
});

test('prototype check over epochs: weighted and uniform distance of the chosen split, the share on the right axis', () => {
  const run = multiLabelRun(10, 8);
  const state = reduce(stateOf(run), { type: 'ui/setSplit', split: 'train' });
  const chart = dashboardView(state).lineCharts.find((candidate) => candidate.id === 'prototype-check');
  assert.ok(chart);
  const trainReports = run.evaluations.map((evaluation) => evaluation.reports.find((report) => report.split === 'train'));
  assert.deepEqual(
    chart.series.find((series) => series.key === 'weighted')?.points.map((point) => point.y),
    trainReports.map((report) => report?.multiLabel?.prototypes.meanWeightedError),
  );
  assert.deepEqual(
    chart.series.find((series) => series.key === 'uniform')?.points.map((point) => point.y),
    trainReports.map((report) => report?.multiLabel?.prototypes.meanUniformError),
  );
  const share = chart.series.find((series) => series.key === 'weighted-closer');
  assert.equal(share?.axis, 'y2');
  assert.equal(chart.y2?.percent, true);
  assert.match(chart.description, /Split: train\.$/);
});

test('per-label recall and precision bars run head → tail by training positives', () => {
  const run = multiLabelRun(10, 8);
  const view = dashboardView(stateOf(run));
  const scores = view.detail?.labelScores;
  assert.ok(scores);
  const report = run.evaluations.at(-1)?.reports.find((candidate) => candidate.split === 'test');
  assert.ok(report?.multiLabel);
  // Training counts were reversed: the last label is the head.
  const counts = report.trainCounts;
  const order = counts.map((_, c) => c).sort((a, b) => (counts[b] ?? 0) - (counts[a] ?? 0) || a - b);
  assert.deepEqual(order.slice(0, 2), [9, 8]);
  assert.deepEqual(labelHeadToTailOrder(counts), order);
  assert.equal(scores.binSize, 1);
  assert.deepEqual(
    scores.bars.map((bar) => bar.labels[0]),
    order,
  );
  assert.deepEqual(
    scores.bars.map((bar) => [bar.recall, bar.precision, bar.trainCount]),
    order.map((c) => [report.multiLabel?.recallPerLabel[c], report.multiLabel?.precisionPerLabel[c], counts[c]]),
  );
  assert.equal(scores.bars.find((bar) => bar.labels[0] === 3)?.precision, null);
  assert.equal(scores.bars[0]?.text, 'class 9');
  assert.match(
    scores.ariaLabel,
    new RegExp(
      `^Per-label test recall and precision at epoch 8 for 10 labels, head to tail: macro recall ${formatPercent(report.multiLabel.macroRecall).replace('.', '\\.')}`,
    ),
  );
  assert.match(scores.note, /σ\(z\) > 0\.5/);
  assert.match(scores.note, /Prototype check on 300 multi-label samples in 4 label sets/);
  const card = view.cards.find((candidate) => candidate.key === 'multi-label');
  assert.equal(card?.value, `recall ${formatPercent(report.multiLabel.macroRecall)}`);
});

test('many labels are binned head → tail with the mean of the defined values', () => {
  const labelCount = 2 * MAX_CLASS_BARS + 1;
  const run = multiLabelRun(labelCount, 2);
  const report = run.evaluations.at(-1)?.reports.find((candidate) => candidate.split === 'test');
  assert.ok(report?.multiLabel);
  const view = labelScoresView(report, []);
  assert.ok(view);
  assert.equal(view.binSize, 3);
  assert.equal(view.bars.length, Math.ceil(labelCount / 3));
  const order = labelHeadToTailOrder(report.trainCounts);
  const first = order.slice(0, 3);
  const precisions = first
    .map((c) => report.multiLabel?.precisionPerLabel[c])
    .filter((value): value is number => typeof value === 'number');
  assert.equal(view.bars[0]?.precision, precisions.reduce((sum, value) => sum + value, 0) / precisions.length);
  assert.equal(view.bars[0]?.text, '#1–3');
});

test('single-label runs show no multi-label chart, card or bars', () => {
  const view = dashboardView(stateOf(fixtureRun({ classCount: 10, epochs: 4 })));
  assert.equal(view.detail?.labelScores, null);
  assert.ok(!view.lineCharts.some((chart) => chart.id === 'kappa-m' || chart.id === 'prototype-check'));
  assert.ok(!view.cards.some((card) => card.key === 'multi-label'));
});

test('a delta with a newer evaluation extends the κ_m line and replaces the bars', () => {
  const full = multiLabelRun(10, 8);
  const early: RunData = {
    ...full,
    evaluations: full.evaluations.slice(0, 3),
    epochs: full.epochs.slice(0, 3),
    status: 'running',
    ended: undefined,
  };
  let state = stateOf(early);
  const before = dashboardView(state);
  assert.equal(before.lineCharts.find((chart) => chart.id === 'kappa-m')?.series[0]?.points.length, 3);
  const { message } = deltaMessage(2, full, cursorAtEnd(early), true);
  const parsed = parseHostMessage(JSON.parse(JSON.stringify(message)));
  assert.ok(parsed.ok);
  state = reduce(state, parsed.message);
  const after = dashboardView(state);
  assert.equal(after.lineCharts.find((chart) => chart.id === 'kappa-m')?.series[0]?.points.length, 8);
  assert.equal(after.detail?.labelScores?.epoch, 8);
});

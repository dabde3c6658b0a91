import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotMessage } from '../../../src/extension/dashboard/dashboardData';
import type { RunData } from '../../../src/extension/dashboard/dashboardData';
import type { CollapseFlag } from '../../../src/protocol/metrics';
import { collapseBanner } from '../../../src/webview/model/collapseBanner';
import { dashboardView, DetailCache } from '../../../src/webview/model/dashboardView';
import { lineChartAriaLabel } from '../../../src/webview/model/lineCharts';
import { formatMetric, formatPercent, listNames } from '../../../src/webview/format';
import { initialState, reduce } from '../../../src/webview/state';
import type { DashboardState } from '../../../src/webview/state';
import { fixtureRun } from './fixtures';

function stateOf(mode: 'run' | 'compare', ...runs: RunData[]): DashboardState {
  return reduce(initialState(), JSON.parse(JSON.stringify(snapshotMessage(1, mode, runs, []))) as ReturnType<typeof snapshotMessage>);
}

/** A 12-epoch run whose last evaluation has NC1 0.42 (train) and 0.88 (test). */
function runWithKnownNc1(): RunData {
  const run = fixtureRun({ classCount: 10, epochs: 20 }, 12);
  const last = run.evaluations.at(-1)!;
  for (const report of last.reports) report.nc1 = report.split === 'train' ? 0.42 : 0.88;
  return run;
}

test('chart aria-labels carry the current values: "NC1 train 0.42 at epoch 12"', () => {
  const view = dashboardView(stateOf('run', runWithKnownNc1()));
  const nc1 = view.lineCharts.find((chart) => chart.id === 'nc1');
  assert.equal(nc1?.ariaLabel, 'NC1 · within-class variability: NC1 train 0.42 at epoch 12; NC1 test 0.88 at epoch 12.');
  const accuracy = view.lineCharts.find((chart) => chart.id === 'loss-accuracy');
  const testAccuracy = fixtureRun({ classCount: 10, epochs: 20 }, 12)
    .evaluations.at(-1)
    ?.reports.find((report) => report.split === 'test')?.accuracy;
  assert.ok(accuracy?.ariaLabel.includes(`test accuracy ${formatPercent(testAccuracy)} at epoch 12`), accuracy?.ariaLabel);
  const collapse = view.lineCharts.find((chart) => chart.id === 'minority-collapse');
  assert.ok(collapse?.ariaLabel.includes(`simplex ETF −1/(C−1) = ${formatMetric(-1 / 9)}`), collapse?.ariaLabel);
  assert.equal(formatMetric(-1 / 9), '−0.1111');
});

test('a chart with no values says so instead of drawing', () => {
  const label = lineChartAriaLabel({ title: 'NC3', y: { title: '', scale: 'linear', percent: false }, y2: undefined }, [], []);
  assert.equal(label, 'NC3: no values yet.');
  const view = dashboardView(stateOf('run', fixtureRun({ classCount: 10, epochs: 5 }, 0)));
  assert.ok(view.lineCharts.every((chart) => chart.emptyText !== null));
  assert.equal(view.detail, null);
});

test('NC1 uses a log scale and drops values a log axis cannot show', () => {
  const run = runWithKnownNc1();
  run.evaluations[2]!.reports[0]!.nc1 = 0;
  run.evaluations[3]!.reports[0]!.nc1 = null;
  const nc1 = dashboardView(stateOf('run', run)).lineCharts.find((chart) => chart.id === 'nc1');
  assert.equal(nc1?.y.scale, 'logarithmic');
  const train = nc1?.series.find((series) => series.key === 'nc1-train');
  assert.deepEqual(
    train?.points.map((point) => point.x),
    [1, 2, 5, 6, 7, 8, 9, 10, 11, 12],
  );
});

test('run view: summary cards, banner and detail views come from the latest evaluation', () => {
  const run = fixtureRun({ classCount: 10, epochs: 20 });
  const view = dashboardView(stateOf('run', run));
  const latest = run.evaluations.at(-1)!;
  const testReport = latest.reports.find((report) => report.split === 'test')!;
  assert.equal(view.header.title, run.name);
  assert.equal(view.split, 'test');
  assert.equal(view.cards.find((card) => card.key === 'accuracy')?.value, formatPercent(testReport.accuracy));
  assert.equal(view.cards.find((card) => card.key === 'flagged')?.value, `${latest.collapse.classes.length} flagged`);
  assert.equal(view.cards.find((card) => card.key === 'tail-cosine')?.tone, 'warning');
  assert.equal(view.detail?.classBars.split, 'test');
  assert.equal(view.detail?.heatmaps.length, 2);
  assert.ok(view.detail?.banner !== null);
});

test('the chosen split drives the per-class views, falling back when the data lack it', () => {
  const run = fixtureRun({ classCount: 10, epochs: 6 });
  const train = dashboardView(reduce(stateOf('run', run), { type: 'ui/setSplit', split: 'train' }));
  assert.equal(train.split, 'train');
  assert.equal(train.detail?.classBars.split, 'train');
  for (const evaluation of run.evaluations) evaluation.reports = evaluation.reports.filter((report) => report.split === 'train');
  const onlyTrain = dashboardView(stateOf('run', run));
  assert.equal(onlyTrain.split, 'train');
  assert.deepEqual(onlyTrain.splitsAvailable, ['train']);
});

test('the detail cache rebuilds per-class views only when the evaluation, split or layout changes', () => {
  const cache = new DetailCache();
  const state = stateOf('run', fixtureRun({ classCount: 10, epochs: 6 }));
  const first = dashboardView(state, cache).detail;
  assert.equal(dashboardView({ ...state, error: 'x' }, cache).detail, first);
  assert.notEqual(dashboardView(reduce(state, { type: 'ui/setSplit', split: 'train' }), cache).detail, first);
});

test('compare view: one series per run and line, one colour and marker per run', () => {
  const runs = [
    fixtureRun({ classCount: 10, epochs: 8, id: 'a', name: 'ce' }),
    fixtureRun({ classCount: 10, epochs: 8, id: 'b', name: 'ldam-drw', collapseSpeed: 0.5 }),
    fixtureRun({ classCount: 10, epochs: 8, id: 'c', name: 'etf' }, 5),
  ];
  const view = dashboardView(stateOf('compare', ...runs));
  assert.equal(view.mode, 'compare');
  assert.equal(view.detail, null);
  assert.equal(view.compare.length, 3);
  assert.equal(new Set(view.compare.map((entry) => entry.color)).size, 3);
  assert.equal(new Set(view.compare.map((entry) => entry.marker)).size, 3);
  const nc1 = view.lineCharts.find((chart) => chart.id === 'nc1');
  assert.deepEqual(
    nc1?.series.map((series) => series.label),
    ['ce', 'ldam-drw', 'etf'],
  );
  assert.deepEqual(
    nc1?.series.map((series) => series.points.length),
    [8, 8, 5],
  );
  const expected = runs[2]!.evaluations.at(-1)!.reports.find((report) => report.split === 'test')!.nc1;
  assert.equal(nc1?.series[2]?.points.at(-1)?.y, expected);
  const shots = view.lineCharts.find((chart) => chart.id === 'shot-accuracy');
  assert.equal(shots?.series.length, 9);
});

test('collapse banner: which classes, since when, how far from the ETF, what it means and what counters it', () => {
  const flag: CollapseFlag = {
    active: true,
    epoch: 30,
    classes: [7, 9],
    classOnsetEpochs: [12, 18],
    classReasons: ['cosine', 'cosine+recall'],
    classCosines: [0.71, 0.83],
    recalls: [0.1, 0],
    onsetEpoch: 12,
    tailClassifierCosine: 0.77,
    etfCosine: -1 / 9,
    excess: 0.77 + 1 / 9,
    thresholds: { cosine: 0.5, recall: 0.05 },
    message: 'x',
  };
  const banner = collapseBanner(flag, ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
  assert.equal(banner?.headline, 'Minority collapse since epoch 12: 2 tail classes flagged (horse and truck).');
  assert.match(banner?.measurement ?? '', /mean pairwise cosine 0\.77, \+0\.8811 from the simplex-ETF value −0\.1111/);
  for (const method of [
    'simplex-ETF classifier',
    'logit adjustment',
    'Balanced Softmax',
    'LDAM-DRW',
    'class-balanced re-weighting',
    'cRT',
  ]) {
    assert.ok(banner?.remedies.includes(method), method);
  }
  assert.deepEqual(
    banner?.rows.map((row) => [row.name, row.onsetEpoch, row.recall]),
    [
      ['horse', 12, 0.1],
      ['truck', 18, 0],
    ],
  );
  assert.equal(collapseBanner({ ...flag, active: false }, []), null);
});

test('listNames and formats', () => {
  assert.equal(listNames(['a']), 'a');
  assert.equal(listNames(['a', 'b', 'c']), 'a, b and c');
  assert.equal(listNames(['a', 'b', 'c', 'd'], 2), 'a, b and 2 more');
  assert.equal(formatMetric(null), '—');
  assert.equal(formatMetric(0.000012), '1.20e-5');
  assert.equal(formatPercent(0.5), '50.0%');
});

test('before run/didStart the header says what the run waits for: the trainer, or the attached script', () => {
  const waiting = (attached: boolean): RunData => ({
    ...fixtureRun({}, 0),
    started: undefined,
    status: 'starting',
    ...(attached ? { attached } : {}),
  });
  assert.deepEqual(dashboardView(stateOf('run', waiting(false))).header.meta, ['waiting for the trainer to start']);
  assert.deepEqual(dashboardView(stateOf('run', waiting(true))).header.meta, ['waiting for your script to connect (Attach External Run)']);
});

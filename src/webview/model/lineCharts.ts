/**
 * The time-series charts: NC1–NC4, loss and accuracy, shot-group accuracy and the minority-collapse cosines, for one
 * run (train solid, test dashed) or overlaid for several runs (one colour and marker per run).
 */
import type { ChartId, EpochPoint, SplitScalars } from '../../protocol/dashboard';
import type { Split } from '../../protocol/metrics';
import type { RunState } from '../state';
import { formatMetric, formatPercent } from '../format';
import type { AxisView, ColorToken, Dash, LineChartView, Marker, Point, ReferenceLine, SeriesView } from './types';

export type Extract = (scalars: SplitScalars) => number | null;

/**
 * Where a line's values come from: one split's report, the classifier rows (the same W in every split's report, so
 * whichever split is there), or the per-epoch training log.
 */
export type Source =
  { kind: 'split'; split: Split | 'chosen' } | { kind: 'classifier' } | { kind: 'epochs'; extract: (epoch: EpochPoint) => number };

export interface LineSpec {
  key: string;
  label: string;
  extract: Extract;
  source: Source;
  color: ColorToken;
  dash: Dash;
  marker: Marker;
  axis?: 'y' | 'y2';
}

export interface ChartSpec {
  id: ChartId;
  title: string;
  description: string;
  y: AxisView;
  y2?: AxisView;
  lines: LineSpec[];
  /** Compare panels draw these lines per run; defaults to `lines` with the split left to the user's choice. */
  compareLines?: LineSpec[];
  references?: (runs: readonly RunState[]) => ReferenceLine[];
}

const TRAIN: Source = { kind: 'split', split: 'train' };
const TEST: Source = { kind: 'split', split: 'test' };
export const CHOSEN: Source = { kind: 'split', split: 'chosen' };
const CLASSIFIER: Source = { kind: 'classifier' };
const never: Extract = () => null;

/** Train solid with circles, test dashed with triangles, in two colours: the split reads without colour. */
export function bySplit(key: string, label: string, extract: Extract): LineSpec[] {
  return [
    { key: `${key}-train`, label: `${label}train`, extract, source: TRAIN, color: 'blue', dash: 'solid', marker: 'circle' },
    { key: `${key}-test`, label: `${label}test`, extract, source: TEST, color: 'orange', dash: 'dashed', marker: 'triangle' },
  ];
}

export const linear = (title: string, percent = false): AxisView => ({ title, scale: 'linear', percent });

const etfReference = (runs: readonly RunState[]): ReferenceLine[] => {
  const values = new Set<number>();
  for (const run of runs) {
    const newest = run.evaluations.at(-1);
    const etf = newest?.train?.etfCosine ?? newest?.test?.etfCosine;
    if (etf !== undefined) values.add(etf);
  }
  return [...values].map((value) => ({
    label: `simplex ETF −1/(C−1) = ${formatMetric(value)}`,
    value,
    color: 'foreground',
    dash: 'dotted',
  }));
};

const CHARTS: ChartSpec[] = [
  {
    id: 'nc1',
    title: 'NC1 · within-class variability',
    description:
      'tr(Σ_W Σ_B†)/C: how far features spread around their class means relative to the spread of the means. Falls toward 0 as features collapse (log scale).',
    y: { title: 'NC1 (log)', scale: 'logarithmic', percent: false },
    lines: bySplit('nc1', 'NC1 ', (s) => s.nc1),
    compareLines: [{ key: 'nc1', label: 'NC1', extract: (s) => s.nc1, source: CHOSEN, color: 'blue', dash: 'solid', marker: 'circle' }],
  },
  {
    id: 'nc2-equinorm',
    title: 'NC2 · equinorm',
    description:
      'Coefficient of variation of ‖μ_c − μ_G‖ (class means) and of ‖w_c‖ (classifier rows) across classes. 0 when all norms are equal, as in a simplex ETF.',
    y: linear('std / mean'),
    lines: [
      ...bySplit('means', 'class means · ', (s) => s.nc2.classMeanNormCv),
      {
        key: 'classifier',
        label: 'classifier rows',
        extract: (s) => s.nc2.classifierNormCv,
        source: CLASSIFIER,
        color: 'purple',
        dash: 'solid',
        marker: 'rect',
      },
    ],
    compareLines: [
      {
        key: 'classifier',
        label: 'classifier rows',
        extract: (s) => s.nc2.classifierNormCv,
        source: CLASSIFIER,
        color: 'blue',
        dash: 'solid',
        marker: 'circle',
      },
      {
        key: 'means',
        label: 'class means',
        extract: (s) => s.nc2.classMeanNormCv,
        source: CHOSEN,
        color: 'blue',
        dash: 'dashed',
        marker: 'circle',
      },
    ],
  },
  {
    id: 'nc2-equiangularity',
    title: 'NC2 · equiangularity',
    description: 'Mean |cos + 1/(C−1)| over pairs of classes (0 at a simplex ETF), and the standard deviation of the pairwise cosines.',
    y: linear('cosine deviation'),
    lines: [
      ...bySplit('means-angle', 'class means |cos + 1/(C−1)| · ', (s) => s.nc2.classMeanMaxAngle),
      {
        key: 'classifier-angle',
        label: 'classifier |cos + 1/(C−1)|',
        extract: (s) => s.nc2.classifierMaxAngle,
        source: CLASSIFIER,
        color: 'purple',
        dash: 'solid',
        marker: 'rect',
      },
      {
        key: 'means-std',
        label: 'class means std(cos) · train',
        extract: (s) => s.nc2.classMeanCosineStd,
        source: TRAIN,
        color: 'green',
        dash: 'dotted',
        marker: 'rectRot',
      },
      {
        key: 'classifier-std',
        label: 'classifier std(cos)',
        extract: (s) => s.nc2.classifierCosineStd,
        source: CLASSIFIER,
        color: 'yellow',
        dash: 'dotted',
        marker: 'star',
      },
    ],
    compareLines: [
      {
        key: 'classifier',
        label: 'classifier',
        extract: (s) => s.nc2.classifierMaxAngle,
        source: CLASSIFIER,
        color: 'blue',
        dash: 'solid',
        marker: 'circle',
      },
      {
        key: 'means',
        label: 'class means',
        extract: (s) => s.nc2.classMeanMaxAngle,
        source: CHOSEN,
        color: 'blue',
        dash: 'dashed',
        marker: 'circle',
      },
    ],
  },
  {
    id: 'nc3',
    title: 'NC3 · self-duality',
    description: '‖Wᵀ/‖W‖_F − M/‖M‖_F‖²_F: distance between the classifier rows and the centred class means. → 0 when they align.',
    y: linear('NC3'),
    lines: bySplit('nc3', 'NC3 ', (s) => s.nc3),
    compareLines: [{ key: 'nc3', label: 'NC3', extract: (s) => s.nc3, source: CHOSEN, color: 'blue', dash: 'solid', marker: 'circle' }],
  },
  {
    id: 'nc4',
    title: 'NC4 · nearest class centre',
    description:
      'Share of samples where the network’s prediction differs from the nearest class mean. → 0 as the classifier becomes nearest-centre.',
    y: linear('disagreement', true),
    lines: bySplit('nc4', 'NC4 ', (s) => s.nc4),
    compareLines: [{ key: 'nc4', label: 'NC4', extract: (s) => s.nc4, source: CHOSEN, color: 'blue', dash: 'solid', marker: 'circle' }],
  },
  {
    id: 'loss-accuracy',
    title: 'Loss and accuracy',
    description:
      'Mean training loss per epoch (left axis) and top-1 accuracy (right axis). The test set is balanced: its accuracy is the mean per-class recall.',
    y: linear('loss'),
    y2: linear('accuracy', true),
    lines: [
      {
        key: 'loss',
        label: 'training loss',
        extract: never,
        source: { kind: 'epochs', extract: (e) => e.loss },
        color: 'red',
        dash: 'solid',
        marker: 'circle',
      },
      {
        key: 'train-accuracy',
        label: 'train accuracy (running)',
        extract: never,
        source: { kind: 'epochs', extract: (e) => e.trainAccuracy },
        color: 'blue',
        dash: 'solid',
        marker: 'rect',
        axis: 'y2',
      },
      {
        key: 'test-accuracy',
        label: 'test accuracy',
        extract: (s) => s.accuracy,
        source: TEST,
        color: 'orange',
        dash: 'dashed',
        marker: 'triangle',
        axis: 'y2',
      },
    ],
    compareLines: [
      {
        key: 'accuracy',
        label: 'accuracy',
        extract: (s) => s.accuracy,
        source: CHOSEN,
        color: 'blue',
        dash: 'solid',
        marker: 'circle',
        axis: 'y2',
      },
      {
        key: 'loss',
        label: 'loss',
        extract: never,
        source: { kind: 'epochs', extract: (e) => e.loss },
        color: 'blue',
        dash: 'dotted',
        marker: 'circle',
      },
    ],
  },
  {
    id: 'shot-accuracy',
    title: 'Many / Medium / Few-shot accuracy',
    description:
      'Mean recall of the classes with > 100, 20–100 and < 20 training samples. A widening gap means the tail is being sacrificed.',
    y: linear('recall', true),
    lines: [
      {
        key: 'many',
        label: 'Many-shot (n > 100)',
        extract: (s) => s.shotGroupAccuracy.many,
        source: CHOSEN,
        color: 'green',
        dash: 'solid',
        marker: 'circle',
      },
      {
        key: 'medium',
        label: 'Medium-shot (20–100)',
        extract: (s) => s.shotGroupAccuracy.medium,
        source: CHOSEN,
        color: 'yellow',
        dash: 'dashed',
        marker: 'rect',
      },
      {
        key: 'few',
        label: 'Few-shot (n < 20)',
        extract: (s) => s.shotGroupAccuracy.few,
        source: CHOSEN,
        color: 'red',
        dash: 'dotted',
        marker: 'triangle',
      },
    ],
    compareLines: [
      {
        key: 'many',
        label: 'Many',
        extract: (s) => s.shotGroupAccuracy.many,
        source: CHOSEN,
        color: 'blue',
        dash: 'solid',
        marker: 'circle',
      },
      {
        key: 'medium',
        label: 'Medium',
        extract: (s) => s.shotGroupAccuracy.medium,
        source: CHOSEN,
        color: 'blue',
        dash: 'dashed',
        marker: 'circle',
      },
      {
        key: 'few',
        label: 'Few',
        extract: (s) => s.shotGroupAccuracy.few,
        source: CHOSEN,
        color: 'blue',
        dash: 'dotted',
        marker: 'circle',
      },
    ],
  },
  {
    id: 'minority-collapse',
    title: 'Minority collapse · tail vs head cosines',
    description:
      'Mean pairwise cosine among tail classes and among head classes. Under minority collapse the tail classifier rows converge (cosine → 1); in a simplex ETF every pair sits at −1/(C−1).',
    y: linear('mean pairwise cosine'),
    lines: [
      {
        key: 'tail-classifier',
        label: 'tail classifier rows',
        extract: (s) => s.tailClassifierCosine,
        source: CLASSIFIER,
        color: 'red',
        dash: 'solid',
        marker: 'triangle',
      },
      {
        key: 'head-classifier',
        label: 'head classifier rows',
        extract: (s) => s.headClassifierCosine,
        source: CLASSIFIER,
        color: 'blue',
        dash: 'solid',
        marker: 'circle',
      },
      {
        key: 'tail-means',
        label: 'tail class means · train',
        extract: (s) => s.tailClassMeanCosine,
        source: TRAIN,
        color: 'red',
        dash: 'dashed',
        marker: 'crossRot',
      },
      {
        key: 'head-means',
        label: 'head class means · train',
        extract: (s) => s.headClassMeanCosine,
        source: TRAIN,
        color: 'blue',
        dash: 'dashed',
        marker: 'rect',
      },
    ],
    compareLines: [
      {
        key: 'tail',
        label: 'tail classifier',
        extract: (s) => s.tailClassifierCosine,
        source: CLASSIFIER,
        color: 'blue',
        dash: 'solid',
        marker: 'circle',
      },
      {
        key: 'head',
        label: 'head classifier',
        extract: (s) => s.headClassifierCosine,
        source: CLASSIFIER,
        color: 'blue',
        dash: 'dashed',
        marker: 'circle',
      },
    ],
    references: (runs) => {
      const lines = etfReference(runs);
      const threshold = runs.length === 1 ? runs[0]?.evaluations.at(-1)?.collapse.cosineThreshold : undefined;
      if (threshold !== undefined)
        lines.push({ label: `collapse threshold ${formatMetric(threshold)}`, value: threshold, color: 'orange', dash: 'dashdot' });
      return lines;
    },
  },
];

/** One colour and one marker per compared run: runs differ by more than colour. */
export const RUN_COLORS: readonly ColorToken[] = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'];
export const RUN_MARKERS: readonly Marker[] = ['circle', 'triangle', 'rect', 'rectRot', 'star', 'crossRot', 'cross', 'rectRounded'];

function pointsOf(run: RunState, source: Source, extract: Extract, chosen: Split, logScale: boolean): Point[] {
  const points: Point[] = [];
  const keep = (x: number, y: number | null | undefined) => {
    if (y === null || y === undefined || !Number.isFinite(y) || (logScale && y <= 0)) return;
    points.push({ x, y });
  };
  if (source.kind === 'epochs') {
    for (const epoch of run.epochs) keep(epoch.epoch, source.extract(epoch));
    return points;
  }
  for (const evaluation of run.evaluations) {
    const scalars =
      source.kind === 'classifier' ? (evaluation.train ?? evaluation.test) : evaluation[source.split === 'chosen' ? chosen : source.split];
    if (scalars !== null) keep(evaluation.epoch, extract(scalars));
  }
  return points;
}

export function runLineCharts(run: RunState, chosen: Split): LineChartView[] {
  return lineChartsFor(CHARTS, run, chosen);
}

/** The charts of `specs` for one run (train solid, test dashed, or the chosen split). */
export function lineChartsFor(specs: readonly ChartSpec[], run: RunState, chosen: Split): LineChartView[] {
  return specs.map((spec) => {
    const series: SeriesView[] = spec.lines.map((line) => ({
      key: line.key,
      label: line.label,
      color: line.color,
      dash: line.dash,
      marker: line.marker,
      axis: line.axis ?? 'y',
      points: pointsOf(run, line.source, line.extract, chosen, spec.y.scale === 'logarithmic' && (line.axis ?? 'y') === 'y'),
    }));
    const usesChosen = spec.lines.some((line) => line.source.kind === 'split' && line.source.split === 'chosen');
    return finish(
      usesChosen ? { ...spec, description: `${spec.description} Split: ${chosen}.` } : spec,
      series,
      spec.references?.([run]) ?? [],
    );
  });
}

export function compareLineCharts(runs: readonly RunState[], chosen: Split): LineChartView[] {
  return CHARTS.map((spec) => {
    const lines = spec.compareLines ?? spec.lines;
    const series: SeriesView[] = runs.flatMap((run, runIndex) =>
      lines.map((line) => ({
        key: `${run.runId}:${line.key}`,
        label: lines.length === 1 ? run.name : `${run.name} · ${line.label}`,
        color: RUN_COLORS[runIndex % RUN_COLORS.length] ?? 'blue',
        dash: line.dash,
        marker: RUN_MARKERS[runIndex % RUN_MARKERS.length] ?? 'circle',
        axis: line.axis ?? 'y',
        points: pointsOf(run, line.source, line.extract, chosen, spec.y.scale === 'logarithmic' && (line.axis ?? 'y') === 'y'),
      })),
    );
    const compareSpec = { ...spec, description: `${spec.description} Split: ${chosen}.` };
    return finish(compareSpec, series, spec.references?.(runs) ?? []);
  });
}

function finish(spec: ChartSpec, series: SeriesView[], references: ReferenceLine[]): LineChartView {
  const empty = series.every((line) => line.points.length === 0);
  return {
    id: spec.id,
    title: spec.title,
    description: spec.description,
    y: spec.y,
    y2: spec.y2 ?? null,
    series,
    references,
    ariaLabel: lineChartAriaLabel(spec, series, references),
    emptyText: empty ? 'No values yet: they appear after the first evaluation.' : null,
  };
}

/** "NC1 · within-class variability: NC1 train 0.42 at epoch 12; NC1 test 0.88 at epoch 12." */
export function lineChartAriaLabel(
  spec: Pick<ChartSpec, 'title' | 'y' | 'y2'>,
  series: readonly SeriesView[],
  references: readonly ReferenceLine[],
): string {
  const parts = series.flatMap((line) => {
    const last = line.points.at(-1);
    if (last === undefined) return [];
    const axis = line.axis === 'y2' ? spec.y2 : spec.y;
    const value = axis?.percent ? formatPercent(last.y) : formatMetric(last.y);
    return [`${line.label} ${value} at epoch ${last.x}`];
  });
  const body = parts.length === 0 ? 'no values yet' : parts.join('; ');
  const refs = references.length === 0 ? '' : `. Reference: ${references.map((reference) => reference.label).join('; ')}`;
  return `${spec.title}: ${body}${refs}.`;
}

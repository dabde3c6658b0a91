/**
 * The multi-label views, built only for runs whose reports carry the multi-label part: per-label recall and precision
 * bars head → tail (by training label count), κ_m over epochs against the κ_m of the true labels, the prototype check
 * (frequency-weighted vs uniform synthesis) over epochs, and a summary card.
 */
import type { EvaluationReport } from '../../protocol/metrics';
import type { Split } from '../../protocol/metrics';
import type { RunState } from '../state';
import { formatCount, formatMetric, formatPercent } from '../format';
import { MAX_CLASS_BARS } from './classBars';
import { bySplit, CHOSEN, linear, lineChartsFor } from './lineCharts';
import type { ChartSpec } from './lineCharts';
import type { SummaryCard } from './summaryCards';
import type { LineChartView, ReferenceLine } from './types';

export interface LabelScoreBar {
  /** Axis label: the label name, or a rank range for a bin. */
  text: string;
  /** Label indices in the bar, head → tail. */
  labels: number[];
  /** The label's recall, or the mean over the bin's labels with a value; null when none has one. */
  recall: number | null;
  precision: number | null;
  /** Training label count n_c, or the mean over the bin. */
  trainCount: number;
  /** One line for the tooltip. */
  detail: string;
}

export interface LabelScoresView {
  split: Split;
  epoch: number;
  labelCount: number;
  /** Labels per bar (1: one bar per label). */
  binSize: number;
  bars: LabelScoreBar[];
  threshold: number;
  /** Under the chart: what the numbers are and the prototype check of this evaluation. */
  note: string;
  ariaLabel: string;
}

/** Labels from head (most training positives) to tail; ties keep label order. */
export function labelHeadToTailOrder(trainCounts: readonly number[]): number[] {
  return trainCounts.map((_, c) => c).sort((a, b) => (trainCounts[b] ?? 0) - (trainCounts[a] ?? 0) || a - b);
}

const meanOfDefined = (values: (number | null | undefined)[]): number | null => {
  const defined = values.filter((value): value is number => typeof value === 'number');
  return defined.length === 0 ? null : defined.reduce((sum, value) => sum + value, 0) / defined.length;
};

/** Null when the report has no multi-label part. */
export function labelScoresView(report: EvaluationReport, classNames: readonly string[]): LabelScoresView | null {
  const part = report.multiLabel;
  if (part === undefined) return null;
  const labelCount = part.recallPerLabel.length;
  const trainCounts = report.trainCounts.length === labelCount ? report.trainCounts : part.labelCounts;
  const order = labelHeadToTailOrder(trainCounts);
  const binSize = Math.max(1, Math.ceil(labelCount / MAX_CLASS_BARS));
  const nameOf = (c: number) => classNames[c] ?? `label ${c}`;
  const bars: LabelScoreBar[] = [];
  for (let at = 0; at < order.length; at += binSize) {
    const labels = order.slice(at, at + binSize);
    const recall = meanOfDefined(labels.map((c) => part.recallPerLabel[c]));
    const precision = meanOfDefined(labels.map((c) => part.precisionPerLabel[c]));
    const trainCount = labels.reduce((sum, c) => sum + (trainCounts[c] ?? 0), 0) / labels.length;
    const only = labels[0] ?? 0;
    const text = labels.length === 1 ? nameOf(only) : `#${at + 1}–${at + labels.length}`;
    const detail =
      labels.length === 1
        ? `${nameOf(only)} (#${only}): recall ${formatPercent(recall)}, precision ${formatPercent(precision)}, n = ${formatCount(trainCount)} training positives, ${formatCount(part.labelCounts[only] ?? 0)} in ${report.split}`
        : `ranks ${at + 1}–${at + labels.length} (${nameOf(only)} … ${nameOf(labels.at(-1) ?? only)}): mean recall ${formatPercent(recall)}, mean precision ${formatPercent(precision)}`;
    bars.push({ text, labels, recall, precision, trainCount, detail });
  }
  const prototypes = part.prototypes;
  const prototypeText =
    prototypes.setCount === 0
      ? 'Prototype check: no label set with ≥ 2 labels whose labels all have single-label samples.'
      : `Prototype check on ${formatCount(prototypes.checkedSampleCount)} multi-label samples in ${prototypes.setCount} label sets: mean relative distance to the frequency-weighted synthesis ${formatMetric(prototypes.meanWeightedError)}, to the uniform one ${formatMetric(prototypes.meanUniformError)}; weighted closer for ${formatPercent(prototypes.weightedCloserFraction)} of them.`;
  const note =
    `${formatCount(labelCount)} labels, head → tail by training positives${binSize > 1 ? `, in bins of ${binSize}` : ''}; a label is predicted where σ(z) > ${part.threshold}. ` +
    `${formatCount(part.sampleCount)} ${report.split} samples: ${formatCount(part.singleLabelCount)} single-label, ${formatCount(part.multiLabelCount)} multi-label, ${formatCount(part.unlabelledCount)} without a label. ${prototypeText}`;
  const ariaLabel =
    `Per-label ${report.split} recall and precision at epoch ${report.epoch} for ${formatCount(labelCount)} labels, head to tail: ` +
    `macro recall ${formatPercent(part.macroRecall)}, macro precision ${formatPercent(part.macroPrecision)}, exact match ${formatPercent(part.exactMatch)}; ` +
    bars
      .slice(0, 10)
      .map((bar) => `${bar.text} ${formatPercent(bar.recall)} / ${formatPercent(bar.precision)}`)
      .join(', ') +
    (bars.length > 10 ? ` and ${bars.length - 10} more` : '') +
    '.';
  return { split: report.split, epoch: report.epoch, labelCount, binSize, bars, threshold: part.threshold, note, ariaLabel };
}

/** The κ_m of the true labels per split, as reference lines (it does not change during a run). */
function trueKappaReferences(runs: readonly RunState[]): ReferenceLine[] {
  const newest = runs[0]?.evaluations.at(-1);
  const lines: ReferenceLine[] = [];
  for (const [split, color] of [
    ['train', 'blue'],
    ['test', 'orange'],
  ] as const) {
    const value = newest?.[split]?.multiLabel?.kappaM;
    if (value !== null && value !== undefined)
      lines.push({ label: `κ_m of the ${split} labels Y = ${formatMetric(value)}`, value, color, dash: 'dotted' });
  }
  return lines;
}

const MULTI_LABEL_CHARTS: ChartSpec[] = [
  {
    id: 'kappa-m',
    title: 'κ_m · label covariance',
    description:
      'κ_m stand-in: the smallest non-zero eigenvalue of the centred label covariance Σ = S − ppᵀ (S = YᵀY/N). Lines: κ_m of the predicted labels Ŷ (σ > 0.5); dotted: κ_m of the true labels, which the predictions approach as they become right.',
    y: linear('smallest non-zero eigenvalue'),
    lines: bySplit('predicted-kappa', 'κ_m of predictions · ', (s) => s.multiLabel?.predictedKappaM ?? null),
    references: trueKappaReferences,
  },
  {
    id: 'prototype-check',
    title: 'Multi-label prototypes · weighted vs uniform',
    description:
      'For samples with ≥ 2 labels: distance of the mean feature of each label set to the class-frequency-weighted synthesis Σ p_c μ_c / Σ p_c and to the uniform average of the single-label prototypes μ_c, relative to its norm (sample-weighted mean). Lower is closer; the share where weighted wins is on the right axis.',
    y: linear('relative distance'),
    y2: linear('weighted closer', true),
    lines: [
      {
        key: 'weighted',
        label: 'frequency-weighted',
        extract: (s) => s.multiLabel?.meanWeightedError ?? null,
        source: CHOSEN,
        color: 'green',
        dash: 'solid',
        marker: 'circle',
      },
      {
        key: 'uniform',
        label: 'uniform',
        extract: (s) => s.multiLabel?.meanUniformError ?? null,
        source: CHOSEN,
        color: 'purple',
        dash: 'dashed',
        marker: 'triangle',
      },
      {
        key: 'weighted-closer',
        label: 'samples where weighted is closer',
        extract: (s) => s.multiLabel?.weightedCloserFraction ?? null,
        source: CHOSEN,
        color: 'yellow',
        dash: 'dotted',
        marker: 'rect',
        axis: 'y2',
      },
    ],
  },
];

/** True when any evaluation of the run carries multi-label scalars. */
export function isMultiLabelRun(run: RunState): boolean {
  return run.evaluations.some((evaluation) => evaluation.train?.multiLabel !== undefined || evaluation.test?.multiLabel !== undefined);
}

/** κ_m and the prototype check over epochs; none for single-label runs. */
export function multiLabelLineCharts(run: RunState, chosen: Split): LineChartView[] {
  return isMultiLabelRun(run) ? lineChartsFor(MULTI_LABEL_CHARTS, run, chosen) : [];
}

/** The headline numbers of the multi-label part; null for single-label reports. */
export function multiLabelCard(report: EvaluationReport): SummaryCard | null {
  const part = report.multiLabel;
  if (part === undefined) return null;
  return {
    key: 'multi-label',
    label: `Labels · ${report.split}`,
    value: `recall ${formatPercent(part.macroRecall)}`,
    detail: `precision ${formatPercent(part.macroPrecision)} · exact ${formatPercent(part.exactMatch)} · κ_m Ŷ ${formatMetric(part.predictedKappaM)} / Y ${formatMetric(part.labelStatistics.kappaM)}`,
    tone: 'normal',
  };
}

/**
 * A run's metrics as CSV (RFC 4180): one row per epoch and evaluated split, with the epoch's training loss beside the
 * split's NC metrics, accuracies and minority-collapse indicators. Epochs without an evaluation get one row with an
 * empty split. A resumed run reports some epochs twice: the later report wins, as on the dashboard.
 */
import type { EvaluationReport } from '../../protocol/metrics';
import type { EpochDidEnd, MetricsDidUpdate } from '../../protocol/messages';
import type { RunData } from './dashboardData';

type Cell = string | number | boolean | null | undefined;

const COLUMNS: { name: string; value: (report: EvaluationReport) => Cell }[] = [
  { name: 'accuracy', value: (r) => r.accuracy },
  { name: 'many_shot_accuracy', value: (r) => r.shotGroupAccuracy.many },
  { name: 'medium_shot_accuracy', value: (r) => r.shotGroupAccuracy.medium },
  { name: 'few_shot_accuracy', value: (r) => r.shotGroupAccuracy.few },
  { name: 'nc1', value: (r) => r.nc1 },
  { name: 'nc2_class_mean_norm_cv', value: (r) => r.nc2.classMeanNormCv },
  { name: 'nc2_classifier_norm_cv', value: (r) => r.nc2.classifierNormCv },
  { name: 'nc2_class_mean_cosine_std', value: (r) => r.nc2.classMeanCosineStd },
  { name: 'nc2_classifier_cosine_std', value: (r) => r.nc2.classifierCosineStd },
  { name: 'nc2_class_mean_max_angle', value: (r) => r.nc2.classMeanMaxAngle },
  { name: 'nc2_classifier_max_angle', value: (r) => r.nc2.classifierMaxAngle },
  { name: 'nc3', value: (r) => r.nc3 },
  { name: 'nc4', value: (r) => r.nc4 },
  { name: 'within_class_variance', value: (r) => r.withinClassVariance },
  { name: 'between_class_variance', value: (r) => r.betweenClassVariance },
  { name: 'tail_classifier_cosine', value: (r) => r.minorityCollapse.tailClassifierCosine },
  { name: 'head_classifier_cosine', value: (r) => r.minorityCollapse.headClassifierCosine },
  { name: 'tail_class_mean_cosine', value: (r) => r.minorityCollapse.tailClassMeanCosine },
  { name: 'head_class_mean_cosine', value: (r) => r.minorityCollapse.headClassMeanCosine },
  { name: 'classifier_norm_slope', value: (r) => r.minorityCollapse.classifierNormSlope },
  { name: 'class_mean_norm_slope', value: (r) => r.minorityCollapse.classMeanNormSlope },
  { name: 'tail_to_head_classifier_norm_ratio', value: (r) => r.minorityCollapse.tailToHeadClassifierNormRatio },
  { name: 'etf_cosine', value: (r) => r.minorityCollapse.etfCosine },
  { name: 'centring', value: (r) => r.centring },
  { name: 'sample_count', value: (r) => r.sampleCount },
];

export const CSV_HEADER = [
  'run',
  'epoch',
  'split',
  'loss',
  'train_accuracy_running',
  'learning_rate',
  ...COLUMNS.map((column) => column.name),
  'collapse_active',
  'collapse_classes',
];

export function metricsCsv(runs: readonly RunData[]): string {
  const lines = [CSV_HEADER.map(csvCell).join(',')];
  for (const run of runs) {
    const epochs = new Map<number, EpochDidEnd>();
    for (const epoch of run.epochs) epochs.set(epoch.epoch, epoch);
    const evaluations = new Map<number, MetricsDidUpdate>();
    for (const evaluation of run.evaluations) evaluations.set(evaluation.epoch, evaluation);
    const names = run.started?.dataset.classNames ?? [];
    const epochNumbers = [...new Set([...epochs.keys(), ...evaluations.keys()])].sort((a, b) => a - b);
    for (const epochNumber of epochNumbers) {
      const epoch = epochs.get(epochNumber);
      const training: Cell[] = [run.name, epochNumber];
      const trainingTail: Cell[] = [epoch?.loss, epoch?.trainAccuracy, epoch?.learningRate];
      const evaluation = evaluations.get(epochNumber);
      if (evaluation === undefined || evaluation.reports.length === 0) {
        lines.push([...training, '', ...trainingTail, ...COLUMNS.map(() => null), null, null].map(csvCell).join(','));
        continue;
      }
      const flagged = evaluation.collapse.classes.map((c) => names[c] ?? `class ${c}`).join('; ');
      for (const report of evaluation.reports) {
        lines.push(
          [
            ...training,
            report.split,
            ...trainingTail,
            ...COLUMNS.map((column) => column.value(report)),
            evaluation.collapse.active,
            flagged,
          ]
            .map(csvCell)
            .join(','),
        );
      }
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Numbers in full precision, null as an empty cell, text quoted when it holds a comma, quote or line break. */
export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = String(value);
  // A leading = + - @ makes spreadsheets evaluate the cell: run and class names are user text.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

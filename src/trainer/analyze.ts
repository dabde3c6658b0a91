/**
 * `trainer analyze`: the full metric report for penultimate features and a last layer saved by any framework as
 * .npy files (H: N × d, y: N, W: C × d, optional b: C). The features are taken as the TRAINING features unless the
 * caller says otherwise: their label counts are the n_c of shot groups, tail selection and norm slopes.
 */
import type { Centring, EvaluationReport, Split } from '../protocol/metrics';
import type { MetricsConfig } from '../protocol/runConfig';
import { readNpy, toFloatRows, toInt32 } from './io/npy';
import type { NpyArray } from './io/npy';
import { evaluateNeuralCollapse } from './metrics/index';
import type { EvaluationMetricsConfig } from './metrics/index';

export interface AnalyzeOptions {
  /** Path of H, N × d. */
  features: string;
  /** Path of y, N integer labels (N or N × 1). */
  labels: string;
  /** Path of W, C × d (PyTorch nn.Linear layout); d × C (Keras/tfjs kernel layout) is transposed when unambiguous. */
  weights: string;
  /** Path of b, C values. */
  bias?: string;
  centring?: Centring;
  /** Which split the features are; default 'train'. */
  split?: Split;
  /**
   * Training counts n_c: a path to a .npy of C integers, or the numbers; default the label counts of `labels`
   * (right when the features are the training set).
   */
  trainCounts?: string | readonly number[];
  tail?: MetricsConfig['tail'];
  maxHeatmapClasses?: number;
}

/** A file whose content does not fit the analysis (shapes, labels); the message names the file and the fix. */
export class AnalysisInputError extends Error {
  override readonly name = 'AnalysisInputError';
}

export async function analyzeFiles(options: AnalyzeOptions): Promise<EvaluationReport> {
  const [featuresArray, labelsArray, weightsArray, biasArray] = await Promise.all([
    readNpy(options.features),
    readNpy(options.labels),
    readNpy(options.weights),
    options.bias === undefined ? Promise.resolve(undefined) : readNpy(options.bias),
  ]);
  const fail = (message: string): never => {
    throw new AnalysisInputError(message);
  };

  if (featuresArray.shape.length !== 2) fail(`${options.features}: features must be a 2-D array N × d, got shape ${shapeText(featuresArray)}`);
  const [sampleCount, featureDim] = featuresArray.shape as [number, number];
  if (sampleCount === 0 || featureDim === 0) fail(`${options.features}: features have shape ${shapeText(featuresArray)}: nothing to analyse`);

  const labelsShape = labelsArray.shape;
  if (!(labelsShape.length === 1 || (labelsShape.length === 2 && labelsShape[1] === 1))) {
    fail(`${options.labels}: labels must be a 1-D array of N class indices, got shape ${shapeText(labelsArray)}`);
  }
  if (labelsShape[0] !== sampleCount) fail(`${options.labels}: ${labelsShape[0]} labels for the ${sampleCount} feature rows of ${options.features}`);
  const labels = toInt32(labelsArray, options.labels);

  const diagnostics: string[] = [];
  if (weightsArray.shape.length !== 2) fail(`${options.weights}: weights must be a 2-D array C × d, got shape ${shapeText(weightsArray)}`);
  let [rows, columns] = weightsArray.shape as [number, number];
  let weights = toFloatRows(weightsArray);
  if (columns !== featureDim) {
    if (rows !== featureDim) fail(`${options.weights}: weights of shape ${shapeText(weightsArray)} do not match the feature dimension d = ${featureDim} of ${options.features}`);
    weights = transpose(weights, rows, columns);
    [rows, columns] = [columns, rows];
    diagnostics.push(`${options.weights} has shape (d, C) = (${featureDim}, ${rows}) as Keras/tfjs kernels do: used its transpose as W`);
  }
  const classCount = rows;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label < 0 || label >= classCount) {
      fail(`${options.labels}: label ${label} at index ${i} is outside [0, ${classCount}), the C = ${classCount} classifier rows of ${options.weights}`);
    }
  }

  let bias: Float32Array | Float64Array | undefined;
  if (biasArray !== undefined) {
    if (biasArray.data.length !== classCount || biasArray.shape.length > 2) {
      fail(`${options.bias}: bias must hold C = ${classCount} values, got shape ${shapeText(biasArray)}`);
    }
    bias = toFloatRows(biasArray);
  }

  const trainCounts = await readTrainCounts(options.trainCounts, labels, classCount, fail);
  const metrics: EvaluationMetricsConfig = {
    centring: options.centring ?? 'class-means',
    tail: options.tail ?? { by: 'shot', fraction: 0.3, classes: [] },
    maxHeatmapClasses: options.maxHeatmapClasses ?? 100,
  };
  const { report } = evaluateNeuralCollapse({
    epoch: 0,
    split: options.split ?? 'train',
    features: toFloatRows(featuresArray),
    labels,
    featureDim,
    classifier: { weights, bias: bias ?? null },
    trainCounts,
    metrics,
  });
  report.diagnostics.unshift(...diagnostics);
  return report;
}

const CENTRING_NAMES: Record<Centring, string> = { 'class-means': 'mean of class means', sample: 'sample mean' };

/** A human-readable multi-line summary of a report: headline metrics, minority collapse, per-class table. */
export function formatAnalysisReport(report: EvaluationReport, options: { maxClassRows?: number } = {}): string {
  const maxClassRows = options.maxClassRows ?? 100;
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(42)}${value}`);
  lines.push(
    `Neural collapse, ${report.split} split: N = ${report.sampleCount}, C = ${report.classCount}, d = ${report.featureDim}, ` +
      `centring: ${CENTRING_NAMES[report.centring]}`,
  );
  row('NC1  tr(Σ_W Σ_B†)/C', number(report.nc1));
  row('NC2  class-mean norms, std/mean', number(report.nc2.classMeanNormCv));
  row('NC2  classifier norms, std/mean', number(report.nc2.classifierNormCv));
  row('NC2  class-mean cosines, std', number(report.nc2.classMeanCosineStd));
  row('NC2  classifier cosines, std', number(report.nc2.classifierCosineStd));
  row('NC2  class means, mean |cos + 1/(C−1)|', number(report.nc2.classMeanMaxAngle));
  row('NC2  classifier, mean |cos + 1/(C−1)|', number(report.nc2.classifierMaxAngle));
  row('NC3  ‖W/‖W‖ − M/‖M‖‖²', number(report.nc3));
  row('NC4  classifier ≠ nearest class centre', number(report.nc4));
  row('tr(Σ_W), tr(Σ_B)', `${number(report.withinClassVariance)}, ${number(report.betweenClassVariance)}`);
  row('Σ_B rank kept', String(report.betweenClassRank));
  row('Accuracy', number(report.accuracy));
  const groups = report.shotGroupAccuracy;
  const sizes = report.shotGroups;
  row(
    'Many / Medium / Few accuracy',
    `${number(groups.many)} (${sizes.many.length}) / ${number(groups.medium)} (${sizes.medium.length}) / ${number(groups.few)} (${sizes.few.length})`,
  );

  const minority = report.minorityCollapse;
  lines.push('', `Minority collapse (tail by ${minority.tailSelection}: ${classList(minority.tailClasses)})`);
  row('classifier cosine: tail / head / ETF', `${number(minority.tailClassifierCosine)} / ${number(minority.headClassifierCosine)} / ${number(minority.etfCosine)}`);
  row('class-mean cosine: tail / head', `${number(minority.tailClassMeanCosine)} / ${number(minority.headClassMeanCosine)}`);
  row('slope of ‖w_c‖ on ln n_c', number(minority.classifierNormSlope));
  row('slope of ‖μ_c − μ_G‖ on ln n_c', number(minority.classMeanNormSlope));
  row('mean ‖w_c‖ tail / head', number(minority.tailToHeadClassifierNormRatio));

  lines.push('');
  if (report.classCount <= maxClassRows) {
    lines.push(`  ${['class', 'n_train', 'n', 'recall', 'NC1_c', 'NC4_c', 'cos(w,μ)'].map((title) => title.padStart(10)).join('')}`);
    for (let c = 0; c < report.classCount; c++) {
      const cells = [
        String(c),
        String(report.trainCounts[c]),
        String(report.classCounts[c]),
        number(report.recallPerClass[c]),
        number(report.nc1PerClass[c]),
        number(report.nc4PerClass[c]),
        number(report.minorityCollapse.selfDualityCosine[c]),
      ];
      lines.push(`  ${cells.map((cell) => cell.padStart(10)).join('')}`);
    }
  } else {
    lines.push(`  (${report.classCount} classes: per-class values are in the --json output)`);
  }
  if (report.diagnostics.length > 0) lines.push('', 'Diagnostics:', ...report.diagnostics.map((line) => `  - ${line}`));
  return lines.join('\n');
}

function number(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  return magnitude >= 1e-3 && magnitude < 1e5 ? value.toFixed(4) : value.toExponential(3);
}

function classList(classes: readonly number[]): string {
  if (classes.length === 0) return 'none';
  return classes.length <= 12 ? classes.join(', ') : `${classes.slice(0, 12).join(', ')} … (${classes.length})`;
}

function shapeText(array: NpyArray): string {
  return array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
}

async function readTrainCounts(
  source: string | readonly number[] | undefined,
  labels: Int32Array,
  classCount: number,
  fail: (message: string) => never,
): Promise<number[]> {
  if (source === undefined) return labelCounts(labels, classCount);
  const name = typeof source === 'string' ? source : 'trainCounts';
  const counts = typeof source === 'string' ? Array.from(toInt32(await readNpy(source), source)) : [...source];
  if (counts.length !== classCount) fail(`${name}: ${counts.length} training counts for the C = ${classCount} classes of the weights`);
  counts.forEach((count, c) => {
    if (!Number.isInteger(count) || count < 0) fail(`${name}: training count ${count} of class ${c} is not a non-negative integer`);
  });
  return counts;
}

function labelCounts(labels: Int32Array, classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (const label of labels) counts[label]!++;
  return counts;
}

function transpose(values: Float32Array | Float64Array, rows: number, columns: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) out[j * rows + i] = values[i * columns + j]!;
  return out;
}

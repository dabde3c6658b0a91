/**
 * The multi-label part of one split's evaluation report (src/protocol/multiLabel.ts), from the network's logits and
 * penultimate features on every sample of the split and the split's label matrix Y:
 * - per-label recall and precision at σ(z) > 0.5 (z > 0), their macro means and the exact-match rate;
 * - p, S = YᵀY/N, Σ_Y = S − ppᵀ and κ_m (stand-in: smallest non-zero eigenvalue of Σ_Y) of Y, and κ_m of the
 *   predicted matrix Ŷ;
 * - the prototype check, weighted by the training label frequencies.
 * Also the single-label rows of the split, on which the run loop computes NC1–NC4.
 */
import { MULTI_LABEL_THRESHOLD } from '../../../protocol/labelsConfig';
import type { MultiLabelReport } from '../../../protocol/multiLabel';
import { perLabelScores } from './binaryCrossEntropy';
import type { LabelMatrix } from './labelMatrix';
import { labelStatistics } from './labelStatistics';
import type { LabelStatistics } from './labelStatistics';
import { prototypeCheck } from './prototypes';

/** Label sets listed in the report, largest first. */
const LISTED_LABEL_SETS = 20;

export interface MultiLabelReportInput {
  /** z, row-major N × C. */
  logits: ArrayLike<number>;
  /** h, row-major N × d. */
  features: ArrayLike<number>;
  featureDim: number;
  labels: LabelMatrix;
  /** p_c of the training labels: the weights of the prototype synthesis. */
  trainFrequencies: ArrayLike<number>;
  /** S and Σ_Y are sent only up to this many labels (`metrics.maxHeatmapClasses`). */
  maxMatrixClasses: number;
}

/** Y is fixed for a run: its eigendecomposition is done once per label matrix. */
const statisticsCache = new WeakMap<LabelMatrix, LabelStatistics>();

export function cachedLabelStatistics(labels: LabelMatrix): LabelStatistics {
  let statistics = statisticsCache.get(labels);
  if (statistics === undefined) {
    statistics = labelStatistics(labels);
    statisticsCache.set(labels, statistics);
  }
  return statistics;
}

/** Ŷ: label c predicted for sample i where z_ic > 0 (σ(z) > 0.5). */
export function predictedLabelMatrix(
  logits: ArrayLike<number>,
  labels: Pick<LabelMatrix, 'rows' | 'classCount' | 'classNames'>,
): LabelMatrix {
  const values = new Uint8Array(labels.rows * labels.classCount);
  for (let k = 0; k < values.length; k++) values[k] = (logits[k] as number) > 0 ? 1 : 0;
  return { rows: labels.rows, classCount: labels.classCount, values, classNames: [...labels.classNames] };
}

/** The rows with exactly one label, and that label. */
export function singleLabelRows(labels: LabelMatrix): { rows: Int32Array; labels: Int32Array } {
  const rows: number[] = [];
  const single: number[] = [];
  const C = labels.classCount;
  for (let i = 0; i < labels.rows; i++) {
    let found = -1;
    let count = 0;
    for (let c = 0; c < C; c++) {
      if (labels.values[i * C + c] === 1) {
        found = c;
        count++;
      }
    }
    if (count === 1) {
      rows.push(i);
      single.push(found);
    }
  }
  return { rows: Int32Array.from(rows), labels: Int32Array.from(single) };
}

const finiteOrNull = (value: number | null | undefined): number | null =>
  value === null || value === undefined || !Number.isFinite(value) ? null : value;

function matrixRows(values: Float64Array, size: number): number[][] {
  return Array.from({ length: size }, (_, i) => Array.from(values.subarray(i * size, (i + 1) * size)));
}

export function multiLabelReport(input: MultiLabelReportInput): MultiLabelReport {
  const { labels, logits } = input;
  const { rows: N, classCount: C } = labels;
  if (logits.length !== N * C) throw new RangeError(`${logits.length} logits for ${N} samples × ${C} labels`);
  const scores = perLabelScores(logits, labels);
  const predicted = predictedLabelMatrix(logits, labels);

  let exact = 0;
  const perSample = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    let same = true;
    for (let c = 0; c < C; c++) {
      const k = i * C + c;
      perSample[i] = (perSample[i] as number) + (labels.values[k] as number);
      if (labels.values[k] !== predicted.values[k]) same = false;
    }
    if (same) exact++;
  }
  const withCount = (test: (count: number) => boolean) => perSample.reduce((sum, count) => sum + (test(count) ? 1 : 0), 0);

  const statistics = cachedLabelStatistics(labels);
  const predictedKappaM = N === 0 ? null : labelStatistics(predicted).kappaM;
  const check = prototypeCheck(input.features, input.featureDim, labels, input.trainFrequencies);
  const sendMatrices = C <= input.maxMatrixClasses;
  const counts = new Array<number>(C).fill(0);
  for (let k = 0; k < labels.values.length; k++) counts[k % C] = (counts[k % C] as number) + (labels.values[k] as number);

  return {
    threshold: MULTI_LABEL_THRESHOLD,
    sampleCount: N,
    unlabelledCount: withCount((count) => count === 0),
    singleLabelCount: withCount((count) => count === 1),
    multiLabelCount: withCount((count) => count >= 2),
    labelCounts: counts,
    recallPerLabel: scores.recall,
    precisionPerLabel: scores.precision,
    macroRecall: scores.macroRecall,
    macroPrecision: scores.macroPrecision,
    exactMatch: N === 0 ? null : exact / N,
    labelStatistics: {
      frequencies: Array.from(statistics.frequencies),
      secondMoment: sendMatrices ? matrixRows(statistics.secondMoment, C) : null,
      centredCovariance: sendMatrices ? matrixRows(statistics.centredCovariance, C) : null,
      spectrum: statistics.spectrum,
      kappaM: finiteOrNull(statistics.kappaM),
      labelsPerSample: statistics.labelsPerSample,
    },
    predictedKappaM: finiteOrNull(predictedKappaM),
    prototypes: {
      weights: 'training label frequencies',
      checkedSampleCount: check.sets.reduce((sum, set) => sum + set.samples, 0),
      setCount: check.sets.length,
      meanWeightedError: finiteOrNull(check.meanWeightedError),
      meanUniformError: finiteOrNull(check.meanUniformError),
      weightedCloserFraction: finiteOrNull(check.weightedCloserFraction),
      labelsWithoutPrototype: check.classesWithoutPrototype,
      largestSets: [...check.sets]
        .sort((a, b) => b.samples - a.samples || a.labels.join(',').localeCompare(b.labels.join(',')))
        .slice(0, LISTED_LABEL_SETS)
        .map((set) => ({
          labels: set.labels,
          samples: set.samples,
          uniformError: finiteOrNull(set.uniformError),
          weightedError: finiteOrNull(set.weightedError),
        })),
    },
  };
}

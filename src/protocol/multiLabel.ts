/**
 * The multi-label part of an evaluation report (`EvaluationReport.multiLabel`), present only in runs with
 * `labels.mode: "multi-label"`; older runs and single-label runs leave it out, so their reports still parse.
 *
 * In a multi-label run the rest of the report (NC1–NC4, accuracy, `recallPerClass`, shot groups, minority collapse)
 * is computed on the split's single-label samples only (exactly one label: the class means of the NC definitions
 * need one class per sample), and `trainCounts` are the training label counts Σ_i Y_ic. This part covers every
 * sample. Definitions and sources: docs/methods.md, "Multi-label mode".
 */
import * as z from 'zod';

const value = z.number(); // zod 4: finite numbers only
const maybe = value.nullable();
const count = z.number().int().nonnegative();
const perLabel = z.array(maybe);
/** A C × C matrix, row-major as nested arrays; null when C exceeds `metrics.maxHeatmapClasses`. */
const squareMatrix = z.array(z.array(value)).nullable();

export const labelStatisticsReportSchema = z.object({
  /** p_c = (1/N) Σ_i Y_ic, per label. */
  frequencies: z.array(value),
  /** S = YᵀY/N. */
  secondMoment: squareMatrix,
  /** Σ_Y = S − ppᵀ. */
  centredCovariance: squareMatrix,
  /** Eigenvalues of Σ_Y, ascending. */
  spectrum: z.array(value),
  /**
   * κ_m, stand-in (the paper's exact definition is not public): the smallest non-zero eigenvalue of Σ_Y (eigenvalues
   * ≤ 1e-9 · λ_max count as zero). Null when Σ_Y = 0.
   */
  kappaM: maybe,
  /** Mean number of labels per sample. */
  labelsPerSample: value,
});

export const labelSetPrototypeSchema = z.object({
  /** The label set S (ascending label indices), |S| ≥ 2. */
  labels: z.array(count),
  samples: count,
  /** ‖m_S − u_S‖/‖m_S‖: mean feature of the set's samples against the uniform synthesis (1/|S|) Σ_{c∈S} μ_c. */
  uniformError: maybe,
  /** ‖m_S − w_S‖/‖m_S‖ against the frequency-weighted synthesis Σ_{c∈S} p_c μ_c / Σ_{c∈S} p_c. */
  weightedError: maybe,
});

export const prototypeCheckReportSchema = z.object({
  /** Whose frequencies p_c weight the synthesis: the training labels' (the frequencies the network was trained on). */
  weights: z.literal('training label frequencies'),
  /** Multi-label samples whose label set could be checked (every label of the set has single-label samples). */
  checkedSampleCount: count,
  /** Label sets checked (≥ 2 labels, each with a single-label prototype μ_c). */
  setCount: count,
  /** Sample-weighted means of the relative errors over the checked sets. */
  meanWeightedError: maybe,
  meanUniformError: maybe,
  /** Fraction of the checked samples whose set's weighted synthesis is closer than the uniform one. */
  weightedCloserFraction: maybe,
  /** Labels without single-label samples in this split: sets containing them are skipped. */
  labelsWithoutPrototype: z.array(count),
  /** The largest checked sets (by samples, at most 20). */
  largestSets: z.array(labelSetPrototypeSchema),
});

export const multiLabelReportSchema = z.object({
  /** A label is predicted where σ(z_c) > threshold, i.e. z_c > 0 for 0.5. */
  threshold: value,
  /** Every sample of the split, and how many have no, exactly one, or several labels. */
  sampleCount: count,
  unlabelledCount: count,
  singleLabelCount: count,
  multiLabelCount: count,
  /** Σ_i Y_ic in this split. */
  labelCounts: z.array(count),
  /** TP/(TP + FN) per label; null for a label no sample of the split has. */
  recallPerLabel: perLabel,
  /** TP/(TP + FP) per label; null for a label never predicted. */
  precisionPerLabel: perLabel,
  /** Means over the labels with a defined value. */
  macroRecall: maybe,
  macroPrecision: maybe,
  /** Fraction of samples whose predicted label set equals the true one (subset accuracy). */
  exactMatch: maybe,
  /** Statistics of the true label matrix Y of the split (constant over a run). */
  labelStatistics: labelStatisticsReportSchema,
  /** κ_m (same stand-in) of the predicted label matrix Ŷ; null when Σ_Ŷ = 0 (e.g. nothing predicted yet). */
  predictedKappaM: maybe,
  prototypes: prototypeCheckReportSchema,
});

export type LabelStatisticsReport = z.infer<typeof labelStatisticsReportSchema>;
export type LabelSetPrototypeReport = z.infer<typeof labelSetPrototypeSchema>;
export type PrototypeCheckReport = z.infer<typeof prototypeCheckReportSchema>;
export type MultiLabelReport = z.infer<typeof multiLabelReportSchema>;

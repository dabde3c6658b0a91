/**
 * One evaluation's metric report and the minority-collapse flag, as they travel over the socket and into the run
 * folder: plain JSON (number arrays, never typed arrays), validated with zod at every boundary.
 *
 * Conventions:
 * - `null` means "undefined here" (a class without samples, a group with no class, a degenerate geometry); zod 4
 *   numbers reject NaN and ±Infinity, so the trainer maps those to null and says why in `diagnostics`.
 * - Per-class arrays have length `classCount` and are indexed by class.
 * - μ_G is the global mean per `centring`; "centred class means" are μ_c − μ_G. Definitions: DOMAIN.md.
 */
import * as z from 'zod';
import { multiLabelReportSchema } from './multiLabel';

export const CENTRINGS = ['class-means', 'sample'] as const;
export const SPLITS = ['train', 'test'] as const;
export const TAIL_SELECTIONS = ['shot', 'fraction', 'classes'] as const;

const value = z.number(); // zod 4: finite numbers only
const maybe = value.nullable();
const count = z.number().int().nonnegative();
const classIndex = z.number().int().nonnegative();
const perClass = z.array(maybe);

export const nc2Schema = z.object({
  /** std/mean of ‖μ_c − μ_G‖ over classes with samples (0 at collapse). */
  classMeanNormCv: maybe,
  /** std/mean of ‖w_c‖ over all classifier rows. */
  classifierNormCv: maybe,
  /** Population std over pairs c ≠ c′ of cos(μ_c − μ_G, μ_c′ − μ_G). */
  classMeanCosineStd: maybe,
  /** Population std over pairs c ≠ c′ of cos(w_c, w_c′). */
  classifierCosineStd: maybe,
  /** Mean over pairs of |cos + 1/(C − 1)| for the centred class means (0 for a simplex ETF). */
  classMeanMaxAngle: maybe,
  /** The same for the classifier rows. */
  classifierMaxAngle: maybe,
});

export const shotGroupAccuracySchema = z.object({
  /** Mean recall of the classes with > 100 training samples; null when the group is empty. */
  many: maybe,
  /** 20–100 training samples. */
  medium: maybe,
  /** < 20 training samples. */
  few: maybe,
});

export const shotGroupsSchema = z.object({
  many: z.array(classIndex),
  medium: z.array(classIndex),
  few: z.array(classIndex),
});

export const minorityCollapseSchema = z.object({
  /** How the tail was chosen (`metrics.tail.by`). */
  tailSelection: z.enum(TAIL_SELECTIONS),
  tailClasses: z.array(classIndex),
  /** Every class that is not tail. */
  headClasses: z.array(classIndex),
  /** −1/(C − 1): the pairwise cosine of a simplex ETF. */
  etfCosine: value,
  /** Mean pairwise cos(w_i, w_j) over tail classes; → 1 under minority collapse. Null with fewer than two. */
  tailClassifierCosine: maybe,
  headClassifierCosine: maybe,
  /** Per tail class (aligned with `tailClasses`): mean cosine of its row to the other tail rows. */
  tailClassifierCosinePerClass: perClass,
  /** Mean ‖w_c‖ over tail / over head: tail rows shrink under minority collapse. */
  tailToHeadClassifierNormRatio: maybe,
  /** Least-squares slope of ‖w_c‖ against ln n_c (training counts); ≈ 0 for an ETF, > 0 under imbalance. */
  classifierNormSlope: maybe,
  /** The same three on the centred class means. */
  tailClassMeanCosine: maybe,
  headClassMeanCosine: maybe,
  classMeanNormSlope: maybe,
  /** Per class: cos(w_c, μ_c − μ_G) (self-duality; 1 at NC3). */
  selfDualityCosine: perClass,
});

/** A square matrix of cosines (rows and columns in the order the enclosing object states); null = undefined. */
const cosineMatrix = z.array(z.array(maybe));

export const cosineBlockSummarySchema = z.object({
  /** A partition of the classes; block (a, b) is the mean cosine over pairs of distinct classes in groups a and b. */
  groups: z.array(z.object({ label: z.string(), classes: z.array(classIndex) })),
  classifier: cosineMatrix,
  classMeans: cosineMatrix,
});

export const cosineMatricesSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('full'),
    /** C × C cosines of classifier rows, by class index, rounded to 1e-4. */
    classifier: cosineMatrix,
    /** C × C cosines of centred class means; rows and columns of classes without samples are null. */
    classMeans: cosineMatrix,
  }),
  z.object({
    /** Sent when C > `metrics.maxHeatmapClasses`. */
    kind: z.literal('summary'),
    /** 3 × 3 blocks over the Many/Medium/Few groups (empty groups left out). */
    shotGroups: cosineBlockSummarySchema,
    /** Classes ordered by training count (largest first) and cut into ≤ maxHeatmapClasses contiguous bins. */
    bins: cosineBlockSummarySchema,
  }),
]);

export const evaluationReportSchema = z.object({
  epoch: count,
  split: z.enum(SPLITS),
  /** Samples that entered the metrics (rows with non-finite features are skipped and named in diagnostics). */
  sampleCount: count,
  classCount: z.number().int().positive(),
  featureDim: z.number().int().positive(),
  centring: z.enum(CENTRINGS),
  /** Samples per class in this split. */
  classCounts: z.array(count),
  /** Training samples per class: the n_c of shot groups, tail selection and norm slopes. */
  trainCounts: z.array(count),
  /** Classes with at least one sample in this split: the C of the class-mean formulas. */
  presentClassCount: count,
  /** Directions of Σ_B kept by the relative cut-off (≤ min(C − 1, d): μ_G is an affine combination of the means). */
  betweenClassRank: count,
  /** tr(Σ_W) and tr(Σ_B). */
  withinClassVariance: maybe,
  betweenClassVariance: maybe,
  /** tr(Σ_W Σ_B†)/C (Papyan et al. 2020); → 0 at collapse. */
  nc1: maybe,
  /** tr(Σ_W^(c) Σ_B†) per class (no /C); the pooled NC1 is their count-weighted mean divided by C. */
  nc1PerClass: perClass,
  nc2: nc2Schema,
  /** ‖Wᵀ/‖W‖_F − M/‖M‖_F‖²_F over the classes with samples. */
  nc3: maybe,
  /** Fraction of samples whose argmax(W h + b) ≠ nearest class centre; overall and per class. */
  nc4: maybe,
  nc4PerClass: perClass,
  /** Whose class means NC4's nearest-centre rule used: this split's own or the training split's. */
  nearestCentreMeans: z.enum(['own', 'train']),
  /** Top-1 accuracy on this split. */
  accuracy: maybe,
  recallPerClass: perClass,
  shotGroupAccuracy: shotGroupAccuracySchema,
  shotGroups: shotGroupsSchema,
  minorityCollapse: minorityCollapseSchema,
  /** Per class: ‖w_c‖ (the dashboard plots it against ln n_c). */
  classifierNorms: perClass,
  /** Per class: ‖μ_c − μ_G‖; null for a class without samples in this split. */
  classMeanNorms: perClass,
  cosineMatrices: cosineMatricesSchema,
  /** Human-readable notes: excluded classes, d < C − 1, skipped rows, undefined metrics and why. */
  diagnostics: z.array(z.string()),
  /** Multi-label runs only: per-label scores, label statistics, κ_m and the prototype check (src/protocol/multiLabel.ts). */
  multiLabel: multiLabelReportSchema.optional(),
});

export const COLLAPSE_REASONS = ['cosine', 'recall', 'cosine+recall'] as const;

export const collapseFlagSchema = z.object({
  /** True while at least one tail class is flagged. */
  active: z.boolean(),
  /** Epoch of the latest evaluation the tracker saw; null before the first. */
  epoch: count.nullable(),
  /** Flagged classes, ascending. The arrays below are aligned with it. */
  classes: z.array(classIndex),
  /** First epoch of each class's current uninterrupted flagged streak. */
  classOnsetEpochs: z.array(count),
  /** Why each class is flagged: its row's mean cosine to the other tail rows > threshold, its recall ≤ threshold, or both. */
  classReasons: z.array(z.enum(COLLAPSE_REASONS)),
  /** Each flagged class's mean cosine to the other tail rows. */
  classCosines: perClass,
  /** Each flagged class's recall (test split when evaluated), null when unknown. */
  recalls: perClass,
  /** Earliest onset among the flagged classes; null when inactive. */
  onsetEpoch: count.nullable(),
  /** Mean pairwise cosine of the tail classifier rows at the latest evaluation, the ETF value, and their difference. */
  tailClassifierCosine: maybe,
  etfCosine: maybe,
  excess: maybe,
  thresholds: z.object({ cosine: value, recall: value }),
  /** One line for people: which classes, since when, by how much. */
  message: z.string(),
});

export type Nc2Report = z.infer<typeof nc2Schema>;
export type ShotGroupAccuracy = z.infer<typeof shotGroupAccuracySchema>;
export type ShotGroupsReport = z.infer<typeof shotGroupsSchema>;
export type MinorityCollapseReport = z.infer<typeof minorityCollapseSchema>;
export type CosineBlockSummary = z.infer<typeof cosineBlockSummarySchema>;
export type CosineMatrices = z.infer<typeof cosineMatricesSchema>;
export type EvaluationReport = z.infer<typeof evaluationReportSchema>;
export type CollapseReason = (typeof COLLAPSE_REASONS)[number];
export type CollapseFlag = z.infer<typeof collapseFlagSchema>;
export type Centring = (typeof CENTRINGS)[number];
export type Split = (typeof SPLITS)[number];

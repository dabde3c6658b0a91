/**
 * One evaluation of neural collapse on one split, as the training loop calls it: NC1–NC4 (Papyan et al. 2020),
 * accuracy and recall, minority-collapse indicators (Fang et al. 2021) and cosine heatmaps, in one
 * `EvaluationReport` (src/protocol/metrics.ts).
 *
 * Two passes over the features (see featureStatistics.ts for why): `evaluateNeuralCollapse` does both on arrays in
 * memory (60,000 × 128 float32 features are 31 MB). Code that streams batches or merges workers uses the same
 * steps: FeatureStatistics.add/merge → classMeanGeometry → WithinClassPass.add/merge → buildEvaluationReport.
 */
import type { MetricsConfig } from '../../protocol/runConfig';
import type { EvaluationReport, Split } from '../../protocol/metrics';
import { overallAccuracy, recallPerClass, shotGroupAccuracy } from './accuracy';
import { classMeanGeometry } from './betweenClass';
import type { ClassMeanGeometry } from './betweenClass';
import { cosineMatrices } from './cosineMatrices';
import { FeatureStatistics } from './featureStatistics';
import type { LabelArray } from './featureStatistics';
import { minorityCollapseIndicators, selectTailClasses } from './minorityCollapse';
import { classMeanVectorGeometry, classifierVectorGeometry, neuralCollapseMetrics } from './neuralCollapse';
import { shotGroups } from './shotGroups';
import { finiteOrNull } from './vectorMath';
import type { FloatRows } from './vectorMath';
import { checkClassifier, WithinClassPass } from './withinClassPass';
import type { Classifier } from './withinClassPass';

export type EvaluationMetricsConfig = Pick<MetricsConfig, 'centring' | 'tail' | 'maxHeatmapClasses'>;

export interface EvaluationInput {
  epoch: number;
  split: Split;
  /** Penultimate features h, row-major N × d. */
  features: FloatRows;
  /** y, N class indices. */
  labels: LabelArray;
  featureDim: number;
  /** The last layer: W (C × d, row-major) and b (C). C is taken from W. */
  classifier: Classifier;
  /** Training samples per class (length C): shot groups, tail selection and norm slopes use them on every split. */
  trainCounts: ArrayLike<number>;
  metrics: EvaluationMetricsConfig;
  /** argmax(W h + b) per sample when the caller already has them (from the network's logits); else computed here. */
  predictions?: ArrayLike<number>;
  /** For the test split: the training evaluation's geometry, whose class means NC4's nearest-centre rule then uses. */
  trainGeometry?: ClassMeanGeometry;
  /** Cut-off on singular values of M relative to the largest (default max(C, d) · 2⁻²³; see betweenClass.ts). */
  relativeTolerance?: number;
}

export interface EvaluationResult {
  report: EvaluationReport;
  /** Class means, μ_G and the SVD of M of this split: pass the train one as `trainGeometry` when evaluating test. */
  geometry: ClassMeanGeometry;
}

export function evaluateNeuralCollapse(input: EvaluationInput): EvaluationResult {
  const { features, labels, featureDim, classifier, metrics } = input;
  const classCount = classifierClassCount(classifier, featureDim);
  const statistics = new FeatureStatistics(classCount, featureDim);
  statistics.add(features, labels);
  const geometry = classMeanGeometry(statistics, metrics.centring, input.relativeTolerance === undefined ? {} : { relativeTolerance: input.relativeTolerance });
  const pass = new WithinClassPass(geometry, {
    classifier,
    ...(input.trainGeometry ? { nearestCentre: input.trainGeometry } : {}),
  });
  pass.add(features, labels, input.predictions);
  const report = buildEvaluationReport({
    epoch: input.epoch,
    split: input.split,
    statistics,
    geometry,
    pass,
    classifier,
    trainCounts: input.trainCounts,
    metrics,
    nearestCentreMeans: input.trainGeometry ? 'train' : 'own',
  });
  return { report, geometry };
}

export interface ReportInput {
  epoch: number;
  split: Split;
  statistics: FeatureStatistics;
  geometry: ClassMeanGeometry;
  pass: WithinClassPass;
  classifier: Classifier;
  trainCounts: ArrayLike<number>;
  metrics: EvaluationMetricsConfig;
  nearestCentreMeans: 'own' | 'train';
}

/** The report from finished passes (merged across batches or workers as needed). */
export function buildEvaluationReport(input: ReportInput): EvaluationReport {
  const { statistics, geometry, pass, classifier, metrics } = input;
  const { classCount: C, featureDim: d } = geometry;
  checkClassifier(classifier, C, d);
  const trainCounts = checkTrainCounts(input.trainCounts, C);
  const diagnostics: string[] = [];

  const absent = range(C).filter((c) => !geometry.present[c]);
  if (absent.length > 0) {
    diagnostics.push(
      `${listClasses(absent)} ${absent.length === 1 ? 'has' : 'have'} no samples in the ${input.split} split: left out of the class-mean ` +
        `metrics (NC1, NC2 on means, NC3, per-class values are null), C = ${geometry.presentClasses.length} present classes`,
    );
  }
  if (d < C - 1) {
    diagnostics.push(
      `feature dimension d = ${d} < C − 1 = ${C - 1}: the classes cannot form a simplex ETF, so the max-angle forms of NC2 and NC3 ` +
        'cannot reach 0; raise model.featureDim to at least C − 1 to watch collapse to an ETF',
    );
  } else {
    // Both centrings subtract an affine combination of the class means, so M has rank ≤ C − 1 either way.
    const expected = Math.min(d, geometry.presentClasses.length - 1);
    if (geometry.rank < expected) {
      diagnostics.push(
        `Σ_B has rank ${geometry.rank} (expected ${expected}): some class means are linearly dependent at the relative cut-off ` +
          `${geometry.relativeTolerance.toExponential(1)}; NC1 counts within-class spread only in the ${geometry.rank} kept directions`,
      );
    }
  }
  const skipped = statistics.skippedNonFinite;
  if (skipped > 0) diagnostics.push(`${skipped} sample${skipped === 1 ? '' : 's'} with NaN or infinite features ${skipped === 1 ? 'was' : 'were'} skipped`);
  if (!allFinite(classifier.weights) || (classifier.bias && !allFinite(classifier.bias))) {
    diagnostics.push('the classifier weights or bias contain NaN or infinite values: the classifier metrics are undefined (training diverged?)');
  }

  const classifierSet = classifierVectorGeometry(classifier.weights, C, d);
  const classMeanSet = classMeanVectorGeometry(geometry);
  const collapse = neuralCollapseMetrics(geometry, pass, classifier.weights, classifierSet, classMeanSet);
  diagnostics.push(...collapse.diagnostics);

  const selection = selectTailClasses(trainCounts, metrics.tail);
  diagnostics.push(...selection.diagnostics);
  const minorityCollapse = minorityCollapseIndicators({
    classCount: C,
    featureDim: d,
    weights: classifier.weights,
    centredMeans: geometry.centredMeans,
    classifier: classifierSet,
    classMeans: classMeanSet,
    trainCounts,
    tailBy: metrics.tail.by,
    selection,
  });

  const recall = recallPerClass(pass.correctPredictions, pass.counts);
  let sampleCount = 0;
  for (const count of statistics.classCounts) sampleCount += count;
  return {
    epoch: input.epoch,
    split: input.split,
    sampleCount,
    classCount: C,
    featureDim: d,
    centring: geometry.centring,
    classCounts: Array.from(statistics.classCounts),
    trainCounts,
    presentClassCount: geometry.presentClasses.length,
    betweenClassRank: geometry.rank,
    withinClassVariance: collapse.withinClassVariance,
    betweenClassVariance: finiteOrNull(geometry.betweenClassVariance),
    nc1: collapse.nc1,
    nc1PerClass: collapse.nc1PerClass,
    nc2: collapse.nc2,
    nc3: collapse.nc3,
    nc4: collapse.nc4,
    nc4PerClass: collapse.nc4PerClass,
    nearestCentreMeans: input.nearestCentreMeans,
    accuracy: overallAccuracy(pass.correctPredictions, pass.counts),
    recallPerClass: recall,
    shotGroupAccuracy: shotGroupAccuracy(recall, trainCounts),
    shotGroups: shotGroups(trainCounts),
    minorityCollapse,
    classifierNorms: Array.from(classifierSet.norms, (norm) => finiteOrNull(norm)),
    classMeanNorms: Array.from(classMeanSet.norms, (norm, c) => (geometry.present[c] ? finiteOrNull(norm) : null)),
    cosineMatrices: cosineMatrices(classifierSet, classMeanSet, trainCounts, metrics.maxHeatmapClasses),
    diagnostics,
  };
}

function classifierClassCount(classifier: Classifier, featureDim: number): number {
  if (!Number.isInteger(featureDim) || featureDim < 1) throw new RangeError(`featureDim must be a positive integer, got ${featureDim}`);
  const { length } = classifier.weights;
  if (length === 0 || length % featureDim !== 0) {
    throw new RangeError(`classifier weights hold ${length} values, not C × ${featureDim} for any number of classes C`);
  }
  return length / featureDim;
}

function checkTrainCounts(trainCounts: ArrayLike<number>, classCount: number): number[] {
  if (trainCounts.length !== classCount) throw new RangeError(`trainCounts has ${trainCounts.length} entries, expected one per class (${classCount})`);
  const counts = Array.from(trainCounts);
  counts.forEach((count, c) => {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`trainCounts[${c}] = ${count} is not a count`);
  });
  return counts;
}

function allFinite(values: FloatRows): boolean {
  let probe = 0;
  for (const value of values) probe += value - value;
  return probe === 0;
}

function range(size: number): number[] {
  return Array.from({ length: size }, (_, i) => i);
}

function listClasses(classes: number[]): string {
  const shown = classes.slice(0, 20).join(', ');
  return `class${classes.length === 1 ? '' : 'es'} ${shown}${classes.length > 20 ? ` and ${classes.length - 20} more` : ''}`;
}

export { FeatureStatistics } from './featureStatistics';
export type { LabelArray } from './featureStatistics';
export { classMeanGeometry, FLOAT32_EPSILON } from './betweenClass';
export type { ClassMeanGeometry, Centring } from './betweenClass';
export { WithinClassPass, argmaxRows } from './withinClassPass';
export type { Classifier, WithinClassPassOptions } from './withinClassPass';
export { CollapseTracker, FITTED_TRAIN_RECALL, collapseEvaluationOf, inactiveCollapseFlag } from './collapseTracker';
export type { CollapseThresholds, CollapseEvaluation } from './collapseTracker';
export { selectTailClasses } from './minorityCollapse';
export { shotGroups, shotGroupOf } from './shotGroups';
export { countPredictions, overallAccuracy, recallPerClass, shotGroupAccuracy } from './accuracy';

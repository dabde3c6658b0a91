/**
 * Minority-collapse indicators (Fang, He, Long & Su, PNAS 2021, Layer-Peeled Model): as the imbalance grows the
 * classifier rows of the minority classes converge to one direction (pairwise cosine → 1) and shrink, and their
 * recall falls to zero. Live indicators, per DOMAIN.md:
 * - mean pairwise cos(w_i, w_j) among tail classes vs among head classes, against the simplex-ETF value −1/(C − 1);
 * - the least-squares slope of ‖w_c‖ against log n_c (≈ 0 for an ETF, positive under imbalance);
 * - the same two on the centred class means μ_c − μ_G;
 * - per class, cos(w_c, μ_c − μ_G) (self-duality, NC3 per class).
 * "Head" is every class that is not tail. n_c is always the TRAINING count, whatever split the features come from.
 */
import type { MetricsConfig } from '../../protocol/runConfig';
import type { MinorityCollapseReport } from '../../protocol/metrics';
import type { VectorSetGeometry } from './neuralCollapse';
import { shotGroups } from './shotGroups';
import type { FloatRows } from './vectorMath';
import { finiteOrNull, leastSquaresSlope, mean, meanPairwiseCosine, rowDot } from './vectorMath';

export type TailConfig = MetricsConfig['tail'];

export interface TailSelection {
  tailClasses: number[];
  headClasses: number[];
  diagnostics: string[];
}

/** Tail classes per `metrics.tail` of the run config; head = the rest. Both ascending. */
export function selectTailClasses(trainCounts: ArrayLike<number>, tail: TailConfig): TailSelection {
  const classCount = trainCounts.length;
  const diagnostics: string[] = [];
  let tailClasses: number[];
  switch (tail.by) {
    case 'shot': {
      const groups = shotGroups(trainCounts);
      tailClasses = groups.few.length > 0 ? groups.few : groups.medium;
      if (groups.few.length === 0 && groups.medium.length > 0) {
        diagnostics.push('tail: no Few-shot class (< 20 training samples), so the Medium-shot classes (20–100) count as tail');
      }
      if (tailClasses.length === 0) {
        diagnostics.push('tail: every class has more than 100 training samples, so there is no tail by shot; set metrics.tail.by to "fraction"');
      }
      break;
    }
    case 'fraction': {
      const size = Math.max(1, Math.min(classCount - 1, Math.round(tail.fraction * classCount)));
      // Smallest counts first; at equal counts the higher index is the tail, as the long-tail profiles order classes.
      const order = Array.from({ length: classCount }, (_, c) => c).sort((a, b) => trainCounts[a]! - trainCounts[b]! || b - a);
      tailClasses = order.slice(0, size);
      break;
    }
    case 'classes': {
      const valid = new Set<number>();
      for (const c of tail.classes) {
        if (Number.isInteger(c) && c >= 0 && c < classCount) valid.add(c);
        else diagnostics.push(`metrics.tail.classes: class ${c} is outside [0, ${classCount}) and was ignored`);
      }
      tailClasses = [...valid];
      if (tailClasses.length === 0) diagnostics.push('metrics.tail.classes names no valid class: there is no tail to watch');
      break;
    }
  }
  tailClasses.sort((a, b) => a - b);
  const tailSet = new Set(tailClasses);
  const headClasses = Array.from({ length: classCount }, (_, c) => c).filter((c) => !tailSet.has(c));
  if (tailClasses.length === 1) diagnostics.push(`tail: only class ${tailClasses[0]} is tail, so there is no tail pair to take a cosine of`);
  return { tailClasses, headClasses, diagnostics };
}

export interface MinorityCollapseInput {
  classCount: number;
  featureDim: number;
  weights: FloatRows;
  centredMeans: Float64Array;
  classifier: VectorSetGeometry;
  classMeans: VectorSetGeometry;
  trainCounts: ArrayLike<number>;
  tailBy: TailConfig['by'];
  selection: TailSelection;
}

export function minorityCollapseIndicators(input: MinorityCollapseInput): MinorityCollapseReport {
  const { classCount: C, featureDim: d, weights, centredMeans, classifier, classMeans, trainCounts, selection } = input;
  const { tailClasses, headClasses } = selection;
  const presentSet = new Set(classMeans.classes);
  const present = (classes: number[]) => classes.filter((c) => presentSet.has(c));

  const tailClassifierCosinePerClass = tailClasses.map((c) => {
    const others = tailClasses.filter((t) => t !== c).map((t) => classifier.cosines[c * C + t]!).filter((value) => !Number.isNaN(value));
    return finiteOrNull(mean(others));
  });
  const meanNorm = (classes: number[]) => mean(classes.map((c) => classifier.norms[c]!).filter((value) => !Number.isNaN(value)));
  const tailNorm = meanNorm(tailClasses);
  const headNorm = meanNorm(headClasses);

  const selfDualityCosine = Array.from({ length: C }, (_, c) => {
    if (!presentSet.has(c)) return null;
    return finiteOrNull(rowDot(weights, c, centredMeans, c, d) / (classifier.norms[c]! * classMeans.norms[c]!));
  });

  return {
    tailSelection: input.tailBy,
    tailClasses: [...tailClasses],
    headClasses: [...headClasses],
    etfCosine: C > 1 ? -1 / (C - 1) : -1,
    tailClassifierCosine: finiteOrNull(meanPairwiseCosine(classifier.cosines, C, tailClasses)),
    headClassifierCosine: finiteOrNull(meanPairwiseCosine(classifier.cosines, C, headClasses)),
    tailClassifierCosinePerClass,
    tailToHeadClassifierNormRatio: tailNorm !== null && headNorm !== null && headNorm > 0 ? finiteOrNull(tailNorm / headNorm) : null,
    classifierNormSlope: normSlope(classifier, classifier.classes, trainCounts),
    tailClassMeanCosine: finiteOrNull(meanPairwiseCosine(classMeans.cosines, C, present(tailClasses))),
    headClassMeanCosine: finiteOrNull(meanPairwiseCosine(classMeans.cosines, C, present(headClasses))),
    classMeanNormSlope: normSlope(classMeans, classMeans.classes, trainCounts),
    selfDualityCosine,
  };
}

/** Least-squares slope of ‖v_c‖ on ln n_c over the classes with n_c > 0 and a defined norm. */
function normSlope(set: VectorSetGeometry, classes: readonly number[], trainCounts: ArrayLike<number>): number | null {
  const x: number[] = [];
  const y: number[] = [];
  for (const c of classes) {
    const norm = set.norms[c]!;
    if (trainCounts[c]! > 0 && !Number.isNaN(norm)) {
      x.push(Math.log(trainCounts[c]!));
      y.push(norm);
    }
  }
  return finiteOrNull(leastSquaresSlope(x, y));
}

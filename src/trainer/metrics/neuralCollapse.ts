/**
 * NC1–NC4 of Papyan, Han & Donoho (PNAS 2020) from the two passes (featureStatistics.ts, withinClassPass.ts) and
 * the classifier W (C × d), following the definitions in DOMAIN.md:
 * - NC1 = tr(Σ_W Σ_B†)/C, and per class NC1_c = tr(Σ_W^(c) Σ_B†) (no /C). Since Σ_W = (1/N) Σ_c n_c Σ_W^(c),
 *   NC1 = (1/(N·C)) Σ_c n_c NC1_c: the pooled value is the count-weighted, head-dominated average.
 * - NC2 equinorm: std/mean of ‖μ_c − μ_G‖ and of ‖w_c‖; equiangularity: std over pairs c ≠ c′ of the cosines;
 *   max-angle: mean over pairs of |cos + 1/(C − 1)| (entrywise over pairs, not a matrix norm).
 * - NC3 = ‖Wᵀ/‖W‖_F − M/‖M‖_F‖²_F.
 * - NC4 = fraction of samples whose argmax(W h + b) differs from argmin_c ‖h − μ_c‖.
 *
 * Which classes count: formulas on class means use the classes present in the split (C = their number); the
 * classifier-only forms of NC2 use every row of W, which exists whether or not its class has samples; NC3 pairs W
 * with M and so uses the rows of present classes. Standard deviations divide by n (see vectorMath.ts).
 */
import type { ClassMeanGeometry } from './betweenClass';
import type { WithinClassPass } from './withinClassPass';
import type { FloatRows } from './vectorMath';
import { coefficientOfVariation, finiteOrNull, mean, pairwiseValues, populationStd, rowCosineMatrix, rowNorms } from './vectorMath';

/** Norms and pairwise cosines of a set of C vectors (classifier rows or centred class means). */
export interface VectorSetGeometry {
  /** Classes the set is defined on (all for W, present ones for class means), ascending. */
  classes: number[];
  /** Norm per class index; NaN where undefined. */
  norms: Float64Array;
  /** C × C cosines, row-major; NaN where undefined. */
  cosines: Float64Array;
}

/**
 * Norms and cosines of the classifier rows. A W with any NaN or infinite entry (a diverged run) is undefined as a
 * whole: every classifier quantity becomes null rather than being computed on the rows that happen to be finite.
 */
export function classifierVectorGeometry(weights: FloatRows, classCount: number, featureDim: number): VectorSetGeometry {
  const classes = Array.from({ length: classCount }, (_, c) => c);
  const norms = rowNorms(weights, classCount, featureDim);
  if (norms.some((norm) => !Number.isFinite(norm))) {
    return { classes, norms: norms.fill(Number.NaN), cosines: new Float64Array(classCount * classCount).fill(Number.NaN) };
  }
  return { classes, norms, cosines: rowCosineMatrix(weights, classCount, featureDim) };
}

export function classMeanVectorGeometry(geometry: ClassMeanGeometry): VectorSetGeometry {
  const { classCount: C, featureDim: d, centredMeans, present } = geometry;
  const norms = rowNorms(centredMeans, C, d);
  for (let c = 0; c < C; c++) if (!present[c]) norms[c] = Number.NaN;
  const included = Array.from(present, (flag) => flag === 1);
  return { classes: [...geometry.presentClasses], norms, cosines: rowCosineMatrix(centredMeans, C, d, included) };
}

export interface Nc2 {
  classMeanNormCv: number | null;
  classifierNormCv: number | null;
  classMeanCosineStd: number | null;
  classifierCosineStd: number | null;
  classMeanMaxAngle: number | null;
  classifierMaxAngle: number | null;
}

export interface NeuralCollapseMetrics {
  nc1: number | null;
  nc1PerClass: (number | null)[];
  /** tr(Σ_W) = (1/N) Σ_i ‖h_i − μ_{y_i}‖². */
  withinClassVariance: number | null;
  nc2: Nc2;
  nc3: number | null;
  nc4: number | null;
  nc4PerClass: (number | null)[];
  diagnostics: string[];
}

export function neuralCollapseMetrics(
  geometry: ClassMeanGeometry,
  pass: WithinClassPass,
  weights: FloatRows,
  classifier: VectorSetGeometry,
  classMeans: VectorSetGeometry,
): NeuralCollapseMetrics {
  const { classCount: C, presentClasses } = geometry;
  const diagnostics: string[] = [];
  let samples = 0;
  for (const count of pass.counts) samples += count;
  const presentCount = presentClasses.length;

  let nc1: number | null = null;
  const nc1PerClass: (number | null)[] = new Array<number | null>(C).fill(null);
  if (presentCount < 2) {
    diagnostics.push(`NC1 needs at least two classes with samples; this split has ${presentCount}`);
  } else if (geometry.rank === 0) {
    diagnostics.push('NC1 is undefined: all class means coincide (Σ_B = 0)');
  } else {
    let projected = 0;
    for (const c of presentClasses) {
      projected += pass.projectedWithinClass[c]!;
      const count = pass.counts[c]!;
      nc1PerClass[c] = count > 0 ? finiteOrNull(pass.projectedWithinClass[c]! / count) : null;
    }
    nc1 = samples > 0 ? finiteOrNull(projected / samples / presentCount) : null;
  }
  let within = 0;
  for (const c of presentClasses) within += pass.withinClassSquaredDistance[c]!;
  const withinClassVariance = samples > 0 ? finiteOrNull(within / samples) : null;

  const nc2 = nc2Metrics(classifier, classMeans);
  const nc3 = nc3Metric(geometry, weights);
  if (nc3 === null) diagnostics.push('NC3 is undefined: W or M has zero Frobenius norm on the present classes');

  let mismatches = 0;
  const nc4PerClass: (number | null)[] = new Array<number | null>(C).fill(null);
  for (let c = 0; c < C; c++) {
    mismatches += pass.nearestCentreMismatches[c]!;
    const count = pass.counts[c]!;
    if (count > 0) nc4PerClass[c] = pass.nearestCentreMismatches[c]! / count;
  }
  const nc4 = pass.predictedSamples > 0 ? mismatches / pass.predictedSamples : null;

  return { nc1, nc1PerClass, withinClassVariance, nc2, nc3, nc4, nc4PerClass, diagnostics };
}

export function nc2Metrics(classifier: VectorSetGeometry, classMeans: VectorSetGeometry): Nc2 {
  const size = classifier.norms.length;
  const forSet = (set: VectorSetGeometry) => {
    const norms = set.classes.map((c) => set.norms[c]!).filter((norm) => !Number.isNaN(norm));
    const cosines = pairwiseValues(set.cosines, size, set.classes);
    const etf = -1 / (set.classes.length - 1);
    return {
      normCv: finiteOrNull(coefficientOfVariation(norms)),
      cosineStd: finiteOrNull(populationStd(cosines)),
      maxAngle: set.classes.length < 2 ? null : finiteOrNull(mean(cosines.map((cosine) => Math.abs(cosine - etf)))),
    };
  };
  const means = forSet(classMeans);
  const rows = forSet(classifier);
  return {
    classMeanNormCv: means.normCv,
    classifierNormCv: rows.normCv,
    classMeanCosineStd: means.cosineStd,
    classifierCosineStd: rows.cosineStd,
    classMeanMaxAngle: means.maxAngle,
    classifierMaxAngle: rows.maxAngle,
  };
}

/** NC3 = ‖Wᵀ/‖W‖_F − M/‖M‖_F‖²_F over the present classes (rows of W, columns of M). */
export function nc3Metric(geometry: ClassMeanGeometry, weights: FloatRows): number | null {
  const { featureDim: d, centredMeans, presentClasses } = geometry;
  let weightNorm = 0;
  let meanNorm = 0;
  for (const c of presentClasses) {
    for (let k = 0; k < d; k++) {
      weightNorm += weights[c * d + k]! ** 2;
      meanNorm += centredMeans[c * d + k]! ** 2;
    }
  }
  weightNorm = Math.sqrt(weightNorm);
  meanNorm = Math.sqrt(meanNorm);
  if (!(weightNorm > 0) || !(meanNorm > 0)) return null;
  let sum = 0;
  for (const c of presentClasses) {
    for (let k = 0; k < d; k++) {
      const difference = weights[c * d + k]! / weightNorm - centredMeans[c * d + k]! / meanNorm;
      sum += difference * difference;
    }
  }
  return finiteOrNull(sum);
}

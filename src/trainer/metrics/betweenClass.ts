/**
 * Class means, their centring, and the between-class covariance Σ_B = (1/C) Σ_c (μ_c − μ_G)(μ_c − μ_G)ᵀ = (1/C) M Mᵀ
 * (Papyan, Han & Donoho, PNAS 2020) through the thin SVD M = U S Vᵀ, so that
 *   Σ_B = U diag(σ_k²/C) Uᵀ   and   Σ_B† = U diag(C/σ_k²) Uᵀ   (kept directions only).
 *
 * Numerical choices:
 * - Σ_B has rank ≤ C − 1 and is never inverted directly. Only directions with σ_k > rtol · σ_max are kept in Σ_B†,
 *   rtol = max(C, d) · ε_float32 by default: the rule numpy/torch pinv use, at float32 precision because the features
 *   come from a float32 network. A float64 cut-off keeps directions that are rounding noise of the float32 features,
 *   and NC1, which divides by σ_k², explodes.
 * - The SVD is taken of M itself (QR of the tall one of M, Mᵀ, then SVD of the small square R), not through the
 *   eigenvectors of the Gram matrix MᵀM: those lose accuracy like (σ_max/σ_k)² and a direction at σ_k = 10⁻⁵ σ_max
 *   would come out mixed with the large ones. Cost O(d · C · min(d, C)): ~0.2 s at d = 512, C = 100 and ~0.3 s at
 *   d = 128, C = 1000 with ml-matrix.
 * - The basis U also keeps the smaller directions down to float64 round-off (σ_k > max(C, d) · ε_float64 · σ_max):
 *   every μ_c − μ_G lies in span(U), so ‖h − μ_c‖² = ‖Uᵀ(h − μ_G) − Uᵀ(μ_c − μ_G)‖² + (a term equal for all c),
 *   and NC4's nearest class centre is found from q = rank(M) coordinates instead of d (withinClassPass.ts).
 *
 * Classes without samples are left out of everything here: C below means the number of present classes.
 */
import { Matrix, QrDecomposition, SVD } from 'ml-matrix';
import type { Centring } from '../../protocol/metrics';
import type { FeatureStatistics } from './featureStatistics';

export type { Centring };

export const FLOAT32_EPSILON = 2 ** -23;
export const FLOAT64_EPSILON = Number.EPSILON;

export interface ClassMeanGeometry {
  classCount: number;
  featureDim: number;
  centring: Centring;
  /** Classes with n_c > 0, ascending: the C of every mean-based formula is their number. */
  presentClasses: number[];
  /** 1 where n_c > 0, per class index. */
  present: Uint8Array;
  /** μ_c, row-major C × d (rows of absent classes are 0). */
  classMeans: Float64Array;
  /** μ_G: the mean of the present class means, or the sample mean Σh/N. */
  globalMean: Float64Array;
  /** μ_c − μ_G, row-major C × d (rows of absent classes are 0). */
  centredMeans: Float64Array;
  /** Uᵀ: the q left singular vectors of M as rows, row-major q × d, by decreasing σ. */
  basis: Float64Array;
  /** q: numerical rank of M in float64. */
  basisSize: number;
  /** σ_1 ≥ … ≥ σ_q of M. */
  singularValues: number[];
  /** Directions kept in Σ_B† (the first `rank` rows of the basis), by the relative cut-off. */
  rank: number;
  /** C/σ_k² for k < rank: Σ_B† = Σ_k (C/σ_k²) u_k u_kᵀ. */
  pseudoInverseWeights: Float64Array;
  /** ζ_c = Uᵀ(μ_c − μ_G), row-major C × q (rows of absent classes are 0). */
  centreCoordinates: Float64Array;
  /** ‖ζ_c‖², per class. */
  centreSquaredNorms: Float64Array;
  /** Kept eigenvalues of Σ_B (σ_k²/C), descending. */
  betweenClassEigenvalues: number[];
  /** tr(Σ_B) = (1/C) Σ_c ‖μ_c − μ_G‖². */
  betweenClassVariance: number;
  /** The cut-off used on singular values of M, relative to the largest. */
  relativeTolerance: number;
}

export interface GeometryOptions {
  /** Cut-off on singular values of M relative to the largest; default max(C, d) · 2⁻²³. */
  relativeTolerance?: number;
}

export function classMeanGeometry(stats: FeatureStatistics, centring: Centring, options: GeometryOptions = {}): ClassMeanGeometry {
  const { classCount, featureDim: d } = stats;
  const presentClasses = stats.presentClasses();
  const count = presentClasses.length;
  const present = new Uint8Array(classCount);
  for (const c of presentClasses) present[c] = 1;
  const classMeans = stats.classMeans();
  const globalMean = new Float64Array(d);
  if (centring === 'sample') {
    const total = stats.sampleCount;
    if (total > 0) for (let c = 0; c < classCount; c++) for (let k = 0; k < d; k++) globalMean[k]! += stats.classSums[c * d + k]! / total;
  } else if (count > 0) {
    for (const c of presentClasses) for (let k = 0; k < d; k++) globalMean[k]! += classMeans[c * d + k]! / count;
  }
  const centredMeans = new Float64Array(classCount * d);
  let betweenClassVariance = 0;
  for (const c of presentClasses) {
    for (let k = 0; k < d; k++) {
      const value = classMeans[c * d + k]! - globalMean[k]!;
      centredMeans[c * d + k] = value;
      betweenClassVariance += value * value;
    }
  }
  if (count > 0) betweenClassVariance /= count;

  const relativeTolerance = options.relativeTolerance ?? Math.max(count, d) * FLOAT32_EPSILON;
  const { basis, singularValues } = leftSingularBasis(centredMeans, presentClasses, d);
  const largest = singularValues[0] ?? 0;
  const basisSize = singularValues.filter((sigma) => largest > 0 && sigma > largest * Math.max(count, d) * FLOAT64_EPSILON).length;
  const rank = singularValues.filter((sigma) => largest > 0 && sigma > largest * relativeTolerance).length;
  const pseudoInverseWeights = Float64Array.from(singularValues.slice(0, rank), (sigma) => count / (sigma * sigma));

  const centreCoordinates = new Float64Array(classCount * basisSize);
  const centreSquaredNorms = new Float64Array(classCount);
  for (const c of presentClasses) {
    let squared = 0;
    for (let j = 0; j < basisSize; j++) {
      let coordinate = 0;
      for (let k = 0; k < d; k++) coordinate += basis[j * d + k]! * centredMeans[c * d + k]!;
      centreCoordinates[c * basisSize + j] = coordinate;
      squared += coordinate * coordinate;
    }
    centreSquaredNorms[c] = squared;
  }

  return {
    classCount,
    featureDim: d,
    centring,
    presentClasses,
    present,
    classMeans,
    globalMean,
    centredMeans,
    basis: basis.subarray(0, basisSize * d),
    basisSize,
    singularValues: singularValues.slice(0, basisSize),
    rank,
    pseudoInverseWeights,
    centreCoordinates,
    centreSquaredNorms,
    betweenClassEigenvalues: singularValues.slice(0, rank).map((sigma) => (sigma * sigma) / count),
    betweenClassVariance,
    relativeTolerance,
  };
}

/**
 * Left singular vectors (as rows of a min(C, d) × d array) and singular values, descending, of the d × C matrix M
 * whose columns are the rows `classes` of `centredMeans`. QR of the tall orientation, then SVD of the square R:
 *   C ≤ d:  M = Q R,  R = U_R S V_Rᵀ  ⇒  U = Q U_R;
 *   C > d:  Mᵀ = Q R, R = U_R S V_Rᵀ  ⇒  M = V_R S (Q U_R)ᵀ  ⇒  U = V_R.
 */
function leftSingularBasis(centredMeans: Float64Array, classes: readonly number[], d: number): { basis: Float64Array; singularValues: number[] } {
  const count = classes.length;
  if (count === 0) return { basis: new Float64Array(0), singularValues: [] };
  const tall = count <= d;
  const rows = tall ? d : count;
  const columns = tall ? count : d;
  const matrix = new Matrix(rows, columns);
  classes.forEach((c, a) => {
    for (let k = 0; k < d; k++) {
      if (tall) matrix.set(k, a, centredMeans[c * d + k]!);
      else matrix.set(a, k, centredMeans[c * d + k]!);
    }
  });
  const qr = new QrDecomposition(matrix);
  const svd = new SVD(qr.upperTriangularMatrix, { computeLeftSingularVectors: tall, computeRightSingularVectors: !tall });
  const sigma = svd.diagonal;
  const order = Array.from(sigma, (_, k) => k).sort((a, b) => sigma[b]! - sigma[a]!);
  const size = columns;
  const basis = new Float64Array(size * d);
  if (tall) {
    const q = qr.orthogonalMatrix;
    const small = svd.leftSingularVectors;
    order.forEach((source, target) => {
      for (let k = 0; k < d; k++) {
        let value = 0;
        for (let a = 0; a < columns; a++) value += q.get(k, a) * small.get(a, source);
        basis[target * d + k] = value;
      }
    });
  } else {
    const right = svd.rightSingularVectors;
    order.forEach((source, target) => {
      for (let k = 0; k < d; k++) basis[target * d + k] = right.get(k, source);
    });
  }
  return { basis, singularValues: order.map((k) => Math.max(0, sigma[k]!)) };
}

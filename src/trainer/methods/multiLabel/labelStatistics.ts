/**
 * Label statistics of multi-label neural collapse (arXiv 2605.01897): label frequencies p_c = (1/N) Σ_i Y_ic, the
 * second moment S = YᵀY/N and the centred covariance Σ_Y = S − ppᵀ. κ_m summarises Σ_Y's spectrum on the weakest
 * centred contrast directions; the paper's exact definition is not public here, and the stand-in is the smallest
 * non-zero eigenvalue of Σ_Y (eigenvalues ≤ relativeTolerance · λ_max count as zero). For single-label data
 * Σ_Y = diag(p) − ppᵀ, whose null vector is 1, and by eigenvalue interlacing κ_m lies between the two smallest class
 * frequencies.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { LabelMatrix } from './labelMatrix';

export interface LabelStatistics {
  /** p (C). */
  frequencies: Float64Array;
  /** S = YᵀY/N, row-major C × C. */
  secondMoment: Float64Array;
  /** Σ_Y = S − ppᵀ, row-major C × C. */
  centredCovariance: Float64Array;
  /** Eigenvalues of Σ_Y, ascending. */
  spectrum: number[];
  /** Smallest non-zero eigenvalue of Σ_Y (the κ_m stand-in); null when Σ_Y is 0. */
  kappaM: number | null;
  /** Mean number of labels per sample. */
  labelsPerSample: number;
}

export function labelStatistics(labels: LabelMatrix, relativeTolerance = 1e-9): LabelStatistics {
  const { rows: N, classCount: C, values } = labels;
  if (N === 0) throw new RangeError('label statistics need at least one sample');
  const frequencies = new Float64Array(C);
  const secondMoment = new Float64Array(C * C);
  const active: number[] = [];
  for (let i = 0; i < N; i++) {
    active.length = 0;
    for (let c = 0; c < C; c++) if (values[i * C + c] === 1) active.push(c);
    for (const a of active) {
      frequencies[a] = (frequencies[a] as number) + 1;
      for (const b of active) secondMoment[a * C + b] = (secondMoment[a * C + b] as number) + 1;
    }
  }
  // Integer counts first, one division at the end: exact up to N = 2^53.
  for (let c = 0; c < C; c++) frequencies[c] = (frequencies[c] as number) / N;
  for (let k = 0; k < C * C; k++) secondMoment[k] = (secondMoment[k] as number) / N;
  const centredCovariance = Float64Array.from(
    secondMoment,
    (value, index) => value - (frequencies[Math.floor(index / C)] as number) * (frequencies[index % C] as number),
  );
  const spectrum = symmetricEigenvalues(centredCovariance, C);
  const largest = Math.max(0, ...spectrum.map(Math.abs));
  const nonZero = spectrum.filter((value) => value > relativeTolerance * largest && value > 0);
  let labelCount = 0;
  for (const value of values) labelCount += value;
  return {
    frequencies,
    secondMoment,
    centredCovariance,
    spectrum,
    kappaM: nonZero.length === 0 ? null : (nonZero[0] as number),
    labelsPerSample: labelCount / N,
  };
}

/** Eigenvalues of a symmetric C × C matrix (row-major), ascending. */
export function symmetricEigenvalues(matrix: Float64Array, size: number): number[] {
  const rows = Array.from({ length: size }, (_, i) => Array.from(matrix.subarray(i * size, (i + 1) * size)));
  const eigen = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  return [...eigen.realEigenvalues].sort((a, b) => a - b);
}

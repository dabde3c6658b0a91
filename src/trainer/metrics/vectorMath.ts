/**
 * Small dense-vector helpers on row-major typed arrays, shared by the metric files. Everything returns float64;
 * `null` stands for "undefined here" (an empty set, a zero-length vector) so that no NaN reaches a report.
 */

/** Row-major matrix storage as it arrives from tfjs (`dataSync()`), .npy files or our own float64 sums. */
export type FloatRows = Float32Array | Float64Array;

/** Euclidean norm of row `row` of a row-major matrix with `width` columns. */
export function rowNorm(matrix: FloatRows, row: number, width: number): number {
  let sum = 0;
  const offset = row * width;
  for (let k = 0; k < width; k++) {
    const value = matrix[offset + k]!;
    sum += value * value;
  }
  return Math.sqrt(sum);
}

export function rowNorms(matrix: FloatRows, rows: number, width: number): Float64Array {
  const norms = new Float64Array(rows);
  for (let row = 0; row < rows; row++) norms[row] = rowNorm(matrix, row, width);
  return norms;
}

/** Dot product of row `i` of `a` and row `j` of `b`, both with `width` columns. */
export function rowDot(a: FloatRows, i: number, b: FloatRows, j: number, width: number): number {
  let sum = 0;
  const offsetA = i * width;
  const offsetB = j * width;
  for (let k = 0; k < width; k++) sum += a[offsetA + k]! * b[offsetB + k]!;
  return sum;
}

/**
 * Cosine of every pair of rows: a rows × rows float64 matrix. Rows outside `included` (or of zero norm) get NaN
 * entries, which the report turns into null; the diagonal of an included row is exactly 1.
 */
export function rowCosineMatrix(matrix: FloatRows, rows: number, width: number, included?: ArrayLike<boolean>): Float64Array {
  const norms = rowNorms(matrix, rows, width);
  const unit = new Float64Array(rows * width);
  const usable = new Uint8Array(rows);
  for (let row = 0; row < rows; row++) {
    const norm = norms[row]!;
    if ((included !== undefined && !included[row]) || !(norm > 0)) continue;
    usable[row] = 1;
    for (let k = 0; k < width; k++) unit[row * width + k] = matrix[row * width + k]! / norm;
  }
  const cosines = new Float64Array(rows * rows).fill(Number.NaN);
  for (let i = 0; i < rows; i++) {
    if (!usable[i]) continue;
    cosines[i * rows + i] = 1;
    for (let j = i + 1; j < rows; j++) {
      if (!usable[j]) continue;
      // Clamp: rounding can push a cosine of two equal unit vectors a few ulps past 1.
      const cosine = Math.max(-1, Math.min(1, rowDot(unit, i, unit, j, width)));
      cosines[i * rows + j] = cosine;
      cosines[j * rows + i] = cosine;
    }
  }
  return cosines;
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/**
 * Population standard deviation (divisor n). With divisor n the std over unordered pairs c < c′ equals the std over
 * all ordered off-diagonal entries, so the equiangularity value does not depend on how pairs are enumerated.
 * Papyan et al.'s notebook uses torch.std (divisor n − 1): its values are larger by √(n/(n − 1)).
 */
export function populationStd(values: readonly number[]): number | null {
  const average = mean(values);
  if (average === null) return null;
  let sum = 0;
  for (const value of values) sum += (value - average) * (value - average);
  return Math.sqrt(sum / values.length);
}

/** std/mean (NC2 equinorm); null when there are no values or the mean is 0. */
export function coefficientOfVariation(values: readonly number[]): number | null {
  const average = mean(values);
  const std = populationStd(values);
  if (average === null || std === null || average === 0) return null;
  return std / average;
}

/** Least-squares slope of y on x; null with fewer than two points or no spread in x. */
export function leastSquaresSlope(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length || x.length < 2) return null;
  const meanX = mean(x)!;
  const meanY = mean(y)!;
  let covariance = 0;
  let varianceX = 0;
  for (let i = 0; i < x.length; i++) {
    covariance += (x[i]! - meanX) * (y[i]! - meanY);
    varianceX += (x[i]! - meanX) * (x[i]! - meanX);
  }
  // Relative test: log counts that differ only by rounding are "no spread".
  if (!(varianceX > 1e-12 * x.length * Math.max(1, meanX * meanX))) return null;
  return covariance / varianceX;
}

/** Mean of the off-diagonal entries (i, j), i < j, of a square cosine matrix restricted to `classes`; null below 2. */
export function meanPairwiseCosine(cosines: Float64Array, size: number, classes: readonly number[]): number | null {
  const values = pairwiseValues(cosines, size, classes);
  return mean(values);
}

/** The entries (i, j), i < j, of a square matrix restricted to `classes`, skipping NaN (undefined) entries. */
export function pairwiseValues(matrix: Float64Array, size: number, classes: readonly number[]): number[] {
  const values: number[] = [];
  for (let a = 0; a < classes.length; a++) {
    for (let b = a + 1; b < classes.length; b++) {
      const value = matrix[classes[a]! * size + classes[b]!]!;
      if (!Number.isNaN(value)) values.push(value);
    }
  }
  return values;
}

/** NaN and ±Infinity become null: zod 4 numbers reject both, and a report must always serialise. */
export function finiteOrNull(value: number | null | undefined): number | null {
  return value === null || value === undefined || !Number.isFinite(value) ? null : value;
}

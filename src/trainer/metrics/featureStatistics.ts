/**
 * First pass over the penultimate features: per-class counts n_c and sums S_c = Σ_{i∈c} h_i, in float64.
 *
 * Design (why no second-moment matrices Q_c = Σ h_i h_iᵀ here):
 * - Per-class Q_c costs C·d² doubles: 131 MB at C = 1000, d = 128 and 210 MB at C = 100, d = 512, and N·d² flops
 *   (1.3·10¹⁰ at N = 50,000, d = 512: seconds in plain JavaScript). A pooled Q gives the pooled NC1 but not the
 *   per-class NC1_c = tr(Σ_W^(c) Σ_B†) that DOMAIN.md asks for, and Σ‖h‖² per class gives tr(Σ_W^(c)) but not its
 *   product with Σ_B†.
 * - Σ_B† lives in span(M), of dimension r ≤ min(C − 1, d). Once the class means are known it factors as A Aᵀ with
 *   A of size d × r (see betweenClass.ts), and tr(Σ_W^(c) Σ_B†) = (1/n_c) Σ_{i∈c} ‖Aᵀ(h_i − μ_c)‖²: one scalar per
 *   class, accumulated in a second pass (withinClassPass.ts) that NC4 needs anyway (its nearest class centre needs
 *   the means). Memory O(C·d + d·r), time N·d·r; both passes' sums merge by addition.
 * - The second pass centres each h_i on μ_c before squaring, which avoids the cancellation in Q_c/n_c − μ_c μ_cᵀ
 *   exactly where it matters: near collapse, when the within-class spread is tiny against ‖μ_c‖.
 *
 * Rows containing NaN or ±Infinity (a diverged network) are skipped and counted, so that one bad sample does not
 * turn every metric into NaN; the report says how many.
 */
import type { FloatRows } from './vectorMath';

export type LabelArray = Int32Array | Uint8Array | Uint16Array | Int16Array | Uint32Array | readonly number[];

export class FeatureStatistics {
  /** n_c: samples of class c seen so far (float64 so merges across machines never overflow). */
  readonly classCounts: Float64Array;
  /** S_c = Σ_{i∈c} h_i, row-major C × d. */
  readonly classSums: Float64Array;
  /** Rows skipped because a feature was NaN or infinite. */
  skippedNonFinite = 0;

  constructor(
    readonly classCount: number,
    readonly featureDim: number,
  ) {
    if (!Number.isInteger(classCount) || classCount < 1) throw new RangeError(`classCount must be a positive integer, got ${classCount}`);
    if (!Number.isInteger(featureDim) || featureDim < 1) throw new RangeError(`featureDim must be a positive integer, got ${featureDim}`);
    this.classCounts = new Float64Array(classCount);
    this.classSums = new Float64Array(classCount * featureDim);
  }

  get sampleCount(): number {
    let total = 0;
    for (const count of this.classCounts) total += count;
    return total;
  }

  /** Adds a batch: `features` row-major N × d, `labels` N class indices in [0, C). */
  add(features: FloatRows, labels: LabelArray): void {
    const d = this.featureDim;
    const rows = checkBatch(features, labels, d, this.classCount);
    const sums = this.classSums;
    for (let i = 0; i < rows; i++) {
      const offset = i * d;
      if (!rowIsFinite(features, offset, d)) {
        this.skippedNonFinite++;
        continue;
      }
      const label = labels[i]!;
      this.classCounts[label]!++;
      const target = label * d;
      for (let k = 0; k < d; k++) sums[target + k]! += features[offset + k]!;
    }
  }

  /** Adds another accumulator's sums into this one (batches, workers, machines). */
  merge(other: FeatureStatistics): void {
    if (other.classCount !== this.classCount || other.featureDim !== this.featureDim) {
      throw new RangeError(
        `cannot merge feature statistics of ${other.classCount} classes × ${other.featureDim} dims into ${this.classCount} × ${this.featureDim}`,
      );
    }
    for (let c = 0; c < this.classCount; c++) this.classCounts[c]! += other.classCounts[c]!;
    for (let k = 0; k < this.classSums.length; k++) this.classSums[k]! += other.classSums[k]!;
    this.skippedNonFinite += other.skippedNonFinite;
  }

  /** Classes with at least one sample, ascending. */
  presentClasses(): number[] {
    const present: number[] = [];
    for (let c = 0; c < this.classCount; c++) if (this.classCounts[c]! > 0) present.push(c);
    return present;
  }

  /** μ_c = S_c / n_c, row-major C × d; rows of classes without samples stay 0 (check `presentClasses`). */
  classMeans(): Float64Array {
    const d = this.featureDim;
    const means = new Float64Array(this.classCount * d);
    for (let c = 0; c < this.classCount; c++) {
      const count = this.classCounts[c]!;
      if (count === 0) continue;
      for (let k = 0; k < d; k++) means[c * d + k] = this.classSums[c * d + k]! / count;
    }
    return means;
  }
}

/** Validates a batch's shapes and labels; returns N. Shared with the second pass. */
export function checkBatch(features: FloatRows, labels: LabelArray, featureDim: number, classCount: number): number {
  if (features.length % featureDim !== 0) {
    throw new RangeError(`features hold ${features.length} values, not a multiple of the feature dimension ${featureDim}`);
  }
  const rows = features.length / featureDim;
  if (labels.length !== rows) throw new RangeError(`${rows} feature rows but ${labels.length} labels`);
  for (let i = 0; i < rows; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= classCount) {
      throw new RangeError(`label ${label} at row ${i} is outside [0, ${classCount})`);
    }
  }
  return rows;
}

export function rowIsFinite(features: FloatRows, offset: number, width: number): boolean {
  // x − x is 0 for every finite x and NaN for NaN and ±Infinity; one test per row instead of one per value.
  let probe = 0;
  for (let k = 0; k < width; k++) {
    const value = features[offset + k]!;
    probe += value - value;
  }
  return probe === 0;
}

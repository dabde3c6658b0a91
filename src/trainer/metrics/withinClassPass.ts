/**
 * Second pass over the features, once the class means and the SVD of M are known (betweenClass.ts). Per class c it
 * accumulates, in float64:
 * - Σ_{i∈c} ‖h_i − μ_c‖²                → tr(Σ_W^(c)), the within-class variance;
 * - Σ_{i∈c} (h_i − μ_c)ᵀ Σ_B† (h_i − μ_c) → NC1_c = tr(Σ_W^(c) Σ_B†) (featureStatistics.ts says why this replaces Q_c);
 * - #{i∈c : a class centre is strictly nearer to h_i than the centre of the predicted class argmax(W h_i + b)}
 *                                          → NC4 (Papyan et al. 2020; exact ties count as agreement);
 * - #{i∈c : prediction = c}               → recall and accuracy.
 * All are sums, so passes over batches, workers or machines merge by addition (the means must be the merged ones).
 *
 * With z = Uᵀ(h − μ_G) and ζ_c = Uᵀ(μ_c − μ_G) (U: left singular vectors of M), (h − μ_c)ᵀ Σ_B† (h − μ_c) =
 * Σ_{k<rank} (C/σ_k²)(z_k − ζ_ck)², and ‖h − μ_c‖² = ‖z − ζ_c‖² + (the same for every c), so one projection of each
 * sample onto the q ≤ min(C, d) directions of M serves NC1 and NC4. Samples go through in blocks, as matrix
 * products (denseKernels.ts).
 *
 * Predictions are taken from the caller when it has them (the training loop gets logits from tfjs anyway), else
 * computed here as argmax(W h + b) from the classifier; ties go to the lowest index, as numpy's argmax does.
 */
import type { ClassMeanGeometry } from './betweenClass';
import { multiplyTransposed } from './denseKernels';
import { checkBatch, rowIsFinite } from './featureStatistics';
import type { LabelArray } from './featureStatistics';
import type { FloatRows } from './vectorMath';

export interface Classifier {
  /** W, row-major C × d. */
  weights: FloatRows;
  /** b, length C; absent means 0. */
  bias?: FloatRows | null;
}

export interface WithinClassPassOptions {
  /** Needed when `add` is called without predictions. */
  classifier?: Classifier;
  /**
   * Whose class centres NC4's nearest-centre rule uses; default: this split's own. On the test split pass the
   * training split's geometry: its class means are the classifier that the network's features define.
   */
  nearestCentre?: ClassMeanGeometry;
}

const BLOCK_ROWS = 64;

export class WithinClassPass {
  readonly counts: Float64Array;
  readonly withinClassSquaredDistance: Float64Array;
  readonly projectedWithinClass: Float64Array;
  readonly nearestCentreMismatches: Float64Array;
  readonly correctPredictions: Float64Array;
  /** Samples that had a prediction (every sample that was not skipped). */
  predictedSamples = 0;
  skippedNonFinite = 0;

  private readonly centres: ClassMeanGeometry;
  /** ζ_c of the centre classes, packed row-major (centre classes × q of `centres`). */
  private readonly packedCentres: Float64Array;
  private readonly centreClasses: Int32Array;
  /** Column of class c in `packedCentres`, −1 when c has no centre. */
  private readonly centreColumn: Int32Array;
  private readonly weights: Float64Array | undefined;
  private readonly bias: Float64Array | undefined;

  constructor(
    readonly geometry: ClassMeanGeometry,
    options: WithinClassPassOptions = {},
  ) {
    const { classCount: C, featureDim: d } = geometry;
    this.counts = new Float64Array(C);
    this.withinClassSquaredDistance = new Float64Array(C);
    this.projectedWithinClass = new Float64Array(C);
    this.nearestCentreMismatches = new Float64Array(C);
    this.correctPredictions = new Float64Array(C);
    const centres = options.nearestCentre ?? geometry;
    if (centres.classCount !== C || centres.featureDim !== d) {
      throw new RangeError(`nearest-centre geometry is ${centres.classCount} classes × ${centres.featureDim} dims, expected ${C} × ${d}`);
    }
    this.centres = centres;
    this.centreClasses = Int32Array.from(centres.presentClasses);
    this.centreColumn = new Int32Array(C).fill(-1);
    const q = centres.basisSize;
    this.packedCentres = new Float64Array(this.centreClasses.length * q);
    this.centreClasses.forEach((c, column) => {
      this.centreColumn[c] = column;
      this.packedCentres.set(centres.centreCoordinates.subarray(c * q, (c + 1) * q), column * q);
    });
    if (options.classifier) {
      checkClassifier(options.classifier, C, d);
      this.weights = Float64Array.from(options.classifier.weights);
      this.bias = options.classifier.bias ? Float64Array.from(options.classifier.bias) : new Float64Array(C);
    }
  }

  add(features: FloatRows, labels: LabelArray, predictions?: ArrayLike<number>): void {
    const { classCount: C, featureDim: d, present } = this.geometry;
    const rows = checkBatch(features, labels, d, C);
    if (predictions !== undefined) {
      if (predictions.length !== rows) throw new RangeError(`${rows} feature rows but ${predictions.length} predictions`);
      for (let i = 0; i < rows; i++) {
        const prediction = predictions[i]!;
        if (!Number.isInteger(prediction) || prediction < 0 || prediction >= C) throw new RangeError(`prediction ${prediction} at row ${i} is outside [0, ${C})`);
      }
    } else if (this.weights === undefined) {
      throw new Error('WithinClassPass.add needs predictions or a classifier (W, b) to compute them');
    }
    const block: number[] = [];
    for (let i = 0; i < rows; i++) {
      if (!rowIsFinite(features, i * d, d)) {
        this.skippedNonFinite++;
        continue;
      }
      const label = labels[i]!;
      if (!present[label]) {
        throw new RangeError(`the second pass saw class ${label}, which had no samples in the first pass: feed both passes the same data`);
      }
      block.push(i);
      if (block.length === BLOCK_ROWS) this.addBlock(features, labels, predictions, block.splice(0));
    }
    if (block.length > 0) this.addBlock(features, labels, predictions, block);
  }

  merge(other: WithinClassPass): void {
    if (other.geometry.classCount !== this.geometry.classCount) throw new RangeError('cannot merge passes over different class counts');
    const pairs: [Float64Array, Float64Array][] = [
      [this.counts, other.counts],
      [this.withinClassSquaredDistance, other.withinClassSquaredDistance],
      [this.projectedWithinClass, other.projectedWithinClass],
      [this.nearestCentreMismatches, other.nearestCentreMismatches],
      [this.correctPredictions, other.correctPredictions],
    ];
    for (const [mine, theirs] of pairs) for (let c = 0; c < mine.length; c++) mine[c]! += theirs[c]!;
    this.predictedSamples += other.predictedSamples;
    this.skippedNonFinite += other.skippedNonFinite;
  }

  private addBlock(features: FloatRows, labels: LabelArray, predictions: ArrayLike<number> | undefined, block: readonly number[]): void {
    const own = this.geometry;
    const { classCount: C, featureDim: d, classMeans } = own;
    const n = block.length;
    const raw = new Float64Array(n * d);
    block.forEach((row, b) => {
      for (let k = 0; k < d; k++) raw[b * d + k] = features[row * d + k]!;
    });

    const ownCoordinates = project(raw, n, d, own);
    const q = own.basisSize;
    const weights = own.pseudoInverseWeights;
    block.forEach((row, b) => {
      const label = labels[row]!;
      this.counts[label]!++;
      let squaredDistance = 0;
      for (let k = 0; k < d; k++) {
        const difference = raw[b * d + k]! - classMeans[label * d + k]!;
        squaredDistance += difference * difference;
      }
      this.withinClassSquaredDistance[label]! += squaredDistance;
      let projected = 0;
      for (let k = 0; k < own.rank; k++) {
        const difference = ownCoordinates[b * q + k]! - own.centreCoordinates[label * q + k]!;
        projected += weights[k]! * difference * difference;
      }
      this.projectedWithinClass[label]! += projected;
    });

    const centres = this.centres;
    const centreCoordinates = centres === own ? ownCoordinates : project(raw, n, d, centres);
    const centreCount = this.centreClasses.length;
    const dots = new Float64Array(n * centreCount);
    multiplyTransposed(centreCoordinates, n, this.packedCentres, centreCount, centres.basisSize, dots);

    let logits: Float64Array | undefined;
    if (predictions === undefined) {
      logits = new Float64Array(n * C);
      multiplyTransposed(raw, n, this.weights!, C, d, logits);
    }

    block.forEach((row, b) => {
      const label = labels[row]!;
      const prediction = logits ? argmaxWithBias(logits, b * C, C, this.bias!) : predictions![row]!;
      this.predictedSamples++;
      if (prediction === label) this.correctPredictions[label]!++;
      // ‖z − ζ_c‖² minus the part ‖z‖² common to every centre.
      let nearest = Number.POSITIVE_INFINITY;
      for (let column = 0; column < centreCount; column++) {
        const distance = centres.centreSquaredNorms[this.centreClasses[column]!]! - 2 * dots[b * centreCount + column]!;
        if (distance < nearest) nearest = distance;
      }
      const predictedColumn = this.centreColumn[prediction]!;
      const predictedDistance =
        predictedColumn < 0 ? Number.POSITIVE_INFINITY : centres.centreSquaredNorms[prediction]! - 2 * dots[b * centreCount + predictedColumn]!;
      if (nearest < predictedDistance) this.nearestCentreMismatches[label]!++;
    });
  }
}

/** z = Uᵀ(h − μ_G) for each row of `raw` (n × d): n × q. */
function project(raw: Float64Array, n: number, d: number, geometry: ClassMeanGeometry): Float64Array {
  const centred = new Float64Array(n * d);
  for (let b = 0; b < n; b++) for (let k = 0; k < d; k++) centred[b * d + k] = raw[b * d + k]! - geometry.globalMean[k]!;
  const coordinates = new Float64Array(n * geometry.basisSize);
  multiplyTransposed(centred, n, geometry.basis, geometry.basisSize, d, coordinates);
  return coordinates;
}

function argmaxWithBias(logits: Float64Array, offset: number, classCount: number, bias: Float64Array): number {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < classCount; c++) {
    const value = logits[offset + c]! + bias[c]!;
    if (value > bestValue) {
      bestValue = value;
      best = c;
    }
  }
  return best;
}

export function checkClassifier(classifier: Classifier, classCount: number, featureDim: number): void {
  if (classifier.weights.length !== classCount * featureDim) {
    throw new RangeError(`classifier weights hold ${classifier.weights.length} values, expected ${classCount} × ${featureDim}`);
  }
  if (classifier.bias && classifier.bias.length !== classCount) {
    throw new RangeError(`classifier bias has ${classifier.bias.length} values, expected ${classCount}`);
  }
}

/** Row-wise argmax of logits (row-major N × C), ties to the lowest index. */
export function argmaxRows(logits: FloatRows, classCount: number): Int32Array {
  if (logits.length % classCount !== 0) throw new RangeError(`logits hold ${logits.length} values, not a multiple of ${classCount} classes`);
  const rows = logits.length / classCount;
  const result = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classCount; c++) {
      const value = logits[i * classCount + c]!;
      if (value > bestValue) {
        bestValue = value;
        best = c;
      }
    }
    result[i] = best;
  }
  return result;
}

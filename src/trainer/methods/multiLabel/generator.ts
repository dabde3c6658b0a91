/**
 * Correlated, imbalanced multi-label images built from a single-label dataset, for trying multi-label training and
 * its label statistics without a multi-label dataset. Sample i:
 * - a primary label c drawn with probability ∝ IF^(−c/(C−1)) (the exponential long-tail profile: class 0 is the head),
 *   or ∝ `primaryWeights[c]` when given (the run loop passes the long-tail counts of the configured profile);
 * - with probability `pairProbability`, a second label: with probability `correlation` the primary's partner
 *   (c + 1) mod C, else another class drawn from the same profile — so labels co-occur in a fixed pattern;
 * - the image is the pixel-wise maximum of one random image of each of its labels (objects superimposed).
 * Seeded: the same options give the same samples.
 */
import type { ImageDataset } from '../../data';
import { imageSizeOf, indicesByClass } from '../../data';
import { SeededRandom } from '../../random';
import { labelMatrixFromSets } from './labelMatrix';
import type { LabelMatrix } from './labelMatrix';

export interface MultiLabelGeneratorOptions {
  samples: number;
  /** IF of the exponential primary-label profile; ignored when `primaryWeights` is given. */
  imbalanceFactor?: number;
  /** Unnormalised probabilities of the primary labels (length C), e.g. the long-tail class counts. */
  primaryWeights?: readonly number[];
  /** Probability that a sample has a second label. */
  pairProbability: number;
  /** Probability that the second label is the primary's partner (c + 1) mod C. */
  correlation: number;
  seed: number;
  /** Names an independent random stream for the same seed (e.g. "train" and "test" splits). */
  stream?: string;
}

export interface MultiLabelDataset {
  /** The images; `labels` holds each sample's primary label. */
  images: ImageDataset;
  labels: LabelMatrix;
}

function drawFrom(cumulative: readonly number[], random: SeededRandom): number {
  const u = random.nextFloat() * (cumulative[cumulative.length - 1] as number);
  const index = cumulative.findIndex((edge) => u < edge);
  return index < 0 ? cumulative.length - 1 : index;
}

function primaryLabelWeights(options: MultiLabelGeneratorOptions, C: number): readonly number[] {
  if (options.primaryWeights !== undefined) {
    const weights = options.primaryWeights;
    if (weights.length !== C) throw new RangeError(`${weights.length} primary-label weights for ${C} classes`);
    if (!weights.every((weight) => Number.isFinite(weight) && weight >= 0) || !weights.some((weight) => weight > 0))
      throw new RangeError('primary-label weights must be finite, non-negative and not all 0');
    return weights;
  }
  const factor = options.imbalanceFactor;
  if (factor === undefined || !(factor >= 1)) throw new RangeError(`imbalanceFactor must be ≥ 1, got ${String(factor)}`);
  return Array.from({ length: C }, (_, c) => factor ** (-c / (C - 1)));
}

export function generateMultiLabelDataset(source: ImageDataset, options: MultiLabelGeneratorOptions): MultiLabelDataset {
  const C = source.classNames.length;
  if (C < 2) throw new RangeError('the multi-label generator needs a dataset with at least 2 classes');
  for (const [name, value] of [
    ['pairProbability', options.pairProbability],
    ['correlation', options.correlation],
  ] as const) {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${value}`);
  }
  const byClass = indicesByClass(source);
  const empty = byClass.findIndex((indices) => indices.length === 0);
  if (empty >= 0) throw new RangeError(`class ${empty} has no image to build multi-label samples from`);
  const random =
    options.stream === undefined
      ? SeededRandom.derive(options.seed, 'multi-label generator')
      : SeededRandom.derive(options.seed, 'multi-label generator', options.stream);
  const weights = primaryLabelWeights(options, C);
  const cumulative: number[] = [];
  let total = 0;
  for (const weight of weights) cumulative.push((total += weight));
  const drawable = weights.filter((weight) => weight > 0).length;

  const size = imageSizeOf(source);
  const images = new Uint8Array(options.samples * size);
  const primary = new Int32Array(options.samples);
  const labelSets: number[][] = [];
  for (let i = 0; i < options.samples; i++) {
    const first = drawFrom(cumulative, random);
    const labels = [first];
    if (random.nextFloat() < options.pairProbability) {
      let second = (first + 1) % C;
      // Another class needs a second class of positive weight to draw from; with one, the partner stands in.
      if (random.nextFloat() >= options.correlation && drawable >= 2) {
        do second = drawFrom(cumulative, random);
        while (second === first);
      }
      labels.push(second);
    }
    labelSets.push(labels.sort((a, b) => a - b));
    primary[i] = first;
    const target = images.subarray(i * size, (i + 1) * size);
    for (const c of labels) {
      const pool = byClass[c] as number[];
      const index = pool[random.nextInt(pool.length)] as number;
      const pixels = source.images.subarray(index * size, (index + 1) * size);
      for (let k = 0; k < size; k++) if ((pixels[k] as number) > (target[k] as number)) target[k] = pixels[k] as number;
    }
  }
  return {
    images: { ...source, images, labels: primary, count: options.samples, classNames: [...source.classNames] },
    labels: labelMatrixFromSets(labelSets, source.classNames),
  };
}

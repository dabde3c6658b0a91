/**
 * Correlated, imbalanced multi-label images built from a single-label dataset, for trying multi-label training and
 * its label statistics without a multi-label dataset. Sample i:
 * - a primary label c drawn with probability ∝ IF^(−c/(C−1)) (the exponential long-tail profile: class 0 is the head);
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
  /** IF of the primary-label profile. */
  imbalanceFactor: number;
  /** Probability that a sample has a second label. */
  pairProbability: number;
  /** Probability that the second label is the primary's partner (c + 1) mod C. */
  correlation: number;
  seed: number;
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
  const random = SeededRandom.derive(options.seed, 'multi-label generator');
  const cumulative: number[] = [];
  let total = 0;
  for (let c = 0; c < C; c++) cumulative.push((total += options.imbalanceFactor ** (-c / (C - 1))));

  const size = imageSizeOf(source);
  const images = new Uint8Array(options.samples * size);
  const primary = new Int32Array(options.samples);
  const labelSets: number[][] = [];
  for (let i = 0; i < options.samples; i++) {
    const first = drawFrom(cumulative, random);
    const labels = [first];
    if (random.nextFloat() < options.pairProbability) {
      let second = (first + 1) % C;
      if (random.nextFloat() >= options.correlation) {
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

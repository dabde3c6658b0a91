/**
 * Long-tailed training sets (Cao et al., LDAM-DRW, NeurIPS 2019; Cui et al., CVPR 2019): class i keeps n_i
 * training images, chosen at random with a fixed seed; the test set stays balanced.
 * The counts come from src/protocol/longTail.ts, shared with the extension's config checks; see there for the
 * formulas and the float64 detail that reproduces the published totals.
 */
import type { ImbalanceProfile } from '../../protocol/longTail';
import { longTailCounts as protocolLongTailCounts } from '../../protocol/longTail';
import { SeededRandom } from '../random';
import type { ImageDataset } from './dataset';
import { DatasetError, indicesByClass, selectImages } from './dataset';

export interface LongTailOptions {
  profile: ImbalanceProfile;
  /** n_max: images kept for class 0, the largest. */
  maxPerClass: number;
  /** Imbalance factor IF = n_max / n_min. */
  factor: number;
  classCount: number;
}

/**
 * Per-class training counts: exponential n_i = floor(n_max · IF^(−i/(C−1))); step: the first ⌊C/2⌋ classes keep
 * n_max, the other ⌈C/2⌉ keep floor(n_max/IF) (the reference code only builds even C; for odd C the middle class
 * goes to the tail); none: n_max each. Class 0 is the head.
 */
export function longTailCounts(options: LongTailOptions): number[] {
  return protocolLongTailCounts(options.profile, options.maxPerClass, options.factor, options.classCount);
}

/**
 * Keeps counts[c] images of each class c, a seeded random subset, in their original order.
 * Each class draws from its own stream (seed, class index) and keeps the first counts[c] of a random permutation of
 * its images, so subsets are nested: for one seed, the images kept at IF 100 are among those kept at IF 10.
 */
export function subsampleLongTail(dataset: ImageDataset, counts: readonly number[], seed: number): ImageDataset {
  if (counts.length !== dataset.classNames.length) {
    throw new RangeError(`subsampleLongTail: ${counts.length} counts for ${dataset.classNames.length} classes`);
  }
  const byClass = indicesByClass(dataset);
  const kept: number[] = [];
  byClass.forEach((indices, classIndex) => {
    const wanted = counts[classIndex] as number;
    if (!Number.isInteger(wanted) || wanted < 0) throw new RangeError(`subsampleLongTail: count ${wanted} for class ${classIndex}`);
    if (wanted > indices.length) {
      throw new DatasetError(
        `imbalance: class ${classIndex} ("${dataset.classNames[classIndex]}") should keep ${wanted} training images but has only ${indices.length}; ` +
          `lower imbalance.maxPerClass (default: the smallest class size, here ${Math.min(...byClass.map((list) => list.length))})`,
      );
    }
    const random = SeededRandom.derive(seed, 'long-tail subsample', classIndex);
    const order = random.shuffle([...indices]);
    kept.push(...order.slice(0, wanted));
  });
  kept.sort((a, b) => a - b);
  return selectImages(dataset, kept);
}

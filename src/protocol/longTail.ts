/**
 * Training counts per class of a long-tailed benchmark (Cao et al., LDAM-DRW, NeurIPS 2019; Cui et al., CVPR 2019):
 * - exponential: n_i = floor(n_max · (1/IF)^(i/(C−1))), computed as the reference code does (the ratio raised to a
 *   power, in float64) so that the published totals come out exactly: Fashion-MNIST-LT IF 100 with n_max 6000 has
 *   14,886 images, CIFAR-10-LT 12,406, CIFAR-100-LT 10,847;
 * - step: the first ⌊C/2⌋ classes keep n_max, the others floor(n_max/IF);
 * - none: every class keeps n_max.
 * Shared by the trainer (which subsamples) and the extension (which checks configs).
 */
import type { RunConfig } from './runConfig';

export type TailDefinition = RunConfig['metrics']['tail'];

export type ImbalanceProfile = 'exponential' | 'step' | 'none';

export function longTailCounts(profile: ImbalanceProfile, maxPerClass: number, factor: number, classCount: number): number[] {
  return Array.from({ length: classCount }, (_, index) => {
    switch (profile) {
      case 'none':
        return maxPerClass;
      case 'step':
        return index < Math.floor(classCount / 2) ? maxPerClass : Math.floor(maxPerClass / factor);
      case 'exponential':
        return classCount === 1 ? maxPerClass : Math.floor(maxPerClass * (1 / factor) ** (index / (classCount - 1)));
    }
  });
}

/** Shot groups by training count (Liu et al., OLTR, CVPR 2019): Many > 100, Medium 20–100, Few < 20. */
export type ShotGroup = 'many' | 'medium' | 'few';

export function shotGroupOf(trainingCount: number): ShotGroup {
  if (trainingCount > 100) return 'many';
  if (trainingCount >= 20) return 'medium';
  return 'few';
}

/**
 * The classes counted as tail for the minority-collapse indicators (run config `metrics.tail`), from the training
 * counts: the Few-shot group (or Medium when Few is empty), the smallest fraction of classes, or an explicit list.
 */
export function tailSelection(tail: TailDefinition, counts: readonly number[]): number[] {
  const indices = counts.map((_, index) => index);
  switch (tail.by) {
    case 'classes':
      return tail.classes.filter((index) => index >= 0 && index < counts.length);
    case 'fraction': {
      const size = Math.max(1, Math.round(tail.fraction * counts.length));
      return [...indices].sort((a, b) => (counts[a] ?? 0) - (counts[b] ?? 0) || a - b).slice(0, size);
    }
    case 'shot': {
      const few = indices.filter((index) => shotGroupOf(counts[index] ?? 0) === 'few');
      if (few.length > 0) return few;
      return indices.filter((index) => shotGroupOf(counts[index] ?? 0) === 'medium');
    }
  }
}

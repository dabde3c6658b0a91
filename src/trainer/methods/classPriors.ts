/** Per-class quantities computed from the training counts n_c (plain numbers, float64). */

/** Training counts must be positive integers: every re-weighting below divides by n_c or takes its log. */
export function checkTrainCounts(trainCounts: readonly number[]): void {
  if (trainCounts.length < 2) throw new RangeError(`a method needs at least 2 classes, got ${trainCounts.length}`);
  trainCounts.forEach((count, c) => {
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`class ${c} has ${count} training samples: every class needs at least one`);
  });
}

/** π_c = n_c / N. */
export function classPriors(trainCounts: readonly number[]): number[] {
  const total = trainCounts.reduce((sum, count) => sum + count, 0);
  return trainCounts.map((count) => count / total);
}

/** log π_c (natural log). */
export function logPriors(trainCounts: readonly number[]): number[] {
  return classPriors(trainCounts).map(Math.log);
}

/**
 * Class-balanced weights from the effective number of samples (Cui et al., "Class-Balanced Loss Based on Effective
 * Number of Samples", CVPR 2019, arXiv 1901.05555): E_c = (1 − β^n_c)/(1 − β), w_c ∝ 1/E_c, normalised so that
 * Σ_c w_c = C. β → 0 gives equal weights, β → 1 inverse-frequency weights. 1 − β^n is computed as −expm1(n·log β)
 * because β^n rounds to 1 in float64 for β = 0.9999 and small n only with a cancellation error.
 */
export function effectiveNumberWeights(trainCounts: readonly number[], beta: number): number[] {
  if (!(beta >= 0 && beta < 1)) throw new RangeError(`β must be in [0, 1), got ${beta}`);
  const raw = trainCounts.map((count) => (beta === 0 ? 1 : (1 - beta) / -Math.expm1(count * Math.log(beta))));
  const total = raw.reduce((sum, weight) => sum + weight, 0);
  return raw.map((weight) => (weight * trainCounts.length) / total);
}

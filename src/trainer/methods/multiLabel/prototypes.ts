/**
 * The class-frequency-weighted prototype check of multi-label neural collapse (arXiv 2605.01897 states that the
 * feature prototype of a multi-label sample follows a class-frequency-weighted synthesis of the single-label
 * prototypes, not their uniform average; the exact rule is not public here, so the weights used are the label
 * frequencies p_c). For every label set S with ≥ 2 labels and at least `minSamples` samples:
 *   observed m_S = mean feature of the samples whose label set is exactly S,
 *   uniform u_S = (1/|S|) Σ_{c∈S} μ_c,  weighted w_S = Σ_{c∈S} p_c μ_c / Σ_{c∈S} p_c,
 * with μ_c the mean feature of the samples labelled {c} alone. Reported: ‖m_S − u_S‖ and ‖m_S − w_S‖ relative to ‖m_S‖,
 * and which synthesis is closer, per set and over all multi-label samples.
 */
import type { LabelMatrix } from './labelMatrix';
import { labelsOf } from './labelMatrix';

export interface LabelSetPrototype {
  labels: number[];
  samples: number;
  /** ‖m_S − u_S‖ / ‖m_S‖. */
  uniformError: number;
  /** ‖m_S − w_S‖ / ‖m_S‖. */
  weightedError: number;
}

export interface PrototypeCheck {
  sets: LabelSetPrototype[];
  /** Fraction of the checked multi-label samples whose set's weighted synthesis is closer than the uniform one. */
  weightedCloserFraction: number | null;
  /** Sample-weighted means of the two relative errors. */
  meanUniformError: number | null;
  meanWeightedError: number | null;
  /** Classes without single-label samples: sets containing them are skipped. */
  classesWithoutPrototype: number[];
}

export function prototypeCheck(
  features: ArrayLike<number>,
  featureDim: number,
  labels: LabelMatrix,
  frequencies: ArrayLike<number>,
  minSamples = 1,
): PrototypeCheck {
  const { rows: N, classCount: C } = labels;
  if (features.length !== N * featureDim) throw new RangeError(`${features.length} feature values for ${N} samples × d = ${featureDim}`);
  const groups = new Map<string, { labels: number[]; rows: number[] }>();
  for (let i = 0; i < N; i++) {
    const set = labelsOf(labels, i);
    if (set.length === 0) continue;
    const key = set.join(',');
    const group = groups.get(key) ?? { labels: set, rows: [] };
    group.rows.push(i);
    groups.set(key, group);
  }
  const meanOf = (rows: number[]): Float64Array => {
    const mean = new Float64Array(featureDim);
    for (const i of rows)
      for (let k = 0; k < featureDim; k++) mean[k] = (mean[k] as number) + (features[i * featureDim + k] as number) / rows.length;
    return mean;
  };
  const prototypes: (Float64Array | undefined)[] = Array.from({ length: C }, (_, c) => {
    const single = groups.get(String(c));
    return single === undefined ? undefined : meanOf(single.rows);
  });
  const classesWithoutPrototype = prototypes.flatMap((prototype, c) => (prototype === undefined ? [c] : []));
  const sets: LabelSetPrototype[] = [];
  for (const group of groups.values()) {
    if (group.labels.length < 2 || group.rows.length < minSamples) continue;
    if (group.labels.some((c) => prototypes[c] === undefined)) continue;
    const observed = meanOf(group.rows);
    const uniform = new Float64Array(featureDim);
    const weighted = new Float64Array(featureDim);
    const weightSum = group.labels.reduce((sum, c) => sum + (frequencies[c] as number), 0);
    for (const c of group.labels) {
      const prototype = prototypes[c] as Float64Array;
      for (let k = 0; k < featureDim; k++) {
        uniform[k] = (uniform[k] as number) + (prototype[k] as number) / group.labels.length;
        weighted[k] = (weighted[k] as number) + ((frequencies[c] as number) * (prototype[k] as number)) / weightSum;
      }
    }
    const norm = Math.hypot(...observed);
    const distance = (a: Float64Array) => Math.hypot(...Array.from(observed, (value, k) => value - (a[k] as number)));
    sets.push({
      labels: group.labels,
      samples: group.rows.length,
      uniformError: distance(uniform) / norm,
      weightedError: distance(weighted) / norm,
    });
  }
  const checked = sets.reduce((sum, set) => sum + set.samples, 0);
  const average = (pick: (set: LabelSetPrototype) => number) =>
    checked === 0 ? null : sets.reduce((sum, set) => sum + pick(set) * set.samples, 0) / checked;
  return {
    sets,
    weightedCloserFraction: average((set) => (set.weightedError < set.uniformError ? 1 : 0)),
    meanUniformError: average((set) => set.uniformError),
    meanWeightedError: average((set) => set.weightedError),
    classesWithoutPrototype,
  };
}

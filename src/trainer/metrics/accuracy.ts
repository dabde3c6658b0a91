/**
 * Accuracy, per-class recall and shot-group accuracy. On a balanced test set (the long-tail benchmarks keep it
 * balanced) accuracy equals mean per-class recall, and the Many/Medium/Few accuracy is the mean recall of the
 * classes in the group, as in the BagofTricks-LT and OLTR tables.
 */
import { shotGroups } from './shotGroups';
import type { ShotGroupName } from './shotGroups';

/** correct_c / n_c per class; null for a class without samples. */
export function recallPerClass(correctPredictions: ArrayLike<number>, classCounts: ArrayLike<number>): (number | null)[] {
  return Array.from({ length: classCounts.length }, (_, c) => (classCounts[c]! > 0 ? correctPredictions[c]! / classCounts[c]! : null));
}

/** Σ correct / Σ n; null without samples. */
export function overallAccuracy(correctPredictions: ArrayLike<number>, classCounts: ArrayLike<number>): number | null {
  let correct = 0;
  let total = 0;
  for (let c = 0; c < classCounts.length; c++) {
    correct += correctPredictions[c]!;
    total += classCounts[c]!;
  }
  return total > 0 ? correct / total : null;
}

/** Mean recall within each shot group (groups by training counts); null where a group has no measured class. */
export function shotGroupAccuracy(recall: readonly (number | null)[], trainCounts: ArrayLike<number>): Record<ShotGroupName, number | null> {
  const groups = shotGroups(trainCounts);
  const meanRecall = (classes: number[]) => {
    const values = classes.map((c) => recall[c]).filter((value): value is number => value !== null && value !== undefined);
    return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
  };
  return { many: meanRecall(groups.many), medium: meanRecall(groups.medium), few: meanRecall(groups.few) };
}

/** Per-class counts of samples and of correct predictions from label and prediction arrays. */
export function countPredictions(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  classCount: number,
): { classCounts: Float64Array; correctPredictions: Float64Array } {
  if (labels.length !== predictions.length) throw new RangeError(`${labels.length} labels but ${predictions.length} predictions`);
  const classCounts = new Float64Array(classCount);
  const correctPredictions = new Float64Array(classCount);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= classCount) throw new RangeError(`label ${label} at row ${i} is outside [0, ${classCount})`);
    classCounts[label]!++;
    if (predictions[i] === label) correctPredictions[label]!++;
  }
  return { classCounts, correctPredictions };
}

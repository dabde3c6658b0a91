/**
 * Auxiliary classes for category extrapolation (Zhao et al., "Learning from Neighbors: Category Extrapolation for
 * Long-Tail Learning" / "Granularity Matters in Long-Tail Learning", arXiv 2410.15980). The paper adds open-set
 * classes retrieved from the web; here they are classes of the same dataset held out of the target set (the config's
 * `method.auxiliaryClasses`), which needs no second dataset.
 *
 * From the full (not subsampled) splits: the target classes keep their order and are re-numbered 0 … T−1, then
 * subsampled to the config's long-tail profile over T classes (n_max defaults to the smallest target class, as for
 * any run); the auxiliary classes become labels T … T+A−1 with `auxiliaryPerClass` images each (default: the target
 * n_max). Auxiliary images are dropped from the test split: every metric is on the target classes.
 */
import type { DatasetSplits, ImageDataset } from '../../data';
import { DatasetError, classCounts, indicesByClass, selectImages, subsampleLongTail, targetTrainCounts } from '../../data';
import { SeededRandom } from '../../random';
import type { ImbalanceConfig, TrainingData } from '../trainingData';

export interface AuxiliaryClassOptions {
  /** Dataset class indices held out as auxiliary classes. */
  auxiliaryClasses: readonly number[];
  auxiliaryPerClass?: number | undefined;
  imbalance: ImbalanceConfig;
  seed: number;
}

/** The dataset's class indices split into target classes (in order) and auxiliary classes (in the given order). */
export function splitClasses(classCount: number, auxiliaryClasses: readonly number[]): { targets: number[]; auxiliary: number[] } {
  const auxiliary = [...new Set(auxiliaryClasses)];
  const outside = auxiliary.filter((c) => !Number.isInteger(c) || c < 0 || c >= classCount);
  if (outside.length > 0) {
    throw new DatasetError(
      `method.auxiliaryClasses: ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not a class of this dataset (0 … ${classCount - 1})`,
    );
  }
  if (auxiliary.length !== auxiliaryClasses.length)
    throw new DatasetError('method.auxiliaryClasses lists a class twice: list each auxiliary class once');
  const targets = Array.from({ length: classCount }, (_, c) => c).filter((c) => !auxiliary.includes(c));
  if (targets.length < 2) {
    throw new DatasetError(
      `method.auxiliaryClasses holds out ${auxiliary.length} of ${classCount} classes, leaving ${targets.length} target class${targets.length === 1 ? '' : 'es'}; at least 2 are needed`,
    );
  }
  return { targets, auxiliary };
}

/** The images of the listed classes, relabelled 0 … k−1 in the listed order. */
function relabel(dataset: ImageDataset, classes: readonly number[], classNames: string[]): ImageDataset {
  const newLabel = new Map(classes.map((c, index) => [c, index]));
  const kept: number[] = [];
  dataset.labels.forEach((label, index) => {
    if (newLabel.has(label)) kept.push(index);
  });
  const selected = selectImages(dataset, kept);
  selected.labels = Int32Array.from(selected.labels, (label) => newLabel.get(label) as number);
  selected.classNames = classNames;
  return selected;
}

/** Concatenates two datasets of the same image shape; labels are kept as they are. */
function concatenate(first: ImageDataset, second: ImageDataset, classNames: string[]): ImageDataset {
  const images = new Uint8Array(first.images.length + second.images.length);
  images.set(first.images, 0);
  images.set(second.images, first.images.length);
  const labels = new Int32Array(first.count + second.count);
  labels.set(first.labels, 0);
  labels.set(second.labels, first.count);
  return { ...first, images, labels, count: first.count + second.count, classNames };
}

export function holdOutAuxiliaryClasses(full: DatasetSplits, options: AuxiliaryClassOptions): TrainingData {
  const names = full.train.classNames;
  const { targets, auxiliary } = splitClasses(names.length, options.auxiliaryClasses);
  const targetNames = targets.map((c) => names[c] as string);
  const auxiliaryNames = auxiliary.map((c) => `${names[c] as string} (auxiliary)`);

  const targetTrainFull = relabel(full.train, targets, targetNames);
  const fullTrainCounts = classCounts(targetTrainFull);
  const trainCounts = targetTrainCounts(fullTrainCounts, options.imbalance);
  const targetTrain = subsampleLongTail(targetTrainFull, trainCounts, options.seed);

  const perClass = options.auxiliaryPerClass ?? Math.max(...trainCounts);
  const auxiliaryFull = relabel(full.train, auxiliary, auxiliaryNames);
  const available = classCounts(auxiliaryFull);
  const auxiliaryCounts = available.map((count) => Math.min(count, perClass));
  const byClass = indicesByClass(auxiliaryFull);
  const kept: number[] = [];
  byClass.forEach((indices, index) => {
    const random = SeededRandom.derive(options.seed, 'auxiliary subsample', index);
    kept.push(...random.shuffle([...indices]).slice(0, auxiliaryCounts[index]));
  });
  kept.sort((a, b) => a - b);
  const auxiliaryTrain = selectImages(auxiliaryFull, kept);
  auxiliaryTrain.labels = Int32Array.from(auxiliaryTrain.labels, (label) => label + targets.length);

  const allNames = [...targetNames, ...auxiliaryNames];
  return {
    train: concatenate(targetTrain, auxiliaryTrain, allNames),
    test: relabel(full.test, targets, targetNames),
    evaluationTrain: targetTrain,
    source: `${full.source}; auxiliary classes ${auxiliary.map((c) => `${c} (${names[c] as string})`).join(', ')} held out of the targets`,
    classNames: targetNames,
    fullTrainCounts,
    trainCounts,
    rowTrainCounts: [...trainCounts, ...auxiliaryCounts],
  };
}

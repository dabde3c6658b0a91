/**
 * The data a run trains and evaluates on, as the method needs it. Most methods train on the loaded long-tailed
 * splits as they are; granularity (category extrapolation) holds some dataset classes out as auxiliary classes and
 * trains extra classifier rows on them, while every metric is computed on the target classes only.
 */
import type { RunConfig } from '../../protocol/runConfig';
import type { DatasetSplits, ImageDataset } from '../data';
import { holdOutAuxiliaryClasses } from './granularity/auxiliaryClasses';
import type { MethodConfig } from './method';

export type ImbalanceConfig = RunConfig['imbalance'];

export interface TrainingData {
  /** What the loop trains on: labels 0 … T−1 are target classes, T … T+A−1 auxiliary classes (if any). */
  train: ImageDataset;
  /** Target classes only (test sets stay balanced). */
  test: ImageDataset;
  /** The target-class samples of `train`: the training split's metrics are computed on these. */
  evaluationTrain: ImageDataset;
  /** For people: which data, and which classes are auxiliary. */
  source: string;
  /** Target class names, T of them. */
  classNames: string[];
  /** Training images per target class before / after long-tail subsampling. */
  fullTrainCounts: number[];
  trainCounts: number[];
  /** Training images per classifier row: the T target counts, then the A auxiliary counts. */
  rowTrainCounts: number[];
}

/** The loaded splits as the data of a method without auxiliary classes. */
export function plainTrainingData(splits: DatasetSplits): TrainingData {
  return {
    train: splits.train,
    test: splits.test,
    evaluationTrain: splits.train,
    source: splits.source,
    classNames: splits.train.classNames,
    fullTrainCounts: splits.fullTrainCounts,
    trainCounts: splits.trainCounts,
    rowTrainCounts: splits.trainCounts,
  };
}

/**
 * Loads the data for `method` through `load` (the dataset loader with a given imbalance): the config's imbalance for
 * most methods; for granularity the full training set, from which target classes are subsampled to the config's
 * long-tail profile and auxiliary classes to `auxiliaryPerClass` images each.
 */
export async function loadTrainingData(
  method: MethodConfig,
  imbalance: ImbalanceConfig,
  seed: number,
  load: (imbalance: ImbalanceConfig) => Promise<DatasetSplits>,
): Promise<TrainingData> {
  if (method.name !== 'granularity') return plainTrainingData(await load(imbalance));
  const full = await load({ profile: 'none', factor: 1 });
  return holdOutAuxiliaryClasses(full, {
    auxiliaryClasses: method.auxiliaryClasses,
    auxiliaryPerClass: method.auxiliaryPerClass,
    imbalance,
    seed,
  });
}

/**
 * The data a run trains and evaluates on, as the method needs it. Most methods train on the loaded long-tailed
 * splits as they are; granularity (category extrapolation) holds some dataset classes out as auxiliary classes and
 * trains extra classifier rows on them, while every metric is computed on the target classes only; a multi-label run
 * (labels.mode "multi-label") trains on multi-hot labels (methods/multiLabel/multiLabelData.ts).
 */
import type { RunConfig } from '../../protocol/runConfig';
import type { DatasetSplits, ImageDataset } from '../data';
import { holdOutAuxiliaryClasses } from './granularity/auxiliaryClasses';
import type { MethodConfig } from './method';
import { loadMultiLabelTrainingData } from './multiLabel/multiLabelData';
import type { MultiLabelSplits } from './multiLabel/multiLabelData';

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
  /**
   * Multi-label runs only: the multi-hot labels of train and test. The classes are then the labels, the counts above
   * are label counts Σ_i Y_ic, and each image's `labels` entry holds one of its labels (not a training target).
   */
  multiLabel?: MultiLabelSplits;
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

export interface TrainingDataOptions {
  method: MethodConfig;
  imbalance: ImbalanceConfig;
  seed: number;
  labels: RunConfig['labels'];
  /** Folder of the run config: relative label file paths are resolved against it. */
  configDir: string;
}

/**
 * Loads the data for the config through `load` (the dataset loader with a given imbalance): the config's imbalance
 * for most methods; for granularity the full training set, from which target classes are subsampled to the config's
 * long-tail profile and auxiliary classes to `auxiliaryPerClass` images each; for multi-label runs the full splits,
 * from which the multi-label data are generated or to which the label files are matched.
 */
export async function loadTrainingData(
  { method, imbalance, seed, labels, configDir }: TrainingDataOptions,
  load: (imbalance: ImbalanceConfig) => Promise<DatasetSplits>,
): Promise<TrainingData> {
  if (labels.mode === 'multi-label') return loadMultiLabelTrainingData({ labels, imbalance, seed, configDir }, load);
  if (method.name !== 'granularity') return plainTrainingData(await load(imbalance));
  const full = await load({ profile: 'none', factor: 1 });
  return holdOutAuxiliaryClasses(full, {
    auxiliaryClasses: method.auxiliaryClasses,
    auxiliaryPerClass: method.auxiliaryPerClass,
    imbalance,
    seed,
  });
}

/**
 * The data of a multi-label run (`labels.mode: "multi-label"`): images with a multi-hot label matrix per split.
 * - generated: built from the full single-label splits by the generator. Training primary labels follow the
 *   configured long-tail profile (probability ∝ its class counts n_c), and there are as many training images as
 *   that profile keeps (or `labels.trainSamples`); test primary labels are balanced, as single-label test sets are.
 * - file: the label files give Y for the dataset's full splits, one row per image in loader order; the long-tail
 *   subsampling is not applied (the file's own label frequencies are the imbalance).
 * The classes of the run are the labels; its "training counts" n_c are the label counts Σ_i Y_ic.
 */
import { isAbsolute, resolve } from 'node:path';
import type { LabelsConfig } from '../../../protocol/labelsConfig';
import type { DatasetSplits, ImageDataset } from '../../data';
import { DatasetError, longTailCounts } from '../../data';
import type { ImbalanceConfig, TrainingData } from '../trainingData';
import { generateMultiLabelDataset } from './generator';
import type { LabelMatrix } from './labelMatrix';
import { LabelFileError, labelsOf, loadLabelFile } from './labelMatrix';

export interface MultiLabelSplits {
  /** Y of the training images (rows aligned with `TrainingData.train`). */
  train: LabelMatrix;
  /** Y of the test images; undefined when no test labels were given (then the test split is not evaluated). */
  test: LabelMatrix | undefined;
}

export interface MultiLabelLoadOptions {
  labels: LabelsConfig;
  imbalance: ImbalanceConfig;
  seed: number;
  /** Folder of the run config: label file paths are relative to it. */
  configDir: string;
}

/** Σ_i Y_ic per label. */
export function labelCounts(labels: LabelMatrix): number[] {
  const counts = new Array<number>(labels.classCount).fill(0);
  for (let i = 0; i < labels.rows; i++)
    for (let c = 0; c < labels.classCount; c++) counts[c] = (counts[c] as number) + (labels.values[i * labels.classCount + c] as number);
  return counts;
}

/** `load` is the dataset loader with a given imbalance (the full splits are asked for). */
export async function loadMultiLabelTrainingData(
  options: MultiLabelLoadOptions,
  load: (imbalance: ImbalanceConfig) => Promise<DatasetSplits>,
): Promise<TrainingData & { multiLabel: MultiLabelSplits }> {
  const full = await load({ profile: 'none', factor: 1 });
  const data = options.labels.source === 'file' ? fromLabelFiles(full, options) : generated(full, options);
  const counts = labelCounts(data.multiLabel.train);
  const missing = counts.flatMap((count, c) => (count === 0 ? [c] : []));
  if (missing.length > 0) {
    const names = missing.slice(0, 5).map((c) => `"${data.classNames[c] ?? c}"`);
    throw new DatasetError(
      `labels: ${missing.length === 1 ? 'label' : 'labels'} ${names.join(', ')}${missing.length > 5 ? ' …' : ''} ${missing.length === 1 ? 'has' : 'have'} no positive training sample; every label needs one. ` +
        (options.labels.source === 'file'
          ? 'Remove the label from the label files or add images that have it.'
          : 'Raise labels.trainSamples or imbalance.maxPerClass, or lower imbalance.factor.'),
    );
  }
  return { ...data, fullTrainCounts: counts, trainCounts: counts, rowTrainCounts: counts };
}

type LoadedLabels = Omit<TrainingData, 'fullTrainCounts' | 'trainCounts' | 'rowTrainCounts'> & { multiLabel: MultiLabelSplits };

function generated(full: DatasetSplits, options: MultiLabelLoadOptions): LoadedLabels {
  const { labels, imbalance, seed } = options;
  const classCount = full.train.classNames.length;
  const maxPerClass = imbalance.maxPerClass ?? Math.min(...full.fullTrainCounts);
  const profileCounts = longTailCounts({ profile: imbalance.profile, maxPerClass, factor: imbalance.factor, classCount });
  const trainSamples = labels.trainSamples ?? profileCounts.reduce((sum, count) => sum + count, 0);
  const common = { pairProbability: labels.secondLabelProbability, correlation: labels.correlation, seed };
  const train = generateMultiLabelDataset(full.train, { ...common, samples: trainSamples, primaryWeights: profileCounts, stream: 'train' });
  const test = generateMultiLabelDataset(full.test, {
    ...common,
    samples: labels.testSamples ?? full.test.count,
    primaryWeights: new Array<number>(classCount).fill(1),
    stream: 'test',
  });
  const profile = imbalance.profile === 'none' ? 'balanced' : `${imbalance.profile} IF ${imbalance.factor}`;
  return {
    train: train.images,
    test: test.images,
    evaluationTrain: train.images,
    source: `${full.source}; multi-label images generated from it (${train.images.count} train / ${test.images.count} test, primary labels ${profile} / balanced, a second label with probability ${labels.secondLabelProbability}, the partner (c + 1) mod C with probability ${labels.correlation})`,
    classNames: [...full.train.classNames],
    multiLabel: { train: train.labels, test: test.labels },
  };
}

function fromLabelFiles(full: DatasetSplits, options: MultiLabelLoadOptions): LoadedLabels {
  const { labels, configDir } = options;
  if (labels.path === undefined) throw new DatasetError('labels.source "file" needs labels.path: the label file of the training images');
  const resolvePath = (path: string) => (isAbsolute(path) ? path : resolve(configDir, path));
  const trainFile = resolvePath(labels.path);
  const train = alignedLabels(loadLabelFile(trainFile), full.train, 'training', trainFile);
  let test: LabelMatrix | undefined;
  const testFile = labels.testPath === undefined ? undefined : resolvePath(labels.testPath);
  if (testFile !== undefined) {
    test = alignedLabels(loadLabelFile(testFile), full.test, 'test', testFile);
    if (test.classNames.join('\n') !== train.classNames.join('\n')) {
      throw new LabelFileError(
        `its labels (${test.classNames.join(', ')}) differ from those of ${trainFile} (${train.classNames.join(', ')}): both files need the same label names in the same order`,
        testFile,
      );
    }
  }
  const withLabels = (images: ImageDataset, matrix: LabelMatrix | undefined): ImageDataset => ({
    ...images,
    // The first label of each image (0 for none) stands in for the single label where an image label is expected.
    labels:
      matrix === undefined
        ? new Int32Array(images.count)
        : Int32Array.from({ length: images.count }, (_, i) => labelsOf(matrix, i)[0] ?? 0),
    classNames: [...train.classNames],
  });
  const trainImages = withLabels(full.train, train);
  return {
    train: trainImages,
    test: withLabels(full.test, test),
    evaluationTrain: trainImages,
    source: `${full.source}; multi-label labels from ${trainFile}${testFile === undefined ? ' (no test labels: the test split is not evaluated)' : ` and ${testFile}`} (imbalance settings do not apply: the label files set the frequencies)`,
    classNames: [...train.classNames],
    multiLabel: { train, test },
  };
}

function alignedLabels(labels: LabelMatrix, images: ImageDataset, split: string, file: string): LabelMatrix {
  if (labels.rows !== images.count) {
    throw new LabelFileError(
      `${labels.rows} label rows for the ${images.count} ${split} images of the dataset: write one row per ${split} image, in the order the dataset loader reads them`,
      file,
    );
  }
  return labels;
}

/** The trainer's datasets: loading, long-tail subsampling, preprocessing and augmentation. */
export type { DatasetSplits, ImageDataset } from './dataset';
export { DatasetError, classCounts, imageSizeOf, indicesByClass, selectImages } from './dataset';
export type {
  DatasetConfig,
  DatasetLocation,
  DatasetLocationOptions,
  ImbalanceConfig,
  LoadDatasetOptions,
  ResolvedDatasetName,
} from './loadDataset';
export {
  DEBIAN_FASHION_MNIST_DIRECTORY,
  defaultDatasetCacheDirectory,
  describeDataset,
  loadDatasetSplits,
  resolveDatasetLocation,
  targetTrainCounts,
} from './loadDataset';
export type { LongTailOptions } from './longTail';
export { longTailCounts, subsampleLongTail } from './longTail';
export type { AugmentationOptions, BatchShape, ChannelStatistics, FloatBatchOptions } from './preprocess';
export { augmentBatch, normalisationStatistics, toFloatBatch } from './preprocess';
export type { SyntheticOptions } from './synthetic';
export { SYNTHETIC_DATA_SEED, generateSyntheticDataset } from './synthetic';

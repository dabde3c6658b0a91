/**
 * The in-memory image dataset every loader produces: uint8 pixels in NHWC order (the layout tfjs expects), one
 * int32 label per image. Kept as raw bytes so that 60,000 Fashion-MNIST images take 47 MB, not 188 MB of floats;
 * batches are converted to float on demand (see preprocess.ts).
 */

export interface ImageDataset {
  /** count × height × width × channels bytes, NHWC. */
  images: Uint8Array;
  /** Class index of each image, in [0, classNames.length). */
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  classNames: string[];
}

export interface DatasetSplits {
  /** The training split after long-tail subsampling. */
  train: ImageDataset;
  /** The test split, balanced as published (never subsampled). */
  test: ImageDataset;
  /** Which data the run uses, for people: e.g. "Fashion-MNIST from /usr/share/datasets/fashion-mnist". */
  source: string;
  /** Training images per class before subsampling. */
  fullTrainCounts: number[];
  /** Training images per class after subsampling (what the run trains on). */
  trainCounts: number[];
}

/** A problem with dataset files or settings that the user can fix; the message names the file or field and the fix. */
export class DatasetError extends Error {
  constructor(
    message: string,
    /** The offending file or folder, when there is one. */
    readonly file?: string,
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}

export function imageSizeOf(dataset: Pick<ImageDataset, 'height' | 'width' | 'channels'>): number {
  return dataset.height * dataset.width * dataset.channels;
}

/** Number of images of each class. */
export function classCounts(dataset: Pick<ImageDataset, 'labels' | 'classNames'>): number[] {
  const counts = new Array<number>(dataset.classNames.length).fill(0);
  for (const label of dataset.labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

/** Indices of the images of each class, in dataset order. */
export function indicesByClass(dataset: Pick<ImageDataset, 'labels' | 'classNames'>): number[][] {
  const byClass = dataset.classNames.map((): number[] => []);
  dataset.labels.forEach((label, index) => byClass[label]?.push(index));
  return byClass;
}

/** A new dataset holding copies of the given images, in the given order. */
export function selectImages(dataset: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const size = imageSizeOf(dataset);
  const images = new Uint8Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i] as number;
    if (index < 0 || index >= dataset.count) throw new RangeError(`image index ${index} outside [0, ${dataset.count})`);
    images.set(dataset.images.subarray(index * size, (index + 1) * size), i * size);
    labels[i] = dataset.labels[index] as number;
  }
  return { ...dataset, images, labels, count: indices.length, classNames: [...dataset.classNames] };
}

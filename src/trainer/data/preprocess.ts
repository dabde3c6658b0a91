/**
 * Turning uint8 images into float batches for the network: scale to [0, 1], optionally standardise per channel with
 * the training split's statistics, optionally augment (random crop after zero padding, horizontal flip).
 */
import type { SeededRandom } from '../random';
import type { ImageDataset } from './dataset';
import { imageSizeOf } from './dataset';

export interface ChannelStatistics {
  /** Per-channel mean of the pixel values scaled to [0, 1]. */
  mean: number[];
  /** Per-channel population standard deviation of the scaled values (1 for a constant channel, to avoid /0). */
  std: number[];
}

/** Per-channel mean and standard deviation over every pixel of every image, accumulated in float64. */
export function normalisationStatistics(train: ImageDataset): ChannelStatistics {
  const { channels } = train;
  const sums = new Float64Array(channels);
  const squares = new Float64Array(channels);
  const total = train.count * train.height * train.width * channels;
  // Integer sums of bytes are exact in float64 up to 2^53 / 255² ≈ 1.4e11 values, far beyond any dataset here.
  for (let i = 0; i < total; i++) {
    const value = train.images[i] as number;
    const channel = i % channels;
    sums[channel] = (sums[channel] as number) + value;
    squares[channel] = (squares[channel] as number) + value * value;
  }
  const perChannel = total / channels;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    const m = (sums[c] as number) / perChannel;
    const variance = Math.max(0, (squares[c] as number) / perChannel - m * m);
    mean.push(m / 255);
    std.push(variance > 0 ? Math.sqrt(variance) / 255 : 1);
  }
  return { mean, std };
}

export interface AugmentationOptions {
  /** Zero-pad by this many pixels on every side, then crop a random window of the original size (0: off). */
  randomCropPadding: number;
  /** Mirror left–right with probability 1/2. */
  horizontalFlip: boolean;
}

export interface BatchShape {
  count: number;
  height: number;
  width: number;
  channels: number;
}

/**
 * Random crop with padding and random horizontal flip on a float NHWC batch (the CIFAR recipe of He et al., 2016:
 * pad 4, crop 32, flip). Pixels that come from the padding get `fill[c]`: pass the normalised value of a black pixel
 * (−mean/std) so the batch equals padding the raw image with zeros before normalising, as torchvision does.
 * Per image, the draws are: vertical offset, horizontal offset (each nextInt(2·padding+1), only when padding > 0),
 * then the flip (nextFloat() < 0.5, only when enabled). Returns a new array.
 */
export function augmentBatch(
  batch: Float32Array,
  shape: BatchShape,
  options: AugmentationOptions,
  random: SeededRandom,
  fill: readonly number[] = [],
): Float32Array {
  const { count, height, width, channels } = shape;
  const imageSize = height * width * channels;
  if (batch.length !== count * imageSize)
    throw new RangeError(`augmentBatch: ${batch.length} values for shape ${count}×${height}×${width}×${channels}`);
  const padding = options.randomCropPadding;
  const output = new Float32Array(batch.length);
  for (let n = 0; n < count; n++) {
    const offsetY = padding > 0 ? random.nextInt(2 * padding + 1) - padding : 0;
    const offsetX = padding > 0 ? random.nextInt(2 * padding + 1) - padding : 0;
    const flip = options.horizontalFlip && random.nextFloat() < 0.5;
    const base = n * imageSize;
    for (let y = 0; y < height; y++) {
      const sourceY = y + offsetY;
      for (let x = 0; x < width; x++) {
        // The crop window's column x, read from the mirrored image when flipping.
        const sourceX = (flip ? width - 1 - x : x) + offsetX;
        const target = base + (y * width + x) * channels;
        const inside = sourceY >= 0 && sourceY < height && sourceX >= 0 && sourceX < width;
        const source = base + (sourceY * width + sourceX) * channels;
        for (let c = 0; c < channels; c++) output[target + c] = inside ? (batch[source + c] as number) : (fill[c] ?? 0);
      }
    }
  }
  return output;
}

export interface FloatBatchOptions {
  /** Standardise with these statistics; without them, values are in [0, 1]. */
  stats?: ChannelStatistics;
  /** Augment with these options and this random stream (both needed). */
  augmentation?: AugmentationOptions;
  random?: SeededRandom;
}

/** The images at `indices` as a float NHWC batch (count × H × W × C), in [0, 1] or standardised, optionally augmented. */
export function toFloatBatch(dataset: ImageDataset, indices: ArrayLike<number>, options: FloatBatchOptions = {}): Float32Array {
  const { stats, augmentation, random } = options;
  const { channels } = dataset;
  const size = imageSizeOf(dataset);
  const scale = Array.from({ length: channels }, (_, c) => (stats === undefined ? 1 / 255 : 1 / (255 * (stats.std[c] ?? 1))));
  const shift = Array.from({ length: channels }, (_, c) => (stats === undefined ? 0 : (stats.mean[c] ?? 0) / (stats.std[c] ?? 1)));
  const batch = new Float32Array(indices.length * size);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i] as number;
    if (!(index >= 0 && index < dataset.count)) throw new RangeError(`toFloatBatch: image index ${index} outside [0, ${dataset.count})`);
    const source = index * size;
    const target = i * size;
    for (let p = 0; p < size; p++) {
      const c = p % channels;
      batch[target + p] = (dataset.images[source + p] as number) * (scale[c] as number) - (shift[c] as number);
    }
  }
  if (augmentation === undefined || (augmentation.randomCropPadding === 0 && !augmentation.horizontalFlip)) return batch;
  if (random === undefined) throw new RangeError('toFloatBatch: augmentation needs a seeded random stream');
  return augmentBatch(
    batch,
    { count: indices.length, height: dataset.height, width: dataset.width, channels },
    augmentation,
    random,
    shift.map((value) => -value),
  );
}

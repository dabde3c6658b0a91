/**
 * CIFAR-10 and CIFAR-100, binary version (Krizhevsky, 2009; https://www.cs.toronto.edu/~kriz/cifar.html).
 * CIFAR-10 records: 1 label byte + 3072 pixel bytes; CIFAR-100: coarse label byte, fine label byte, 3072 pixel
 * bytes (we train on the fine labels). Pixels are stored channel-major (1024 R, 1024 G, 1024 B, each row-major
 * 32×32); we convert to HWC.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageDataset } from './dataset';
import { DatasetError } from './dataset';
import { readMaybeGzipped } from './files';

const SIDE = 32;
const PIXELS = SIDE * SIDE;
const IMAGE_BYTES = 3 * PIXELS;

export type CifarVariant = 'cifar10' | 'cifar100';

interface CifarLayout {
  labelBytes: number;
  /** Index of the label byte we use within the label bytes. */
  labelOffset: number;
  classCount: number;
  trainFiles: string[];
  testFiles: string[];
  namesFile: string;
  /** Sub-folder of the official archive, accepted below the configured path. */
  archiveFolder: string;
  defaultClassNames: string[];
}

const CIFAR10_CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

// The fine label names in label order, as in fine_label_names.txt of the official archive (alphabetical).
const CIFAR100_CLASS_NAMES = [
  'apple', 'aquarium_fish', 'baby', 'bear', 'beaver', 'bed', 'bee', 'beetle', 'bicycle', 'bottle',
  'bowl', 'boy', 'bridge', 'bus', 'butterfly', 'camel', 'can', 'castle', 'caterpillar', 'cattle',
  'chair', 'chimpanzee', 'clock', 'cloud', 'cockroach', 'couch', 'crab', 'crocodile', 'cup', 'dinosaur',
  'dolphin', 'elephant', 'flatfish', 'forest', 'fox', 'girl', 'hamster', 'house', 'kangaroo', 'keyboard',
  'lamp', 'lawn_mower', 'leopard', 'lion', 'lizard', 'lobster', 'man', 'maple_tree', 'motorcycle', 'mountain',
  'mouse', 'mushroom', 'oak_tree', 'orange', 'orchid', 'otter', 'palm_tree', 'pear', 'pickup_truck', 'pine_tree',
  'plain', 'plate', 'poppy', 'porcupine', 'possum', 'rabbit', 'raccoon', 'ray', 'road', 'rocket',
  'rose', 'sea', 'seal', 'shark', 'shrew', 'skunk', 'skyscraper', 'snail', 'snake', 'spider',
  'squirrel', 'streetcar', 'sunflower', 'sweet_pepper', 'table', 'tank', 'telephone', 'television', 'tiger', 'tractor',
  'train', 'trout', 'tulip', 'turtle', 'wardrobe', 'whale', 'willow_tree', 'wolf', 'woman', 'worm',
]; // prettier-ignore

export const CIFAR_LAYOUTS: Record<CifarVariant, CifarLayout> = {
  cifar10: {
    labelBytes: 1,
    labelOffset: 0,
    classCount: 10,
    trainFiles: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
    testFiles: ['test_batch.bin'],
    namesFile: 'batches.meta.txt',
    archiveFolder: 'cifar-10-batches-bin',
    defaultClassNames: CIFAR10_CLASS_NAMES,
  },
  cifar100: {
    labelBytes: 2,
    labelOffset: 1,
    classCount: 100,
    trainFiles: ['train.bin'],
    testFiles: ['test.bin'],
    namesFile: 'fine_label_names.txt',
    archiveFolder: 'cifar-100-binary',
    defaultClassNames: CIFAR100_CLASS_NAMES,
  },
};

/** Reads CIFAR binary batch files into one split (HWC). */
export function readCifarBatches(files: readonly string[], variant: CifarVariant, classNames: readonly string[]): ImageDataset {
  const layout = CIFAR_LAYOUTS[variant];
  const recordBytes = layout.labelBytes + IMAGE_BYTES;
  const contents = files.map((file) => {
    const bytes = readMaybeGzipped(file);
    if (bytes.length === 0) throw new DatasetError(`${file}: the file is empty; delete it and download the dataset again`, file);
    const remainder = bytes.length % recordBytes;
    if (remainder !== 0) {
      const offset = bytes.length - remainder;
      throw new DatasetError(
        `${file}: truncated record at byte offset ${offset} (record ${offset / recordBytes} has ${remainder} of ${recordBytes} bytes); ` +
          `the file is damaged or not a ${variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} binary batch: delete it and download the dataset again`,
        file,
      );
    }
    return { file, bytes };
  });
  const count = contents.reduce((sum, { bytes }) => sum + bytes.length / recordBytes, 0);
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Int32Array(count);
  let image = 0;
  for (const { file, bytes } of contents) {
    for (let offset = 0; offset < bytes.length; offset += recordBytes, image++) {
      const label = bytes[offset + layout.labelOffset] as number;
      if (label >= layout.classCount) {
        throw new DatasetError(
          `${file}: label ${label} at byte offset ${offset + layout.labelOffset} is not a class index 0–${layout.classCount - 1}; ` +
            `is this a ${variant === 'cifar10' ? 'CIFAR-100' : 'CIFAR-10'} file? Set dataset.name accordingly or download the dataset again`,
          file,
        );
      }
      labels[image] = label;
      const pixels = offset + layout.labelBytes;
      const target = image * IMAGE_BYTES;
      for (let p = 0; p < PIXELS; p++) {
        images[target + 3 * p] = bytes[pixels + p] as number;
        images[target + 3 * p + 1] = bytes[pixels + PIXELS + p] as number;
        images[target + 3 * p + 2] = bytes[pixels + 2 * PIXELS + p] as number;
      }
    }
  }
  return { images, labels, count, height: SIDE, width: SIDE, channels: 3, classNames: [...classNames] };
}

/** Class names from the archive's names file (one per line, blank lines ignored), else the published names. */
export function readCifarClassNames(directory: string, variant: CifarVariant): string[] {
  const layout = CIFAR_LAYOUTS[variant];
  const file = join(directory, layout.namesFile);
  if (!existsSync(file)) return [...layout.defaultClassNames];
  const names = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (names.length !== layout.classCount) {
    throw new DatasetError(
      `${file}: ${names.length} class names, expected ${layout.classCount} (one per line); fix or delete the file (the published names are used without it)`,
      file,
    );
  }
  return names;
}

/** The folder holding the batch files: `directory` itself or the archive's sub-folder in it; undefined if neither. */
export function findCifarDirectory(directory: string, variant: CifarVariant): string | undefined {
  const layout = CIFAR_LAYOUTS[variant];
  for (const candidate of [directory, join(directory, layout.archiveFolder)]) {
    if (cifarMissingFiles(candidate, variant).length === 0) return candidate;
  }
  return undefined;
}

export function cifarMissingFiles(directory: string, variant: CifarVariant): string[] {
  const layout = CIFAR_LAYOUTS[variant];
  return [...layout.trainFiles, ...layout.testFiles].filter((name) => !existsSync(join(directory, name)));
}

export function loadCifarDataset(directory: string, variant: CifarVariant): { train: ImageDataset; test: ImageDataset } {
  const layout = CIFAR_LAYOUTS[variant];
  const missing = cifarMissingFiles(directory, variant);
  if (missing.length > 0) {
    throw new DatasetError(
      `${directory}: missing ${missing.join(', ')}; download the binary version of ${variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} or set dataset.download: true`,
      directory,
    );
  }
  const classNames = readCifarClassNames(directory, variant);
  const train = readCifarBatches(
    layout.trainFiles.map((name) => join(directory, name)),
    variant,
    classNames,
  );
  const test = readCifarBatches(
    layout.testFiles.map((name) => join(directory, name)),
    variant,
    classNames,
  );
  return { train, test };
}

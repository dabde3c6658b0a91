/**
 * IDX files (LeCun et al., the MNIST distribution format; also Fashion-MNIST): a 4-byte magic 0x00 0x00 TYPE NDIMS,
 * then NDIMS big-endian uint32 dimensions, then the data. Images are type 0x08 (ubyte) with 3 dims (magic
 * 0x00000803), labels type 0x08 with 1 dim (0x00000801).
 */
import type { ImageDataset } from './dataset';
import { DatasetError } from './dataset';
import { findDatasetFile, readMaybeGzipped } from './files';

const IDX_IMAGES_MAGIC = 0x00000803;
const IDX_LABELS_MAGIC = 0x00000801;

export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
export const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** File names per split; the dotted variants are how the original MNIST files unpack on some systems. */
export const IDX_FILE_NAMES = {
  trainImages: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
  trainLabels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  testImages: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
  testLabels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
} as const;

const REDOWNLOAD = 'the file is damaged or not an IDX file: delete it and download or reinstall the dataset';

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function parseIdxHeader(bytes: Buffer, file: string, expectedMagic: number, what: string): { dims: number[]; dataOffset: number } {
  if (bytes.length < 4) throw new DatasetError(`${file}: only ${bytes.length} bytes, too short for an IDX header; ${REDOWNLOAD}`, file);
  const magic = bytes.readUInt32BE(0);
  if (magic !== expectedMagic) {
    throw new DatasetError(
      `${file}: wrong magic number ${hex(magic)}, expected ${hex(expectedMagic)} for IDX ${what}; ` +
        `check that the file is the ${what} file (images and labels swapped?), else ${REDOWNLOAD}`,
      file,
    );
  }
  const dimCount = magic & 0xff;
  const dataOffset = 4 + 4 * dimCount;
  if (bytes.length < dataOffset) throw new DatasetError(`${file}: truncated IDX header (${bytes.length} bytes); ${REDOWNLOAD}`, file);
  const dims = Array.from({ length: dimCount }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const expected = dataOffset + dims.reduce((product, dim) => product * dim, 1);
  if (bytes.length < expected) {
    throw new DatasetError(
      `${file}: truncated: the header announces ${dims.join('×')} values (${expected} bytes) but the file has ${bytes.length}; ${REDOWNLOAD}`,
      file,
    );
  }
  if (bytes.length > expected) {
    throw new DatasetError(`${file}: ${bytes.length - expected} unexpected bytes after the ${dims.join('×')} values; ${REDOWNLOAD}`, file);
  }
  return { dims, dataOffset };
}

export function readIdxImages(file: string): { images: Uint8Array; count: number; height: number; width: number } {
  const bytes = readMaybeGzipped(file);
  const { dims, dataOffset } = parseIdxHeader(bytes, file, IDX_IMAGES_MAGIC, 'images');
  const [count = 0, height = 0, width = 0] = dims;
  if (height === 0 || width === 0) throw new DatasetError(`${file}: images of size ${height}×${width}; ${REDOWNLOAD}`, file);
  // A copy, not a view: the decoded buffer may be shared (Buffer pool) or larger than the pixels.
  return { images: new Uint8Array(bytes.subarray(dataOffset, dataOffset + count * height * width)), count, height, width };
}

export function readIdxLabels(file: string, classCount: number): Int32Array {
  const bytes = readMaybeGzipped(file);
  const { dims, dataOffset } = parseIdxHeader(bytes, file, IDX_LABELS_MAGIC, 'labels');
  const count = dims[0] ?? 0;
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = bytes[dataOffset + i] as number;
    if (label >= classCount) {
      throw new DatasetError(`${file}: label ${label} of item ${i} is not a class index 0–${classCount - 1}; ${REDOWNLOAD}`, file);
    }
    labels[i] = label;
  }
  return labels;
}

/** One split from an images file and a labels file, which must describe the same number of items. */
export function readIdxSplit(imagesFile: string, labelsFile: string, classNames: readonly string[]): ImageDataset {
  const { images, count, height, width } = readIdxImages(imagesFile);
  const labels = readIdxLabels(labelsFile, classNames.length);
  if (labels.length !== count) {
    throw new DatasetError(
      `${labelsFile}: ${labels.length} labels but ${imagesFile} has ${count} images; the two files must come from the same split and release`,
      labelsFile,
    );
  }
  return { images, labels, count, height, width, channels: 1, classNames: [...classNames] };
}

export interface IdxFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

/** The four IDX files in `directory` (gzipped or not), or the list of those missing. */
export function findIdxFiles(directory: string): { files: IdxFiles } | { missing: string[] } {
  const found: Partial<IdxFiles> = {};
  const missing: string[] = [];
  for (const key of ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const) {
    const names = IDX_FILE_NAMES[key];
    const file = findDatasetFile(directory, names);
    if (file === undefined) missing.push(`${names[0]}(.gz)`);
    else found[key] = file;
  }
  if (missing.length > 0) return { missing };
  return { files: found as IdxFiles };
}

export function loadIdxDataset(files: IdxFiles, classNames: readonly string[]): { train: ImageDataset; test: ImageDataset } {
  const train = readIdxSplit(files.trainImages, files.trainLabels, classNames);
  const test = readIdxSplit(files.testImages, files.testLabels, classNames);
  if (train.height !== test.height || train.width !== test.width) {
    throw new DatasetError(
      `${files.testImages}: test images are ${test.height}×${test.width} but training images (${files.trainImages}) are ${train.height}×${train.width}; use files from the same dataset`,
      files.testImages,
    );
  }
  return { train, test };
}

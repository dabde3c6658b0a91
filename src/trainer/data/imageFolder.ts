/**
 * An image-folder dataset: `<root>/train/<class>/*.png|jpg|jpeg` and `<root>/test/<class>/…`.
 * - Classes are the sub-folders of train/, sorted by name (code-point order, so the same on every OS); the class
 *   index is the position in that order. A test folder whose name is not a training class is an error.
 * - All images must have the same width and height (no resizing: a silent resize would hide a mixed-up folder).
 * - Channels: 1 when every image is grey (R = G = B at every pixel, whatever the file format stores), else 3, with
 *   grey images replicated to RGB. Alpha is ignored (the stored colour values are used as they are).
 * - Files with other extensions and hidden entries (names starting with ".") are skipped.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import type { ImageDataset } from './dataset';
import { DatasetError } from './dataset';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

interface DecodedImage {
  file: string;
  width: number;
  height: number;
  /** width × height × 3 bytes, HWC. */
  rgb: Uint8Array;
  grey: boolean;
}

function listDirectory(directory: string): string[] {
  try {
    return readdirSync(directory)
      .filter((name) => !name.startsWith('.'))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new DatasetError(`${directory}: cannot read the folder (${code}); check dataset.path`, directory);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function decodeImage(file: string): DecodedImage {
  const bytes = readFileSync(file);
  let width: number;
  let height: number;
  let rgba: Uint8Array;
  try {
    if (extname(file).toLowerCase() === '.png') {
      const png = PNG.sync.read(bytes);
      ({ width, height } = png);
      rgba = png.data;
    } else {
      const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      ({ width, height } = decoded);
      rgba = decoded.data;
    }
  } catch (error) {
    throw new DatasetError(`${file}: cannot decode the image (${(error as Error).message}); replace or remove the file`, file);
  }
  if (width === 0 || height === 0 || rgba.length < width * height * 4) {
    throw new DatasetError(`${file}: the decoded image is empty or incomplete (${width}×${height}); replace or remove the file`, file);
  }
  const rgb = new Uint8Array(width * height * 3);
  let grey = true;
  for (let p = 0, q = 0; p < width * height; p++, q += 4) {
    const r = rgba[q] as number;
    const g = rgba[q + 1] as number;
    const b = rgba[q + 2] as number;
    rgb[3 * p] = r;
    rgb[3 * p + 1] = g;
    rgb[3 * p + 2] = b;
    if (r !== g || g !== b) grey = false;
  }
  return { file, width, height, rgb, grey };
}

interface FolderSplit {
  images: DecodedImage[];
  labels: number[];
}

function readSplitFolder(
  splitDirectory: string,
  classIndex: (className: string, folder: string) => number,
  requireImages: boolean,
): FolderSplit {
  const split: FolderSplit = { images: [], labels: [] };
  for (const className of listDirectory(splitDirectory)) {
    const classDirectory = join(splitDirectory, className);
    if (!isDirectory(classDirectory)) continue;
    const label = classIndex(className, classDirectory);
    const files = listDirectory(classDirectory).filter((name) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase()));
    if (files.length === 0 && requireImages) {
      throw new DatasetError(
        `${classDirectory}: no .png, .jpg or .jpeg images in this class folder; add images or remove the folder`,
        classDirectory,
      );
    }
    for (const name of files) {
      split.images.push(decodeImage(join(classDirectory, name)));
      split.labels.push(label);
    }
  }
  return split;
}

function toDataset(split: FolderSplit, height: number, width: number, channels: number, classNames: string[]): ImageDataset {
  const count = split.images.length;
  const size = height * width * channels;
  const images = new Uint8Array(count * size);
  split.images.forEach((image, index) => {
    if (channels === 3) {
      images.set(image.rgb, index * size);
    } else {
      for (let p = 0; p < height * width; p++) images[index * size + p] = image.rgb[3 * p] as number;
    }
  });
  return { images, labels: Int32Array.from(split.labels), count, height, width, channels, classNames };
}

export function loadImageFolderDataset(root: string): { train: ImageDataset; test: ImageDataset } {
  const trainDirectory = join(root, 'train');
  const testDirectory = join(root, 'test');
  for (const directory of [trainDirectory, testDirectory]) {
    if (!isDirectory(directory)) {
      throw new DatasetError(
        `${directory}: folder not found; an image-folder dataset needs ${join(root, 'train', '<class>')} and ${join(root, 'test', '<class>')} folders of PNG/JPEG images (check dataset.path)`,
        directory,
      );
    }
  }
  const classNames = listDirectory(trainDirectory).filter((name) => isDirectory(join(trainDirectory, name)));
  if (classNames.length < 2) {
    throw new DatasetError(
      `${trainDirectory}: found ${classNames.length} class folder(s); a classifier needs at least 2 (one sub-folder of images per class)`,
      trainDirectory,
    );
  }
  const trainIndex = (className: string) => classNames.indexOf(className);
  const train = readSplitFolder(trainDirectory, trainIndex, true);
  const test = readSplitFolder(
    testDirectory,
    (className, folder) => {
      const index = classNames.indexOf(className);
      if (index < 0) {
        throw new DatasetError(
          `${folder}: unknown class "${className}": there is no ${join(trainDirectory, className)}; rename the folder to a training class or add that class to train/`,
          folder,
        );
      }
      return index;
    },
    false,
  );
  if (test.images.length === 0)
    throw new DatasetError(`${testDirectory}: no test images; add <class>/ folders of images under test/`, testDirectory);

  const reference = train.images[0] as DecodedImage;
  for (const image of [...train.images, ...test.images]) {
    if (image.width !== reference.width || image.height !== reference.height) {
      throw new DatasetError(
        `${image.file}: image is ${image.width}×${image.height} but ${reference.file} is ${reference.width}×${reference.height}; all images must have the same size (resize them first)`,
        image.file,
      );
    }
  }
  const channels = [...train.images, ...test.images].every((image) => image.grey) ? 1 : 3;
  return {
    train: toDataset(train, reference.height, reference.width, channels, classNames),
    test: toDataset(test, reference.height, reference.width, channels, [...classNames]),
  };
}

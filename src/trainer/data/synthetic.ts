/**
 * A deterministic, procedurally generated image dataset that needs no files (dataset.name "synthetic").
 *
 * Each class c has a prototype made of
 * - an oriented sinusoidal grating: orientation θ_c and frequency f_c (cycles per image), and
 * - two Gaussian blobs, one bright and one dark, at class-specific positions.
 * Class parameters are spread with additive-recurrence (golden-ratio) sequences, so any two classes differ even
 * for hundreds of classes, then offset by the seed. Each sample draws a random grating phase, a small jitter of
 * orientation and frequency (neighbouring classes overlap a little), a random translation of the blobs, random
 * contrasts and Gaussian pixel noise. The random phase averages the grating out of the class
 * mean, so a nearest-class-mean classifier on raw pixels sees only the (jittered, noisy) blobs and is clearly better
 * than chance but far from perfect; a CNN can also read orientation and frequency and does better.
 *
 * One channel. Samples are interleaved by class (labels 0, 1, …, C−1, 0, 1, …). Each (split, class) has its own
 * random stream, so asking for more samples per class appends to the same images, and train and test differ.
 */
import { SeededRandom } from '../random';
import type { ImageDataset } from './dataset';

export interface SyntheticOptions {
  classes: number;
  imageSize: number;
  trainPerClass: number;
  testPerClass: number;
  /** Seed of the data itself (prototypes and samples), not of the run. */
  seed: number;
}

/** The data seed used for runs: fixed, so runs with different seeds train on the same synthetic dataset. */
export const SYNTHETIC_DATA_SEED = 0;

const GOLDEN = (Math.sqrt(5) - 1) / 2; // 0.618…: frac(c·GOLDEN) is the most evenly spread sequence on [0, 1)
// R2 sequence (Roberts, 2018): the 2-D analogue, from the plastic number g (g³ = g + 1).
const PLASTIC = 1.324717957244746;
const R2_X = 1 / PLASTIC;
const R2_Y = 1 / (PLASTIC * PLASTIC);

// Sample variation, tuned on 10 classes of 28×28 with 600/100 images per class: a nearest-class-mean classifier on
// raw pixels gets ≈ 64 % of the test set; an MLP 784-128-10 (Adam 1e-3, batch 128) ≈ 68 % after one epoch and
// ≈ 84 % after three, while fitting the training set; 100 classes are much harder (nearest class mean ≈ 26 %).
const PIXEL_NOISE_STD = 0.8;
const MAX_SHIFT_FRACTION = 0.15;
const GRATING_AMPLITUDE = 0.5;
const BLOB_AMPLITUDE = 0.7;
const BLOB_SIGMA_FRACTION = 0.13;
const ORIENTATION_JITTER_STD = 0.12;
const FREQUENCY_JITTER_STD = 0.1;

interface ClassPrototype {
  orientation: number;
  frequency: number;
  brightX: number;
  brightY: number;
  darkX: number;
  darkY: number;
}

function fraction(value: number): number {
  return value - Math.floor(value);
}

export function classPrototypes(classes: number, seed: number): ClassPrototype[] {
  const offsets = SeededRandom.derive(seed, 'synthetic', 'prototypes');
  const orientationOffset = offsets.nextFloat();
  const frequencyOffset = offsets.nextFloat();
  const brightOffset = [offsets.nextFloat(), offsets.nextFloat()] as const;
  const darkOffset = [offsets.nextFloat(), offsets.nextFloat()] as const;
  // Positions in [0.2, 0.8] of the image so blobs stay inside it after jitter.
  const position = (value: number) => 0.2 + 0.6 * value;
  return Array.from({ length: classes }, (_, c) => ({
    orientation: Math.PI * fraction(orientationOffset + c * GOLDEN),
    frequency: 1.5 + 3 * fraction(frequencyOffset + c * Math.SQRT2),
    brightX: position(fraction(brightOffset[0] + c * R2_X)),
    brightY: position(fraction(brightOffset[1] + c * R2_Y)),
    // A different walk through the R2 sequence, so the dark blob is not tied to the bright one.
    darkX: position(fraction(darkOffset[0] + (c * 7 + 3) * R2_X)),
    darkY: position(fraction(darkOffset[1] + (c * 7 + 3) * R2_Y)),
  }));
}

function renderSample(prototype: ClassPrototype, size: number, random: SeededRandom, target: Uint8Array, offset: number): void {
  const phase = 2 * Math.PI * random.nextFloat();
  const gratingContrast = GRATING_AMPLITUDE * (0.6 + 0.8 * random.nextFloat());
  const blobContrast = BLOB_AMPLITUDE * (0.6 + 0.8 * random.nextFloat());
  const maxShift = MAX_SHIFT_FRACTION * size;
  const shiftX = (2 * random.nextFloat() - 1) * maxShift;
  const shiftY = (2 * random.nextFloat() - 1) * maxShift;
  const sigma = BLOB_SIGMA_FRACTION * size;
  const twoSigmaSquared = 2 * sigma * sigma;
  const orientation = prototype.orientation + random.normal(0, ORIENTATION_JITTER_STD);
  const frequency = prototype.frequency * Math.exp(random.normal(0, FREQUENCY_JITTER_STD));
  const kx = (2 * Math.PI * frequency * Math.cos(orientation)) / size;
  const ky = (2 * Math.PI * frequency * Math.sin(orientation)) / size;
  const brightX = prototype.brightX * size + shiftX;
  const brightY = prototype.brightY * size + shiftY;
  const darkX = prototype.darkX * size + shiftX;
  const darkY = prototype.darkY * size + shiftY;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const bright = Math.exp(-((x - brightX) ** 2 + (y - brightY) ** 2) / twoSigmaSquared);
      const dark = Math.exp(-((x - darkX) ** 2 + (y - darkY) ** 2) / twoSigmaSquared);
      const value =
        gratingContrast * Math.cos(kx * x + ky * y + phase) + blobContrast * (bright - dark) + random.normal(0, PIXEL_NOISE_STD);
      // Map [−2, 2] onto [0, 255] around mid-grey, clipping the rare extremes.
      const pixel = Math.round(127.5 + 63.75 * value);
      target[offset + y * size + x] = pixel < 0 ? 0 : pixel > 255 ? 255 : pixel;
    }
  }
}

function generateSplit(
  options: SyntheticOptions,
  split: 'train' | 'test',
  perClass: number,
  prototypes: ClassPrototype[],
  classNames: string[],
): ImageDataset {
  const { classes, imageSize } = options;
  const pixels = imageSize * imageSize;
  const count = classes * perClass;
  const images = new Uint8Array(count * pixels);
  const labels = new Int32Array(count);
  prototypes.forEach((prototype, c) => {
    const random = SeededRandom.derive(options.seed, 'synthetic', split, c);
    for (let k = 0; k < perClass; k++) {
      const index = k * classes + c;
      labels[index] = c;
      renderSample(prototype, imageSize, random, images, index * pixels);
    }
  });
  return { images, labels, count, height: imageSize, width: imageSize, channels: 1, classNames };
}

export function generateSyntheticDataset(options: SyntheticOptions): { train: ImageDataset; test: ImageDataset } {
  for (const key of ['classes', 'imageSize', 'trainPerClass', 'testPerClass'] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 1)
      throw new RangeError(`synthetic dataset: ${key} must be a positive integer, got ${options[key]}`);
  }
  const prototypes = classPrototypes(options.classes, options.seed);
  const classNames = prototypes.map((_, c) => `class ${c}`);
  return {
    train: generateSplit(options, 'train', options.trainPerClass, prototypes, classNames),
    test: generateSplit(options, 'test', options.testPerClass, prototypes, [...classNames]),
  };
}

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageDataset } from '../../../src/trainer/data/dataset';
import { augmentBatch, normalisationStatistics, toFloatBatch } from '../../../src/trainer/data/preprocess';
import { SeededRandom } from '../../../src/trainer/random';

function close(actual: number, expected: number, tolerance = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);
}

// Two 1×2 RGB images. Channel 0 values: 0, 255, 255, 255 → mean 191.25/255 = 0.75, population std
// √(0.75·0.25) = 0.4330127 (a Bernoulli(3/4) in units of 255). Channel 1: 10, 20, 30, 40 → mean 25, std √125.
// Channel 2: constant 7 → std 0, replaced by 1.
const tiny: ImageDataset = {
  images: Uint8Array.from([0, 10, 7, 255, 20, 7, 255, 30, 7, 255, 40, 7]),
  labels: Int32Array.from([0, 1]),
  count: 2,
  height: 1,
  width: 2,
  channels: 3,
  classNames: ['a', 'b'],
};

describe('normalisation statistics', () => {
  it('computes per-channel mean and population std of values in [0, 1]', () => {
    const stats = normalisationStatistics(tiny);
    close(stats.mean[0] as number, 0.75);
    close(stats.std[0] as number, Math.sqrt(0.75 * 0.25));
    close(stats.mean[1] as number, 25 / 255);
    close(stats.std[1] as number, Math.sqrt(125) / 255);
    close(stats.mean[2] as number, 7 / 255);
    assert.equal(stats.std[2], 1);
  });
});

describe('float batches', () => {
  it('scales to [0, 1] in the order of the indices', () => {
    const batch = toFloatBatch(tiny, [1, 0]);
    assert.equal(batch.length, 12);
    close(batch[0] as number, 1);
    close(batch[1] as number, 30 / 255);
    close(batch[6] as number, 0);
    close(batch[7] as number, 10 / 255);
  });

  it('standardises with the given statistics', () => {
    const stats = normalisationStatistics(tiny);
    const batch = toFloatBatch(tiny, [0, 1], { stats });
    for (let i = 0; i < 12; i++) {
      const c = i % 3;
      close(batch[i] as number, ((tiny.images[i] as number) / 255 - (stats.mean[c] as number)) / (stats.std[c] as number), 1e-5);
    }
    // Standardised channel 0 and 1 have mean 0 and variance 1 over the set.
    for (const c of [0, 1]) {
      const values = [0, 1, 2, 3].map((p) => batch[3 * p + c] as number);
      close(values.reduce((a, b) => a + b) / 4, 0, 1e-5);
      close(values.reduce((a, b) => a + b * b, 0) / 4, 1, 1e-5);
    }
  });

  it('rejects an index outside the dataset', () => {
    assert.throws(() => toFloatBatch(tiny, [2]), RangeError);
  });
});

describe('augmentation', () => {
  const height = 6;
  const width = 5;
  const channels = 2;
  const count = 64;
  // Every value distinct and non-zero so that shifts and mirrors can be recognised.
  const batch = Float32Array.from({ length: count * height * width * channels }, (_, i) => i + 1);
  const shape = { count, height, width, channels };
  const at = (data: Float32Array, n: number, y: number, x: number, c: number) =>
    data[((n * height + y) * width + x) * channels + c] as number;

  /** The shift (dy, dx) in [−p, p]² (and flip) that explains output image n, or undefined. */
  function explain(
    output: Float32Array,
    n: number,
    padding: number,
    flips: boolean[],
    fill: number[],
  ): { dy: number; dx: number; flip: boolean } | undefined {
    for (const flip of flips) {
      for (let dy = -padding; dy <= padding; dy++) {
        for (let dx = -padding; dx <= padding; dx++) {
          let matches = true;
          for (let y = 0; y < height && matches; y++) {
            for (let x = 0; x < width && matches; x++) {
              const sy = y + dy;
              const sx = (flip ? width - 1 - x : x) + dx;
              for (let c = 0; c < channels; c++) {
                const expected = sy >= 0 && sy < height && sx >= 0 && sx < width ? at(batch, n, sy, sx, c) : (fill[c] as number);
                if (at(output, n, y, x, c) !== expected) matches = false;
              }
            }
          }
          if (matches) return { dy, dx, flip };
        }
      }
    }
    return undefined;
  }

  it('random crop: every image is the padded original shifted by at most the padding; all offsets occur', () => {
    const padding = 2;
    const output = augmentBatch(batch, shape, { randomCropPadding: padding, horizontalFlip: false }, new SeededRandom(1), [-0.5, -0.25]);
    assert.equal(output.length, batch.length);
    const offsets = new Set<string>();
    for (let n = 0; n < count; n++) {
      const found = explain(output, n, padding, [false], [-0.5, -0.25]);
      assert.ok(found !== undefined, `image ${n} is not a shifted crop`);
      offsets.add(`${found.dy},${found.dx}`);
    }
    assert.ok(offsets.size >= 15, `only ${offsets.size} of 25 offsets in 64 draws`);
  });

  it('horizontal flip: each image is itself or its mirror, about half mirrored', () => {
    const output = augmentBatch(batch, shape, { randomCropPadding: 0, horizontalFlip: true }, new SeededRandom(2));
    let mirrored = 0;
    for (let n = 0; n < count; n++) {
      const found = explain(output, n, 0, [false, true], [0, 0]);
      assert.ok(found !== undefined);
      if (found.flip) mirrored++;
    }
    assert.ok(mirrored > 16 && mirrored < 48, `${mirrored} of ${count} mirrored`);
  });

  it('is deterministic for a seed and leaves the input untouched', () => {
    const copy = Float32Array.from(batch);
    const options = { randomCropPadding: 1, horizontalFlip: true };
    const first = augmentBatch(batch, shape, options, new SeededRandom(5));
    const again = augmentBatch(batch, shape, options, new SeededRandom(5));
    const other = augmentBatch(batch, shape, options, new SeededRandom(6));
    assert.deepEqual(first, again);
    assert.notDeepEqual(first, other);
    assert.deepEqual(batch, copy);
  });

  it('toFloatBatch pads with normalised black (−mean/std), as padding the raw image with zeros would', () => {
    const bright: ImageDataset = {
      images: new Uint8Array(4 * 4 * 1).fill(200),
      labels: Int32Array.from([0]),
      count: 1,
      height: 4,
      width: 4,
      channels: 1,
      classNames: ['a'],
    };
    const stats = { mean: [0.5], std: [0.25] };
    const random = new SeededRandom(0);
    const values = new Set<number>();
    for (let draw = 0; draw < 20; draw++) {
      for (const value of toFloatBatch(bright, [0], { stats, augmentation: { randomCropPadding: 3, horizontalFlip: false }, random }))
        values.add(value);
    }
    const black = (0 - 0.5) / 0.25;
    const white = (200 / 255 - 0.5) / 0.25;
    assert.deepEqual(
      [...values].sort((a, b) => a - b),
      [black, Math.fround(white)].sort((a, b) => a - b),
    );
    assert.throws(
      () => toFloatBatch(bright, [0], { augmentation: { randomCropPadding: 1, horizontalFlip: false } }),
      /needs a seeded random stream/,
    );
  });
});

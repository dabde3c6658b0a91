import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { DatasetError } from '../../../src/trainer/data/dataset';
import { loadImageFolderDataset } from '../../../src/trainer/data/imageFolder';
import { temporaryDirectory } from './dataFixtures';

const folder = temporaryDirectory('images');
after(() => folder.remove());

type Pixel = (x: number, y: number) => [number, number, number];

function rgba(width: number, height: number, pixel: Pixel): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      data.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return data;
}

function writePng(file: string, width: number, height: number, pixel: Pixel, colorType: 0 | 2 | 6 = 6): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const png = new PNG({ width, height });
  png.data = rgba(width, height, pixel);
  writeFileSync(file, PNG.sync.write(png, { colorType }));
}

function writeJpeg(file: string, width: number, height: number, pixel: Pixel): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, jpeg.encode({ width, height, data: rgba(width, height, pixel) }, 100).data);
}

const grey =
  (level: number): Pixel =>
  (x, y) => {
    const v = (level + 7 * x + 3 * y) % 256;
    return [v, v, v];
  };

function root(name: string): string {
  return join(folder.path, name);
}

function assertDatasetError(action: () => unknown, pattern: RegExp, file?: string): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof DatasetError, String(error));
    assert.match(error.message, pattern);
    if (file !== undefined) {
      assert.equal(error.file, file);
      assert.ok(error.message.includes(file));
    }
    return true;
  });
}

describe('image-folder loader', () => {
  it('reads grey PNGs as 1 channel; classes are the sorted train/ sub-folders', () => {
    const base = root('grey');
    writePng(join(base, 'train', 'zebra', 'a.png'), 5, 4, grey(100), 0);
    writePng(join(base, 'train', 'zebra', 'b.PNG'), 5, 4, grey(110), 6); // RGBA storage, grey content
    writePng(join(base, 'train', 'apple', 'x.png'), 5, 4, grey(0), 0);
    writeFileSync(join(base, 'train', 'apple', 'notes.txt'), 'skipped');
    mkdirSync(join(base, 'train', '.hidden'), { recursive: true });
    writePng(join(base, 'test', 'zebra', 't.png'), 5, 4, grey(50), 0);
    const { train, test } = loadImageFolderDataset(base);
    assert.deepEqual(train.classNames, ['apple', 'zebra']);
    assert.deepEqual(Array.from(train.labels), [0, 1, 1]);
    assert.deepEqual(Array.from(test.labels), [1]);
    assert.deepEqual([train.count, train.height, train.width, train.channels], [3, 4, 5, 1]);
    // Image 1 is zebra/a.png: pixel (x, y) = (100 + 7x + 3y) mod 256.
    for (const [x, y] of [
      [0, 0],
      [4, 0],
      [2, 3],
    ] as const)
      assert.equal(train.images[20 + y * 5 + x], (100 + 7 * x + 3 * y) % 256);
    assert.equal(test.images[0], 50);
  });

  it('uses 3 channels when any image has colour, replicating grey images', () => {
    const base = root('mixed');
    writePng(join(base, 'train', 'a', '1.png'), 2, 2, grey(40), 0);
    writePng(join(base, 'train', 'b', '1.png'), 2, 2, (x, y) => [200, 10 * x, 10 * y], 2);
    writePng(join(base, 'test', 'a', '1.png'), 2, 2, grey(60), 0);
    const { train, test } = loadImageFolderDataset(base);
    assert.equal(train.channels, 3);
    assert.equal(test.channels, 3);
    assert.deepEqual(Array.from(train.images.subarray(0, 3)), [40, 40, 40]);
    // Colour image, pixel (1, 1) = [200, 10, 10].
    assert.deepEqual(Array.from(train.images.subarray(12 + 9, 12 + 12)), [200, 10, 10]);
  });

  it('reads JPEG images (lossy: values close to what was written)', () => {
    const base = root('jpeg');
    const colour: Pixel = () => [220, 30, 60];
    writeJpeg(join(base, 'train', 'red', 'a.jpg'), 8, 8, colour);
    writeJpeg(join(base, 'train', 'grey', 'a.jpeg'), 8, 8, () => [128, 128, 128]);
    writeJpeg(join(base, 'test', 'red', 'a.JPG'), 8, 8, colour);
    const { train, test } = loadImageFolderDataset(base);
    assert.deepEqual(train.classNames, ['grey', 'red']);
    assert.equal(train.channels, 3);
    const red = Array.from(test.images.subarray(0, 3));
    [220, 30, 60].forEach((value, c) => assert.ok(Math.abs((red[c] as number) - value) <= 6, `channel ${c}: ${red[c]}`));
  });

  it('names the offending file and both sizes when images differ in size', () => {
    const base = root('sizes');
    writePng(join(base, 'train', 'a', '1.png'), 6, 4, grey(0), 0);
    writePng(join(base, 'train', 'b', '1.png'), 6, 4, grey(0), 0);
    const odd = join(base, 'test', 'b', '2.png');
    writePng(odd, 4, 6, grey(0), 0);
    assertDatasetError(() => loadImageFolderDataset(base), /image is 4×6 but .*train\/a\/1\.png is 6×4/, odd);
  });

  it('rejects a test class that is not a training class', () => {
    const base = root('unknown');
    writePng(join(base, 'train', 'a', '1.png'), 2, 2, grey(0), 0);
    writePng(join(base, 'train', 'b', '1.png'), 2, 2, grey(0), 0);
    writePng(join(base, 'test', 'c', '1.png'), 2, 2, grey(0), 0);
    assertDatasetError(() => loadImageFolderDataset(base), /unknown class "c"/, join(base, 'test', 'c'));
  });

  it('rejects missing folders, an empty class, a single class and undecodable files', () => {
    assertDatasetError(() => loadImageFolderDataset(root('nothing')), /folder not found/, join(root('nothing'), 'train'));

    const empty = root('empty-class');
    writePng(join(empty, 'train', 'a', '1.png'), 2, 2, grey(0), 0);
    mkdirSync(join(empty, 'train', 'b'), { recursive: true });
    writePng(join(empty, 'test', 'a', '1.png'), 2, 2, grey(0), 0);
    assertDatasetError(() => loadImageFolderDataset(empty), /no \.png, \.jpg or \.jpeg images/, join(empty, 'train', 'b'));

    const single = root('single');
    writePng(join(single, 'train', 'a', '1.png'), 2, 2, grey(0), 0);
    writePng(join(single, 'test', 'a', '1.png'), 2, 2, grey(0), 0);
    assertDatasetError(() => loadImageFolderDataset(single), /found 1 class folder\(s\); a classifier needs at least 2/);

    const broken = root('broken');
    writePng(join(broken, 'train', 'a', '1.png'), 2, 2, grey(0), 0);
    const bad = join(broken, 'train', 'b', 'bad.png');
    mkdirSync(join(bad, '..'), { recursive: true });
    writeFileSync(bad, 'not a png');
    writePng(join(broken, 'test', 'a', '1.png'), 2, 2, grey(0), 0);
    assertDatasetError(() => loadImageFolderDataset(broken), /cannot decode the image/, bad);
  });
});

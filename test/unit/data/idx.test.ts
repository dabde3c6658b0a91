import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DatasetError } from '../../../src/trainer/data/dataset';
import { FASHION_MNIST_CLASS_NAMES, findIdxFiles, loadIdxDataset, readIdxLabels, readIdxSplit } from '../../../src/trainer/data/idx';
import { idxBytes, temporaryDirectory, tinyIdxImages, writeFile, writeIdxDataset } from './dataFixtures';

const folder = temporaryDirectory('idx');
after(() => folder.remove());

function assertDatasetError(action: () => unknown, file: string, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof DatasetError, `expected a DatasetError, got ${String(error)}`);
    assert.equal(error.file, file);
    assert.ok(error.message.includes(file), `message names the file: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('IDX loader', () => {
  for (const gzip of [false, true]) {
    it(`reads a valid ${gzip ? 'gzipped' : 'plain'} dataset`, () => {
      const directory = join(folder.path, gzip ? 'valid-gz' : 'valid');
      mkdirSync(directory);
      writeIdxDataset(directory, [3, 0, 9, 1, 1], [2, 7], gzip);
      const found = findIdxFiles(directory);
      assert.ok('files' in found);
      assert.equal(found.files.trainImages.endsWith(gzip ? '.gz' : 'ubyte'), true);
      const { train, test } = loadIdxDataset(found.files, FASHION_MNIST_CLASS_NAMES);
      assert.equal(train.count, 5);
      assert.equal(test.count, 2);
      assert.equal(train.height, 4);
      assert.equal(train.width, 3);
      assert.equal(train.channels, 1);
      assert.deepEqual(Array.from(train.labels), [3, 0, 9, 1, 1]);
      assert.deepEqual(Array.from(test.labels), [2, 7]);
      assert.deepEqual(Array.from(train.images), tinyIdxImages(5, 4, 3));
      assert.equal(train.classNames[9], 'Ankle boot');
    });
  }

  it('lists the files that are missing', () => {
    const directory = join(folder.path, 'partial');
    mkdirSync(directory);
    writeFile(join(directory, 'train-images-idx3-ubyte'), idxBytes([1, 2, 2], [0, 0, 0, 0]), true);
    const found = findIdxFiles(directory);
    assert.ok('missing' in found);
    assert.deepEqual(found.missing, ['train-labels-idx1-ubyte(.gz)', 't10k-images-idx3-ubyte(.gz)', 't10k-labels-idx1-ubyte(.gz)']);
  });

  it('rejects a wrong magic number (images and labels swapped)', () => {
    const labels = writeFile(join(folder.path, 'labels-as-images'), idxBytes([4], [0, 1, 2, 3]), true);
    const images = writeFile(join(folder.path, 'images-ok'), idxBytes([4, 2, 2], new Array(16).fill(0)));
    assertDatasetError(
      () => readIdxSplit(labels, images, FASHION_MNIST_CLASS_NAMES),
      labels,
      /wrong magic number 0x00000801, expected 0x00000803/,
    );
  });

  it('rejects truncated data, gzipped or not', () => {
    const full = idxBytes([3, 2, 2], new Array(12).fill(5));
    for (const gzip of [false, true]) {
      const file = writeFile(join(folder.path, `truncated-${gzip}`), full.subarray(0, full.length - 1), gzip);
      const labels = writeFile(join(folder.path, `labels-3-${gzip}`), idxBytes([3], [0, 1, 2]));
      assertDatasetError(
        () => readIdxSplit(file, labels, FASHION_MNIST_CLASS_NAMES),
        file,
        /truncated.*3×2×2 values \(28 bytes\) but the file has 27/,
      );
    }
  });

  it('rejects a truncated header and trailing bytes', () => {
    const short = writeFile(join(folder.path, 'short-header'), Buffer.from([0, 0, 8, 3, 0, 0]));
    assertDatasetError(() => readIdxLabels(short, 10), short, /wrong magic|truncated IDX header/);
    const headerOnly = writeFile(join(folder.path, 'header-only'), Buffer.from([0, 0, 8, 1, 0, 0]));
    assertDatasetError(() => readIdxLabels(headerOnly, 10), headerOnly, /truncated IDX header/);
    const trailing = writeFile(join(folder.path, 'trailing'), Buffer.concat([idxBytes([2], [0, 1]), Buffer.from([7, 7])]));
    assertDatasetError(() => readIdxLabels(trailing, 10), trailing, /2 unexpected bytes/);
  });

  it('rejects a label count different from the image count', () => {
    const images = writeFile(join(folder.path, 'images-3'), idxBytes([3, 2, 2], new Array(12).fill(1)), true);
    const labels = writeFile(join(folder.path, 'labels-2'), idxBytes([2], [0, 1]), true);
    assertDatasetError(() => readIdxSplit(images, labels, FASHION_MNIST_CLASS_NAMES), labels, /2 labels but .* has 3 images/);
  });

  it('rejects a label ≥ 10', () => {
    const labels = writeFile(join(folder.path, 'labels-bad'), idxBytes([3], [0, 10, 1]));
    assertDatasetError(() => readIdxLabels(labels, 10), labels, /label 10 of item 1 is not a class index 0–9/);
  });

  it('rejects corrupt gzip data', () => {
    const good = gzipSync(idxBytes([3], [0, 1, 2]));
    const file = join(folder.path, 'corrupt.gz');
    writeFileSync(file, good.subarray(0, good.length - 6));
    assertDatasetError(() => readIdxLabels(file, 10), file, /gzip data is corrupt or truncated/);
  });

  it('rejects an unreadable file with its name', () => {
    const file = join(folder.path, 'does-not-exist');
    assertDatasetError(() => readIdxLabels(file, 10), file, /cannot read the file \(ENOENT\)/);
  });
});

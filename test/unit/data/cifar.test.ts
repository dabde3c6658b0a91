import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DatasetError } from '../../../src/trainer/data/dataset';
import { findCifarDirectory, loadCifarDataset, readCifarBatches } from '../../../src/trainer/data/cifar';
import { cifarRecord, temporaryDirectory } from './dataFixtures';

const folder = temporaryDirectory('cifar');
after(() => folder.remove());

function subfolder(name: string): string {
  const path = join(folder.path, name);
  mkdirSync(path, { recursive: true });
  return path;
}

/** The HWC value the loader must produce for pixel p (row-major), channel c of a record built with seedByte. */
function expectedPixel(seedByte: number, p: number, c: number): number {
  return (seedByte + 3 * p + c) % 256;
}

function writeCifar10(directory: string, labelsPerFile: Record<string, number[]>): void {
  for (const [name, labels] of Object.entries(labelsPerFile)) {
    writeFileSync(join(directory, name), Buffer.concat(labels.map((label, i) => cifarRecord([label], 17 * i + label))));
  }
}

describe('CIFAR binary loader', () => {
  it('reads CIFAR-10 batches, converting CHW records to HWC', () => {
    const directory = subfolder('cifar10/cifar-10-batches-bin');
    const files: Record<string, number[]> = {
      'data_batch_1.bin': [6, 9],
      'data_batch_2.bin': [9],
      'data_batch_3.bin': [4, 1, 1],
      'data_batch_4.bin': [2],
      'data_batch_5.bin': [7],
      'test_batch.bin': [3, 8],
    };
    writeCifar10(directory, files);
    // The archive's sub-folder is found below the configured path.
    assert.equal(findCifarDirectory(join(folder.path, 'cifar10'), 'cifar10'), directory);
    const { train, test } = loadCifarDataset(directory, 'cifar10');
    assert.deepEqual(Array.from(train.labels), [6, 9, 9, 4, 1, 1, 2, 7]);
    assert.deepEqual(Array.from(test.labels), [3, 8]);
    assert.equal(train.count, 8);
    assert.deepEqual([train.height, train.width, train.channels], [32, 32, 3]);
    assert.equal(train.classNames[0], 'airplane'); // no batches.meta.txt: the published names
    // Image 3 is record 0 of data_batch_3 (label 4, seed byte 4); check a few pixels in every channel.
    for (const p of [0, 1, 31, 32, 500, 1023]) {
      for (let c = 0; c < 3; c++) assert.equal(train.images[3 * 3072 + 3 * p + c], expectedPixel(4, p, c), `pixel ${p} channel ${c}`);
    }
    // Image 1 of test is record 1 of test_batch (label 8, seed byte 17 + 8).
    assert.equal(test.images[3072 + 3 * 100 + 2], expectedPixel(25, 100, 2));
  });

  it('reads class names from batches.meta.txt, ignoring blank lines', () => {
    const directory = subfolder('cifar10-names');
    writeCifar10(
      directory,
      Object.fromEntries(
        ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch'].map((n) => [`${n}.bin`, [0]]),
      ),
    );
    writeFileSync(join(directory, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n\n');
    assert.deepEqual(loadCifarDataset(directory, 'cifar10').train.classNames, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    writeFileSync(join(directory, 'batches.meta.txt'), 'a\nb\n');
    assert.throws(() => loadCifarDataset(directory, 'cifar10'), /2 class names, expected 10/);
  });

  it('reads CIFAR-100 fine labels (second label byte), gzipped or not', () => {
    const directory = subfolder('cifar100');
    writeFileSync(join(directory, 'train.bin'), Buffer.concat([cifarRecord([3, 99], 1), cifarRecord([19, 42], 2)]));
    writeFileSync(join(directory, 'test.bin'), gzipSync(cifarRecord([0, 7], 3)));
    const { train, test } = loadCifarDataset(directory, 'cifar100');
    assert.deepEqual(Array.from(train.labels), [99, 42]);
    assert.deepEqual(Array.from(test.labels), [7]);
    assert.equal(train.classNames.length, 100);
    assert.equal(train.classNames[99], 'worm');
    assert.equal(test.images[3 * 5 + 1], expectedPixel(3, 5, 1));
  });

  it('names the file and byte offset of a truncated record', () => {
    const directory = subfolder('truncated');
    const file = join(directory, 'data_batch_1.bin');
    writeFileSync(file, Buffer.concat([cifarRecord([1], 0), cifarRecord([2], 0), cifarRecord([3], 0).subarray(0, 100)]));
    assert.throws(
      () => readCifarBatches([file], 'cifar10', ['x']),
      (error: unknown) =>
        error instanceof DatasetError &&
        error.file === file &&
        error.message.includes(file) &&
        /truncated record at byte offset 6146 \(record 2 has 100 of 3073 bytes\)/.test(error.message),
    );
  });

  it('rejects a label outside the class range, with its offset', () => {
    const directory = subfolder('bad-label');
    const file = join(directory, 'data_batch_1.bin');
    writeFileSync(file, Buffer.concat([cifarRecord([1], 0), cifarRecord([12], 0)]));
    assert.throws(() => readCifarBatches([file], 'cifar10', []), /label 12 at byte offset 3073 is not a class index 0–9/);
    const fine = join(directory, 'train.bin');
    writeFileSync(fine, cifarRecord([1, 100], 0));
    assert.throws(() => readCifarBatches([fine], 'cifar100', []), /label 100 at byte offset 1 is not a class index 0–99/);
  });

  it('lists missing batch files', () => {
    const directory = subfolder('missing');
    writeFileSync(join(directory, 'data_batch_1.bin'), cifarRecord([0], 0));
    assert.equal(findCifarDirectory(directory, 'cifar10'), undefined);
    assert.throws(
      () => loadCifarDataset(directory, 'cifar10'),
      /missing data_batch_2\.bin, data_batch_3\.bin, data_batch_4\.bin, data_batch_5\.bin, test_batch\.bin/,
    );
  });

  it('rejects an empty batch file', () => {
    const file = join(subfolder('empty'), 'test_batch.bin');
    writeFileSync(file, Buffer.alloc(0));
    assert.throws(() => readCifarBatches([file], 'cifar10', []), /the file is empty/);
  });
});

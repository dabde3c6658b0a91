import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetSchema, imbalanceSchema } from '../../../src/protocol/runConfig';
import type { RunConfigInput } from '../../../src/protocol/runConfig';
import { DatasetError, classCounts } from '../../../src/trainer/data/dataset';
import type { FetchToFile } from '../../../src/trainer/data/download';
import {
  DEBIAN_FASHION_MNIST_DIRECTORY,
  defaultDatasetCacheDirectory,
  describeDataset,
  loadDatasetSplits,
  resolveDatasetLocation,
} from '../../../src/trainer/data/loadDataset';
import { cifarRecord, temporaryDirectory, writeIdxDataset } from './dataFixtures';

const folder = temporaryDirectory('load');
after(() => folder.remove());

const dataset = (input: RunConfigInput['dataset']) => datasetSchema.parse(input ?? {});
const imbalance = (input: RunConfigInput['imbalance']) => imbalanceSchema.parse(input ?? {});

function directories(name: string): { configDir: string; cacheDir: string; systemFashionMnistDirectory: string } {
  const base = join(folder.path, name);
  const paths = {
    configDir: join(base, 'config'),
    cacheDir: join(base, 'cache'),
    systemFashionMnistDirectory: join(base, 'system-fashion-mnist'),
  };
  for (const path of Object.values(paths)) mkdirSync(path, { recursive: true });
  return paths;
}

/** 3 training and 2 test images per class of `classesPresent` (labels cycle), as IDX. */
function writeSmallIdx(directory: string, gzip = true, classesPresent = 10): void {
  mkdirSync(directory, { recursive: true });
  writeIdxDataset(
    directory,
    Array.from({ length: 3 * classesPresent }, (_, i) => i % classesPresent),
    Array.from({ length: 2 * classesPresent }, (_, i) => i % classesPresent),
    gzip,
  );
}

describe('dataset resolution and loading', () => {
  it('synthetic: generated from the config, subsampled to the profile, test balanced', async () => {
    const options = directories('synthetic');
    const splits = await loadDatasetSplits(
      dataset({ name: 'synthetic', classes: 5, imageSize: 12, trainPerClass: 40, testPerClass: 10 }),
      imbalance({ profile: 'exponential', factor: 10 }),
      0,
      options,
    );
    // n_max defaults to the smallest class (40): floor(40·10^(−i/4)) = 40, 22.49, 12.65, 7.11, 4.0
    assert.deepEqual(splits.trainCounts, [40, 22, 12, 7, 4]);
    assert.deepEqual(classCounts(splits.train), [40, 22, 12, 7, 4]);
    assert.deepEqual(splits.fullTrainCounts, [40, 40, 40, 40, 40]);
    assert.deepEqual(classCounts(splits.test), [10, 10, 10, 10, 10]);
    assert.deepEqual([splits.train.height, splits.train.width, splits.train.channels], [12, 12, 1]);
    assert.match(splits.source, /^synthetic \(5 classes, 12×12/);
  });

  it('the same seed gives the same training subset; another seed another subset; the data stay the same', async () => {
    const options = directories('seeds');
    const config = dataset({ name: 'synthetic', classes: 3, imageSize: 8, trainPerClass: 30, testPerClass: 5 });
    const step = imbalance({ profile: 'step', factor: 3 });
    const a = await loadDatasetSplits(config, step, 1, options);
    const b = await loadDatasetSplits(config, step, 1, options);
    const c = await loadDatasetSplits(config, step, 2, options);
    assert.deepEqual(a.train.images, b.train.images);
    assert.notDeepEqual(a.train.images, c.train.images);
    assert.deepEqual(a.test.images, c.test.images, 'the run seed does not change the synthetic data');
    assert.deepEqual(a.trainCounts, [30, 10, 10]);
  });

  it('resolves dataset.path against the config folder; profile none keeps everything', async () => {
    const options = directories('relative');
    writeSmallIdx(join(options.configDir, 'data', 'fm'));
    const config = dataset({ name: 'fashion-mnist', path: 'data/fm' });
    assert.equal(describeDataset(config, options), `Fashion-MNIST from ${join(options.configDir, 'data', 'fm')}`);
    const splits = await loadDatasetSplits(config, imbalance({ profile: 'none' }), 0, options);
    assert.equal(splits.train.count, 30);
    assert.equal(splits.test.count, 20);
    assert.equal(splits.train.classNames[0], 'T-shirt/top');
    assert.equal(splits.source, `Fashion-MNIST from ${join(options.configDir, 'data', 'fm')}`);
  });

  it('fashion-mnist: the system folder first, then the cache', () => {
    const options = directories('order');
    writeSmallIdx(join(options.cacheDir, 'fashion-mnist'), false);
    assert.equal(resolveDatasetLocation(dataset({ name: 'fashion-mnist' }), options).directory, join(options.cacheDir, 'fashion-mnist'));
    writeSmallIdx(options.systemFashionMnistDirectory);
    assert.equal(resolveDatasetLocation(dataset({ name: 'fashion-mnist' }), options).directory, options.systemFashionMnistDirectory);
    assert.equal(resolveDatasetLocation(dataset({}), options).name, 'fashion-mnist', 'auto picks Fashion-MNIST when present');
  });

  it('auto falls back to synthetic when no Fashion-MNIST is found, and says why', async () => {
    const options = directories('auto');
    const location = resolveDatasetLocation(
      dataset({ name: 'auto', classes: 3, trainPerClass: 10, testPerClass: 2, imageSize: 8 }),
      options,
    );
    assert.equal(location.name, 'synthetic');
    assert.ok(
      location.description.includes(options.systemFashionMnistDirectory) &&
        location.description.includes(join(options.cacheDir, 'fashion-mnist')),
    );
    assert.match(location.description, /because no Fashion-MNIST files were found/);
    const splits = await loadDatasetSplits(
      dataset({ name: 'auto', classes: 3, trainPerClass: 10, testPerClass: 2, imageSize: 8 }),
      imbalance({ profile: 'none' }),
      0,
      options,
    );
    assert.equal(splits.train.count, 30);
  });

  it('mnist in the cache gets digit class names; step profile with an explicit n_max', async () => {
    const options = directories('mnist');
    writeSmallIdx(join(options.cacheDir, 'mnist'));
    const splits = await loadDatasetSplits(
      dataset({ name: 'mnist' }),
      imbalance({ profile: 'step', factor: 3, maxPerClass: 3 }),
      0,
      options,
    );
    assert.deepEqual(splits.train.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.deepEqual(classCounts(splits.train), [3, 3, 3, 3, 3, 1, 1, 1, 1, 1]);
  });

  it('refuses a dataset in which a class has no training image', async () => {
    const options = directories('empty-class');
    writeSmallIdx(join(options.cacheDir, 'mnist'), true, 4);
    await assert.rejects(
      loadDatasetSplits(dataset({ name: 'mnist' }), imbalance({ profile: 'none' }), 0, options),
      /class 4 \("4"\) has no training images/,
    );
  });

  it('cifar10 from the archive sub-folder of the cache', async () => {
    const options = directories('cifar');
    const directory = join(options.cacheDir, 'cifar10', 'cifar-10-batches-bin');
    mkdirSync(directory, { recursive: true });
    for (const name of ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5']) {
      writeFileSync(join(directory, `${name}.bin`), Buffer.concat(Array.from({ length: 10 }, (_, label) => cifarRecord([label], label))));
    }
    writeFileSync(join(directory, 'test_batch.bin'), Buffer.concat(Array.from({ length: 10 }, (_, label) => cifarRecord([label], 0))));
    const splits = await loadDatasetSplits(dataset({ name: 'cifar10' }), imbalance({ profile: 'exponential', factor: 5 }), 0, options);
    assert.equal(splits.source, `CIFAR-10 from ${directory}`);
    // n_max = 5 (smallest class), floor(5·5^(−i/9)): 5, 4.18, 3.50, 2.92, 2.44, 2.04, 1.71, 1.43, 1.19, 1
    assert.deepEqual(splits.trainCounts, [5, 4, 3, 2, 2, 2, 1, 1, 1, 1]);
    assert.equal(splits.test.count, 10);
  });

  it('missing files without download: the error says where it looked and every way to fix it', async () => {
    const options = directories('missing');
    await assert.rejects(loadDatasetSplits(dataset({ name: 'fashion-mnist' }), imbalance({}), 0, options), (error: unknown) => {
      assert.ok(error instanceof DatasetError);
      assert.ok(error.message.includes(options.systemFashionMnistDirectory));
      assert.ok(error.message.includes(join(options.cacheDir, 'fashion-mnist')));
      for (const fix of ['dataset-fashion-mnist', 'dataset.path', '"download": true', '"synthetic"'])
        assert.ok(error.message.includes(fix), `mentions ${fix}: ${error.message}`);
      return true;
    });
    await assert.rejects(loadDatasetSplits(dataset({ name: 'cifar100', path: 'nowhere' }), imbalance({}), 0, options), (error: unknown) => {
      assert.ok(error instanceof DatasetError);
      assert.ok(error.message.includes(join(options.configDir, 'nowhere')));
      assert.match(error.message, /train\.bin, test\.bin/);
      assert.doesNotMatch(error.message, /dataset-fashion-mnist/);
      return true;
    });
  });

  it('image-folder needs dataset.path', async () => {
    const options = directories('image-folder');
    await assert.rejects(
      loadDatasetSplits(dataset({ name: 'image-folder' }), imbalance({}), 0, options),
      /dataset\.path is required for "image-folder"/,
    );
  });

  it('download: true fetches the official files through the transport and refuses bytes with the wrong checksum', async () => {
    const options = directories('download');
    const requests: string[] = [];
    const wrongBytes: FetchToFile = (url, destination) => {
      requests.push(url);
      writeFileSync(destination, 'not the dataset');
      return Promise.resolve();
    };
    await assert.rejects(
      loadDatasetSplits(dataset({ name: 'mnist', download: true }), imbalance({}), 0, { ...options, fetchToFile: wrongBytes }),
      (error: unknown) =>
        error instanceof DatasetError && /md5 [0-9a-f]{32}, expected f68b3c2dcbeaaa9fbdd348bbdeb94873/.test(error.message),
    );
    assert.deepEqual(requests, [
      'https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz',
      'http://yann.lecun.com/exdb/mnist/train-images-idx3-ubyte.gz',
    ]);
    assert.deepEqual(readdirSync(join(options.cacheDir, 'mnist')), [], 'nothing unverified is kept');
    // With dataset.path set, the download goes there.
    const location = resolveDatasetLocation(dataset({ name: 'fashion-mnist', download: true, path: 'fm' }), options);
    assert.equal(location.found, false);
    assert.equal(location.directory, join(options.configDir, 'fm'));
    assert.match(location.description, /to be downloaded/);
  });

  it('the default cache follows XDG_CACHE_HOME', () => {
    assert.equal(defaultDatasetCacheDirectory({ XDG_CACHE_HOME: '/x/cache' }), '/x/cache/neural-collapse-monitor/datasets');
    assert.match(defaultDatasetCacheDirectory({}), /\.cache\/neural-collapse-monitor\/datasets$/);
  });

  it(
    'describes the Debian Fashion-MNIST folder when it is installed',
    { skip: existsSync(DEBIAN_FASHION_MNIST_DIRECTORY) ? false : 'dataset-fashion-mnist is not installed' },
    () => {
      const options = { configDir: folder.path, cacheDir: join(folder.path, 'unused-cache') };
      assert.equal(describeDataset(dataset({}), options), `Fashion-MNIST from ${DEBIAN_FASHION_MNIST_DIRECTORY}`);
    },
  );
});

/**
 * The real Fashion-MNIST from the Debian package dataset-fashion-mnist, when installed (skipped otherwise).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetSchema, imbalanceSchema } from '../../../src/protocol/runConfig';
import { classCounts } from '../../../src/trainer/data/dataset';
import { DEBIAN_FASHION_MNIST_DIRECTORY, loadDatasetSplits } from '../../../src/trainer/data/loadDataset';
import { normalisationStatistics } from '../../../src/trainer/data/preprocess';

const installed = existsSync(join(DEBIAN_FASHION_MNIST_DIRECTORY, 'train-images-idx3-ubyte.gz'));
const options = { configDir: tmpdir(), cacheDir: join(tmpdir(), 'nc-monitor-unused-cache') };

describe(
  'real Fashion-MNIST (Debian dataset-fashion-mnist)',
  { skip: installed ? false : `not installed: no ${DEBIAN_FASHION_MNIST_DIRECTORY} (apt-get install dataset-fashion-mnist)` },
  () => {
    it('has 60,000 training and 10,000 test images of 28×28, balanced over 10 classes', async () => {
      const splits = await loadDatasetSplits(
        datasetSchema.parse({ name: 'fashion-mnist' }),
        imbalanceSchema.parse({ profile: 'none' }),
        0,
        options,
      );
      assert.equal(splits.source, `Fashion-MNIST from ${DEBIAN_FASHION_MNIST_DIRECTORY}`);
      assert.equal(splits.train.count, 60000);
      assert.equal(splits.test.count, 10000);
      assert.deepEqual([splits.train.height, splits.train.width, splits.train.channels], [28, 28, 1]);
      assert.deepEqual(classCounts(splits.train), new Array(10).fill(6000));
      assert.deepEqual(classCounts(splits.test), new Array(10).fill(1000));
      // First labels, read independently with Python's gzip module from the same files.
      assert.deepEqual(Array.from(splits.train.labels.subarray(0, 10)), [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
      assert.deepEqual(Array.from(splits.test.labels.subarray(0, 10)), [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
      // The widely quoted normalisation constants of Fashion-MNIST: mean 0.2860, std 0.3530.
      const stats = normalisationStatistics(splits.train);
      assert.ok(Math.abs((stats.mean[0] as number) - 0.286) < 5e-5, `mean ${stats.mean[0]}`);
      assert.ok(Math.abs((stats.std[0] as number) - 0.353) < 5e-5, `std ${stats.std[0]}`);
    });

    it('Fashion-MNIST-LT at IF 100 (n_max 6000 by default) keeps 14,886 images, 60 in the smallest class; test stays whole', async () => {
      const splits = await loadDatasetSplits(
        datasetSchema.parse({}),
        imbalanceSchema.parse({ profile: 'exponential', factor: 100 }),
        0,
        options,
      );
      assert.equal(splits.train.count, 14886);
      assert.equal(classCounts(splits.train)[9], 60);
      assert.equal(classCounts(splits.train)[0], 6000);
      assert.equal(splits.test.count, 10000);
    });
  },
);

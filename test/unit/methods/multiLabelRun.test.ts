/**
 * Multi-label runs through the real data loading and training loop (trainRun): generated data follow the configured
 * long-tail profile; label files are matched to the dataset's images with clear errors; a 2-epoch run reports the
 * multi-label part on every split, NC metrics on the single-label samples, and saves logits whose per-label recall
 * and precision match the report when recomputed here.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { evaluationReportSchema } from '../../../src/protocol/metrics';
import type { TrainerMessage } from '../../../src/protocol/messages';
import { labelsSchema } from '../../../src/protocol/labelsConfig';
import { generateSyntheticDataset } from '../../../src/trainer/data';
import type { DatasetSplits } from '../../../src/trainer/data';
import { readNpy } from '../../../src/trainer/io/npy';
import { labelsOf, loadMultiLabelTrainingData } from '../../../src/trainer/methods/multiLabel';
import { removeRunFolders, runInMemory, tinyConfig } from './runMethod';

after(removeRunFolders);

const CLASSES = 4;
const full = generateSyntheticDataset({ classes: CLASSES, imageSize: 8, trainPerClass: 20, testPerClass: 5, seed: 0 });
const fullSplits: DatasetSplits = {
  train: full.train,
  test: full.test,
  source: 'synthetic test data',
  fullTrainCounts: [20, 20, 20, 20],
  trainCounts: [20, 20, 20, 20],
};
const load = () => Promise.resolve(fullSplits);
const folder = mkdtempSync(join(tmpdir(), 'nc-multi-label-'));

describe('multi-label data', () => {
  it('generates as many training images as the long-tail profile keeps, test images per test image', async () => {
    const labels = labelsSchema.parse({ mode: 'multi-label', secondLabelProbability: 0.5 });
    const data = await loadMultiLabelTrainingData(
      { labels, imbalance: { profile: 'exponential', factor: 10, maxPerClass: 16 }, seed: 0, configDir: folder },
      load,
    );
    // n_i = ⌊16 · 10^(−i/3)⌋ = 16, 7, 3, 1.
    assert.equal(data.train.count, 16 + 7 + 3 + 1);
    assert.equal(data.test.count, CLASSES * 5);
    assert.equal(data.multiLabel.train.rows, data.train.count);
    const counted = new Array<number>(CLASSES).fill(0);
    for (let i = 0; i < data.train.count; i++) for (const c of labelsOf(data.multiLabel.train, i)) counted[c] = (counted[c] ?? 0) + 1;
    assert.deepEqual(data.trainCounts, counted);
    assert.deepEqual(data.rowTrainCounts, counted);
  });

  it('matches label files to the images and says what is wrong with them', async () => {
    const options = (path: string, testPath?: string) => ({
      labels: labelsSchema.parse({ mode: 'multi-label', source: 'file', path, ...(testPath === undefined ? {} : { testPath }) }),
      imbalance: { profile: 'exponential' as const, factor: 10 },
      seed: 0,
      configDir: folder,
    });
    const csv = (rows: number, names = 'a,b,c') =>
      `${names}\n${Array.from({ length: rows }, (_, i) => [i % 2, i % 3 === 0 ? 1 : 0, 1 - (i % 2)].join(',')).join('\n')}\n`;
    writeFileSync(join(folder, 'train.csv'), csv(80));
    writeFileSync(join(folder, 'test.csv'), csv(20));
    const data = await loadMultiLabelTrainingData(options('train.csv', 'test.csv'), load);
    assert.deepEqual(data.classNames, ['a', 'b', 'c']);
    // Imbalance does not subsample file labels: every image keeps its row.
    assert.equal(data.train.count, 80);
    assert.deepEqual(data.trainCounts, [40, 27, 40]);
    assert.deepEqual(labelsOf(data.multiLabel.train, 1), [0]);
    assert.deepEqual(labelsOf(data.multiLabel.train, 3), [0, 1]);
    assert.deepEqual(labelsOf(data.multiLabel.train, 0), [1, 2]);

    writeFileSync(join(folder, 'short.csv'), csv(79));
    await assert.rejects(loadMultiLabelTrainingData(options('short.csv'), load), /short\.csv: 79 label rows for the 80 training images/);
    writeFileSync(join(folder, 'other.csv'), csv(20, 'a,b,d'));
    await assert.rejects(loadMultiLabelTrainingData(options('train.csv', 'other.csv'), load), /other\.csv: its labels \(a, b, d\) differ/);
    writeFileSync(join(folder, 'unused.csv'), `a,b\n${'1,0\n'.repeat(80)}`);
    await assert.rejects(loadMultiLabelTrainingData(options('unused.csv'), load), /label "b" has no positive training sample/);
    await assert.rejects(loadMultiLabelTrainingData(options('missing.csv'), load), /missing\.csv: cannot read the label file \(ENOENT\)/);
  });
});

function updates(messages: TrainerMessage[]) {
  return messages.flatMap((message) => (message.type === 'metrics/didUpdate' ? [message] : []));
}

describe('a multi-label run through the training loop', () => {
  it('reports the multi-label part on both splits and saves logits whose scores match the report', async () => {
    const run = await runInMemory(tinyConfig({}, { labels: { mode: 'multi-label', secondLabelProbability: 0.4 } }), 'multi-label');
    assert.equal(run.stopped, false);
    const epochs = run.messages.flatMap((message) => (message.type === 'epoch/didEnd' ? [message] : []));
    assert.equal(epochs.length, 2);
    for (const epoch of epochs) assert.ok(Number.isFinite(epoch.loss) && epoch.trainAccuracy >= 0 && epoch.trainAccuracy <= 1);
    const started = run.messages.find((message) => message.type === 'run/didStart');
    assert.ok(started?.type === 'run/didStart');
    assert.match(started.diagnostics.join('\n'), /multi-label run: 6 labels/);
    assert.equal(updates(run.messages).length, 2);

    const { train, test } = run.last;
    assert.ok(train?.multiLabel && test?.multiLabel);
    for (const report of [train, test]) {
      evaluationReportSchema.parse(report);
      const part = report.multiLabel;
      assert.ok(part);
      // The NC part of the report covers the single-label samples only, and says so.
      assert.equal(report.sampleCount, part.singleLabelCount);
      assert.ok(part.multiLabelCount > 0, 'some samples have two labels');
      assert.match(report.diagnostics.join('\n'), /computed on the \d+ single-label samples/);
      // Σ_Y = S − ppᵀ entry by entry, as sent.
      const { frequencies: p, secondMoment, centredCovariance } = part.labelStatistics;
      secondMoment?.forEach((row, a) =>
        row.forEach((value, b) => assert.ok(Math.abs((centredCovariance?.[a]?.[b] ?? NaN) - (value - (p[a] ?? 0) * (p[b] ?? 0))) < 1e-12)),
      );
    }
    assert.deepEqual(started.dataset.trainCounts, train.multiLabel.labelCounts);

    // Recompute per-label recall and precision from the saved logits and labels of the last evaluation.
    for (const report of [train, test]) {
      const logits = await readNpy(join(run.folder.path, 'predictions', `${report.split}-logits.npy`));
      const labels = await readNpy(join(run.folder.path, 'predictions', `${report.split}-labels.npy`));
      const [rows, C] = labels.shape as [number, number];
      assert.deepEqual(logits.shape, [rows, C]);
      assert.equal(rows, report.multiLabel?.sampleCount);
      for (let c = 0; c < C; c++) {
        let truePositive = 0;
        let actual = 0;
        let predicted = 0;
        for (let i = 0; i < rows; i++) {
          const has = Number(labels.data[i * C + c]) === 1;
          const says = 1 / (1 + Math.exp(-Number(logits.data[i * C + c]))) > 0.5;
          actual += has ? 1 : 0;
          predicted += says ? 1 : 0;
          truePositive += has && says ? 1 : 0;
        }
        assert.equal(
          report.multiLabel?.recallPerLabel[c],
          actual === 0 ? null : truePositive / actual,
          `${report.split} recall of label ${c}`,
        );
        assert.equal(
          report.multiLabel?.precisionPerLabel[c],
          predicted === 0 ? null : truePositive / predicted,
          `${report.split} precision of label ${c}`,
        );
      }
    }
  });

  it('refuses a single-label method in multi-label mode before training', async () => {
    await assert.rejects(
      runInMemory(tinyConfig({ name: 'ldam-drw' }, { labels: { mode: 'multi-label' } }), 'refused'),
      /method\.name: method "ldam-drw" is single-label only: multi-label mode trains one sigmoid per label with binary cross-entropy/,
    );
  });
});

/**
 * Every method through the real training loop (trainRun) on a tiny synthetic config, cpu backend, 2 epochs: it
 * finishes and reports metrics; plus what the loop does for particular methods (cRT's frozen body and re-trained
 * classifier, the fixed ETF, granularity's target-only metrics, post-hoc adjustment at evaluation).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { TrainerMessage } from '../../../src/protocol/messages';
import { METHOD_NAMES } from '../../../src/protocol/runConfig';
import type { RunConfigInput } from '../../../src/protocol/runConfig';
import { loadWeights } from '../../../src/trainer/models/checkpoint';
import { removeRunFolders, runInMemory, tinyConfig } from './runMethod';

after(removeRunFolders);

/** One config per method name, with the options a 2-epoch run needs. */
const METHODS: Record<(typeof METHOD_NAMES)[number], RunConfigInput['method']> = {
  'cross-entropy': { name: 'cross-entropy' },
  'class-balanced': { name: 'class-balanced', loss: 'focal' },
  focal: { name: 'focal' },
  'ldam-drw': { name: 'ldam-drw', reweightAfterEpochs: 1 },
  'logit-adjustment': { name: 'logit-adjustment' },
  'balanced-softmax': { name: 'balanced-softmax' },
  crt: { name: 'crt', classifierEpochs: 1 },
  'tau-normalisation': { name: 'tau-normalisation' },
  'etf-classifier': { name: 'etf-classifier' },
  allnc: { name: 'allnc' },
  'spa-reg': { name: 'spa-reg' },
  'spa-slerp': { name: 'spa-slerp' },
  'spa-proj': { name: 'spa-proj' },
  granularity: { name: 'granularity', auxiliaryClasses: [4, 5] },
};

function didStart(messages: TrainerMessage[]): Extract<TrainerMessage, { type: 'run/didStart' }> {
  const message = messages.find((entry) => entry.type === 'run/didStart');
  assert.ok(message?.type === 'run/didStart');
  return message;
}

describe('every method trains through the run loop', () => {
  it('covers every METHOD_NAMES entry', () => {
    assert.deepEqual(Object.keys(METHODS).sort(), [...METHOD_NAMES].sort());
  });

  for (const name of METHOD_NAMES) {
    it(`${name}: 2 epochs finish with finite losses and a metrics report`, async () => {
      const run = await runInMemory(tinyConfig(METHODS[name]), name);
      assert.equal(run.stopped, false);
      const epochs = run.messages.filter((message) => message.type === 'epoch/didEnd');
      assert.equal(epochs.length, 2);
      for (const epoch of epochs)
        assert.ok(epoch.type === 'epoch/didEnd' && Number.isFinite(epoch.loss), `${name}: loss ${JSON.stringify(epoch)}`);
      const { train, test } = run.last;
      assert.ok(train && test, 'train and test reports');
      assert.equal(test.epoch, 2);
      assert.ok(test.accuracy !== null && test.accuracy >= 0 && test.accuracy <= 1);
      assert.ok(train.nc1 === null || Number.isFinite(train.nc1));
      assert.equal(test.classCount, name === 'granularity' ? 4 : 6);
    });
  }
});

describe('what the loop does for particular methods', () => {
  it('cRT: the second stage keeps the body of the first and re-trains a re-initialised classifier', async () => {
    // Cross-entropy for 1 epoch is cRT's first stage (same seed, same batches).
    const stageOne = await runInMemory(tinyConfig({ name: 'cross-entropy' }, { epochs: 1 }), 'ce-1');
    const crt = await runInMemory(tinyConfig({ name: 'crt', classifierEpochs: 1 }), 'crt');
    const before = await loadWeights(stageOne.folder.checkpointPath);
    const after = await loadWeights(crt.folder.checkpointPath);
    for (const name of Object.keys(before.weights)) {
      const same = tf.tidy(() => tf.all(tf.equal(before.weights[name] as tf.Tensor, after.weights[name] as tf.Tensor)).dataSync()[0] === 1);
      if (name.startsWith('classifier/')) assert.ok(!same, `${name} is re-trained`);
      else assert.ok(same, `${name} is frozen in the second stage`);
    }
    tf.dispose([Object.values(before.weights), Object.values(after.weights)]);
  });

  it('etf-classifier: W stays an exact simplex ETF (NC2 of W is 0, tail cosine −1/(C−1))', async () => {
    const run = await runInMemory(tinyConfig({ name: 'etf-classifier' }), 'etf');
    const test = run.last.test;
    assert.ok(test);
    assert.ok(Math.abs(test.nc2.classifierNormCv ?? 1) < 1e-5);
    assert.ok(Math.abs(test.nc2.classifierMaxAngle ?? 1) < 1e-5);
    assert.ok(Math.abs((test.minorityCollapse.tailClassifierCosine ?? 0) + 1 / 5) < 1e-5);
  });

  it('granularity: the run reports target classes only; auxiliary classes are named in the source', async () => {
    const run = await runInMemory(tinyConfig({ name: 'granularity', auxiliaryClasses: [1] }), 'granularity');
    const started = didStart(run.messages);
    assert.equal(started.dataset.classNames.length, 5);
    assert.equal(started.dataset.trainCounts.length, 5);
    assert.match(started.dataset.source, /auxiliary classes 1 /);
    assert.equal(run.last.train?.classCount, 5);
    assert.deepEqual(run.last.train?.classCounts, started.dataset.trainCounts);
    assert.equal(run.last.test?.sampleCount, 50);
  });

  it('post-hoc logit adjustment changes predictions at evaluation only: same training loss as cross-entropy', async () => {
    const ce = await runInMemory(tinyConfig({ name: 'cross-entropy' }), 'ce');
    const posthoc = await runInMemory(tinyConfig({ name: 'logit-adjustment', mode: 'post-hoc', tau: 1 }), 'la');
    const losses = (run: typeof ce) => run.messages.flatMap((message) => (message.type === 'epoch/didEnd' ? [message.loss] : []));
    assert.deepEqual(losses(posthoc), losses(ce));
    // The adjusted bias favours the tail: its recall cannot fall below cross-entropy's on the same features.
    const tailRecall = (run: typeof ce) => run.last.test?.recallPerClass.at(-1) ?? 0;
    assert.ok(tailRecall(posthoc) >= tailRecall(ce));
    assert.notDeepEqual(posthoc.last.test?.recallPerClass, ce.last.test?.recallPerClass);
  });

  it('a method whose options do not fit the run fails with the field to fix', async () => {
    await assert.rejects(
      runInMemory(tinyConfig({ name: 'crt', classifierEpochs: 2 }), 'crt-too-long'),
      /method\.classifierEpochs \(2\) must be smaller than epochs \(2\)/,
    );
    await assert.rejects(
      runInMemory(tinyConfig({ name: 'granularity', auxiliaryClasses: [9] }), 'aux-out'),
      /method\.auxiliaryClasses: 9 is not a class/,
    );
  });
});

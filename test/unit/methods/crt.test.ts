/** cRT's epoch plan (stages, optimiser reset, cosine learning rate, classifier re-initialisation) and class-balanced sampling. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createMethod, classBalancedOrder } from '../../../src/trainer/methods';
import { buildModel } from '../../../src/trainer/models/createModel';
import { SeededRandom } from '../../../src/trainer/random';

before(async () => {
  await tf.setBackend('cpu');
});

describe('cRT epoch plan', () => {
  it('trains normally, then re-initialises the classifier once and re-trains it alone with class-balanced batches', () => {
    const method = createMethod(
      { name: 'crt', classifierEpochs: 2, classifierLearningRate: 0.2 },
      { trainCounts: [30, 10, 3], targetClassCount: 3, featureDim: 4, totalEpochs: 5, seed: 0, learningRate: 0.01 },
    );
    const model = buildModel({ architecture: 'mlp', inputShape: [2, 2, 1], numClasses: 3, featureDim: 4, hiddenUnits: [] }, 0);
    const weights = () => Array.from(model.classifierWeights().weights);
    for (const epoch of [1, 2, 3]) {
      const before = weights();
      const plan = method.planEpoch?.(epoch, model);
      assert.deepEqual(plan, { sampling: 'instance', classifierOnly: false, resetOptimizer: false });
      assert.deepEqual(weights(), before);
    }
    tf.tidy(() => model.classifier.bias.assign(tf.ones([3])));
    const stageOneWeights = weights();
    const first = method.planEpoch?.(4, model);
    assert.ok(first);
    assert.equal(first.sampling, 'class-balanced');
    assert.equal(first.classifierOnly, true);
    assert.equal(first.resetOptimizer, true);
    assert.notDeepEqual(weights(), stageOneWeights, 'W re-initialised');
    assert.deepEqual(Array.from(model.classifierWeights().bias), [0, 0, 0], 'b reset to 0');
    // Cosine from 0.2 to 0 over the 2 stage epochs: progress 0 → 0.2, half-way through the stage → 0.1.
    assert.ok(Math.abs((first.learningRate?.(0) ?? 0) - 0.2) < 1e-12);
    assert.ok(Math.abs((first.learningRate?.(0.5) ?? 0) - 0.2 * 0.5 * (1 + Math.cos(Math.PI / 4))) < 1e-12);
    const reinitialised = weights();
    const second = method.planEpoch?.(5, model);
    assert.equal(second?.resetOptimizer, false);
    assert.ok(Math.abs((second?.learningRate?.(0) ?? 1) - 0.1) < 1e-12);
    assert.deepEqual(weights(), reinitialised, 'no second re-initialisation');
    model.dispose();
  });
});

describe('class-balanced sampling', () => {
  it('draws every class equally often, whatever its count, and only indices of that class', () => {
    const labels = Int32Array.from([...new Array<number>(100).fill(0), ...new Array<number>(10).fill(1), 2]);
    const order = classBalancedOrder(labels, 4, 30_000, SeededRandom.derive(1, 'test'));
    const perClass = [0, 0, 0, 0];
    for (const index of order) perClass[labels[index] as number]!++;
    // Class 3 has no sample and is never drawn; the other three each get 1/3 (binomial std ≈ 82 draws).
    assert.equal(perClass[3], 0);
    for (const count of perClass.slice(0, 3)) assert.ok(Math.abs(count - 10_000) < 500, `${perClass.join(', ')}`);
    assert.deepEqual(
      classBalancedOrder(labels, 4, 50, SeededRandom.derive(1, 'test')),
      classBalancedOrder(labels, 4, 50, SeededRandom.derive(1, 'test')),
    );
  });
});

/**
 * Every architecture trains on the wasm backend: a few SGD steps on one tiny batch lower its loss.
 * (Stock wasm 4.22 cannot even take one step of a conv net: Conv2DBackpropFilter is missing.)
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../../src/protocol/runConfig';
import { selectBackend } from '../../../src/trainer/backend/selectBackend';
import type { InputShape } from '../../../src/trainer/models/classifierModel';
import { createModel } from '../../../src/trainer/models/createModel';

const numClasses = 3;
const batch = 4;

const cases: { config: ModelConfig; inputShape: InputShape; steps: number }[] = [
  { config: { architecture: 'mlp', featureDim: 16, hiddenUnits: [32], width: 16 }, inputShape: [8, 8, 1], steps: 12 },
  { config: { architecture: 'small-cnn', featureDim: 16, hiddenUnits: [], width: 16 }, inputShape: [8, 8, 1], steps: 8 },
  { config: { architecture: 'resnet8', featureDim: 16, hiddenUnits: [], width: 4 }, inputShape: [8, 8, 3], steps: 8 },
  { config: { architecture: 'resnet20', featureDim: 8, hiddenUnits: [], width: 4 }, inputShape: [8, 8, 3], steps: 8 },
  { config: { architecture: 'resnet32', featureDim: 16, hiddenUnits: [], width: 4 }, inputShape: [8, 8, 3], steps: 6 },
];

function tinyBatch([height, width, channels]: InputShape): { x: tf.Tensor4D; labels: tf.Tensor2D } {
  const values = new Float32Array(batch * height * width * channels);
  let state = 99;
  for (let i = 0; i < values.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 32;
  }
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), numClasses) as tf.Tensor2D;
  return { x: tf.tensor4d(values, [batch, height, width, channels]), labels };
}

describe('training on wasm', () => {
  before(async () => {
    const selected = await selectBackend('wasm');
    assert.equal(selected.tf.getBackend(), 'wasm');
  });

  for (const { config, inputShape, steps } of cases) {
    it(`${config.architecture}: ${steps} SGD steps lower the loss on a fixed batch`, () => {
      const model = createModel(config, { inputShape, numClasses, seed: 3 });
      const { x, labels } = tinyBatch(inputShape);
      const optimizer = tf.train.sgd(0.05);
      const lossOf = () => tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(labels, model.forward(x, true).logits);
      const losses: number[] = [];
      for (let step = 0; step < steps; step++) {
        const loss = optimizer.minimize(lossOf, true, model.trainableVariables);
        assert.ok(loss !== null);
        losses.push(loss.dataSync()[0] as number);
        loss.dispose();
      }
      const finalLoss = tf.tidy(() => lossOf().dataSync()[0] as number);
      for (const value of losses) assert.ok(Number.isFinite(value));
      assert.ok(
        finalLoss < 0.8 * (losses[0] as number),
        `loss ${losses[0]} → ${finalLoss} (${losses.map((l) => l.toFixed(3)).join(', ')})`,
      );
      // A training step (batch-norm running statistics included) leaves no tensor behind.
      const tensorsBeforeStep = tf.memory().numTensors;
      tf.tidy(() => {
        optimizer.minimize(lossOf, false, model.trainableVariables);
      });
      assert.equal(tf.memory().numTensors, tensorsBeforeStep);
      optimizer.dispose();
      model.dispose();
      tf.dispose([x, labels]);
    });
  }
});

/**
 * The classifier models: output shapes, features h as the input of the last linear layer, W (C×d) and
 * b reachable, seeded initialisation, the CIFAR ResNet parameter counts, and configuration errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../../src/protocol/runConfig';
import { selectBackend } from '../../../src/trainer/backend/selectBackend';
import type { ClassifierModel, InputShape } from '../../../src/trainer/models/classifierModel';
import { createModel } from '../../../src/trainer/models/createModel';

const baseConfig: ModelConfig = { architecture: 'mlp', featureDim: 12, hiddenUnits: [16], width: 4 };

function config(overrides: Partial<ModelConfig>): ModelConfig {
  return { ...baseConfig, ...overrides };
}

function images(batch: number, [height, width, channels]: InputShape, seed: number): tf.Tensor4D {
  const values = new Float32Array(batch * height * width * channels);
  let state = seed;
  for (let i = 0; i < values.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 32;
  }
  return tf.tensor4d(values, [batch, height, width, channels]);
}

function trainableCount(model: ClassifierModel): number {
  return model.trainableVariables.reduce((total, variable) => total + variable.size, 0);
}

const architectures: { config: ModelConfig; inputShape: InputShape }[] = [
  { config: config({ architecture: 'mlp', hiddenUnits: [16, 8] }), inputShape: [6, 5, 1] },
  { config: config({ architecture: 'small-cnn' }), inputShape: [8, 9, 2] },
  { config: config({ architecture: 'resnet8', featureDim: 16 }), inputShape: [8, 8, 3] },
  { config: config({ architecture: 'resnet8', featureDim: 5 }), inputShape: [7, 9, 3] },
];

describe('classifier models', () => {
  const models: ClassifierModel[] = [];
  before(async () => {
    await selectBackend('wasm');
  });
  after(() => {
    for (const model of models) model.dispose();
  });

  for (const { config: modelConfig, inputShape } of architectures) {
    const label = `${modelConfig.architecture} d=${modelConfig.featureDim} on ${inputShape.join('×')}`;

    it(`${label}: features N×d, logits N×C, and logits = h·Wᵀ + b from the exposed W and b`, () => {
      const numClasses = 3;
      const model = createModel(modelConfig, { inputShape, numClasses, seed: 1 });
      models.push(model);
      const batch = 4;
      const { features, logits } = tf.tidy(() => {
        const output = model.forward(images(batch, inputShape, 5), false);
        return { features: output.features.arraySync(), logits: output.logits.arraySync() };
      });
      assert.equal(features.length, batch);
      assert.equal(features[0]?.length, modelConfig.featureDim);
      assert.equal(logits[0]?.length, numClasses);
      const { weights, bias } = model.classifierWeights();
      assert.equal(weights.length, numClasses * modelConfig.featureDim);
      assert.equal(bias.length, numClasses);
      assert.deepEqual(model.classifier.weights.shape, [numClasses, modelConfig.featureDim]);
      const d = modelConfig.featureDim;
      for (let n = 0; n < batch; n++) {
        const h = features[n] as number[];
        for (const value of h) assert.ok(value >= 0, 'features are post-ReLU');
        for (let c = 0; c < numClasses; c++) {
          let expected = bias[c] as number;
          for (let j = 0; j < d; j++) expected += (weights[c * d + j] as number) * (h[j] as number);
          assert.ok(Math.abs((logits[n]?.[c] as number) - expected) < 1e-4 * Math.max(1, Math.abs(expected)));
        }
      }
    });

    it(`${label}: the same seed gives the same initial weights, another seed different ones`, () => {
      const target = { inputShape, numClasses: 3 };
      const first = createModel(modelConfig, { ...target, seed: 11 });
      const second = createModel(modelConfig, { ...target, seed: 11 });
      const third = createModel(modelConfig, { ...target, seed: 12 });
      models.push(first, second, third);
      const [a, b, c] = [first, second, third].map((model) => {
        const weights = model.getWeights();
        const values = Object.fromEntries(Object.entries(weights).map(([name, tensor]) => [name, Array.from(tensor.dataSync())]));
        tf.dispose(weights);
        return values;
      });
      assert.deepEqual(a, b);
      assert.notDeepEqual(a?.['classifier/weights'], c?.['classifier/weights']);
    });
  }

  it('MLP 784-256-128-10 has the closed-form parameter count', () => {
    const model = createModel(config({ architecture: 'mlp', hiddenUnits: [256], featureDim: 128 }), {
      inputShape: [28, 28, 1],
      numClasses: 10,
      seed: 0,
    });
    models.push(model);
    assert.equal(trainableCount(model), 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
  });

  it('small CNN on 28×28×1 flattens 7·7·64 values into the feature layer', () => {
    const model = createModel(config({ architecture: 'small-cnn', featureDim: 128 }), { inputShape: [28, 28, 1], numClasses: 10, seed: 0 });
    models.push(model);
    const conv = 3 * 3 * 1 * 32 + 32 + 3 * 3 * 32 * 64 + 64;
    assert.equal(trainableCount(model), conv + 7 * 7 * 64 * 128 + 128 + 128 * 10 + 10);
  });

  it('ResNet-20 and ResNet-32 (width 16, d = 64, 10 classes) have the published parameter counts', () => {
    // 269,722 and 464,154: the option-A CIFAR ResNets of He et al. 2016 (0.27M and 0.46M in Table 6).
    const resnet20 = createModel(config({ architecture: 'resnet20', featureDim: 64, width: 16 }), {
      inputShape: [32, 32, 3],
      numClasses: 10,
      seed: 0,
    });
    const resnet32 = createModel(config({ architecture: 'resnet32', featureDim: 64, width: 16 }), {
      inputShape: [32, 32, 3],
      numClasses: 10,
      seed: 0,
    });
    models.push(resnet20, resnet32);
    assert.equal(trainableCount(resnet20), 269_722);
    assert.equal(trainableCount(resnet32), 464_154);
    // Running means and variances are weights (saved, restored) but not trainable: 2 per BN channel.
    const bnChannels = 16 + 6 * 16 + 6 * 32 + 6 * 64;
    assert.equal(resnet20.parameterCount(), 269_722 + 2 * bnChannels);
  });

  it('ResNet with featureDim ≠ 4·width adds a dense projection of 4·width → d', () => {
    const plain = createModel(config({ architecture: 'resnet8', featureDim: 16, width: 4 }), {
      inputShape: [8, 8, 3],
      numClasses: 3,
      seed: 0,
    });
    const projected = createModel(config({ architecture: 'resnet8', featureDim: 10, width: 4 }), {
      inputShape: [8, 8, 3],
      numClasses: 3,
      seed: 0,
    });
    models.push(plain, projected);
    const difference = trainableCount(projected) - trainableCount(plain);
    assert.equal(difference, 16 * 10 + 10 + (10 * 3 - 16 * 3));
  });

  it('rejects impossible configurations with messages naming the field', () => {
    assert.throws(
      () => createModel(config({ architecture: 'small-cnn' }), { inputShape: [3, 3, 1], numClasses: 3, seed: 0 }),
      /model\.architecture "small-cnn" needs images of at least 4×4/,
    );
    assert.throws(
      () => createModel(config({ architecture: 'mlp' }), { inputShape: [4, 4, 1], numClasses: 1, seed: 0 }),
      /at least 2 classes/,
    );
    const model = createModel(config({ architecture: 'mlp' }), { inputShape: [4, 4, 1], numClasses: 2, seed: 0 });
    models.push(model);
    assert.throws(
      () => tf.tidy(() => model.forward(tf.zeros<tf.Rank.R4>([1, 5, 4, 1]), false).logits),
      /expects images of shape \[4, 4, 1\], got \[5, 4, 1\]/,
    );
  });

  it('freezing the classifier removes W and b from the trainable variables', () => {
    const model = createModel(config({ architecture: 'mlp' }), { inputShape: [4, 4, 1], numClasses: 2, seed: 0 });
    models.push(model);
    const before = model.trainableVariables.length;
    model.classifier.weights.trainable = false;
    model.classifier.bias.trainable = false;
    assert.equal(model.trainableVariables.length, before - 2);
    assert.ok(!model.trainableVariables.includes(model.classifier.weights));
  });

  it('dispose releases every variable', () => {
    const before = tf.memory().numTensors;
    const model = createModel(config({ architecture: 'resnet8' }), { inputShape: [8, 8, 3], numClasses: 3, seed: 0 });
    assert.ok(tf.memory().numTensors > before);
    tf.tidy(() => {
      model.forward(images(2, [8, 8, 3], 1), true);
    });
    model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});

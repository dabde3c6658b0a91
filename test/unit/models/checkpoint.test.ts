/** Saving and loading model weights: round trip, file layout, and the errors a user can cause. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../../src/protocol/runConfig';
import { selectBackend } from '../../../src/trainer/backend/selectBackend';
import { loadModelWeights, loadWeights, saveModelWeights, WEIGHTS_DATA, WEIGHTS_MANIFEST } from '../../../src/trainer/models/checkpoint';
import type { ClassifierModel } from '../../../src/trainer/models/classifierModel';
import { createModel } from '../../../src/trainer/models/createModel';

const resnetConfig: ModelConfig = { architecture: 'resnet8', featureDim: 6, hiddenUnits: [], width: 4 };
const target = { inputShape: [8, 8, 3] as [number, number, number], numClasses: 3 };
const root = mkdtempSync(join(tmpdir(), 'nc-checkpoint-'));
const models: ClassifierModel[] = [];

function weightValues(model: ClassifierModel): Record<string, number[]> {
  const weights = model.getWeights();
  const values = Object.fromEntries(Object.entries(weights).map(([name, tensor]) => [name, Array.from(tensor.dataSync())]));
  tf.dispose(weights);
  return values;
}

function make(config: ModelConfig, seed: number): ClassifierModel {
  const model = createModel(config, { ...target, seed });
  models.push(model);
  return model;
}

describe('model checkpoints', () => {
  before(async () => {
    await selectBackend('wasm');
  });
  after(() => {
    for (const model of models) model.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('round trip restores every weight, running statistics included, and the same outputs', async () => {
    const saved = make(resnetConfig, 1);
    // A training forward moves the running statistics away from their initial 0 and 1.
    tf.tidy(() => {
      saved.forward(tf.randomUniform<tf.Rank.R4>([4, 8, 8, 3], 0, 1, 'float32', 5), true);
    });
    const directory = join(root, 'round-trip');
    await saveModelWeights(saved, directory);
    const restored = make(resnetConfig, 2);
    assert.notDeepEqual(weightValues(restored), weightValues(saved));
    await loadModelWeights(restored, directory);
    assert.deepEqual(weightValues(restored), weightValues(saved));
    const [a, b] = tf.tidy(() => {
      const x = tf.randomUniform<tf.Rank.R4>([2, 8, 8, 3], 0, 1, 'float32', 6);
      return [saved.forward(x, false).logits.arraySync(), restored.forward(x, false).logits.arraySync()];
    });
    assert.deepEqual(a, b);
  });

  it('writes a JSON manifest and float32 data that other tools can read', async () => {
    const model = make({ architecture: 'mlp', featureDim: 4, hiddenUnits: [5], width: 16 }, 3);
    const directory = join(root, 'layout');
    await saveModelWeights(model, directory);
    const manifest = JSON.parse(readFileSync(join(directory, WEIGHTS_MANIFEST), 'utf8')) as {
      format: string;
      model: { architecture: string; numClasses: number };
      weights: { name: string; shape: number[]; offset: number }[];
    };
    assert.equal(manifest.format, 'nc-monitor-weights');
    assert.equal(manifest.model.architecture, 'mlp');
    const bytes = readFileSync(join(directory, WEIGHTS_DATA));
    // 8×8×3 → 5 → 4 → 3: (192·5 + 5) + (5·4 + 4) + (3·4 + 3)
    assert.equal(bytes.byteLength, 4 * (192 * 5 + 5 + 5 * 4 + 4 + 3 * 4 + 3));
    const entry = manifest.weights.find((weight) => weight.name === 'classifier/weights');
    assert.ok(entry !== undefined);
    assert.deepEqual(entry.shape, [3, 4]);
    const stored = Array.from(
      new Float32Array(bytes.buffer.slice(bytes.byteOffset + 4 * entry.offset, bytes.byteOffset + 4 * (entry.offset + 12))),
    );
    assert.deepEqual(stored, Array.from(model.classifierWeights().weights));
  });

  it('refuses a checkpoint from another architecture or class count, naming the difference', async () => {
    const directory = join(root, 'mismatch');
    await saveModelWeights(make(resnetConfig, 1), directory);
    const other = make({ ...resnetConfig, architecture: 'resnet20' }, 1);
    await assert.rejects(
      loadModelWeights(other, directory),
      /different model: architecture is "resnet8" in the checkpoint and "resnet20" in the config/,
    );
    const moreClasses = createModel(resnetConfig, { ...target, numClasses: 4, seed: 1 });
    models.push(moreClasses);
    await assert.rejects(loadModelWeights(moreClasses, directory), /numClasses is 3 in the checkpoint and 4/);
  });

  it('reports missing, truncated and corrupt files clearly', async () => {
    const model = make(resnetConfig, 1);
    await assert.rejects(loadWeights(join(root, 'nowhere')), /cannot read checkpoint in .*nowhere.*weights\.json and weights\.bin/);
    const truncated = join(root, 'truncated');
    await saveModelWeights(model, truncated);
    truncateSync(join(truncated, WEIGHTS_DATA), 400);
    await assert.rejects(
      loadWeights(truncated),
      /weights\.bin: weight ".*" ends at element \d+, but the file holds 100; the file is truncated or corrupt/,
    );
    const corrupt = join(root, 'corrupt');
    await saveModelWeights(model, corrupt);
    writeFileSync(join(corrupt, WEIGHTS_MANIFEST), '{"format": "something-else"}');
    await assert.rejects(loadWeights(corrupt), /weights\.json: not a weights manifest/);
    writeFileSync(join(corrupt, WEIGHTS_MANIFEST), '{ not json');
    await assert.rejects(loadWeights(corrupt), /weights\.json: not valid JSON/);
  });

  it('setWeights with a missing or misshapen weight throws and changes nothing', () => {
    const model = make(resnetConfig, 1);
    const before = weightValues(model);
    const weights = model.getWeights();
    const classifier = weights['classifier/weights'] as tf.Tensor;
    weights['classifier/weights'] = tf.zeros([2, 6]);
    delete weights['stem/bn/gamma'];
    weights['extra'] = tf.zeros([1]);
    assert.throws(
      () => model.setWeights(weights),
      /missing weight "stem\/bn\/gamma".*weight "classifier\/weights" has shape \[2, 6\], the model needs \[3, 6\].*unknown weight "extra"/,
    );
    assert.deepEqual(weightValues(model), before);
    tf.dispose([classifier, ...Object.values(weights)]);
  });
});

/**
 * Backend selection on this machine, where the native tfjs-node packages are not installed (their
 * install downloads libtensorflow): auto falls through to wasm with reasons, explicit choices succeed or
 * fail with a fix, and a native package that is present but broken is skipped with its error's first line.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/trainer/backend/selectBackend';

const temporaryDirectories: string[] = [];

/** A folder whose node_modules holds a fake package `name` whose main module runs `body`. */
function folderWithPackage(name: string, body: string): string {
  const root = mkdtempSync(join(tmpdir(), 'nc-backend-'));
  temporaryDirectories.push(root);
  const packageDirectory = join(root, 'node_modules', ...name.split('/'));
  mkdirSync(packageDirectory, { recursive: true });
  writeFileSync(join(packageDirectory, 'package.json'), JSON.stringify({ name, version: '4.22.0', main: 'index.js' }));
  writeFileSync(join(packageDirectory, 'index.js'), body);
  return root;
}

after(() => {
  for (const directory of temporaryDirectories) rmSync(directory, { recursive: true, force: true });
});

describe('selectBackend', () => {
  it('auto skips the missing native packages with a reason and lands on wasm', async () => {
    const selected = await selectBackend('auto');
    assert.equal(selected.name, 'wasm');
    assert.equal(selected.tf.getBackend(), 'wasm');
    assert.deepEqual(
      selected.reasons.map((reason) => reason.backend),
      ['tensorflow-gpu', 'tensorflow'],
    );
    for (const reason of selected.reasons) assert.match(reason.skipped, /^not installed \(@tensorflow\/tfjs-node(-gpu)? was not found\)$/);
    assert.match(selected.detail, /1 thread/);
  });

  it('wasm trains a conv layer: the missing filter-gradient kernel is registered', async () => {
    const selected = await selectBackend('wasm');
    assert.deepEqual(selected.reasons, []);
    const gradient = tf.tidy(() => {
      const x = tf.ones<tf.Rank.R4>([1, 3, 3, 1]);
      // d/dW Σ conv(x, W) with x = 1 and 'valid' 3×3 on 3×3: each tap sees exactly one pixel of value 1.
      return Array.from(
        tf
          .grad((filter: tf.Tensor) => tf.sum(tf.conv2d(x, filter as tf.Tensor4D, 1, 'valid')))(tf.zeros<tf.Rank.R4>([3, 3, 1, 1]))
          .dataSync(),
      );
    });
    assert.deepEqual(gradient, [1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('cpu is always available', async () => {
    const selected = await selectBackend('cpu');
    assert.equal(selected.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
  });

  it('an explicit native choice that is missing throws naming the package, the config field and the fix', async () => {
    await assert.rejects(selectBackend('tensorflow-gpu'), (error: Error) => {
      assert.match(error.message, /backend "tensorflow-gpu" is not available: not installed/);
      assert.match(error.message, /install @tensorflow\/tfjs-node-gpu/);
      assert.match(error.message, /CUDA 11\.2/);
      assert.match(error.message, /set "backend" to "auto"/);
      return true;
    });
    await assert.rejects(
      selectBackend('tensorflow'),
      /backend "tensorflow" is not available: not installed \(@tensorflow\/tfjs-node was not found\)/,
    );
  });

  it('a native package that fails to load is skipped with the first line of its error', async () => {
    const folder = folderWithPackage(
      '@tensorflow/tfjs-node',
      "throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory\\n    at Module._extensions');",
    );
    const selected = await selectBackend('auto', { resolveNativeFrom: folder });
    assert.equal(selected.name, 'wasm');
    assert.deepEqual(selected.reasons, [
      { backend: 'tensorflow-gpu', skipped: 'not installed (@tensorflow/tfjs-node-gpu was not found)' },
      { backend: 'tensorflow', skipped: 'failed to load: libtensorflow.so.2: cannot open shared object file: No such file or directory' },
    ]);
  });

  it('a native package that loads but is not a tfjs namespace is skipped, and an explicit choice of it throws', async () => {
    const folder = folderWithPackage('@tensorflow/tfjs-node-gpu', 'module.exports = { version: "broken" };');
    const selected = await selectBackend('auto', { resolveNativeFrom: folder });
    assert.equal(selected.name, 'wasm');
    assert.equal(selected.reasons[0]?.skipped, '@tensorflow/tfjs-node-gpu did not export a tfjs namespace');
    await assert.rejects(selectBackend('tensorflow-gpu', { resolveNativeFrom: folder }), /did not export a tfjs namespace/);
  });

  it('a native package whose backend fails to initialise is skipped with the logged cause', async () => {
    // tfjs reports a failed backend initialisation by warning and resolving setBackend to false.
    const folder = folderWithPackage(
      '@tensorflow/tfjs-node-gpu',
      `module.exports = {
        setBackend: async () => {
          console.warn('Initialization of backend tensorflow failed');
          console.warn('Error: libcudnn.so.8: cannot open shared object file\\n    at NodeJSKernelBackend');
          return false;
        },
        ready: async () => {},
        getBackend: () => undefined,
      };`,
    );
    const selected = await selectBackend('auto', { resolveNativeFrom: folder });
    assert.equal(selected.name, 'wasm');
    assert.equal(selected.reasons[0]?.skipped, 'failed to initialise: Error: libcudnn.so.8: cannot open shared object file');
  });
});

/**
 * Conv2D gradients on wasm (Conv2DBackpropFilter added, Conv2DBackpropInput replaced) against the cpu
 * backend: forward values, dL/dx and dL/dW for L = Σ conv(x, W) ⊙ R with a fixed random R, on valid,
 * same and strided shapes with batch > 1, several channels and non-square images; each route of the
 * replacements (patches / correlation for the filter, conv / columns for the input) is exercised.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { assertWasmMatchesCpu, countKernelCalls, prepareBackends, runOn, sampleValues } from './backendComparison';

type Shape4 = [number, number, number, number];
type Padding = 'same' | 'valid';

function convGradients(xShape: Shape4, filterShape: Shape4, strides: number | [number, number], pad: Padding) {
  return () => {
    const x = tf.tensor4d(
      sampleValues(
        xShape.reduce((a, b) => a * b),
        1,
      ),
      xShape,
    );
    const filter = tf.tensor4d(
      sampleValues(
        filterShape.reduce((a, b) => a * b),
        2,
      ),
      filterShape,
    );
    const y = tf.conv2d(x, filter, strides, pad);
    const weights = tf.tensor(sampleValues(y.size, 3), y.shape);
    const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad), weights));
    const [dx, dFilter] = tf.grads(loss)([x, filter]);
    return { y, dx: dx as tf.Tensor, dFilter: dFilter as tf.Tensor };
  };
}

const cases: { name: string; x: Shape4; filter: Shape4; strides: number | [number, number]; pad: Padding }[] = [
  { name: 'same 3×3, 1 input channel (filter: patches)', x: [3, 7, 9, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'same' },
  { name: 'same 3×3, 8→6 channels (filter: correlation)', x: [2, 6, 5, 8], filter: [3, 3, 8, 6], strides: 1, pad: 'same' },
  { name: 'valid 3×2 non-square filter', x: [2, 7, 9, 3], filter: [3, 2, 3, 5], strides: 1, pad: 'valid' },
  { name: 'same stride 2 (input: columns)', x: [3, 8, 7, 5], filter: [3, 3, 5, 6], strides: 2, pad: 'same' },
  { name: 'valid stride 2 with unread trailing rows (filter: patches)', x: [2, 8, 9, 4], filter: [3, 3, 4, 3], strides: 2, pad: 'valid' },
  { name: '1×1 stride 2 shortcut-like (filter: patches)', x: [2, 8, 8, 16], filter: [1, 1, 16, 32], strides: 2, pad: 'same' },
  { name: 'strides [2, 1], 5×5 filter', x: [2, 9, 8, 3], filter: [5, 5, 3, 4], strides: [2, 1], pad: 'same' },
  { name: 'filter as large as the image', x: [4, 5, 5, 2], filter: [5, 5, 2, 3], strides: 1, pad: 'valid' },
];

describe('wasm conv2d gradients match the cpu backend', () => {
  before(prepareBackends);

  for (const testCase of cases) {
    it(testCase.name, async () => {
      await assertWasmMatchesCpu(testCase.name, convGradients(testCase.x, testCase.filter, testCase.strides, testCase.pad));
    });
  }

  it('adds Conv2DBackpropFilter, which stock wasm 4.22 lacks', async () => {
    await prepareBackends();
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined);
  });

  it('takes the patch route for one input channel and the correlation route for many', async () => {
    const patches = await countKernelCalls('Transpose', async () => {
      await runOn('wasm', convGradients([2, 6, 6, 1], [3, 3, 1, 8], 1, 'same'));
    });
    const correlation = await countKernelCalls('Transpose', async () => {
      await runOn('wasm', convGradients([2, 6, 6, 8], [3, 3, 8, 8], 1, 'same'));
    });
    assert.equal(patches, 0, 'patch route transposes nothing');
    assert.ok(correlation >= 3, `correlation route transposes x, dy and the result (saw ${correlation})`);
  });

  it('runs the stride-1 input gradient as an XNNPACK conv and the strided one as a MatMul', async () => {
    const stride1Convs = await countKernelCalls('Conv2D', async () => {
      await runOn('wasm', () => {
        const dx = tf.conv2dTranspose(tf.ones<tf.Rank.R4>([2, 5, 5, 4]), tf.ones<tf.Rank.R4>([3, 3, 3, 4]), [2, 5, 5, 3], 1, 'same');
        return { dx };
      });
    });
    const strided = await countKernelCalls('BatchMatMul', async () => {
      await runOn('wasm', () => {
        const dx = tf.conv2dTranspose(tf.ones<tf.Rank.R4>([2, 3, 3, 4]), tf.ones<tf.Rank.R4>([3, 3, 3, 4]), [2, 6, 6, 3], 2, 'same');
        return { dx };
      });
    });
    assert.equal(stride1Convs, 1);
    assert.equal(strided, 1);
  });

  it('conv2dTranspose (which is Conv2DBackpropInput) matches cpu on its own', async () => {
    await assertWasmMatchesCpu('conv2dTranspose', () => {
      const dy = tf.tensor4d(sampleValues(2 * 4 * 3 * 5, 7), [2, 4, 3, 5]);
      const filter = tf.tensor4d(sampleValues(3 * 3 * 2 * 5, 8), [3, 3, 2, 5]);
      return { dx: tf.conv2dTranspose(dy, filter, [2, 8, 6, 2], 2, 'same') };
    });
  });
});

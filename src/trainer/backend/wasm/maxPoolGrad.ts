/**
 * MaxPoolGrad for wasm: the stock kernel took ~60 ms per call on a 128×28×28×32 input (more than the
 * forward conv); this JS pass takes ~20. Each output pixel's gradient goes to the first maximum of its
 * window in row-major window order (strictly greater replaces), as the cpu backend does.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, heapFloat32, type KernelArgs, makeFloat32Output } from './wasmTensors';

type Pool2DInfo = ReturnType<typeof tf.backend_util.computePool2DInfo>;

/**
 * dx = 0, then dx[argmax of each window] += dy. The running maximum is updated without branches
 * (best += g·(value − best) with g = [value > best]): on real activations the comparison is a coin flip
 * and the branchy version spent half its time in mispredictions (measured 38 ms vs 23 ms). Windows are
 * clipped to the image, so padding never wins (as in the cpu backend, where padding is −∞).
 */
export function accumulateMaxPoolGradient(x: Float32Array, dy: Float32Array, dx: Float32Array, info: Pool2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, effectiveFilterHeight, effectiveFilterWidth, dilationHeight, dilationWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const best = new Float32Array(channels);
  const bestIndex = new Int32Array(channels);
  dx.fill(0);
  let outputOffset = 0;
  for (let n = 0; n < batchSize; n++) {
    const imageBase = n * inHeight * inWidth * channels;
    for (let oh = 0; oh < outHeight; oh++) {
      const top = oh * strideHeight - padTop;
      // First and last window rows inside the image, stepping by the dilation.
      const khStart = top >= 0 ? 0 : Math.ceil(-top / dilationHeight) * dilationHeight;
      const khEnd = Math.min(effectiveFilterHeight, inHeight - top);
      for (let ow = 0; ow < outWidth; ow++, outputOffset += channels) {
        const left = ow * strideWidth - padLeft;
        const kwStart = left >= 0 ? 0 : Math.ceil(-left / dilationWidth) * dilationWidth;
        const kwEnd = Math.min(effectiveFilterWidth, inWidth - left);
        if (khStart >= khEnd || kwStart >= kwEnd) continue;
        const firstPixel = imageBase + ((top + khStart) * inWidth + left + kwStart) * channels;
        for (let c = 0; c < channels; c++) {
          best[c] = x[firstPixel + c] as number;
          bestIndex[c] = firstPixel + c;
        }
        for (let kh = khStart; kh < khEnd; kh += dilationHeight) {
          for (let kw = kwStart; kw < kwEnd; kw += dilationWidth) {
            const pixel = imageBase + ((top + kh) * inWidth + left + kw) * channels;
            for (let c = 0; c < channels; c++) {
              const value = x[pixel + c] as number;
              const current = best[c] as number;
              const greater = +(value > current);
              best[c] = current + greater * (value - current);
              bestIndex[c] = (bestIndex[c] as number) + greater * (pixel + c - (bestIndex[c] as number));
            }
          }
        }
        for (let c = 0; c < channels; c++) {
          const index = bestIndex[c] as number;
          dx[index] = (dx[index] as number) + (dy[outputOffset + c] as number);
        }
      }
    }
  }
}

export function maxPoolGrad(args: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { dy, input } = args.inputs;
  const attrs = args.attrs ?? {};
  if (dy === undefined || input === undefined) throw new Error('MaxPoolGrad needs inputs dy and input');
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs['filterSize'] as number | [number, number],
    attrs['strides'] as number | [number, number],
    1,
    attrs['pad'] as 'valid' | 'same' | number,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
  );
  const dx = makeFloat32Output(backend, [...input.shape]);
  accumulateMaxPoolGradient(heapFloat32(backend, input), heapFloat32(backend, dy), heapFloat32(backend, dx), info);
  return dx;
}

/**
 * Conv2DBackpropFilter for wasm, which has none (no conv net can train on stock wasm 4.22).
 *
 * With the patch matrix P (im2col of x: one row per output pixel (n, oh, ow), one column per filter tap
 * (kh, kw, ci)), the forward conv is y = P·W with W the filter as a (KH·KW·Ci)×Co matrix, so
 * dW = Pᵀ·dy. Pᵀ is built in JS on the wasm heap and the product runs on the backend's own MatMul.
 * With many input channels the same sum is cheaper as one XNNPACK correlation (see filterGradient).
 * Only NHWC with dilation 1 exists here, as in every tfjs conv gradient.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { asWasmBackend, heapFloat32, type KernelArgs, makeFloat32Output, release, runWasmKernel, withShape } from './wasmTensors';
import { type Conv2DInfo, conv2dInfoFromAttrs } from './convInfo';

/**
 * Writes the transposed im2col matrix Pᵀ of NHWC `x`: row (kh, kw, ci), column (n, oh, ow); zero where
 * the tap falls in the padding. Loop order keeps reads contiguous (one pixel's channels) and writes
 * sequential within each of the Ci rows of a tap.
 */
export function fillTransposedPatches(x: Float32Array, patchesT: Float32Array, info: Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const rows = batchSize * outHeight * outWidth;
  const rowStride = inWidth * inChannels;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      const tapBase = (kh * filterWidth + kw) * inChannels * rows;
      let column = 0;
      for (let n = 0; n < batchSize; n++) {
        const imageBase = n * inHeight * rowStride;
        for (let oh = 0; oh < outHeight; oh++) {
          const ih = oh * strideHeight + kh - padTop;
          const rowInside = ih >= 0 && ih < inHeight;
          for (let ow = 0; ow < outWidth; ow++, column++) {
            const iw = ow * strideWidth + kw - padLeft;
            if (rowInside && iw >= 0 && iw < inWidth) {
              const source = imageBase + ih * rowStride + iw * inChannels;
              for (let ci = 0; ci < inChannels; ci++) patchesT[tapBase + ci * rows + column] = x[source + ci] as number;
            } else {
              for (let ci = 0; ci < inChannels; ci++) patchesT[tapBase + ci * rows + column] = 0;
            }
          }
        }
      }
    }
  }
}

function filterGradientByPatches(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: Conv2DInfo): tf.TensorInfo {
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const taps = info.filterHeight * info.filterWidth * info.inChannels;
  const patchesT = makeFloat32Output(backend, [1, taps, rows]);
  fillTransposedPatches(heapFloat32(backend, x), heapFloat32(backend, patchesT), info);
  // dy is the right-hand operand: the wasm MatMul repacks its right operand for every new tensor, and
  // packing a tall, wide patch matrix cost 3–4× the product itself (measured on 25088×288).
  try {
    return runWasmKernel(backend, 'BatchMatMul', { a: patchesT, b: withShape(dy, [1, rows, info.outChannels]) });
  } finally {
    release(backend, patchesT);
  }
}

/**
 * Bottom/right padding that makes the correlation below return exactly KH×KW taps:
 * output = I + p + q − (O−1)·s must equal K. Negative when the forward conv never read the last rows
 * (a 'valid' strided conv with leftover input); that case uses the patch route.
 */
function correlationPadding(info: Conv2DInfo): { bottom: number; right: number } {
  return {
    bottom: info.filterHeight - info.inHeight - info.padInfo.top + (info.outHeight - 1) * info.strideHeight,
    right: info.filterWidth - info.inWidth - info.padInfo.left + (info.outWidth - 1) * info.strideWidth,
  };
}

/**
 * dW[kh, kw, ci, co] = Σ_{n,oh,ow} xPadded[n, kh + oh·s, kw + ow·s, ci] · dy[n, oh, ow, co] is itself a
 * stride-1 correlation: images xᵀ [Ci, H, W, N] (batch as channels), filter dyᵀ [OH, OW, N, Co] dilated
 * by the forward stride, output [Ci, KH, KW, Co]. Two transposes and one XNNPACK Conv2D.
 */
function filterGradientByCorrelation(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: Conv2DInfo,
  padding: { bottom: number; right: number },
): tf.TensorInfo {
  const images = runWasmKernel(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
  let filter: tf.TensorInfo | undefined;
  let taps: tf.TensorInfo | undefined;
  try {
    filter = runWasmKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    taps = runWasmKernel(
      backend,
      'Conv2D',
      { x: images, filter },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [info.padInfo.top, padding.bottom],
          [info.padInfo.left, padding.right],
          [0, 0],
        ],
        dilations: [info.strideHeight, info.strideWidth],
        dataFormat: 'NHWC',
      },
    );
    return runWasmKernel(backend, 'Transpose', { x: taps }, { perm: [1, 2, 0, 3] });
  } finally {
    release(backend, images);
    if (filter !== undefined) release(backend, filter);
    if (taps !== undefined) release(backend, taps);
  }
}

/**
 * Which route is cheaper was measured at batch 128: the patch route writes KH·KW·Ci values per output
 * pixel in JS, the correlation route moves Ci + Co values per pixel through two transposes. Patches win
 * for few input channels (Ci = 1: 27 vs 34 ms), the correlation for more (Ci = 32, Co = 64: 65 vs 100 ms;
 * Ci = Co = 16 on 32×32: 92 vs 119 ms).
 */
function filterGradient(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: Conv2DInfo): tf.TensorInfo {
  const padding = correlationPadding(info);
  const patchesPerPixel = info.filterHeight * info.filterWidth * info.inChannels;
  const transposedPerPixel = info.inChannels + info.outChannels;
  if (padding.bottom < 0 || padding.right < 0 || patchesPerPixel <= transposedPerPixel) {
    return filterGradientByPatches(backend, x, dy, info);
  }
  return filterGradientByCorrelation(backend, x, dy, info, padding);
}

export function conv2dBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { x, dy } = args.inputs;
  const attrs = args.attrs ?? {};
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter needs inputs x and dy');
  const filterShape = attrs['filterShape'] as number[];
  const info = conv2dInfoFromAttrs(x.shape, filterShape, attrs);
  const gradient = filterGradient(backend, x, dy, info);
  return withShape(gradient, [...filterShape]);
}

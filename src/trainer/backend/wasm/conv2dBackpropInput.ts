/**
 * Conv2DBackpropInput for wasm: the stock kernel is a plain loop (~200 ms per step of a small CNN at
 * batch 128); these routes use the backend's XNNPACK kernels instead.
 *
 * Stride 1: forward (one axis) y[o] = Σ_k x[o + k − p] w[k], hence dx[i] = Σ_k dy[i − k + p] w[k]
 * = Σ_k′ dy[i + k′ − (K−1−p)] w[K−1−k′]: a correlation of dy padded by K−1−p before and K−1−p′ after
 * (p′ the forward's trailing padding) with the filter rotated 180° and its in/out channels swapped;
 * one XNNPACK Conv2D (~46 ms on the small CNN's second conv).
 *
 * Strides > 1: the same correlation would run on dy dilated by s and spend (1 − 1/s²) of its work on
 * the inserted zeros. The column route is cheaper: dPatches = dy·Wᵀ (one MatMul, rows × KH·KW·Ci),
 * scattered back onto the image (col2im) in JS. Measured at batch 128 on the ResNet shapes:
 * 16×16×32 ← 3×3×16 stride 2: 70 ms dilated, ~25 ms columns.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type Conv2DInfo, conv2dInfoFromAttrs } from './convInfo';
import { asWasmBackend, heapFloat32, type KernelArgs, makeFloat32Output, release, runWasmKernel, withShape } from './wasmTensors';

/** rotated[kh, kw, co, ci] = filter[KH−1−kh, KW−1−kw, ci, co]. */
export function fillRotatedFilter(filter: Float32Array, rotated: Float32Array, shape: readonly number[]): void {
  const [filterHeight = 0, filterWidth = 0, inChannels = 0, outChannels = 0] = shape;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      const target = (kh * filterWidth + kw) * outChannels * inChannels;
      const source = ((filterHeight - 1 - kh) * filterWidth + (filterWidth - 1 - kw)) * inChannels * outChannels;
      for (let ci = 0; ci < inChannels; ci++) {
        for (let co = 0; co < outChannels; co++) {
          rotated[target + co * inChannels + ci] = filter[source + ci * outChannels + co] as number;
        }
      }
    }
  }
}

/**
 * col2im: dx[n, oh·s + kh − pad, ow·s + kw − pad, ci] += patches[(n, oh, ow), (kh, kw, ci)], skipping
 * taps that fall in the padding. The exact adjoint of the im2col in conv2dBackpropFilter.
 */
export function scatterPatches(patches: Float32Array, dx: Float32Array, info: Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const taps = filterHeight * filterWidth * inChannels;
  dx.fill(0);
  let rowBase = 0;
  for (let n = 0; n < batchSize; n++) {
    const imageBase = n * inHeight * inWidth * inChannels;
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, rowBase += taps) {
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh - padTop;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw - padLeft;
            if (iw < 0 || iw >= inWidth) continue;
            const target = imageBase + (ih * inWidth + iw) * inChannels;
            const source = rowBase + (kh * filterWidth + kw) * inChannels;
            for (let ci = 0; ci < inChannels; ci++) dx[target + ci] = (dx[target + ci] as number) + (patches[source + ci] as number);
          }
        }
      }
    }
  }
}

interface TransposedPadding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Padding of dy for the stride-1 correlation; negative only with explicit padding wider than the filter. */
export function transposedConvPadding(info: Conv2DInfo): TransposedPadding {
  return {
    top: info.filterHeight - 1 - info.padInfo.top,
    bottom: info.inHeight + info.padInfo.top - info.outHeight,
    left: info.filterWidth - 1 - info.padInfo.left,
    right: info.inWidth + info.padInfo.left - info.outWidth,
  };
}

function inputGradientByConv(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: Conv2DInfo,
  padding: TransposedPadding,
): tf.TensorInfo {
  const rotated = makeFloat32Output(backend, [info.filterHeight, info.filterWidth, info.outChannels, info.inChannels]);
  fillRotatedFilter(heapFloat32(backend, filter), heapFloat32(backend, rotated), filter.shape);
  try {
    return runWasmKernel(
      backend,
      'Conv2D',
      { x: dy, filter: rotated },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [padding.top, padding.bottom],
          [padding.left, padding.right],
          [0, 0],
        ],
        dilations: [1, 1],
        dataFormat: 'NHWC',
      },
    );
  } finally {
    release(backend, rotated);
  }
}

function inputGradientByColumns(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, info: Conv2DInfo): tf.TensorInfo {
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const taps = info.filterHeight * info.filterWidth * info.inChannels;
  // dPatches = dy · Wᵀ with W as taps × Co; the small filter is the operand that gets transposed.
  const patches = runWasmKernel(
    backend,
    'BatchMatMul',
    { a: withShape(dy, [1, rows, info.outChannels]), b: withShape(filter, [1, taps, info.outChannels]) },
    { transposeA: false, transposeB: true },
  );
  try {
    const dx = makeFloat32Output(backend, [...info.inShape]);
    scatterPatches(heapFloat32(backend, patches), heapFloat32(backend, dx), info);
    return dx;
  } finally {
    release(backend, patches);
  }
}

/** Wraps the stock kernel: stride-1 padding wider than the filter (explicit padding only) falls back to it. */
export function conv2dBackpropInputKernel(stock: tf.KernelFunc | undefined): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { dy, filter } = args.inputs;
    const attrs = args.attrs ?? {};
    if (dy === undefined || filter === undefined) throw new Error('Conv2DBackpropInput needs inputs dy and filter');
    const info = conv2dInfoFromAttrs(attrs['inputShape'] as number[], filter.shape, attrs);
    const backend = asWasmBackend(args.backend);
    if (info.strideHeight > 1 || info.strideWidth > 1) return inputGradientByColumns(backend, dy, filter, info);
    const padding = transposedConvPadding(info);
    if (Math.min(padding.top, padding.bottom, padding.left, padding.right) >= 0) {
      return inputGradientByConv(backend, dy, filter, info, padding);
    }
    if (stock === undefined) throw new Error('Conv2DBackpropInput: padding wider than the filter is not supported on wasm');
    return stock(args);
  };
}

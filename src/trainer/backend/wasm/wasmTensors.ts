/**
 * Low-level access to tensors inside a wasm kernel: run another registered wasm kernel, view a tensor's
 * bytes on the wasm heap, free intermediates. Kernels get TensorInfos, not Tensors, so everything here
 * bypasses the engine (no tape, no tidy): whoever makes an intermediate must release it.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const WASM = 'wasm';

export type KernelArgs = Parameters<tf.KernelFunc>[0];

export function asWasmBackend(backend: unknown): BackendWasm {
  return backend as BackendWasm;
}

/** Runs the kernel currently registered under `kernelName` for wasm (possibly one of our replacements). */
export function runWasmKernel(
  backend: BackendWasm,
  kernelName: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, WASM);
  if (kernel === undefined) throw new Error(`wasm backend has no '${kernelName}' kernel`);
  const result = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(result)) throw new Error(`wasm kernel '${kernelName}' returned several outputs; expected one`);
  return result;
}

/**
 * A Float32Array view of a tensor on the wasm heap. Any allocation (makeOutput, another kernel) can grow
 * the heap and detach earlier views, so take views only after the last allocation.
 */
export function heapFloat32(backend: BackendWasm, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

export function makeFloat32Output(backend: BackendWasm, shape: number[]): tf.TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

export function release(backend: BackendWasm, info: tf.TensorInfo): void {
  backend.disposeData(info.dataId);
}

/** The same data seen with another shape; no copy and no reference count: never release the alias. */
export function withShape(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, dtype: info.dtype, shape };
}

/** Swaps the last two axes with the wasm Transpose kernel (a fast copy, unlike transposed MatMul). */
export function transposeLastTwo(backend: BackendWasm, info: tf.TensorInfo): tf.TensorInfo {
  const rank = info.shape.length;
  const perm = info.shape.map((_, axis) => axis);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return runWasmKernel(backend, 'Transpose', { x: info }, { perm });
}

/**
 * Replaces a registered wasm kernel, returning the one it replaced (undefined when there was none). The
 * old setup/dispose functions stay registered: a wrapper that delegates to the old kernel needs its
 * setup (a cwrap of the wasm export) to run when the backend is initialised after this call.
 */
export function replaceWasmKernel(kernelName: string, kernelFunc: tf.KernelFunc): tf.KernelConfig | undefined {
  const previous = tf.getKernel(kernelName, WASM);
  if (previous !== undefined) tf.unregisterKernel(kernelName, WASM);
  const config: tf.KernelConfig = { kernelName, backendName: WASM, kernelFunc };
  if (previous?.setupFunc !== undefined) config.setupFunc = previous.setupFunc;
  if (previous?.disposeFunc !== undefined) config.disposeFunc = previous.disposeFunc;
  tf.registerKernel(config);
  return previous;
}

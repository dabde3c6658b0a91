/**
 * Kernel replacements that make the wasm backend train conv nets at a usable speed (tfjs 4.22):
 * - Conv2DBackpropFilter: missing on wasm; im2col + the backend's MatMul.
 * - Conv2DBackpropInput: the stock plain loop is ~4× slower than XNNPACK Conv2D on the dilated gradient.
 * - BatchMatMul and _FusedMatMul with transposeA/B: 11–15× slower than an explicit transpose first.
 * Everything else the models in src/trainer/models need (MaxPoolGrad, AvgPoolGrad via Mean, Step for the
 * ReLU gradient, batch-norm gradients built from elementwise ops, Adam) exists on wasm and was measured;
 * see scripts/bench-kernels.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilter } from './wasm/conv2dBackpropFilter';
import { conv2dBackpropInputKernel } from './wasm/conv2dBackpropInput';
import { registerExplicitTransposeMatMul } from './wasm/explicitTransposeMatMul';
import { leadingAxesReduction } from './wasm/leadingAxesReduction';
import { maxPoolGrad } from './wasm/maxPoolGrad';
import { replaceWasmKernel, WASM } from './wasm/wasmTensors';

const ownKernels = new WeakSet<tf.KernelFunc>();

function registerOnce(kernelName: string, make: (stock: tf.KernelFunc | undefined) => tf.KernelFunc): void {
  const current = tf.getKernel(kernelName, WASM);
  if (current !== undefined && ownKernels.has(current.kernelFunc)) return;
  const kernelFunc = make(current?.kernelFunc);
  ownKernels.add(kernelFunc);
  replaceWasmKernel(kernelName, kernelFunc);
}

/** Names of the wasm kernels replaced or added by {@link registerWasmKernels}. */
export const WASM_KERNEL_REPLACEMENTS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'Sum', 'Mean', 'BatchMatMul', '_FusedMatMul'] as const;

/**
 * Registers the replacements for the wasm backend. Idempotent. Call after '@tensorflow/tfjs-backend-wasm'
 * has been imported (it registers the stock kernels on import); before or after tf.setBackend('wasm').
 */
export function registerWasmKernels(): void {
  registerOnce('Conv2DBackpropFilter', () => conv2dBackpropFilter);
  registerOnce('Conv2DBackpropInput', (stock) => conv2dBackpropInputKernel(stock));
  registerOnce('MaxPoolGrad', () => maxPoolGrad);
  for (const [kernelName, kind] of [['Sum', 'sum'], ['Mean', 'mean']] as const) {
    registerOnce(kernelName, (stock) => {
      if (stock === undefined) throw new Error(`wasm backend has no stock '${kernelName}' kernel to fall back on`);
      return leadingAxesReduction(stock, kind);
    });
  }
  registerExplicitTransposeMatMul('BatchMatMul', tf.getKernel('BatchMatMul', WASM));
  registerExplicitTransposeMatMul('_FusedMatMul', tf.getKernel('_FusedMatMul', WASM));
}

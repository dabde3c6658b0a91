/**
 * Kernel replacements that make the wasm backend train the models of src/trainer/models (tfjs 4.22,
 * Node, one thread). Found by profiling a training step of each model per kernel; times at batch 128:
 * - Conv2DBackpropFilter: missing on wasm (no conv net trains); im2col + MatMul, or one XNNPACK
 *   correlation when there are many input channels.
 * - Conv2DBackpropInput: stock is a plain loop (~200 ms on the small CNN); XNNPACK Conv2D of the padded
 *   gradient with the rotated filter at stride 1, MatMul + col2im for strided convs.
 * - MaxPoolGrad: stock ~60 ms on 128×28×28×32; a branch-free JS pass ~20 ms.
 * - Sum, Mean over leading axes (bias and batch-norm gradients): stock transposes first (~28 ms on
 *   128×28×28×32); a float64 column sum ~8 ms.
 * - BatchMatMul, _FusedMatMul with transposeA/B (every dense gradient): 11–15× slower than transposing
 *   explicitly first.
 * Everything else the models use exists on wasm at a reasonable speed (Step for the ReLU gradient,
 * AvgPoolGrad for the ResNet shortcut, PadV2, elementwise ops, Adam). Batch norm's stock gradient (it
 * tiles 1/σ to full size: Tile took ~120 ms per layer) is avoided by the models' own batch-norm
 * gradient rather than by a kernel. Throughput: scripts/bench-kernels.ts.
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
export const WASM_KERNEL_REPLACEMENTS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'MaxPoolGrad',
  'Sum',
  'Mean',
  'BatchMatMul',
  '_FusedMatMul',
] as const;

/**
 * Registers the replacements for the wasm backend. Idempotent. Call after '@tensorflow/tfjs-backend-wasm'
 * has been imported (it registers the stock kernels on import); before or after tf.setBackend('wasm').
 */
export function registerWasmKernels(): void {
  registerOnce('Conv2DBackpropFilter', () => conv2dBackpropFilter);
  registerOnce('Conv2DBackpropInput', (stock) => conv2dBackpropInputKernel(stock));
  registerOnce('MaxPoolGrad', () => maxPoolGrad);
  for (const [kernelName, kind] of [
    ['Sum', 'sum'],
    ['Mean', 'mean'],
  ] as const) {
    registerOnce(kernelName, (stock) => {
      if (stock === undefined) throw new Error(`wasm backend has no stock '${kernelName}' kernel to fall back on`);
      return leadingAxesReduction(stock, kind);
    });
  }
  registerExplicitTransposeMatMul('BatchMatMul', tf.getKernel('BatchMatMul', WASM));
  registerExplicitTransposeMatMul('_FusedMatMul', tf.getKernel('_FusedMatMul', WASM));
}

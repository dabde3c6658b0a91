/**
 * BatchMatMul and _FusedMatMul with transposeA/transposeB on wasm: the stock kernel walks the transposed
 * operand with a large stride and is 11–15× slower than copying it transposed first (measured on
 * 128×784·784×256 shapes, /work/shared/ENVIRONMENT.md). Every dense-layer gradient sets one of the flags
 * (dW = xᵀ·dy, dx = dy·Wᵀ), so this wrapper transposes explicitly and delegates with both flags false.
 */
import type * as tf from '@tensorflow/tfjs';
import { asWasmBackend, type KernelArgs, release, replaceWasmKernel, transposeLastTwo } from './wasmTensors';

const wrappedKernels = new WeakSet<tf.KernelFunc>();

function explicitTransposeWrapper(original: tf.KernelFunc): tf.KernelFunc {
  const wrapped: tf.KernelFunc = (args: KernelArgs) => {
    const attrs = args.attrs ?? {};
    const transposeA = attrs['transposeA'] === true;
    const transposeB = attrs['transposeB'] === true;
    const { a, b } = args.inputs;
    if ((!transposeA && !transposeB) || a === undefined || b === undefined) return original(args);
    const backend = asWasmBackend(args.backend);
    const aPlain = transposeA ? transposeLastTwo(backend, a) : a;
    const bPlain = transposeB ? transposeLastTwo(backend, b) : b;
    try {
      return original({
        inputs: { ...args.inputs, a: aPlain, b: bPlain },
        backend: args.backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      if (transposeA) release(backend, aPlain);
      if (transposeB) release(backend, bPlain);
    }
  };
  wrappedKernels.add(wrapped);
  return wrapped;
}

/** Wraps the wasm kernel `kernelName` once; calling again is a no-op. Returns whether it is wrapped now. */
export function registerExplicitTransposeMatMul(kernelName: 'BatchMatMul' | '_FusedMatMul', current: tf.KernelConfig | undefined): boolean {
  if (current === undefined) return false;
  if (wrappedKernels.has(current.kernelFunc)) return true;
  replaceWasmKernel(kernelName, explicitTransposeWrapper(current.kernelFunc));
  return true;
}

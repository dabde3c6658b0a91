/**
 * Runs one computation on the cpu backend (the reference) and on wasm with the kernel replacements, from
 * the same input values, and compares every output: max |wasm − cpu| ≤ 1e-4 · max(1, max |cpu|).
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../../../src/trainer/backend/wasmKernels';

export const RELATIVE_TOLERANCE = 1e-4;

let wasmReady: Promise<void> | undefined;

/** Registers the replacements and starts wasm once per process; leaves cpu active afterwards. */
export function prepareBackends(): Promise<void> {
  wasmReady ??= (async () => {
    registerWasmKernels();
    assert.equal(await tf.setBackend('wasm'), true, 'wasm backend failed to start');
    assert.equal(await tf.setBackend('cpu'), true);
  })();
  return wasmReady;
}

/** Deterministic values in [−1, 1) from a linear congruential sequence (no tfjs randomness involved). */
export function sampleValues(count: number, seed: number): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

/** `compute` builds its own tensors (from plain arrays) and returns named outputs; they are read back as Float32Arrays. */
export async function runOn(backend: 'cpu' | 'wasm', compute: () => Record<string, tf.Tensor>): Promise<Record<string, Float32Array>> {
  await prepareBackends();
  assert.equal(await tf.setBackend(backend), true);
  const outputs = tf.tidy(compute);
  const values: Record<string, Float32Array> = {};
  for (const [name, tensor] of Object.entries(outputs)) values[name] = Float32Array.from(tensor.dataSync());
  tf.dispose(outputs);
  return values;
}

export function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 1;
  for (const value of expected) scale = Math.max(scale, Math.abs(value));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const difference = Math.abs((actual[i] as number) - (expected[i] as number));
    if (!(difference <= worst)) worst = difference; // NaN lands here too
  }
  assert.ok(worst <= RELATIVE_TOLERANCE * scale, `${label}: max |wasm − cpu| = ${worst} > ${RELATIVE_TOLERANCE} × ${scale}`);
}

/** Runs `compute` on cpu and wasm and compares every output. */
export async function assertWasmMatchesCpu(label: string, compute: () => Record<string, tf.Tensor>): Promise<void> {
  const expected = await runOn('cpu', compute);
  const actual = await runOn('wasm', compute);
  assert.deepEqual(Object.keys(actual), Object.keys(expected));
  for (const name of Object.keys(expected)) {
    assertClose(actual[name] as Float32Array, expected[name] as Float32Array, `${label} ${name}`);
  }
}

/** Counts calls of a registered wasm kernel while `run` executes, to prove a replacement is the one running. */
export async function countKernelCalls(kernelName: string, run: () => Promise<void>): Promise<number> {
  const config = tf.getKernel(kernelName, 'wasm');
  assert.ok(config !== undefined, `no wasm kernel ${kernelName}`);
  let calls = 0;
  const original = config.kernelFunc;
  config.kernelFunc = (args) => {
    calls++;
    return original(args);
  };
  try {
    await run();
  } finally {
    config.kernelFunc = original;
  }
  return calls;
}

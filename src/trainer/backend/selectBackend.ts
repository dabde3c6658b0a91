/**
 * Picks the TensorFlow.js backend for a run. `auto` tries, in order of speed: tensorflow-gpu
 * (@tensorflow/tfjs-node-gpu, CUDA), tensorflow (@tensorflow/tfjs-node, native CPU), wasm
 * (@tensorflow/tfjs-backend-wasm with the kernel fixes of wasmKernels.ts; one thread in Node), cpu
 * (plain JS, slow). Each failure is recorded as a reason; an explicit choice that fails throws.
 */
import { dirname, sep } from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import type * as wasmPackage from '@tensorflow/tfjs-backend-wasm';
import type { RunConfig } from '../../protocol/runConfig';
import { firstLine, loadOptionalPackage, requireFrom } from './optionalPackage';
import { registerWasmKernels } from './wasmKernels';

export type BackendRequest = RunConfig['backend'];
export type BackendName = Exclude<BackendRequest, 'auto'>;
export type TfNamespace = typeof tfjs;
type WasmPackage = typeof wasmPackage;

export const AUTO_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface SkippedBackend {
  backend: BackendName;
  skipped: string;
}

export interface SelectedBackend {
  name: BackendName;
  /**
   * tfjs-node's namespace for the native backends, @tensorflow/tfjs otherwise. Both drive the one global
   * tfjs engine, so code importing @tensorflow/tfjs (the models do) runs on the backend activated here.
   */
  tf: TfNamespace;
  /** Why each backend tried before this one was not used (empty for an explicit choice that worked). */
  reasons: SkippedBackend[];
  /** One line for the log: what runs and how. */
  detail: string;
}

export interface SelectBackendOptions {
  /** Directory from which the native packages (tfjs-node, tfjs-node-gpu) are resolved; default: this module's location. */
  resolveNativeFrom?: string;
}

type Attempt = { ok: true; tf: TfNamespace; detail: string } | { ok: false; reason: string };

const NATIVE_PACKAGES = { 'tensorflow-gpu': '@tensorflow/tfjs-node-gpu', tensorflow: '@tensorflow/tfjs-node' } as const;

const FIXES: Record<BackendName, string> = {
  'tensorflow-gpu':
    'install @tensorflow/tfjs-node-gpu (its install downloads libtensorflow and it needs CUDA 11.2 + cuDNN 8.1), or set "backend" to "auto"',
  tensorflow: 'install @tensorflow/tfjs-node (its install downloads libtensorflow), or set "backend" to "auto"',
  wasm: 'reinstall the extension\'s dependencies (@tensorflow/tfjs-backend-wasm ships its .wasm files), or set "backend" to "auto"',
  cpu: 'reinstall @tensorflow/tfjs',
};

/** Runs `setBackend`, capturing what tfjs logs when initialisation fails (it warns instead of throwing). */
async function activate(tf: TfNamespace, backendName: string): Promise<string | undefined> {
  const warnings: string[] = [];
  const originalWarn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  };
  try {
    const activated = await tf.setBackend(backendName);
    await tf.ready();
    if (activated && tf.getBackend() === backendName) {
      for (const warning of warnings) originalWarn(warning);
      return undefined;
    }
    const detail = warnings.find((line) => !line.startsWith('Initialization of backend'));
    return `failed to initialise${detail === undefined ? '' : `: ${firstLine(detail)}`}`;
  } catch (error) {
    return `failed to initialise: ${firstLine(error)}`;
  } finally {
    console.warn = originalWarn;
  }
}

async function tryNative(name: 'tensorflow-gpu' | 'tensorflow', options: SelectBackendOptions): Promise<Attempt> {
  const loaded = loadOptionalPackage<TfNamespace>(NATIVE_PACKAGES[name], requireFrom(options.resolveNativeFrom));
  if (!loaded.ok) return loaded;
  const tf = loaded.value;
  if (typeof tf.setBackend !== 'function') return { ok: false, reason: `${NATIVE_PACKAGES[name]} did not export a tfjs namespace` };
  const failure = await activate(tf, 'tensorflow');
  if (failure !== undefined) return { ok: false, reason: failure };
  if (name === 'tensorflow-gpu') {
    const usingGpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice;
    const device = usingGpu === false ? 'no CUDA device visible, libtensorflow runs on the CPU' : 'CUDA';
    return { ok: true, tf, detail: `tensorflow-gpu (${NATIVE_PACKAGES[name]}, ${device})` };
  }
  return { ok: true, tf, detail: `tensorflow (${NATIVE_PACKAGES[name]}, native CPU)` };
}

async function tryWasm(): Promise<Attempt> {
  const loaded = loadOptionalPackage<WasmPackage>('@tensorflow/tfjs-backend-wasm', requireFrom());
  if (!loaded.ok) return loaded;
  const tf = tfjs;
  // Node: point the loader at the package's own dist folder, where the .wasm binaries ship.
  loaded.value.setWasmPaths(`${dirname(loaded.resolvedPath)}${sep}`);
  registerWasmKernels();
  const failure = await activate(tf, 'wasm');
  if (failure !== undefined) return { ok: false, reason: failure };
  const threads = loaded.value.getThreadsCount();
  return { ok: true, tf, detail: `wasm (${threads} thread${threads === 1 ? '' : 's'}, gradient kernels replaced, see wasmKernels.ts)` };
}

async function tryCpu(): Promise<Attempt> {
  const failure = await activate(tfjs, 'cpu');
  if (failure !== undefined) return { ok: false, reason: failure };
  return { ok: true, tf: tfjs, detail: 'cpu (plain JavaScript; slow, conv nets especially)' };
}

function attempt(name: BackendName, options: SelectBackendOptions): Promise<Attempt> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return tryNative(name, options);
    case 'wasm':
      return tryWasm();
    case 'cpu':
      return tryCpu();
  }
}

export async function selectBackend(requested: BackendRequest, options: SelectBackendOptions = {}): Promise<SelectedBackend> {
  if (requested !== 'auto') {
    const result = await attempt(requested, options);
    if (!result.ok) throw new Error(`backend "${requested}" is not available: ${result.reason}. Fix: ${FIXES[requested]}.`);
    return { name: requested, tf: result.tf, reasons: [], detail: result.detail };
  }
  const reasons: SkippedBackend[] = [];
  for (const name of AUTO_ORDER) {
    const result = await attempt(name, options);
    if (result.ok) return { name, tf: result.tf, reasons, detail: result.detail };
    reasons.push({ backend: name, skipped: result.reason });
  }
  throw new Error(`no TensorFlow.js backend could start: ${reasons.map((r) => `${r.backend}: ${r.skipped}`).join('; ')}`);
}

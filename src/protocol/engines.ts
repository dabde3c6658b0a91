/**
 * The trainers that can run a run config (`engine`), and what the PyTorch engine implements. The Python engine
 * (python/ncmonitor/train) rejects the rest with the same list; a test keeps the two in step.
 */
import type { BACKENDS, METHOD_NAMES } from './runConfig';

export const PYTORCH_ENGINE_METHODS: readonly (typeof METHOD_NAMES)[number][] = [
  'cross-entropy',
  'class-balanced',
  'focal',
  'ldam-drw',
  'logit-adjustment',
  'balanced-softmax',
  'etf-classifier',
  'crt',
  'tau-normalisation',
];

/** Backends that name a TensorFlow.js backend: the PyTorch engine treats them as "auto". */
export const TFJS_ONLY_BACKENDS: readonly (typeof BACKENDS)[number][] = ['tensorflow-gpu', 'tensorflow', 'wasm'];

/** The Python module that runs a config: `python -m ncmonitor.train --config FILE --out DIR --run-id ID`. */
export const PYTORCH_ENGINE_MODULE = 'ncmonitor.train';

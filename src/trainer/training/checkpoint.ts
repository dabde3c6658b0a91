import { mkdir, readFile, rename, writeFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ClassifierModel } from '../models/classifierModel';
import { loadModelWeights, saveModelWeights } from '../models/checkpoint';
import type { Optimizer } from './optimizer';

/**
 * A training checkpoint: the model's weights (models/checkpoint.ts format), the optimiser's slots (momentum or
 * Adam moments, so a resumed run continues the same trajectory) and the last finished epoch. Written into a fresh
 * folder that replaces the old one only when complete, so a crash mid-save keeps the previous checkpoint.
 */
const STATE_FILE = 'state.json';
const OPTIMIZER_MANIFEST = 'optimizer.json';
const OPTIMIZER_DATA = 'optimizer.bin';

export interface CheckpointState {
  /** Last finished epoch (1-based). */
  epoch: number;
  optimizer: string;
}

export async function saveCheckpoint(
  directory: string,
  model: ClassifierModel,
  optimizer: Optimizer,
  state: CheckpointState,
): Promise<void> {
  const staging = `${directory}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await saveModelWeights(model, staging);
  const slots = await optimizer.getWeights();
  const entries: { name: string; shape: number[]; offset: number }[] = [];
  const values: Float32Array[] = [];
  let offset = 0;
  for (const { name, tensor } of slots) {
    const data = await tensor.data<'float32'>();
    entries.push({ name, shape: [...tensor.shape], offset });
    values.push(data);
    offset += data.length;
  }
  // Adam/momentum slots are the optimiser's own variables; only the iteration count is a fresh tensor to free.
  for (const { tensor } of slots) if (!(tensor instanceof tf.Variable)) tensor.dispose();
  const packed = new Float32Array(offset);
  values.forEach((data, index) => packed.set(data, entries[index]?.offset ?? 0));
  await writeFile(join(staging, OPTIMIZER_DATA), Buffer.from(packed.buffer));
  await writeFile(join(staging, OPTIMIZER_MANIFEST), JSON.stringify(entries));
  await writeFile(join(staging, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  await rm(directory, { recursive: true, force: true });
  await rename(staging, directory);
}

export async function loadCheckpoint(directory: string, model: ClassifierModel, optimizer: Optimizer): Promise<CheckpointState> {
  if (!existsSync(join(directory, STATE_FILE))) {
    throw new Error(
      `no checkpoint in ${directory}: the run stopped before its first epoch ended, or the folder is not a run folder. Start a new run instead.`,
    );
  }
  const state = JSON.parse(await readFile(join(directory, STATE_FILE), 'utf8')) as CheckpointState;
  await loadModelWeights(model, directory);
  const entries = JSON.parse(await readFile(join(directory, OPTIMIZER_MANIFEST), 'utf8')) as {
    name: string;
    shape: number[];
    offset: number;
  }[];
  const bytes = await readFile(join(directory, OPTIMIZER_DATA));
  const packed = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const slots = entries.map(({ name, shape, offset }) => ({
    name,
    tensor: tf.tensor(packed.subarray(offset, offset + shape.reduce((a, b) => a * b, 1)), shape, 'float32'),
  }));
  await optimizer.setWeights(slots);
  for (const { tensor } of slots) tensor.dispose(); // the optimiser keeps its own copies as variables
  return state;
}

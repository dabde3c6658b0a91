/**
 * Model weights on disk: `<dir>/weights.json` (manifest: format, model description, one entry per weight
 * with name, shape and element offset) and `<dir>/weights.bin` (all weights as float32 little-endian,
 * concatenated in manifest order). Plain files so that any tool (numpy.fromfile) can read them.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ClassifierModel, ModelDescription } from './classifierModel';

export const WEIGHTS_MANIFEST = 'weights.json';
export const WEIGHTS_DATA = 'weights.bin';
const FORMAT = 'nc-monitor-weights';
const FORMAT_VERSION = 1;

interface WeightEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements from the start of weights.bin. */
  offset: number;
}

interface WeightsManifest {
  format: typeof FORMAT;
  version: number;
  model: ModelDescription;
  weights: WeightEntry[];
}

/** Writes all weights of `model`; each file is written to a temporary name and renamed, so a crash mid-save leaves the old pair. */
export async function saveModelWeights(model: ClassifierModel, directory: string): Promise<void> {
  const named = model.getWeights();
  try {
    const entries: WeightEntry[] = [];
    const parts: Float32Array[] = [];
    let offset = 0;
    for (const [name, tensor] of Object.entries(named)) {
      const values = await tensor.data<'float32'>();
      entries.push({ name, shape: [...tensor.shape], offset });
      parts.push(values);
      offset += values.length;
    }
    const data = new Float32Array(offset);
    parts.forEach((values, index) => data.set(values, (entries[index] as WeightEntry).offset));
    const manifest: WeightsManifest = { format: FORMAT, version: FORMAT_VERSION, model: model.description, weights: entries };
    await mkdir(directory, { recursive: true });
    await writeAtomically(join(directory, WEIGHTS_DATA), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    await writeAtomically(join(directory, WEIGHTS_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  } finally {
    tf.dispose(named);
  }
}

async function writeAtomically(path: string, content: string | Buffer): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

/** Reads weights saved by {@link saveModelWeights}. The caller owns (disposes) the returned tensors. */
export async function loadWeights(directory: string): Promise<{ model: ModelDescription; weights: tf.NamedTensorMap }> {
  const manifestPath = join(directory, WEIGHTS_MANIFEST);
  const dataPath = join(directory, WEIGHTS_DATA);
  let manifestText: string;
  let bytes: Buffer;
  try {
    [manifestText, bytes] = await Promise.all([readFile(manifestPath, 'utf8'), readFile(dataPath)]);
  } catch (error) {
    throw new Error(
      `cannot read checkpoint in ${directory}: ${(error as Error).message}. A checkpoint folder holds ${WEIGHTS_MANIFEST} and ${WEIGHTS_DATA}.`,
    );
  }
  const manifest = parseManifest(manifestText, manifestPath);
  if (bytes.byteLength % 4 !== 0)
    throw new Error(
      `${dataPath}: size ${bytes.byteLength} bytes is not a whole number of float32 values; the file is truncated or corrupt`,
    );
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const weights: tf.NamedTensorMap = {};
  for (const entry of manifest.weights) {
    const size = entry.shape.reduce((a, b) => a * b, 1);
    if (entry.offset + size > data.length) {
      tf.dispose(weights);
      throw new Error(
        `${dataPath}: weight "${entry.name}" ends at element ${entry.offset + size}, but the file holds ${data.length}; the file is truncated or corrupt`,
      );
    }
    weights[entry.name] = tf.tensor(data.subarray(entry.offset, entry.offset + size), entry.shape, 'float32');
  }
  return { model: manifest.model, weights };
}

function parseManifest(text: string, path: string): WeightsManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const manifest = value as Partial<WeightsManifest> | null;
  if (manifest === null || typeof manifest !== 'object' || manifest.format !== FORMAT) {
    throw new Error(`${path}: not a weights manifest (expected "format": "${FORMAT}")`);
  }
  if (manifest.version !== FORMAT_VERSION) {
    throw new Error(
      `${path}: weights format version ${String(manifest.version)} is not supported (this trainer reads version ${FORMAT_VERSION})`,
    );
  }
  const entriesValid =
    Array.isArray(manifest.weights) &&
    manifest.weights.every(
      (entry) =>
        typeof entry?.name === 'string' &&
        Array.isArray(entry.shape) &&
        entry.shape.every((size) => Number.isInteger(size) && size >= 0) &&
        Number.isInteger(entry.offset) &&
        entry.offset >= 0,
    );
  if (!entriesValid || typeof manifest.model !== 'object' || manifest.model === null) {
    throw new Error(`${path}: "weights" must list {name, shape, offset} entries and "model" must describe the model`);
  }
  return manifest as WeightsManifest;
}

/** Loads a checkpoint into `model`, checking first that it was saved from the same kind of model. */
export async function loadModelWeights(model: ClassifierModel, directory: string): Promise<void> {
  const { model: saved, weights } = await loadWeights(directory);
  try {
    const mismatch = describeMismatch(saved, model.description);
    if (mismatch !== undefined) throw new Error(`checkpoint in ${directory} was saved from a different model: ${mismatch}`);
    model.setWeights(weights);
  } finally {
    tf.dispose(weights);
  }
}

function describeMismatch(saved: ModelDescription, current: ModelDescription): string | undefined {
  const fields: (keyof ModelDescription)[] = ['architecture', 'inputShape', 'numClasses', 'featureDim', 'hiddenUnits', 'width'];
  for (const field of fields) {
    const before = JSON.stringify(saved[field]);
    const now = JSON.stringify(current[field]);
    if (before !== now) return `${field} is ${before ?? 'unset'} in the checkpoint and ${now ?? 'unset'} in the config`;
  }
  return undefined;
}

/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0, as specified in numpy/lib/format.py's documentation):
 * the 6-byte magic "\x93NUMPY", major and minor version bytes, the header length (uint16 little-endian in 1.0,
 * uint32 in 2.0/3.0), an ASCII (3.0: UTF-8) Python dict literal
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (60000, 128), }
 * padded with spaces and a newline to a multiple of 64 bytes, then the raw array data.
 *
 * Supported: little-endian (or byte-order-free) numeric dtypes in C order. Fortran order, big-endian data and
 * structured/object/complex/string dtypes are refused with a message that names the file and the numpy call that
 * converts it. What a user passes in is untrusted: every length is checked before it is read.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';

export type NpyDtype = 'bool' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'float16' | 'float32' | 'float64';

export type NpyData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

export interface NpyArray {
  /** Dimensions in C (row-major) order; [] for a 0-d array. */
  shape: number[];
  dtype: NpyDtype;
  /** Values in C order. float16 arrives widened to Float32Array; bool as Uint8Array of 0/1. */
  data: NpyData;
}

/** A file that is not a readable .npy, or one in a layout this reader refuses; the message names the file. */
export class NpyError extends Error {
  override readonly name = 'NpyError';
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ALIGNMENT = 64;

interface DtypeInfo {
  dtype: NpyDtype;
  itemSize: number;
}

/** The descr (type character + size) of each supported dtype, without its byte-order character. */
const DTYPES: Record<string, DtypeInfo> = {
  b1: { dtype: 'bool', itemSize: 1 },
  i1: { dtype: 'int8', itemSize: 1 },
  u1: { dtype: 'uint8', itemSize: 1 },
  i2: { dtype: 'int16', itemSize: 2 },
  u2: { dtype: 'uint16', itemSize: 2 },
  i4: { dtype: 'int32', itemSize: 4 },
  u4: { dtype: 'uint32', itemSize: 4 },
  i8: { dtype: 'int64', itemSize: 8 },
  u8: { dtype: 'uint64', itemSize: 8 },
  f2: { dtype: 'float16', itemSize: 2 },
  f4: { dtype: 'float32', itemSize: 4 },
  f8: { dtype: 'float64', itemSize: 8 },
};

export async function readNpy(path: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new NpyError(`${path}: cannot read the file (${(error as Error).message})`);
  }
  return decodeNpy(bytes, path);
}

export async function writeNpy(path: string, array: { shape: readonly number[]; data: NpyData }): Promise<void> {
  await writeFile(path, encodeNpy(array));
}

/** Parses .npy bytes; `source` names the file in errors. */
export function decodeNpy(bytes: Uint8Array, source = '<npy data>'): NpyArray {
  const fail = (message: string): never => {
    throw new NpyError(`${source}: ${message}`);
  };
  if (bytes.length < 10 || MAGIC.some((value, index) => bytes[index] !== value)) {
    fail('not a NumPy .npy file (the first bytes are not "\\x93NUMPY"); save arrays with numpy.save');
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3) fail(`unsupported .npy format version ${major}.${minor} (this reader knows 1.0, 2.0 and 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) fail('truncated: the file ends inside the header length');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = prefix + headerLength;
  if (bytes.length < dataOffset) fail(`truncated: the header says it is ${headerLength} bytes long but the file ends before`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(prefix, dataOffset));
  const { descr, fortranOrder, shape } = parseHeader(header, fail);

  const byteOrder = descr[0]!;
  const code = /^[<>|=]/.test(descr) ? descr.slice(1) : descr;
  const info = DTYPES[code];
  if (info === undefined) {
    fail(`unsupported dtype '${descr}' (supported: bool, int8–int64, uint8–uint64, float16/32/64); convert with arr.astype('<f4')`);
  }
  const { dtype, itemSize } = info!;
  if (byteOrder === '>' && itemSize > 1) {
    fail(`big-endian data ('${descr}') is not supported; convert with arr.astype(arr.dtype.newbyteorder('<')) and save again`);
  }
  if (fortranOrder && shape.filter((size) => size > 1).length > 1) {
    fail('Fortran-order (column-major) arrays are not supported; save numpy.ascontiguousarray(arr) instead');
  }
  let count = 1;
  for (const size of shape) count *= size;
  if (!Number.isSafeInteger(count * itemSize)) fail(`shape (${shape.join(', ')}) is too large`);
  const byteLength = count * itemSize;
  const available = bytes.length - dataOffset;
  if (available < byteLength) {
    fail(`truncated: shape (${shape.join(', ')}) of ${descr} needs ${byteLength} bytes of data, the file has ${available}`);
  }
  // Copy into a fresh, aligned buffer: the file's bytes may sit at any offset of a pooled Buffer (and Buffer#slice
  // would not copy).
  const copy = new Uint8Array(byteLength);
  copy.set(bytes.subarray(dataOffset, dataOffset + byteLength));
  if (itemSize > 1 && endianness() === 'BE') swapBytes(copy, itemSize);
  return { shape, dtype, data: typedArray(dtype, copy.buffer, count) };
}

/** .npy bytes (version 1.0, or 2.0 when the header outgrows 65,535 bytes) for a C-order array. */
export function encodeNpy(array: { shape: readonly number[]; data: NpyData }): Uint8Array {
  const { shape, data } = array;
  let count = 1;
  for (const size of shape) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`shape (${shape.join(', ')}) has an invalid dimension`);
    count *= size;
  }
  if (count !== data.length) throw new RangeError(`shape (${shape.join(', ')}) holds ${count} values but the data has ${data.length}`);
  const descr = descrOf(data);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let major = 1;
  let prefix = 10;
  let padded = padHeader(dict, prefix);
  if (padded.length > 0xffff) {
    major = 2;
    prefix = 12;
    padded = padHeader(dict, prefix);
  }
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  if (data.BYTES_PER_ELEMENT > 1 && endianness() === 'BE') swapBytes(body, data.BYTES_PER_ELEMENT);
  const out = new Uint8Array(prefix + padded.length + body.length);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  out.set(new TextEncoder().encode(padded), prefix);
  out.set(body, prefix + padded.length);
  return out;
}

/** Float64 copy of any numeric array (int64 values beyond 2⁵³ lose precision, as in numpy's astype). */
export function toFloat64(array: NpyArray): Float64Array {
  if (array.data instanceof Float64Array) return array.data;
  if (array.data instanceof BigInt64Array || array.data instanceof BigUint64Array) return Float64Array.from(array.data, Number);
  return Float64Array.from(array.data);
}

/** Features as float32 or float64 without copying when they already are; other dtypes become float64. */
export function toFloatRows(array: NpyArray): Float32Array | Float64Array {
  return array.data instanceof Float32Array && array.dtype === 'float32' ? array.data : toFloat64(array);
}

/**
 * Int32 copy of an integer (or integral-valued float) array, e.g. labels saved as numpy's default int64.
 * Throws an NpyError naming `source` at the first value that is not an integer in int32 range.
 */
export function toInt32(array: NpyArray, source: string): Int32Array {
  const out = new Int32Array(array.data.length);
  for (let i = 0; i < array.data.length; i++) {
    const value = Number(array.data[i]!);
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
      throw new NpyError(`${source}: value ${String(array.data[i])} at index ${i} is not a 32-bit integer`);
    }
    out[i] = value;
  }
  return out;
}

function parseHeader(header: string, fail: (message: string) => never): { descr: string; fortranOrder: boolean; shape: number[] } {
  const text = header.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) fail('malformed header: not a Python dict literal');
  if (/['"]descr['"]\s*:\s*\[/.test(text)) fail('structured dtypes (records with named fields) are not supported; save each field as its own array');
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    fail("malformed header: it must give 'descr', 'fortran_order' and 'shape'");
  }
  const shape = shapeText
    .split(',')
    .map((part) => part.trim().replace(/L$/, ''))
    .filter((part) => part !== '')
    .map((part) => (/^\d+$/.test(part) ? Number(part) : Number.NaN));
  if (shape.some((size) => !Number.isSafeInteger(size))) fail(`malformed header: shape (${shapeText}) is not a tuple of non-negative integers`);
  return { descr: descr, fortranOrder: fortran === 'True', shape };
}

function typedArray(dtype: NpyDtype, buffer: ArrayBuffer, count: number): NpyData {
  switch (dtype) {
    case 'bool':
    case 'uint8':
      return new Uint8Array(buffer, 0, count);
    case 'int8':
      return new Int8Array(buffer, 0, count);
    case 'int16':
      return new Int16Array(buffer, 0, count);
    case 'uint16':
      return new Uint16Array(buffer, 0, count);
    case 'int32':
      return new Int32Array(buffer, 0, count);
    case 'uint32':
      return new Uint32Array(buffer, 0, count);
    case 'int64':
      return new BigInt64Array(buffer, 0, count);
    case 'uint64':
      return new BigUint64Array(buffer, 0, count);
    case 'float16':
      return Float32Array.from(new Uint16Array(buffer, 0, count), halfToFloat);
    case 'float32':
      return new Float32Array(buffer, 0, count);
    case 'float64':
      return new Float64Array(buffer, 0, count);
  }
}

function descrOf(data: NpyData): string {
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof BigInt64Array) return '<i8';
  if (data instanceof BigUint64Array) return '<u8';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Uint32Array) return '<u4';
  if (data instanceof Int16Array) return '<i2';
  if (data instanceof Uint16Array) return '<u2';
  if (data instanceof Int8Array) return '|i1';
  return '|u1';
}

/** Pads the dict with spaces and a final newline so that the data starts at a multiple of 64 bytes. */
function padHeader(dict: string, prefix: number): string {
  const unpadded = prefix + dict.length + 1;
  const padding = (ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT;
  return `${dict}${' '.repeat(padding)}\n`;
}

/** IEEE 754 binary16 → number. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function swapBytes(bytes: Uint8Array, itemSize: number): void {
  for (let offset = 0; offset + itemSize <= bytes.length; offset += itemSize) bytes.subarray(offset, offset + itemSize).reverse();
}

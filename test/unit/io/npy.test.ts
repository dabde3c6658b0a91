/**
 * .npy reading and writing. The fixtures below are the bytes numpy 2.4.6 writes (np.save, and
 * np.lib.format.write_array(..., version=(2, 0))), base64-encoded; the expected values are those passed to numpy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeNpy, encodeNpy, NpyError, readNpy, toInt32, writeNpy } from '../../../src/trainer/io/npy';
import type { NpyData } from '../../../src/trainer/io/npy';

const NUMPY: Record<string, string> = {
  float32_2x3:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAUEAAAAAAbxKDOgAA4MA=',
  float64_3:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqamZmZmZm5P5x1AIg85Df+AAAAAAAAAEA=',
  int64_4:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAP//////////AAAAAAABAAAFAAAAAAAAAA==',
  uint8_2x2:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoA/wcI',
  int16_3:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGkyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAgAAA/38=',
  float16_3:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAPAC4/3s=',
  bool_3:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAE=',
  int32_empty_0x4:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDAsIDQpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=',
  scalar_f8:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAMQA==',
  fortran_f4_2x3:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAABAQAAAgD8AAIBAAAAAQAAAoEA=',
  bigendian_f4_2:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/gAAAQAAAAA==',
  complex64_2:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGM4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AAAAQAAAQEAAAAAA',
  structured_2:
    'k05VTVBZAQB2AHsnZGVzY3InOiBbKCdhJywgJzxmNCcpLCAoJ2InLCAnPGk0JyldLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAAA',
  float32_v2_2x2:
    'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AAAAQAAAQEAAAIBA',
};

const list = (data: NpyData) => Array.from(data as ArrayLike<number | bigint>);
const fixture = (name: string) => new Uint8Array(Buffer.from(NUMPY[name]!, 'base64'));

test('reads the arrays numpy writes, dtype by dtype', () => {
  const f4 = decodeNpy(fixture('float32_2x3'));
  assert.deepEqual(f4.shape, [2, 3]);
  assert.equal(f4.dtype, 'float32');
  assert.ok(f4.data instanceof Float32Array);
  assert.deepEqual(list(f4.data), [1.5, -2, 3.25, 0, Math.fround(1e-3), -7]);

  const f8 = decodeNpy(fixture('float64_3'));
  assert.deepEqual([f8.shape, f8.dtype, list(f8.data)], [[3], 'float64', [0.1, -1e300, 2]]);

  const i8 = decodeNpy(fixture('int64_4'));
  assert.equal(i8.dtype, 'int64');
  assert.deepEqual(list(i8.data), [0n, -1n, 2n ** 40n, 5n]);
  assert.deepEqual(Array.from(toInt32(decodeNpy(fixture('int16_3')), 'x')), [-32768, 0, 32767]);

  const u1 = decodeNpy(fixture('uint8_2x2'));
  assert.deepEqual([u1.shape, u1.dtype, list(u1.data)], [[2, 2], 'uint8', [0, 255, 7, 8]]);
  assert.deepEqual(list(decodeNpy(fixture('float16_3')).data), [1, -0.5, 65504]);
  assert.deepEqual(list(decodeNpy(fixture('bool_3')).data), [1, 0, 1]);
  const empty = decodeNpy(fixture('int32_empty_0x4'));
  assert.deepEqual([empty.shape, empty.data.length], [[0, 4], 0]);
  const scalar = decodeNpy(fixture('scalar_f8'));
  assert.deepEqual([scalar.shape, list(scalar.data)], [[], [3.5]]);
  const v2 = decodeNpy(fixture('float32_v2_2x2'));
  assert.deepEqual([v2.shape, list(v2.data)], [[2, 2], [1, 2, 3, 4]]);
});

test('refuses Fortran order, big-endian data and dtypes it cannot represent, naming the file and the fix', () => {
  const expectError = (name: string, pattern: RegExp) =>
    assert.throws(
      () => decodeNpy(fixture(name), `/data/${name}.npy`),
      (error: unknown) => error instanceof NpyError && error.message.startsWith(`/data/${name}.npy: `) && pattern.test(error.message),
    );
  expectError('fortran_f4_2x3', /Fortran-order .* numpy\.ascontiguousarray/);
  expectError('bigendian_f4_2', /big-endian .*newbyteorder/);
  expectError('complex64_2', /unsupported dtype '<c8'/);
  expectError('structured_2', /structured dtypes/);
});

test('bad magic, truncated header and truncated data are errors that name the file', () => {
  const good = fixture('float32_2x3');
  const cases: [Uint8Array, RegExp][] = [
    [new TextEncoder().encode('col1,col2\n1,2\n'), /not a NumPy \.npy file/],
    [good.subarray(0, 9), /not a NumPy \.npy file/],
    [good.subarray(0, 60), /truncated: the header says it is 118 bytes long/],
    [good.subarray(0, good.length - 1), /truncated: shape \(2, 3\) of <f4 needs 24 bytes of data, the file has 23/],
  ];
  for (const [bytes, pattern] of cases) {
    assert.throws(
      () => decodeNpy(bytes, 'H.npy'),
      (error: unknown) => error instanceof NpyError && error.message.startsWith('H.npy: ') && pattern.test(error.message),
      pattern.source,
    );
  }
  const badVersion = good.slice();
  badVersion[6] = 9;
  assert.throws(() => decodeNpy(badVersion, 'H.npy'), /H\.npy: unsupported \.npy format version 9\.0/);
});

test('a hand-written version 1.0 header is read as the format specification says', () => {
  const dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }";
  const headerLength = 128 - 10; // pad so that data starts at byte 128
  const header = dict.padEnd(headerLength - 1, ' ') + '\n';
  const bytes = new Uint8Array(128 + 12);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, headerLength, 0]);
  bytes.set(new TextEncoder().encode(header), 10);
  new DataView(bytes.buffer).setInt32(128, -5, true);
  new DataView(bytes.buffer).setInt32(132, 7, true);
  new DataView(bytes.buffer).setInt32(136, 2 ** 31 - 1, true);
  const array = decodeNpy(bytes);
  assert.deepEqual([array.shape, array.dtype, list(array.data)], [[3], 'int32', [-5, 7, 2 ** 31 - 1]]);
});

test('write then read gives back shape, dtype and values; headers are 64-byte aligned', () => {
  const arrays: { shape: number[]; data: NpyData }[] = [
    { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) },
    { shape: [4], data: Float64Array.from([Math.PI, -0, 1e-300, 7]) },
    { shape: [2, 2], data: Int32Array.from([-1, 2, -3, 4]) },
    { shape: [3], data: BigInt64Array.from([1n, -2n, 3n]) },
    { shape: [2, 1, 2], data: Uint8Array.from([0, 1, 254, 255]) },
    { shape: [2], data: Int16Array.from([-7, 9]) },
    { shape: [], data: Float64Array.from([42]) },
  ];
  for (const array of arrays) {
    const bytes = encodeNpy(array);
    const dataOffset = 10 + new DataView(bytes.buffer).getUint16(8, true);
    assert.equal(dataOffset % 64, 0);
    assert.equal(bytes[dataOffset - 1], 0x0a, 'the header ends in a newline');
    const back = decodeNpy(bytes);
    assert.deepEqual(back.shape, array.shape);
    assert.equal(back.data.constructor, array.data.constructor);
    assert.deepEqual(Array.from(back.data as ArrayLike<unknown>), Array.from(array.data as ArrayLike<unknown>));
  }
  assert.throws(() => encodeNpy({ shape: [2, 2], data: new Float32Array(3) }), /holds 4 values but the data has 3/);
});

test('files on disk: writeNpy and readNpy round trip; a missing file is an NpyError naming it', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'npy-'));
  try {
    const path = join(folder, 'W.npy');
    await writeNpy(path, { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) });
    const array = await readNpy(path);
    assert.deepEqual(list(array.data), [1, 2, 3, 4]);
    // Buffers from readFile can sit at an odd offset of a shared pool: the reader must copy, not view.
    const padded = Buffer.concat([Buffer.from([1, 2, 3]), await readFile(path)]);
    await writeFile(path, padded.subarray(3));
    assert.deepEqual(list((await readNpy(path)).data), [1, 2, 3, 4]);
    await assert.rejects(readNpy(join(folder, 'missing.npy')), (error: unknown) => error instanceof NpyError && error.message.includes('missing.npy'));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

test('toInt32 accepts integral values and rejects others with the index', () => {
  assert.deepEqual(Array.from(toInt32({ shape: [2], dtype: 'float64', data: Float64Array.from([3, 4]) }, 'y.npy')), [3, 4]);
  assert.throws(() => toInt32({ shape: [2], dtype: 'float64', data: Float64Array.from([3, 4.5]) }, 'y.npy'), /y\.npy: value 4\.5 at index 1/);
  assert.throws(() => toInt32({ shape: [1], dtype: 'int64', data: BigInt64Array.from([2n ** 40n]) }, 'y.npy'), /not a 32-bit integer/);
});

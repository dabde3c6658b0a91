/** Small dataset files written by the tests themselves, byte by byte from the published formats. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export function temporaryDirectory(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `nc-data-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** An IDX file: 0x00 0x00 0x08 NDIMS, big-endian uint32 dims, then the bytes. */
export function idxBytes(dims: number[], data: ArrayLike<number>, magicOverride?: number): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magicOverride ?? 0x0800 | dims.length, 0);
  dims.forEach((dim, i) => header.writeUInt32BE(dim, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Array.from(data))]);
}

export function writeFile(path: string, bytes: Buffer, gzip = false): string {
  const file = gzip ? `${path}.gz` : path;
  writeFileSync(file, gzip ? gzipSync(bytes) : bytes);
  return file;
}

/** Image i of a tiny IDX set has every pixel equal to 10·i + the pixel's position, so each image is recognisable. */
export function tinyIdxImages(count: number, height: number, width: number): number[] {
  const pixels: number[] = [];
  for (let i = 0; i < count; i++) for (let p = 0; p < height * width; p++) pixels.push((10 * i + p) % 256);
  return pixels;
}

/**
 * Writes a complete IDX dataset (train: trainLabels.length images, test: testLabels.length images, 4×3 pixels)
 * into `directory`, gzipped or not.
 */
export function writeIdxDataset(directory: string, trainLabels: number[], testLabels: number[], gzip: boolean): void {
  const [height, width] = [4, 3];
  writeFile(
    join(directory, 'train-images-idx3-ubyte'),
    idxBytes([trainLabels.length, height, width], tinyIdxImages(trainLabels.length, height, width)),
    gzip,
  );
  writeFile(join(directory, 'train-labels-idx1-ubyte'), idxBytes([trainLabels.length], trainLabels), gzip);
  writeFile(
    join(directory, 't10k-images-idx3-ubyte'),
    idxBytes([testLabels.length, height, width], tinyIdxImages(testLabels.length, height, width)),
    gzip,
  );
  writeFile(join(directory, 't10k-labels-idx1-ubyte'), idxBytes([testLabels.length], testLabels), gzip);
}

/**
 * One CIFAR binary record: label byte(s), then 1024 R, 1024 G, 1024 B bytes. Pixel p of channel c holds
 * (seedByte + 3p + c) mod 256, so the HWC value at pixel p, channel c is known in closed form.
 */
export function cifarRecord(labels: number[], seedByte: number): Buffer {
  const pixels = Buffer.alloc(3072);
  for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) pixels[c * 1024 + p] = (seedByte + 3 * p + c) % 256;
  return Buffer.concat([Buffer.from(labels), pixels]);
}

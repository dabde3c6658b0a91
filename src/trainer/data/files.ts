/** Reading dataset files: plain or gzipped (detected by content, not by name), with errors that name the file. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './dataset';

/** RFC 1952: every gzip member starts with ID1 = 0x1f, ID2 = 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The file's bytes, gunzipped when they start with the gzip magic. */
export function readMaybeGzipped(file: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new DatasetError(`${file}: cannot read the file (${code}); check that it exists and is readable`, file);
  }
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw);
  } catch (error) {
    throw new DatasetError(
      `${file}: the gzip data is corrupt or truncated (${(error as Error).message}); delete the file and download it again`,
      file,
    );
  }
}

/**
 * The first of `names` present in `directory`, each tried as given and with ".gz" added; undefined when none is.
 * Lets a folder hold the files gzipped (as distributed) or unpacked.
 */
export function findDatasetFile(directory: string, names: readonly string[]): string | undefined {
  for (const name of names) {
    for (const candidate of [`${name}.gz`, name]) {
      const path = join(directory, candidate);
      if (existsSync(path) && statSync(path).isFile()) return path;
    }
  }
  return undefined;
}

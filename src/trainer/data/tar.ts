/**
 * Extracting a (gzipped) tar archive: enough of POSIX ustar / GNU tar for the official CIFAR archives, with no
 * dependency. 512-byte headers (name 0–100, size 124–136 octal, type flag 156, ustar prefix 345–500), data padded to
 * 512 bytes, two zero blocks at the end. Regular files and folders are extracted; GNU long names ('L') and pax
 * 'path' records ('x') are honoured; links and other entries are skipped. Entries that would land outside the target
 * folder (absolute paths, "..") are refused.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { DatasetError } from './dataset';
import { readMaybeGzipped } from './files';

const BLOCK = 512;

function readString(bytes: Buffer, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

function readOctal(bytes: Buffer, start: number, length: number, archive: string, offset: number): number {
  const text = readString(bytes, start, length).trim();
  if (!/^[0-7]*$/.test(text))
    throw new DatasetError(`${archive}: corrupt tar header at byte offset ${offset}; delete the archive and download it again`, archive);
  return text === '' ? 0 : parseInt(text, 8);
}

function safeTarget(directory: string, name: string, archive: string): string {
  const relative = normalize(name);
  if (isAbsolute(relative) || relative === '..' || relative.startsWith(`..${sep}`)) {
    throw new DatasetError(`${archive}: entry "${name}" points outside the extraction folder; the archive is not trustworthy`, archive);
  }
  return join(directory, relative);
}

/** Extracts `archive` into `directory`; returns the paths of the regular files written. */
export function extractTarArchive(archive: string, directory: string): string[] {
  const bytes = readMaybeGzipped(archive);
  const written: string[] = [];
  let longName: string | undefined;
  let offset = 0;
  while (offset + BLOCK <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break; // end-of-archive marker
    const size = readOctal(header, 124, 12, archive, offset);
    const type = String.fromCharCode(header[156] as number);
    const prefix = readString(header, 345, 155);
    const baseName = readString(header, 0, 100);
    const name = longName ?? (prefix === '' ? baseName : `${prefix}/${baseName}`);
    const dataStart = offset + BLOCK;
    if (dataStart + size > bytes.length) {
      throw new DatasetError(
        `${archive}: truncated: entry "${name}" at byte offset ${offset} needs ${size} bytes; delete the archive and download it again`,
        archive,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    longName = undefined;
    if (type === 'L') {
      longName = readString(data, 0, data.length);
    } else if (type === 'x') {
      // pax extended header: records "LENGTH key=value\n"; only the path matters here.
      const match = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (match?.[1] !== undefined) longName = match[1];
    } else if (type === '5') {
      mkdirSync(safeTarget(directory, name, archive), { recursive: true });
    } else if (type === '0' || type === '\0') {
      const target = safeTarget(directory, name, archive);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, data);
      written.push(target);
    }
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return written;
}

/**
 * Multi-hot labels Y ∈ {0,1}^{N×C} (row i: the labels of sample i), and their loaders. Two file layouts:
 * - CSV: a header with one column per class name, then one row of 0/1 per sample ("sample,cat,dog" with a first
 *   column named sample, id or file is also accepted, and that column is ignored);
 * - JSON: { "classNames": [...], "labels": [[0, 2], [1], ...] } (class indices per sample) or
 *   { "classNames": [...], "multiHot": [[1, 0, 1], ...] }.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';

export interface LabelMatrix {
  /** N. */
  rows: number;
  /** C. */
  classCount: number;
  /** Row-major N × C, 1 where sample i has label c. */
  values: Uint8Array;
  classNames: string[];
}

/** A problem in a label file the user can fix: the message names the file, the place and the fix. */
export class LabelFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'LabelFileError';
  }
}

export function labelMatrixFromSets(labelSets: readonly (readonly number[])[], classNames: readonly string[]): LabelMatrix {
  const classCount = classNames.length;
  const values = new Uint8Array(labelSets.length * classCount);
  labelSets.forEach((labels, i) => {
    for (const c of labels) {
      if (!Number.isInteger(c) || c < 0 || c >= classCount)
        throw new RangeError(`sample ${i}: label ${c} is not a class index in 0 … ${classCount - 1}`);
      values[i * classCount + c] = 1;
    }
  });
  return { rows: labelSets.length, classCount, values, classNames: [...classNames] };
}

/** The labels of sample i. */
export function labelsOf(matrix: LabelMatrix, row: number): number[] {
  const labels: number[] = [];
  for (let c = 0; c < matrix.classCount; c++) if (matrix.values[row * matrix.classCount + c] === 1) labels.push(c);
  return labels;
}

const ID_COLUMNS = new Set(['sample', 'id', 'file', 'filename', 'image']);

export function parseLabelCsv(text: string, file: string): LabelMatrix {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0]?.split(',').map((cell) => cell.trim());
  if (header === undefined || header.length === 0)
    throw new LabelFileError('empty file: expected a header with one column per class name', file);
  const skipFirst = ID_COLUMNS.has((header[0] ?? '').toLowerCase());
  const classNames = skipFirst ? header.slice(1) : header;
  if (classNames.length < 2) throw new LabelFileError('the header names fewer than 2 classes: write one column per class name', file);
  const classCount = classNames.length;
  const values = new Uint8Array((lines.length - 1) * classCount);
  lines.slice(1).forEach((line, index) => {
    const cells = line.split(',').map((cell) => cell.trim());
    const entries = skipFirst ? cells.slice(1) : cells;
    if (entries.length !== classCount) {
      throw new LabelFileError(
        `line ${index + 2}: ${entries.length} label columns, the header has ${classCount}; write one 0/1 per class`,
        file,
      );
    }
    entries.forEach((cell, c) => {
      if (cell !== '0' && cell !== '1')
        throw new LabelFileError(`line ${index + 2}, column "${classNames[c] as string}": "${cell}" is not 0 or 1`, file);
      values[index * classCount + c] = cell === '1' ? 1 : 0;
    });
  });
  return { rows: lines.length - 1, classCount, values, classNames };
}

export function parseLabelJson(text: string, file: string): LabelMatrix {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LabelFileError(`not valid JSON (${(error as Error).message})`, file);
  }
  const record = parsed as { classNames?: unknown; labels?: unknown; multiHot?: unknown };
  if (!Array.isArray(record.classNames) || !record.classNames.every((name) => typeof name === 'string')) {
    throw new LabelFileError('"classNames" must be an array of class names', file);
  }
  const classNames = record.classNames;
  if (Array.isArray(record.labels)) {
    const sets = record.labels.map((labels, i) => {
      if (!Array.isArray(labels) || !labels.every((c) => Number.isInteger(c) && c >= 0 && c < classNames.length)) {
        throw new LabelFileError(`labels[${i}] must be an array of class indices in 0 … ${classNames.length - 1}`, file);
      }
      return labels as number[];
    });
    return labelMatrixFromSets(sets, classNames);
  }
  if (Array.isArray(record.multiHot)) {
    const sets = record.multiHot.map((row, i) => {
      if (!Array.isArray(row) || row.length !== classNames.length || !row.every((value) => value === 0 || value === 1)) {
        throw new LabelFileError(`multiHot[${i}] must be ${classNames.length} values, each 0 or 1`, file);
      }
      return row.flatMap((value, c) => (value === 1 ? [c] : []));
    });
    return labelMatrixFromSets(sets, classNames);
  }
  throw new LabelFileError('expected "labels" (class indices per sample) or "multiHot" (0/1 rows)', file);
}

export function loadLabelFile(file: string): LabelMatrix {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LabelFileError(`cannot read the label file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, file);
  }
  switch (extname(file).toLowerCase()) {
    case '.csv':
      return parseLabelCsv(text, file);
    case '.json':
      return parseLabelJson(text, file);
    default:
      throw new LabelFileError('unknown label file type: use a .csv (0/1 columns per class) or a .json file', file);
  }
}

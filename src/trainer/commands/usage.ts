import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

export const EXIT_DONE = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Bad arguments or an invalid config: exit code 2, message without a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Errors about the user's input files (named by class so that this module needs none of their modules). */
const INPUT_ERRORS = new Set(['DatasetError', 'NpyError', 'AnalysisInputError', 'LabelFileError']);

/** The message to print for a failure: input errors need no stack trace, they already say what to fix. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) return INPUT_ERRORS.has(error.name) ? error.message : (error.stack ?? error.message);
  return String(error);
}

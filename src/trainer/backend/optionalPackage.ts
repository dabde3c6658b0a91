/**
 * Loading packages that may be absent or broken (the native tfjs-node builds download libtensorflow at
 * install time, which fails offline). `require` through createRequire keeps esbuild from bundling them
 * and turns every failure into a one-line reason instead of a crash.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

export type LoadResult<T> = { ok: true; value: T; resolvedPath: string } | { ok: false; reason: string };

/**
 * A require function rooted at `directory` (packages resolve from its node_modules and those above),
 * or at this module when no directory is given (the bundle's own location at run time).
 */
export function requireFrom(directory?: string): NodeJS.Require {
  if (directory !== undefined) return createRequire(join(directory, 'noop.js'));
  // The trainer is bundled to CJS (and tsx runs the tests as CJS), so `require` exists. Loaded as ESM
  // it would not: resolve from the working directory then (import.meta would make esbuild warn on
  // every CJS build).
  return typeof require === 'function' ? require : createRequire(join(process.cwd(), 'noop.js'));
}

/** The first non-empty line of an error message: native load errors carry long stacks and paths. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? 'unknown error'
  );
}

export function loadOptionalPackage<T>(name: string, load: NodeJS.Require): LoadResult<T> {
  let resolvedPath: string;
  try {
    resolvedPath = load.resolve(name);
  } catch {
    return { ok: false, reason: `not installed (${name} was not found)` };
  }
  try {
    return { ok: true, value: load(name) as T, resolvedPath };
  } catch (error) {
    return { ok: false, reason: `failed to load: ${firstLine(error)}` };
  }
}

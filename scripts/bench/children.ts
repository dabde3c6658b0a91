/**
 * Every measurement runs in a child process of its own: kernel registrations, JIT state, heap and the peak-memory
 * counter then belong to that measurement alone, and a Python peer cannot disturb Node's event loop. A child prints
 * one line `BENCH_RESULT {json}` on stdout; anything else it prints is kept for the error message.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const RESULT_PREFIX = 'BENCH_RESULT ';
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Debian's interpreter: its python3-torch and python3-numpy are the peers (a python3 earlier on PATH may lack them). */
export const PYTHON = process.env.NC_BENCH_PYTHON ?? '/usr/bin/python3';

export type ChildOutcome<T> = { ok: true; value: T; stderr: string } | { ok: false; reason: string };

export interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

export interface ProcessOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the process could not be started. */
  error?: string;
}

export function runProcess(command: string, args: readonly string[], options: ChildOptions = {}): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10 * 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr, error: `could not start ${command}: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Why a process failed, in one line: exit code or signal and the last lines it printed. */
export function failureReason(outcome: ProcessOutcome): string {
  if (outcome.error !== undefined) return outcome.error;
  const tail = `${outcome.stderr}\n${outcome.stdout}`.trim().split('\n').slice(-4).join(' | ');
  const how =
    outcome.signal === null
      ? `exit code ${outcome.code}`
      : `killed by ${outcome.signal}${outcome.signal === 'SIGKILL' ? ' (time limit)' : ''}`;
  return `${how}${tail === '' ? '' : `: ${tail}`}`;
}

export async function runChild<T>(command: string, args: readonly string[], options: ChildOptions = {}): Promise<ChildOutcome<T>> {
  const outcome = await runProcess(command, args, options);
  const line = outcome.stdout.split('\n').find((text) => text.startsWith(RESULT_PREFIX));
  if (line === undefined || outcome.error !== undefined) return { ok: false, reason: failureReason(outcome) };
  return { ok: true, value: JSON.parse(line.slice(RESULT_PREFIX.length)) as T, stderr: outcome.stderr };
}

/** A TypeScript child of the benchmark, run through tsx like the parent. */
export function runTsChild<T>(file: string, args: readonly string[], options: ChildOptions = {}): Promise<ChildOutcome<T>> {
  return runChild<T>(process.execPath, ['--import', 'tsx', `${BENCH_DIR}${file}`, ...args], options);
}

export function runPythonChild<T>(file: string, args: readonly string[], options: ChildOptions = {}): Promise<ChildOutcome<T>> {
  return runChild<T>(PYTHON, [`${BENCH_DIR}${file}`, ...args], options);
}

/** For children: prints the result line the parent looks for. */
export function printResult(value: unknown): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(value)}\n`);
}

/** For children: the value of `--name`, or undefined. */
export function argument(name: string, argv: readonly string[] = process.argv): string | undefined {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : undefined;
}

/**
 * Small statistics and memory helpers shared by the benchmark parent and its child processes.
 *
 * Peak memory: Linux keeps a process's high-water mark of resident memory (VmHWM in /proc/self/status); writing "5"
 * to /proc/self/clear_refs resets it to the current RSS (proc(5), since Linux 4.0). Resetting just before the work
 * and reading VmHWM after gives the peak of that work alone, whatever loading the data cost before. NumPy's side
 * (numpy_metrics.py) does the same, so both peaks are measured the same way.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** A measurement, or why there is none. */
export type Measured<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * The best of several rounds of the same measurement (highest score when `higherIsBetter`, else lowest). The benchmark
 * runs the sides of a comparison in interleaved rounds (ours, peer, ours, peer, …): a burst of load from other
 * processes on a shared machine then spoils one round rather than one side, and the best round is the least disturbed.
 * Each round's score is kept. Fails only when every round failed.
 */
export function bestRound<T extends object>(
  rounds: readonly Measured<T>[],
  score: (value: T) => number,
  higherIsBetter: boolean,
): Measured<T & { roundScores: number[] }> {
  const done = rounds.filter((round): round is { ok: true; value: T } => round.ok);
  if (done.length === 0)
    return rounds.find((round): round is { ok: false; reason: string } => !round.ok) ?? { ok: false, reason: 'no round ran' };
  const best = done.reduce((a, b) => ((higherIsBetter ? score(b.value) > score(a.value) : score(b.value) < score(a.value)) ? b : a));
  return { ok: true, value: { ...best.value, roundScores: done.map((round) => score(round.value)) } };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Linear-interpolated quantile, q in [0, 1]. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

export interface Distribution {
  median: number;
  p95: number;
  min: number;
  max: number;
  count: number;
}

export function distribution(values: readonly number[]): Distribution {
  return {
    median: median(values),
    p95: quantile(values, 0.95),
    min: values.length === 0 ? Number.NaN : Math.min(...values),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
    count: values.length,
  };
}

function statusKiB(field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface PeakProbe {
  /** Peak resident memory above the RSS at `start`, in MiB; undefined where /proc cannot tell. */
  finish(): number | undefined;
  /** Why the figure is missing or approximate, when it is. */
  note?: string;
}

/** Starts measuring the peak resident memory of what runs until `finish()`. */
export function startPeakProbe(): PeakProbe {
  let reset = true;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    reset = false;
  }
  const before = statusKiB('VmRSS');
  return {
    finish: () => {
      const peak = statusKiB('VmHWM');
      return before === undefined || peak === undefined ? undefined : Math.max(0, peak - before) / 1024;
    },
    ...(reset ? {} : { note: 'peak not reset (/proc/self/clear_refs not writable): the figure includes loading the data' }),
  };
}

/** Milliseconds with a precision that suits the size. */
export function formatMs(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '–';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function formatRatio(ratio: number | undefined | null): string {
  return ratio === undefined || ratio === null || !Number.isFinite(ratio) ? '–' : `${ratio.toFixed(2)}×`;
}

/**
 * Part 2: time and peak memory of one full metric evaluation with the trainer's code against a straightforward NumPy
 * computation of the same quantities (numpy_metrics.py), on the same .npy files, at NumPy's 1 thread and all cores.
 * The two sides' values are compared as a check that they computed the same thing.
 */
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { runPythonChild, runTsChild } from './children';
import { bestRound } from './measure';
import type { MetricsMeasurement } from './metricsChild';
import type { Measured } from './measure';
import { METRIC_SIZES, writeSyntheticFeatures } from './syntheticFeatures';
import type { MetricSize } from './syntheticFeatures';

export interface NumpyMeasurement {
  ms: number;
  repeatsMs: number[];
  peakMiB: number | null;
  values: Record<string, number | null>;
  threads: string;
}

export interface Agreement {
  /** Largest |ours − NumPy| / max(|NumPy|, 1e-9) over the compared scalars defined on both sides. */
  maxRelativeDifference: number;
  worst: string;
  compared: number;
}

export interface MetricsRow {
  size: MetricSize;
  /** Samples actually written (class counts are rounded per class). */
  sampleCount: number;
  ours: Measured<MetricsMeasurement & { roundScores: number[] }>;
  numpyOneThread: Measured<NumpyMeasurement & { roundScores: number[] }>;
  numpyAllCores: Measured<NumpyMeasurement & { roundScores: number[] }>;
  /** NumPy time / our time at the same cores (ours is one thread): > 1 means ours is faster. */
  speedupOneThread: number | null;
  speedupAllCores: number | null;
  agreement: Agreement | null;
}

export interface MetricsResult {
  repeats: number;
  /** Interleaved rounds per side; each side reports its best round (see bestRound). */
  rounds: number;
  cores: number;
  rows: MetricsRow[];
}

export function compareValues(ours: Record<string, number | null>, reference: Record<string, number | null>): Agreement {
  let worst = '';
  let largest = 0;
  let compared = 0;
  for (const [key, expected] of Object.entries(reference)) {
    const actual = ours[key];
    if (expected === null || actual === null || actual === undefined) continue;
    compared++;
    const difference = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-9);
    if (difference > largest || worst === '') {
      largest = Math.max(largest, difference);
      worst = key;
    }
  }
  return { maxRelativeDifference: largest, worst, compared };
}

export interface MetricsOptions {
  quick: boolean;
  scratch: string;
  numpyMissing: string | undefined;
  log: (line: string) => void;
}

export async function benchMetrics({ quick, scratch, numpyMissing, log }: MetricsOptions): Promise<MetricsResult> {
  const repeats = quick ? 1 : 3;
  const rounds = quick ? 1 : 2;
  const cores = availableParallelism();
  const rows: MetricsRow[] = [];
  // --quick keeps d and C but a tenth of the samples.
  const sizes = METRIC_SIZES.map((size) => (quick ? { ...size, sampleCount: size.sampleCount / 10 } : size));
  for (const size of sizes) {
    const label = `N=${size.sampleCount} d=${size.featureDim} C=${size.classCount}`;
    const directory = join(scratch, `features-${size.sampleCount}-${size.featureDim}-${size.classCount}`);
    log(`metrics ${label}: writing features…`);
    const written = await writeSyntheticFeatures(size, directory);
    const numpyAt = async (threads: number): Promise<Measured<NumpyMeasurement>> => {
      if (numpyMissing !== undefined) return { ok: false, reason: numpyMissing };
      log(`metrics ${label}: NumPy, ${threads} thread${threads === 1 ? '' : 's'}…`);
      return runPythonChild<NumpyMeasurement>('numpy_metrics.py', ['--dir', directory, '--repeats', String(repeats)], {
        env: { OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
      });
    };
    const oursRounds: Measured<MetricsMeasurement>[] = [];
    const oneThreadRounds: Measured<NumpyMeasurement>[] = [];
    const allCoresRounds: Measured<NumpyMeasurement>[] = [];
    for (let round = 0; round < rounds; round++) {
      log(`metrics ${label}: ours${rounds > 1 ? `, round ${round + 1} of ${rounds}` : ''}…`);
      const measured = await runTsChild<MetricsMeasurement>('metricsChild.ts', ['--dir', directory, '--repeats', String(repeats)], {
        env: { NODE_OPTIONS: '--max-old-space-size=8192' },
      });
      oursRounds.push(measured.ok ? { ok: true, value: measured.value } : measured);
      oneThreadRounds.push(await numpyAt(1));
      allCoresRounds.push(await numpyAt(cores));
    }
    const time = (value: { ms: number }) => value.ms;
    const ours = bestRound(oursRounds, time, false);
    const numpyOneThread = bestRound(oneThreadRounds, time, false);
    const numpyAllCores = bestRound(allCoresRounds, time, false);
    rmSync(directory, { recursive: true, force: true });
    const speedup = (peer: Measured<NumpyMeasurement>) => (ours.ok && peer.ok ? peer.value.ms / ours.value.ms : null);
    const reference = numpyOneThread.ok ? numpyOneThread.value : numpyAllCores.ok ? numpyAllCores.value : undefined;
    rows.push({
      size,
      sampleCount: written.sampleCount,
      ours,
      numpyOneThread,
      numpyAllCores,
      speedupOneThread: speedup(numpyOneThread),
      speedupAllCores: speedup(numpyAllCores),
      agreement: ours.ok && reference !== undefined ? compareValues(ours.value.values, reference.values) : null,
    });
    const row = rows.at(-1)!;
    log(
      `  ours ${row.ours.ok ? `${row.ours.value.ms.toFixed(0)} ms, peak ${row.ours.value.peakMiB?.toFixed(0)} MiB` : row.ours.reason}; NumPy 1 thread ${
        numpyOneThread.ok ? `${numpyOneThread.value.ms.toFixed(0)} ms, peak ${numpyOneThread.value.peakMiB?.toFixed(0)} MiB` : '–'
      }; max relative difference ${row.agreement?.maxRelativeDifference.toExponential(1) ?? '–'}`,
    );
  }
  return { repeats, rounds, cores, rows };
}

/**
 * Child process: one full metric evaluation with the trainer's code, evaluateNeuralCollapse (both passes, Σ_B†,
 * NC1–NC4, recall, minority-collapse indicators, cosine matrices or their summaries), on the .npy files written by
 * syntheticFeatures.ts. Predictions are computed from W here (argmax(W h + b)), as NumPy's side does; the trainer
 * passes the network's own predictions instead, which saves that N·C·d product (`suppliedMs`).
 * Also times the steps one by one (pass 1, the SVD of M, pass 2, the report), from the older scripts/bench-metrics.ts.
 *
 *   node --import tsx scripts/bench/metricsChild.ts --dir DIR --repeats 3
 */
import { join } from 'node:path';
import type { EvaluationReport } from '../../src/protocol/metrics';
import { readNpy, toInt32 } from '../../src/trainer/io/npy';
import {
  buildEvaluationReport,
  classMeanGeometry,
  evaluateNeuralCollapse,
  FeatureStatistics,
  WithinClassPass,
} from '../../src/trainer/metrics';
import type { EvaluationMetricsConfig } from '../../src/trainer/metrics';
import { argument, printResult } from './children';
import { median, startPeakProbe } from './measure';

export interface MetricsMeasurement {
  ms: number;
  repeatsMs: number[];
  /** The same evaluation with the predictions supplied, as the training loop calls it. */
  suppliedMs: number;
  peakMiB: number | undefined;
  peakNote?: string;
  phasesMs: { firstPass: number; betweenClassSvd: number; secondPass: number; report: number };
  /** Cosine matrices sent whole ('full') or as shot-group/bin summaries ('summary', C > maxHeatmapClasses). */
  cosineMatrices: string;
  reportKiB: number;
  values: Record<string, number | null>;
}

export const BENCH_METRICS_CONFIG: EvaluationMetricsConfig = {
  centring: 'class-means',
  tail: { by: 'fraction', fraction: 0.3, classes: [] },
  maxHeatmapClasses: 100,
};

function average(values: readonly (number | null)[]): number | null {
  const defined = values.filter((value): value is number => value !== null);
  return defined.length === 0 ? null : defined.reduce((a, b) => a + b, 0) / defined.length;
}

/** The same scalars numpy_metrics.py returns, for the agreement check. */
function comparableValues(report: EvaluationReport): Record<string, number | null> {
  const values: Record<string, number | null> = {
    nc1: report.nc1,
    nc1PerClassMean: average(report.nc1PerClass),
    withinClassVariance: report.withinClassVariance,
    betweenClassVariance: report.betweenClassVariance,
    nc3: report.nc3,
    nc4: report.nc4,
    nc4PerClassMean: average(report.nc4PerClass),
    accuracy: report.accuracy,
    recallMean: average(report.recallPerClass),
    shotFew: report.shotGroupAccuracy.few,
    selfDualityMean: average(report.minorityCollapse.selfDualityCosine),
  };
  for (const [key, value] of Object.entries(report.nc2)) values[`nc2.${key}`] = value;
  const minority = report.minorityCollapse;
  for (const key of [
    'tailClassifierCosine',
    'headClassifierCosine',
    'tailToHeadClassifierNormRatio',
    'classifierNormSlope',
    'tailClassMeanCosine',
    'headClassMeanCosine',
    'classMeanNormSlope',
  ] as const) {
    values[`minority.${key}`] = minority[key];
  }
  return values;
}

async function main(): Promise<void> {
  const directory = argument('dir');
  if (directory === undefined) throw new Error('--dir DIR (written by syntheticFeatures.ts) is required');
  const repeats = Number(argument('repeats') ?? 3);
  const featuresFile = await readNpy(join(directory, 'features.npy'));
  const features = featuresFile.data as Float32Array;
  const featureDim = featuresFile.shape[1]!;
  const labels = toInt32(await readNpy(join(directory, 'labels.npy')), 'labels.npy');
  const classifier = {
    weights: (await readNpy(join(directory, 'weights.npy'))).data as Float32Array,
    bias: (await readNpy(join(directory, 'bias.npy'))).data as Float32Array,
  };
  const trainCounts = Array.from(toInt32(await readNpy(join(directory, 'trainCounts.npy')), 'trainCounts.npy'));
  const input = { epoch: 1, split: 'train' as const, features, labels, featureDim, classifier, trainCounts, metrics: BENCH_METRICS_CONFIG };

  const times: number[] = [];
  let peakMiB: number | undefined;
  let peakNote: string | undefined;
  let report: EvaluationReport | undefined;
  for (let repeat = 0; repeat < repeats; repeat++) {
    const probe = startPeakProbe();
    const start = performance.now();
    report = evaluateNeuralCollapse(input).report;
    times.push(performance.now() - start);
    if (repeat === 0) {
      peakMiB = probe.finish();
      peakNote = probe.note;
    }
  }
  const predictions = new Int32Array(labels.length);
  // Any predictions do for timing: the supplied path skips the W h + b product whatever the values.
  predictions.set(labels);
  let start = performance.now();
  evaluateNeuralCollapse({ ...input, predictions });
  const suppliedMs = performance.now() - start;

  start = performance.now();
  const statistics = new FeatureStatistics(classifier.bias.length, featureDim);
  statistics.add(features, labels);
  const firstPass = performance.now() - start;
  start = performance.now();
  const geometry = classMeanGeometry(statistics, BENCH_METRICS_CONFIG.centring);
  const betweenClassSvd = performance.now() - start;
  start = performance.now();
  const pass = new WithinClassPass(geometry, { classifier });
  pass.add(features, labels);
  const secondPass = performance.now() - start;
  start = performance.now();
  buildEvaluationReport({
    epoch: 1,
    split: 'train',
    statistics,
    geometry,
    pass,
    classifier,
    trainCounts,
    metrics: BENCH_METRICS_CONFIG,
    nearestCentreMeans: 'own',
  });
  const reportMs = performance.now() - start;

  const result: MetricsMeasurement = {
    ms: median(times),
    repeatsMs: times,
    suppliedMs,
    peakMiB,
    ...(peakNote === undefined ? {} : { peakNote }),
    phasesMs: { firstPass, betweenClassSvd, secondPass, report: reportMs },
    cosineMatrices: report!.cosineMatrices.kind,
    reportKiB: JSON.stringify(report).length / 1024,
    values: comparableValues(report!),
  };
  printResult(result);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

/**
 * Features for the metric benchmark: a long-tailed label set (exponential profile, imbalance factor 100, class counts
 * fixed by the profile so every class has samples) with features h = μ_y + noise and a classifier W near the class
 * means, so the metrics are in a realistic, non-degenerate range. Written as .npy files that both the trainer's code
 * (metricsChild.ts) and NumPy (numpy_metrics.py) read: the two sides evaluate identical numbers.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy } from '../../src/trainer/io/npy';
import { SeededRandom } from '../../src/trainer/random';

export interface MetricSize {
  sampleCount: number;
  featureDim: number;
  classCount: number;
}

export const METRIC_SIZES: readonly MetricSize[] = [
  { sampleCount: 60_000, featureDim: 128, classCount: 10 },
  { sampleCount: 50_000, featureDim: 512, classCount: 100 },
  { sampleCount: 50_000, featureDim: 128, classCount: 1000 },
];

const IMBALANCE = 100;

/** n_c ∝ IF^(−c/(C−1)), scaled to about `total` samples, at least 2 per class. */
export function longTailClassCounts(total: number, classCount: number): number[] {
  const weights = Array.from({ length: classCount }, (_, c) => IMBALANCE ** (-c / (classCount - 1)));
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((weight) => Math.max(2, Math.round((total * weight) / sum)));
}

export interface WrittenFeatures {
  directory: string;
  sampleCount: number;
  /** Bytes of the features alone (N × d float32). */
  featureBytes: number;
}

export async function writeSyntheticFeatures(size: MetricSize, directory: string): Promise<WrittenFeatures> {
  mkdirSync(directory, { recursive: true });
  const { featureDim: d, classCount: C } = size;
  const gaussianStream = new SeededRandom(7);
  const uniformStream = new SeededRandom(11);
  const gaussian = () => gaussianStream.normal();
  const uniform = () => uniformStream.nextFloat();
  const counts = longTailClassCounts(size.sampleCount, C);
  const N = counts.reduce((a, b) => a + b, 0);
  const labels = new Int32Array(N);
  let next = 0;
  counts.forEach((count, c) => labels.fill(c, next, (next += count)));
  for (let i = N - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    const swap = labels[i]!;
    labels[i] = labels[j]!;
    labels[j] = swap;
  }
  // Unit-variance class means against noise of std 0.4√d per coordinate: two means lie √(2d) apart and the noise
  // along that direction is 0.4√d, so classes overlap a little (accuracy below 1, NC4 above 0, NC1 of order 1).
  const means = Float64Array.from({ length: C * d }, () => gaussian());
  const noise = 0.4 * Math.sqrt(d);
  const features = new Float32Array(N * d);
  for (let i = 0; i < N; i++) {
    const offset = labels[i]! * d;
    for (let k = 0; k < d; k++) features[i * d + k] = means[offset + k]! + noise * gaussian();
  }
  const weights = Float32Array.from(means, (value) => value + 0.3 * gaussian());
  const bias = Float32Array.from({ length: C }, () => 0.1 * gaussian());
  await writeNpy(join(directory, 'features.npy'), { shape: [N, d], data: features });
  await writeNpy(join(directory, 'labels.npy'), { shape: [N], data: labels });
  await writeNpy(join(directory, 'weights.npy'), { shape: [C, d], data: weights });
  await writeNpy(join(directory, 'bias.npy'), { shape: [C], data: bias });
  await writeNpy(join(directory, 'trainCounts.npy'), { shape: [C], data: Int32Array.from(counts) });
  return { directory, sampleCount: N, featureBytes: features.byteLength };
}

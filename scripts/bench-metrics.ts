/**
 * Times a full neural-collapse evaluation (both passes, Σ_B†, NC1–NC4, minority collapse, cosine matrices) on
 * synthetic long-tailed features at the sizes the trainer meets:
 *   N = 60,000, d = 128, C = 10;  N = 50,000, d = 512, C = 100;  N = 50,000, d = 128, C = 1000.
 * Run: node --import tsx scripts/bench-metrics.ts [--repeat 3]
 * Each size is timed with predictions computed here from W (argmax(W h + b), N·C·d work) and with predictions
 * supplied, as the training loop does from the network's logits.
 */
import { classMeanGeometry } from '../src/trainer/metrics/betweenClass';
import { FeatureStatistics } from '../src/trainer/metrics/featureStatistics';
import { evaluateNeuralCollapse } from '../src/trainer/metrics/index';
import { WithinClassPass } from '../src/trainer/metrics/withinClassPass';

interface Size {
  sampleCount: number;
  featureDim: number;
  classCount: number;
}

const SIZES: Size[] = [
  { sampleCount: 60_000, featureDim: 128, classCount: 10 },
  { sampleCount: 50_000, featureDim: 512, classCount: 100 },
  { sampleCount: 50_000, featureDim: 128, classCount: 1000 },
];

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function synthetic({ sampleCount: N, featureDim: d, classCount: C }: Size) {
  const random = mulberry32(1);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  // Exponential long-tail profile with imbalance factor 100, scaled to N samples.
  const weights = Array.from({ length: C }, (_, c) => 100 ** (-c / (C - 1)));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  weights.reduce((sum, w, c) => (cumulative[c] = sum + w / total), 0);
  const labels = new Int32Array(N);
  const trainCounts = new Array<number>(C).fill(0);
  for (let i = 0; i < N; i++) {
    const u = random();
    let c = cumulative.findIndex((edge) => u < edge);
    if (c < 0) c = C - 1;
    labels[i] = c;
    trainCounts[c]!++;
  }
  const means = Float64Array.from({ length: C * d }, () => gaussian() * 3);
  const features = new Float32Array(N * d);
  for (let i = 0; i < N; i++) for (let k = 0; k < d; k++) features[i * d + k] = means[labels[i]! * d + k]! + gaussian();
  const classifier = { weights: Float32Array.from(means, (m) => m + gaussian() * 0.5), bias: Float32Array.from({ length: C }, () => gaussian() * 0.1) };
  return { features, labels, classifier, trainCounts };
}

function time<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  return { value, ms: performance.now() - start };
}

const repeatIndex = process.argv.indexOf('--repeat');
const repeats = repeatIndex >= 0 ? Number(process.argv[repeatIndex + 1]) : 1;
const metrics = { centring: 'class-means' as const, tail: { by: 'shot' as const, fraction: 0.3, classes: [] }, maxHeatmapClasses: 100 };

for (const size of SIZES) {
  const data = synthetic(size);
  const { featureDim: d, classCount: C } = size;
  for (let repeat = 0; repeat < repeats; repeat++) {
    const first = time(() => {
      const statistics = new FeatureStatistics(C, d);
      statistics.add(data.features, data.labels);
      return statistics;
    });
    const geometry = time(() => classMeanGeometry(first.value, 'class-means'));
    const predicted = time(() => {
      const pass = new WithinClassPass(geometry.value, { classifier: data.classifier });
      pass.add(data.features, data.labels);
      return pass;
    });
    const predictions = Int32Array.from({ length: size.sampleCount }, (_, i) => data.labels[i]!);
    const supplied = time(() => {
      const pass = new WithinClassPass(geometry.value, { classifier: data.classifier });
      pass.add(data.features, data.labels, predictions);
      return pass;
    });
    const full = time(() =>
      evaluateNeuralCollapse({ epoch: 1, split: 'train', features: data.features, labels: data.labels, featureDim: d, classifier: data.classifier, trainCounts: data.trainCounts, metrics }),
    );
    const fullSupplied = time(() =>
      evaluateNeuralCollapse({ epoch: 1, split: 'train', features: data.features, labels: data.labels, featureDim: d, classifier: data.classifier, trainCounts: data.trainCounts, metrics, predictions }),
    );
    const report = full.value.report;
    console.log(
      `N=${size.sampleCount} d=${d} C=${C}: full ${full.ms.toFixed(0)} ms (predictions supplied: ${fullSupplied.ms.toFixed(0)} ms) | ` +
        `pass 1 ${first.ms.toFixed(0)} ms, Σ_B† ${geometry.ms.toFixed(0)} ms (rank ${geometry.value.rank}), ` +
        `pass 2 ${predicted.ms.toFixed(0)} ms (${supplied.ms.toFixed(0)} ms with predictions) | ` +
        `NC1 ${report.nc1?.toFixed(3)} NC4 ${report.nc4?.toFixed(4)} accuracy ${report.accuracy?.toFixed(3)} heatmap ${report.cosineMatrices.kind} ` +
        `JSON ${(JSON.stringify(report).length / 1024).toFixed(0)} KiB`,
    );
  }
}

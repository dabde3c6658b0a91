/**
 * `analyzeFiles` on .npy files written to a temporary folder: the report equals the in-memory evaluation, weights
 * in the Keras (d × C) layout are transposed, mistakes in the files are errors naming the file, and the text
 * formatting shows the numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnalysisInputError, analyzeFiles, formatAnalysisReport } from '../../../src/trainer/analyze';
import { writeNpy } from '../../../src/trainer/io/npy';
import { evaluateNeuralCollapse } from '../../../src/trainer/metrics/index';
import { evaluationReportSchema } from '../../../src/protocol/metrics';
import { DEFAULT_METRICS, seededRandom } from './helpers';

const C = 4;
const d = 6;

async function withFiles(run: (folder: string, data: ReturnType<typeof makeData>) => Promise<void>): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'analyze-'));
  try {
    await run(folder, makeData());
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function makeData() {
  const { gaussian } = seededRandom(17);
  const counts = [150, 60, 25, 8];
  const labels = BigInt64Array.from(counts.flatMap((n, c) => new Array<bigint>(n).fill(BigInt(c)))); // numpy's default int64
  const centres = Array.from({ length: C * d }, () => 3 * gaussian());
  const features = Float32Array.from({ length: labels.length * d }, (_, index) => centres[Number(labels[Math.floor(index / d)]!) * d + (index % d)]! + gaussian());
  const weights = Float32Array.from(centres, (value) => value + 0.3 * gaussian());
  const bias = Float32Array.from({ length: C }, () => 0.1 * gaussian());
  return { counts, labels, features, weights, bias };
}

test('the report from files equals the in-memory evaluation, with label counts as training counts', async () => {
  await withFiles(async (folder, data) => {
    const paths = { features: join(folder, 'H.npy'), labels: join(folder, 'y.npy'), weights: join(folder, 'W.npy'), bias: join(folder, 'b.npy') };
    await writeNpy(paths.features, { shape: [data.labels.length, d], data: data.features });
    await writeNpy(paths.labels, { shape: [data.labels.length], data: data.labels });
    await writeNpy(paths.weights, { shape: [C, d], data: data.weights });
    await writeNpy(paths.bias, { shape: [C], data: data.bias });
    const report = await analyzeFiles({ ...paths, centring: 'class-means' });
    const expected = evaluateNeuralCollapse({
      epoch: 0,
      split: 'train',
      features: data.features,
      labels: Int32Array.from(data.labels, Number),
      featureDim: d,
      classifier: { weights: data.weights, bias: data.bias },
      trainCounts: data.counts,
      metrics: DEFAULT_METRICS,
    }).report;
    assert.deepEqual(report, expected);
    assert.deepEqual(report.trainCounts, data.counts);
    assert.ok(evaluationReportSchema.safeParse(report).success);

    const text = formatAnalysisReport(report);
    assert.ok(text.startsWith(`Neural collapse, train split: N = 243, C = 4, d = 6, centring: mean of class means`), text);
    assert.ok(text.includes(`NC1  tr(Σ_W Σ_B†)/C`) && text.includes(report.nc1!.toFixed(4)), text);
    assert.ok(text.includes('Minority collapse (tail by shot: 3)'), text);
    assert.equal(text.split('\n').filter((line) => /^\s+\d+\s+\d+\s+\d+\s/.test(line)).length, C, 'one table row per class');
  });
});

test('weights saved as d × C (Keras/tfjs kernel) are transposed and said so', async () => {
  await withFiles(async (folder, data) => {
    const transposed = new Float32Array(C * d);
    for (let c = 0; c < C; c++) for (let k = 0; k < d; k++) transposed[k * C + c] = data.weights[c * d + k]!;
    const paths = { features: join(folder, 'H.npy'), labels: join(folder, 'y.npy'), weights: join(folder, 'kernel.npy') };
    await writeNpy(paths.features, { shape: [data.labels.length, d], data: data.features });
    await writeNpy(paths.labels, { shape: [data.labels.length], data: data.labels });
    await writeNpy(paths.weights, { shape: [d, C], data: transposed });
    const report = await analyzeFiles(paths);
    const direct = evaluateNeuralCollapse({
      epoch: 0,
      split: 'train',
      features: data.features,
      labels: Int32Array.from(data.labels, Number),
      featureDim: d,
      classifier: { weights: data.weights },
      trainCounts: data.counts,
      metrics: DEFAULT_METRICS,
    }).report;
    assert.equal(report.nc3, direct.nc3);
    assert.ok(report.diagnostics[0]!.includes('kernel.npy has shape (d, C) = (6, 4)'), report.diagnostics[0]);
  });
});

test('mismatched files are AnalysisInputErrors that name the file', async () => {
  await withFiles(async (folder, data) => {
    const H = join(folder, 'H.npy');
    const y = join(folder, 'y.npy');
    const W = join(folder, 'W.npy');
    const b = join(folder, 'b.npy');
    await writeNpy(H, { shape: [data.labels.length, d], data: data.features });
    await writeNpy(W, { shape: [C, d], data: data.weights });
    const expectError = async (pattern: RegExp, options: { bias?: string } = {}) =>
      assert.rejects(analyzeFiles({ features: H, labels: y, weights: W, ...options }), (error: unknown) => error instanceof AnalysisInputError && pattern.test(error.message));

    const badLabels = BigInt64Array.from(data.labels);
    badLabels[5] = 7n;
    await writeNpy(y, { shape: [badLabels.length], data: badLabels });
    await expectError(/y\.npy: label 7 at index 5 is outside \[0, 4\)/);

    await writeNpy(y, { shape: [10], data: data.labels.subarray(0, 10) });
    await expectError(/y\.npy: 10 labels for the 243 feature rows/);

    await writeNpy(y, { shape: [data.labels.length], data: data.labels });
    await writeNpy(b, { shape: [3], data: new Float32Array(3) });
    await expectError(/b\.npy: bias must hold C = 4 values/, { bias: b });

    await writeNpy(W, { shape: [C, d - 1], data: new Float32Array(C * (d - 1)) });
    await expectError(/W\.npy: weights of shape \(4, 5\) do not match the feature dimension d = 6/);

    await writeNpy(H, { shape: [data.features.length], data: data.features });
    await expectError(/H\.npy: features must be a 2-D array/);
  });
});

test('training counts from a .npy file set the shot groups; a wrong length is an error naming the file', async () => {
  await withFiles(async (folder, data) => {
    const paths = { features: join(folder, 'H.npy'), labels: join(folder, 'y.npy'), weights: join(folder, 'W.npy') };
    await writeNpy(paths.features, { shape: [data.labels.length, d], data: data.features });
    await writeNpy(paths.labels, { shape: [data.labels.length], data: data.labels });
    await writeNpy(paths.weights, { shape: [C, d], data: data.weights });
    const countsPath = join(folder, 'n.npy');
    await writeNpy(countsPath, { shape: [C], data: BigInt64Array.from([5000n, 500n, 50n, 5n]) });
    const report = await analyzeFiles({ ...paths, trainCounts: countsPath, split: 'test' });
    assert.deepEqual(report.trainCounts, [5000, 500, 50, 5]);
    assert.deepEqual(report.shotGroups, { many: [0, 1], medium: [2], few: [3] });
    assert.equal(report.split, 'test');
    await writeNpy(countsPath, { shape: [3], data: Int32Array.from([1, 2, 3]) });
    await assert.rejects(analyzeFiles({ ...paths, trainCounts: countsPath }), /n\.npy: 3 training counts for the C = 4 classes/);
  });
});

/**
 * The Python metrics (python/ncmonitor/metrics) against the TypeScript trainer's, on the same random features saved as
 * .npy: `node dist/trainer.js analyze` (and, for the options the command has no flag for, the same
 * `evaluateNeuralCollapse` called in-process) versus `ncmonitor.metrics.evaluation_report`. Every numeric field must
 * agree to 1e-6 relative, nulls and arrays exactly, diagnostics word for word; the Python reports must pass the zod
 * schema. The collapse trackers get the same evaluation sequence and must produce the same flags and messages.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluationReportSchema, collapseFlagSchema } from '../../../src/protocol/metrics';
import type { EvaluationReport, CollapseFlag } from '../../../src/protocol/metrics';
import { longTailCounts } from '../../../src/protocol/longTail';
import { writeNpy } from '../../../src/trainer/io/npy';
import { evaluateNeuralCollapse, CollapseTracker, collapseEvaluationOf } from '../../../src/trainer/metrics';
import type { EvaluationMetricsConfig } from '../../../src/trainer/metrics';
import { findPython, pythonEnv, torchSkipReason } from '../../support/python';
import { ensureTrainerBuilt, temporaryFolder, TRAINER } from '../../support/trainerProcess';
import { SeededRandom } from '../../../src/trainer/random';

const skip = torchSkipReason();

interface Shape {
  seed: number;
  /** Samples per class in the features (0: a class missing). */
  counts: number[];
  featureDim: number;
  /** Spread of the class means against the unit within-class noise. */
  separation: number;
  bias: boolean;
  float64?: boolean;
  /** Rows whose features are set to NaN. */
  nanRows?: number[];
  /** A NaN in W, as after a diverged step: every classifier quantity must be null in both. */
  nanWeight?: boolean;
}

interface Arrays {
  features: Float32Array | Float64Array;
  labels: Int32Array;
  weights: Float32Array;
  bias?: Float32Array;
  classCount: number;
  featureDim: number;
}

/** Class means + Gaussian noise; W correlated with the class means so that accuracy, NC3 and NC4 are not trivial. */
function generate(shape: Shape): Arrays {
  const random = new SeededRandom(shape.seed);
  const gauss = () => random.normal();
  const C = shape.counts.length;
  const d = shape.featureDim;
  const means = Float64Array.from({ length: C * d }, () => shape.separation * gauss());
  const total = shape.counts.reduce((sum, n) => sum + n, 0);
  const features = shape.float64 ? new Float64Array(total * d) : new Float32Array(total * d);
  const labels = new Int32Array(total);
  let row = 0;
  shape.counts.forEach((count, c) => {
    for (let i = 0; i < count; i++, row++) {
      labels[row] = c;
      for (let k = 0; k < d; k++) features[row * d + k] = means[c * d + k]! + gauss();
    }
  });
  for (const nanRow of shape.nanRows ?? []) features[nanRow * d + 1] = Number.NaN;
  const weights = Float32Array.from({ length: C * d }, (_, i) => 0.3 * means[i]! + gauss());
  if (shape.nanWeight) weights[3] = Number.NaN;
  return {
    features,
    labels,
    weights,
    ...(shape.bias ? { bias: Float32Array.from({ length: C }, () => gauss()) } : {}),
    classCount: C,
    featureDim: d,
  };
}

async function save(folder: string, name: string, arrays: Arrays): Promise<Record<string, string>> {
  const paths: Record<string, string> = {
    features: join(folder, `${name}-H.npy`),
    labels: join(folder, `${name}-y.npy`),
    weights: join(folder, `${name}-W.npy`),
  };
  await writeNpy(paths.features!, { shape: [arrays.labels.length, arrays.featureDim], data: arrays.features });
  await writeNpy(paths.labels!, { shape: [arrays.labels.length], data: arrays.labels });
  await writeNpy(paths.weights!, { shape: [arrays.classCount, arrays.featureDim], data: arrays.weights });
  if (arrays.bias) {
    paths.bias = join(folder, `${name}-b.npy`);
    await writeNpy(paths.bias, { shape: [arrays.classCount], data: arrays.bias });
  }
  return paths;
}

/** One Python computation: a split's files, its options, and optionally the case whose class means NC4 uses. */
interface PythonJob {
  name: string;
  paths: Record<string, string>;
  split: 'train' | 'test';
  trainCounts?: number[];
  metrics?: Partial<EvaluationMetricsConfig>;
  /** Name of an earlier job whose class means are the training means. */
  trainMeansOf?: string;
  epoch?: number;
}

const PYTHON_DRIVER = `
import json, sys
import numpy as np
from ncmonitor.metrics import CollapseTracker, evaluation_report

request = json.load(open(sys.argv[1]))
reports, means = {}, {}
for job in request["jobs"]:
    p = job["paths"]
    report, class_means = evaluation_report(
        np.load(p["features"]), np.load(p["labels"]), np.load(p["weights"]), np.load(p["bias"]) if "bias" in p else None,
        epoch=job.get("epoch", 0), split=job["split"], train_counts=job.get("trainCounts"),
        metrics_config=job.get("metrics"), train_class_means=means.get(job.get("trainMeansOf")))
    reports[job["name"]], means[job["name"]] = report, class_means
tracker = CollapseTracker(request["tracker"]["metrics"], class_names=request["tracker"]["classNames"])
flags = [tracker.update(evaluations) for evaluations in request["tracker"]["evaluations"]]
json.dump({"reports": reports, "flags": flags}, open(sys.argv[2], "w"), allow_nan=False)
`;

function runPython(folder: string, request: unknown): { reports: Record<string, unknown>; flags: unknown[] } {
  const python = findPython()!;
  const requestPath = join(folder, 'request.json');
  const resultPath = join(folder, 'result.json');
  writeFileSync(requestPath, JSON.stringify(request));
  const run = spawnSync(python.command, ['-c', PYTHON_DRIVER, requestPath, resultPath], {
    env: pythonEnv(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(run.status, 0, `python failed:\n${run.stderr}`);
  return JSON.parse(readFileSync(resultPath, 'utf8')) as { reports: Record<string, unknown>; flags: unknown[] };
}

/** Deep comparison: numbers to 1e-6 relative (1e-12 absolute for values that are 0 up to rounding), all else equal. */
function assertSame(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const scale = Math.max(Math.abs(expected), Math.abs(actual));
    assert.ok(Math.abs(actual - expected) <= 1e-6 * scale + 1e-12, `${path}: python ${actual} vs TypeScript ${expected}`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: python has ${JSON.stringify(actual)}, not an array`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((item, i) => assertSame(actual[i], item, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: python has ${JSON.stringify(actual)}`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${path}: fields`);
    for (const [key, value] of Object.entries(expected)) assertSame((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
  } else {
    assert.deepEqual(actual, expected, path);
  }
}

function analyzeCli(paths: Record<string, string>, extra: string[] = []): EvaluationReport {
  const args = [
    TRAINER,
    'analyze',
    '--features',
    paths.features!,
    '--labels',
    paths.labels!,
    '--weights',
    paths.weights!,
    '--json',
    ...extra,
  ];
  if (paths.bias) args.push('--bias', paths.bias);
  return evaluationReportSchema.parse(JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })));
}

function toFloat64(values: Float32Array | Float64Array): Float64Array {
  return Float64Array.from(values);
}

const LONG_TAIL_120 = longTailCounts('exponential', 150, 50, 120);

const SHAPES = {
  /** Fashion-MNIST-LT-like counts with class 6 missing, a bias, float32. */
  missingClass: { seed: 1, counts: [300, 180, 108, 64, 38, 23, 0, 8, 5, 3], featureDim: 16, separation: 1.5, bias: true },
  /** d = 5 < C − 1 = 11. */
  smallDim: { seed: 2, counts: longTailCounts('exponential', 120, 20, 12), featureDim: 5, separation: 1, bias: true },
  /** Sample centring, no bias, float64 features, two NaN rows. */
  sampleCentring: { seed: 3, counts: [200, 90, 40, 18, 9, 4], featureDim: 8, separation: 2, bias: false, float64: true, nanRows: [0, 250] },
  /** C = 120 > maxHeatmapClasses = 100: the summary cosine matrices (Many/Medium/Few blocks and 100 count bins). */
  manyClasses: { seed: 4, counts: LONG_TAIL_120, featureDim: 24, separation: 1, bias: true },
  /** A diverged classifier (NaN in W) on a two-class split. */
  diverged: { seed: 6, counts: [40, 7], featureDim: 3, separation: 2, bias: true, nanWeight: true },
  /** Balanced test split of the missingClass classes (class 6 present here), evaluated with training means. */
  testSplit: { seed: 5, counts: new Array<number>(10).fill(30), featureDim: 16, separation: 1.5, bias: true },
} satisfies Record<string, Shape>;

let folder: string;

before(() => {
  if (skip) return;
  ensureTrainerBuilt();
  folder = temporaryFolder('metrics-parity');
});
after(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

test('Python reports equal trainer analyze and the in-process TypeScript metrics', { skip, timeout: 120_000 }, async () => {
  const arrays = Object.fromEntries(Object.entries(SHAPES).map(([name, shape]) => [name, generate(shape)])) as Record<
    keyof typeof SHAPES,
    Arrays
  >;
  const paths: Record<string, Record<string, string>> = {};
  for (const [name, value] of Object.entries(arrays)) paths[name] = await save(folder, name, value);
  const missingTrainCounts = SHAPES.missingClass.counts.map((n) => (n === 0 ? 12 : n));
  await writeNpy(join(folder, 'train-counts.npy'), { shape: [10], data: Int32Array.from(missingTrainCounts) });

  const expected: Record<string, EvaluationReport> = {
    missingClass: analyzeCli(paths.missingClass!),
    smallDim: analyzeCli(paths.smallDim!),
    sampleCentring: analyzeCli(paths.sampleCentring!, ['--centring', 'sample']),
    manyClasses: analyzeCli(paths.manyClasses!),
    diverged: analyzeCli(paths.diverged!),
    missingWithTrainCounts: analyzeCli(paths.missingClass!, ['--train-counts', join(folder, 'train-counts.npy')]),
  };
  const jobs: PythonJob[] = [
    { name: 'missingClass', paths: paths.missingClass!, split: 'train' },
    { name: 'smallDim', paths: paths.smallDim!, split: 'train' },
    { name: 'sampleCentring', paths: paths.sampleCentring!, split: 'train', metrics: { centring: 'sample' } },
    { name: 'manyClasses', paths: paths.manyClasses!, split: 'train' },
    { name: 'diverged', paths: paths.diverged!, split: 'train' },
    { name: 'missingWithTrainCounts', paths: paths.missingClass!, split: 'train', trainCounts: missingTrainCounts },
  ];

  // Options `trainer analyze` has no flag for: the same TypeScript evaluation, in-process. A train/test pair (NC4 on
  // test with the training means), tail by fraction and by explicit classes (one invalid), small heatmap limits.
  const inProcess: { name: string; shape: keyof typeof SHAPES; metrics: EvaluationMetricsConfig; epoch: number }[] = [
    {
      name: 'fractionTrain',
      shape: 'missingClass',
      metrics: { centring: 'class-means', tail: { by: 'fraction', fraction: 0.25, classes: [] }, maxHeatmapClasses: 4 },
      epoch: 7,
    },
    {
      name: 'classesTrain',
      shape: 'smallDim',
      metrics: { centring: 'sample', tail: { by: 'classes', fraction: 0.3, classes: [11, 3, 40, 7] }, maxHeatmapClasses: 12 },
      epoch: 2,
    },
  ];
  for (const { name, shape, metrics, epoch } of inProcess) {
    const data = arrays[shape];
    const trainCounts = shape === 'missingClass' ? missingTrainCounts : SHAPES[shape].counts;
    const train = evaluateNeuralCollapse({
      epoch,
      split: 'train',
      features: data.features,
      labels: data.labels,
      featureDim: data.featureDim,
      classifier: { weights: data.weights, bias: data.bias ?? null },
      trainCounts,
      metrics,
    });
    expected[name] = train.report;
    jobs.push({ name, paths: paths[shape]!, split: 'train', trainCounts, metrics, epoch });
    if (shape === 'missingClass') {
      // The test features share the classifier of the training case.
      const test = arrays.testSplit;
      const testPaths = { ...paths.testSplit!, weights: paths.missingClass!.weights!, bias: paths.missingClass!.bias! };
      expected.fractionTest = evaluateNeuralCollapse({
        epoch,
        split: 'test',
        features: toFloat64(test.features),
        labels: test.labels,
        featureDim: test.featureDim,
        classifier: { weights: data.weights, bias: data.bias ?? null },
        trainCounts,
        metrics,
        trainGeometry: train.geometry,
      }).report;
      jobs.push({ name: 'fractionTest', paths: testPaths, split: 'test', trainCounts, metrics, epoch, trainMeansOf: name });
    }
  }

  const tracker = trackerSequence();
  const result = runPython(folder, { jobs, tracker: tracker.request });

  for (const [name, report] of Object.entries(expected)) {
    const actual = evaluationReportSchema.parse(result.reports[name]);
    assertSame(actual, report, name);
  }
  // The cases exercise what they claim to.
  assert.equal(expected.manyClasses!.cosineMatrices.kind, 'summary');
  assert.equal(expected.fractionTrain!.cosineMatrices.kind, 'summary');
  assert.equal(expected.missingClass!.presentClassCount, 9);
  assert.ok(expected.smallDim!.diagnostics.some((line) => line.startsWith('feature dimension d = 5 < C − 1 = 11')));
  assert.ok(expected.sampleCentring!.diagnostics.includes('2 samples with NaN or infinite features were skipped'));
  assert.equal(expected.fractionTest!.nearestCentreMeans, 'train');
  assert.ok(expected.diverged!.nc3 === null && expected.diverged!.classifierNorms.every((norm) => norm === null));
  assert.ok(
    expected.missingClass!.nc4! > 0 && expected.missingClass!.accuracy! > 0.1,
    'the random classifier gives non-trivial NC4 and accuracy',
  );

  assert.equal(result.flags.length, tracker.expected.length);
  result.flags.forEach((flag, i) => assertSame(collapseFlagSchema.parse(flag), tracker.expected[i], `flag ${i}`));
  assert.ok(
    tracker.expected.some((flag) => flag.active) && tracker.expected.some((flag) => !flag.active),
    'the sequence flags and unflags',
  );
  assert.ok(
    tracker.expected.some((flag) => /train recall/.test(flag.message)),
    'the sequence flags a class by the fitted-class rule',
  );
});

/** Evaluations with random tail cosines and recalls, fed to the TypeScript tracker; the Python one gets the same. */
function trackerSequence(): { request: unknown; expected: CollapseFlag[] } {
  const random = new SeededRandom(11);
  const uniform = () => random.nextFloat();
  const metrics = { collapseCosine: 0.55, collapseRecall: 0.1 };
  const classNames = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
  const tailClasses = [5, 6, 7, 8, 9];
  const tracker = new CollapseTracker(metrics, classNames);
  const evaluations: unknown[][] = [];
  const expected: CollapseFlag[] = [];
  for (let epoch = 1; epoch <= 8; epoch++) {
    const perClass = tailClasses.map(() => (uniform() < 0.15 ? null : 1.4 * uniform() - 0.4));
    const defined = perClass.filter((value): value is number => value !== null);
    // Class 9 is never recognised on test (recall < 0.1 when known): only the fitted-class rule can flag it.
    const recall = Array.from({ length: 10 }, (_, c) =>
      c === 9 ? (epoch % 3 === 0 ? null : 0.08 * uniform()) : uniform() * (c < 5 ? 1 : 0.4),
    );
    // Train recall of its own, so that the fitted-class rule (fitted on train, not recognised on test) comes up.
    const trainRecall = Array.from({ length: 10 }, () => uniform());
    const report = (split: 'train' | 'test', cosines: (number | null)[], recallPerClass: (number | null)[]) => ({
      epoch,
      split,
      minorityCollapse: {
        tailClasses,
        tailClassifierCosinePerClass: cosines,
        tailClassifierCosine: defined.length > 0 ? defined.reduce((sum, value) => sum + value, 0) / defined.length : null,
        etfCosine: -1 / 9,
      },
      recallPerClass,
    });
    // The train report first: both trackers must pick the test one.
    const pair = [
      report(
        'train',
        tailClasses.map(() => 0.99),
        trainRecall,
      ),
      report('test', perClass, recall),
    ];
    evaluations.push(pair);
    expected.push(tracker.update(collapseEvaluationOf(pair as unknown as EvaluationReport[])!));
  }
  return { request: { metrics, classNames, evaluations }, expected };
}

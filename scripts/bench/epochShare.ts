/**
 * Part 3: the share of an epoch spent on metrics when every epoch is evaluated, from a real trainer run
 * (`node dist/trainer.js run`, built by scripts/build.mjs) on Fashion-MNIST-LT (IF 100, n_max 600, small CNN, the
 * wasm backend). It reads the run's events.jsonl: epoch/didEnd `durationMs` (training only) against
 * metrics/didUpdate `evaluationMs` (feature extraction over the train and test splits plus the metric arithmetic).
 * The arithmetic alone is timed separately on features of the same sizes (metricsChild.ts, predictions supplied as
 * the training loop supplies them).
 *
 * The same run reports to the extension's RunServer in this process, which gives part 4's latency for a real trainer.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EpochDidEnd, MetricsDidUpdate, RunDidStart, TrainerMessage } from '../../src/protocol/messages';
import { BENCH_DIR, failureReason, REPO_ROOT, runProcess, runTsChild } from './children';
import { latenciesByType } from './latency';
import type { ArrivalRecorder } from './latency';
import { distribution, median } from './measure';
import type { Distribution } from './measure';
import type { MetricsMeasurement } from './metricsChild';
import type { Measured } from './measure';
import { writeSyntheticFeatures } from './syntheticFeatures';

const FASHION_MNIST = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';
const FEATURE_DIM = 128;

export interface EpochRow {
  epoch: number;
  trainingMs: number;
  evaluationMs: number;
  /** evaluationMs / trainingMs. */
  share: number;
  imagesPerSecond: number;
}

export interface EpochShareResult {
  dataset: string;
  trainImages: number;
  testImages: number;
  epochs: EpochRow[];
  /** Median over epochs of evaluationMs / durationMs (epoch 1 included: it carries the warm-up). */
  medianShare: number;
  /** The metric arithmetic alone on features of the run's sizes (train + test split), predictions supplied. */
  metricsOnlyMs: number | null;
  /** metricsOnlyMs / median training time of an epoch. */
  metricsOnlyShare: number | null;
  /** Arrival − send at the RunServer, per message type, of the messages reported after the socket had connected. */
  latencyMs: Record<string, Distribution>;
  /**
   * The trainer connects while it loads the backend and data; messages reported before the connection opens wait in
   * SocketReporter's queue. The connection can only open when the trainer's event loop is free, and training an
   * epoch is synchronous, so this may be a whole epoch.
   */
  connection: {
    firstReportToConnectMs: number | null;
    queuedMessages: number;
    messages: number;
    /** Arrival − send of the queued messages: what the first epoch's updates really waited. */
    queuedLatencyMs: Distribution | null;
  };
  notes: string[];
}

export interface EpochShareOptions {
  quick: boolean;
  scratch: string;
  recorder: ArrivalRecorder;
  build: boolean;
  log: (line: string) => void;
}

function runConfig(epochs: number, fashionMnist: boolean): Record<string, unknown> {
  return {
    name: 'bench-fashion-mnist-lt',
    dataset: fashionMnist
      ? { name: 'fashion-mnist' }
      : { name: 'synthetic', classes: 10, imageSize: 28, trainPerClass: 600, testPerClass: 1000 },
    imbalance: { profile: 'exponential', factor: 100, maxPerClass: 600 },
    model: { architecture: 'small-cnn', featureDim: FEATURE_DIM },
    method: { name: 'cross-entropy' },
    optimizer: { name: 'adam', learningRate: 0.001, weightDecay: 0.0005 },
    batchSize: 128,
    epochs,
    evaluation: { everyEpochs: 1, splits: ['train', 'test'] },
    backend: 'wasm',
    seed: 0,
  };
}

async function metricsOnlyMs(scratch: string, trainImages: number, testImages: number): Promise<number | null> {
  let total = 0;
  for (const [name, sampleCount] of [
    ['train', trainImages],
    ['test', testImages],
  ] as const) {
    const directory = join(scratch, `epoch-share-${name}`);
    await writeSyntheticFeatures({ sampleCount, featureDim: FEATURE_DIM, classCount: 10 }, directory);
    const measured = await runTsChild<MetricsMeasurement>('metricsChild.ts', ['--dir', directory, '--repeats', '3']);
    if (!measured.ok) return null;
    total += measured.value.suppliedMs;
  }
  return total;
}

export async function benchEpochShare({ quick, scratch, recorder, build, log }: EpochShareOptions): Promise<Measured<EpochShareResult>> {
  const notes: string[] = [];
  if (build) {
    log('epoch share: building the trainer (node scripts/build.mjs)…');
    const built = await runProcess(process.execPath, ['scripts/build.mjs']);
    if (built.code !== 0) return { ok: false, reason: `build failed: ${failureReason(built)}` };
  }
  const trainer = join(REPO_ROOT, 'dist', 'trainer.js');
  if (!existsSync(trainer)) return { ok: false, reason: 'dist/trainer.js is missing: run node scripts/build.mjs (or drop --no-build)' };
  const fashionMnist = existsSync(FASHION_MNIST);
  if (!fashionMnist)
    notes.push(
      `Fashion-MNIST not found at ${FASHION_MNIST} (apt-get install -y dataset-fashion-mnist): used the synthetic dataset of the same shape`,
    );

  const epochs = quick ? 2 : 3;
  const folder = join(scratch, 'epoch-share');
  mkdirSync(folder, { recursive: true });
  const configFile = join(folder, 'bench.ltrun.json');
  writeFileSync(configFile, JSON.stringify(runConfig(epochs, fashionMnist), null, 2));
  const runId = 'bench-epoch-share';
  const clockFile = join(folder, 'send-clock.txt');
  const { token, arrivals, connectedAt } = recorder.register(runId);
  log(
    `epoch share: trainer run, small CNN on ${fashionMnist ? 'Fashion-MNIST' : 'synthetic'}-LT, ${epochs} epochs, evaluating every epoch…`,
  );
  const run = await runProcess(
    process.execPath,
    [
      '--import',
      pathToFileURL(join(BENCH_DIR, 'sendClock.mjs')).href,
      trainer,
      'run',
      '--config',
      configFile,
      '--out',
      join(folder, 'runs'),
      '--run-id',
      runId,
      '--quiet',
    ],
    { env: { ...recorder.environment(token), NC_BENCH_SEND_CLOCK: clockFile }, timeoutMs: 15 * 60_000 },
  );
  if (run.code !== 0) return { ok: false, reason: `trainer failed: ${failureReason(run)}` };

  const events = readFileSync(join(folder, 'runs', runId, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TrainerMessage);
  const started = events.find((event): event is RunDidStart => event.type === 'run/didStart');
  const ends = events.filter((event): event is EpochDidEnd => event.type === 'epoch/didEnd');
  const updates = events.filter((event): event is MetricsDidUpdate => event.type === 'metrics/didUpdate');
  const rows: EpochRow[] = ends.map((end) => {
    const update = updates.find((candidate) => candidate.epoch === end.epoch);
    const evaluationMs = update?.evaluationMs ?? Number.NaN;
    return {
      epoch: end.epoch,
      trainingMs: end.durationMs,
      evaluationMs,
      share: evaluationMs / end.durationMs,
      imagesPerSecond: end.imagesPerSecond,
    };
  });
  const trainImages = started?.dataset.trainCounts.reduce((a, b) => a + b, 0) ?? 0;
  const testImages = started?.dataset.testCount ?? 0;
  log('epoch share: metric arithmetic alone on features of the same sizes…');
  const arithmetic = await metricsOnlyMs(scratch, trainImages, testImages);

  const sentAt = new Map(
    readFileSync(clockFile, 'utf8')
      .trim()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split(' ').map(Number) as [number, number]),
  );
  const connected = connectedAt[0];
  const firstReport = Math.min(...sentAt.values());
  const latencies = latenciesByType(sentAt, arrivals, connected);
  const queued = Object.values(
    latenciesByType(new Map([...sentAt].filter(([, at]) => connected === undefined || at < connected)), arrivals),
  ).flat();
  const latencyMs: Record<string, Distribution> = {};
  for (const [type, values] of Object.entries(latencies)) latencyMs[type] = distribution(values);
  const medianTraining = median(rows.map((row) => row.trainingMs));
  return {
    ok: true,
    value: {
      dataset: started?.dataset.source ?? 'unknown',
      trainImages,
      testImages,
      epochs: rows,
      medianShare: median(rows.map((row) => row.share)),
      metricsOnlyMs: arithmetic,
      metricsOnlyShare: arithmetic === null ? null : arithmetic / medianTraining,
      latencyMs,
      connection: {
        firstReportToConnectMs: connected === undefined ? null : Math.max(0, connected - firstReport),
        queuedMessages: connected === undefined ? sentAt.size : [...sentAt.values()].filter((at) => at < connected).length,
        messages: sentAt.size,
        queuedLatencyMs: queued.length === 0 ? null : distribution(queued),
      },
      notes,
    },
  };
}

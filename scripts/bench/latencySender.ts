/**
 * Child process: the trainer's SocketReporter sending real metrics/didUpdate messages (two EvaluationReports, train
 * and test, from evaluateNeuralCollapse at C classes, plus the collapse flag) to the RunServer in the parent, one
 * every `--interval-ms` so that messages do not queue behind each other. With `--busy-ms N` the event loop is kept busy
 * for N ms after each send (a synchronous spin), as the trainer's is by the synchronous training steps that follow a
 * report: whatever the socket could not write at once waits for that. The send time is taken just before
 * SocketReporter.send (which serialises and writes), as `performance.timeOrigin + performance.now()`, the same
 * clock the parent reads on arrival.
 *
 *   NC_MONITOR_URL=ws://… NC_MONITOR_TOKEN=… node --import tsx scripts/bench/latencySender.ts --run-id R --classes 10 --messages 30
 */
import type { MetricsDidUpdate, TrainerMessage } from '../../src/protocol/messages';
import { ENV_SERVER_URL, ENV_TOKEN } from '../../src/protocol/messages';
import { CollapseTracker, evaluateNeuralCollapse } from '../../src/trainer/metrics';
import { SocketReporter } from '../../src/trainer/reporting/socketReporter';
import { argument, printResult } from './children';
import { BENCH_METRICS_CONFIG } from './metricsChild';
import { longTailClassCounts } from './syntheticFeatures';

export interface SenderResult {
  /** seq → send time (ms since the epoch, sub-millisecond). */
  sentAt: Record<string, number>;
  messageBytes: number;
  allAcknowledged: boolean;
}

const FEATURE_DIM = 128;

/** A metrics/didUpdate with real reports: N = 20·C random features, so the report is as large as a real one at C. */
function metricsMessage(classCount: number, epoch: number, seq: number): MetricsDidUpdate {
  const counts = longTailClassCounts(20 * classCount, classCount);
  const labels = Int32Array.from(counts.flatMap((count, c) => new Array<number>(count).fill(c)));
  let state = 12345;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
  const means = Float32Array.from({ length: classCount * FEATURE_DIM }, uniform);
  const features = Float32Array.from(
    { length: labels.length * FEATURE_DIM },
    (_, i) => means[labels[Math.floor(i / FEATURE_DIM)]! * FEATURE_DIM + (i % FEATURE_DIM)]! + 0.3 * uniform(),
  );
  const classifier = { weights: Float32Array.from(means, (value) => value + 0.1 * uniform()), bias: new Float32Array(classCount) };
  const common = { epoch, features, labels, featureDim: FEATURE_DIM, classifier, trainCounts: counts, metrics: BENCH_METRICS_CONFIG };
  const train = evaluateNeuralCollapse({ ...common, split: 'train' });
  const test = evaluateNeuralCollapse({ ...common, split: 'test', trainGeometry: train.geometry });
  const tracker = new CollapseTracker({ collapseCosine: 0.5, collapseRecall: 0.05 });
  return {
    type: 'metrics/didUpdate',
    seq,
    epoch,
    reports: [train.report, test.report],
    collapse: tracker.update(test.report),
    evaluationMs: 1,
  };
}

async function main(): Promise<void> {
  const url = process.env[ENV_SERVER_URL];
  const token = process.env[ENV_TOKEN];
  const runId = argument('run-id');
  if (url === undefined || token === undefined || runId === undefined)
    throw new Error(`${ENV_SERVER_URL}, ${ENV_TOKEN} and --run-id are required`);
  const classCount = Number(argument('classes') ?? 10);
  const messages = Number(argument('messages') ?? 20);
  const intervalMs = Number(argument('interval-ms') ?? 100);
  const busyMs = Number(argument('busy-ms') ?? 0);
  const template = metricsMessage(classCount, 1, 1);
  const reporter = new SocketReporter({
    url,
    token,
    runId,
    client: 'nc-monitor-bench',
    onStopRequested: () => undefined,
    onWarning: (line) => process.stderr.write(`${line}\n`),
  });
  await new Promise((resolve) => setTimeout(resolve, 300)); // connect and say hello before the first timed message
  const sentAt: Record<string, number> = {};
  for (let index = 0; index < messages; index++) {
    const seq = index + 1;
    const message: TrainerMessage = { ...template, seq, epoch: seq };
    sentAt[seq] = performance.timeOrigin + performance.now();
    reporter.send(message);
    const busyUntil = performance.now() + busyMs;
    while (performance.now() < busyUntil) {
      // a training step's worth of synchronous work
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const allAcknowledged = await reporter.flush(10_000);
  reporter.close();
  const result: SenderResult = { sentAt, messageBytes: Buffer.byteLength(JSON.stringify(template)), allAcknowledged };
  printResult(result);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

/**
 * The PyTorch examples (examples/pytorch/) as real processes: the two-process torchrun version (gloo, CPU) must report
 * the same metrics as the single-process script, and under torchrun only rank 0 talks to the extension's real
 * WebSocket server (src/extension/server/runServer.ts), while a Stop Run reaches every rank.
 *
 * What "the same" compares: both scripts evaluate the same fixed model state, `--epochs 0` (the seeded initialisation;
 * DDP broadcasts rank 0's parameters, which equal the single process's), on the same long-tailed subset and test
 * images. Training is left out of the equality on purpose: DDP averages per-rank gradients, which rounds differently
 * from one process's mean over the whole batch, and those last-bit differences grow over the steps. The metric
 * passes run at `--eval-batch-size 1`: float32 BLAS kernels differ with a batch's row count, so a sample's features
 * would differ in the last bits between a 256-row batch of one process and a shard's batch; one row at a time, every
 * sample's features are bit-identical in both runs, and what remains to compare is exactly the streaming: per-rank
 * sums all-reduced versus one process's sums (agreement to ~1e-14 in practice; the test asks 1e-6 relative).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { RunServer, newRunToken } from '../../../src/extension/server/runServer';
import { collapseFlagSchema, evaluationReportSchema } from '../../../src/protocol/metrics';
import type { EvaluationReport } from '../../../src/protocol/metrics';
import type { TrainerMessage } from '../../../src/protocol/messages';
import { findPython, pythonEnv, torchSkipReason } from '../../support/python';
import { REPO, temporaryFolder } from '../../support/trainerProcess';

const skip = torchSkipReason();
const EXAMPLES = join(REPO, 'examples', 'pytorch');
/** A small setting: n_max 200 at IF 100 (492 training images), 50 test images per class. */
const SMALL = ['--max-per-class', '200', '--factor', '100', '--seed', '3', '--limit-test', '50'];

let folder: string;
const server = new RunServer({ info: () => undefined, warn: () => undefined });

before(async () => {
  if (skip) return;
  folder = temporaryFolder('torchrun');
  await server.listen();
});
after(async () => {
  await server.dispose();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

interface Finished {
  code: number | null;
  output: string;
}

function runPython(args: string[], env: Record<string, string> = {}): Promise<Finished> {
  const child = spawn(findPython()!.command, args, { cwd: REPO, env: pythonEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * `python -m torch.distributed.run` with two CPU processes. `--redirects 1 --tee 1`: PyTorch 1.13's launcher cannot
 * parse its own default stream setting on Python 3.11 (the enum no longer lists the zero flag), so a valid one is
 * given; stdout is then teed to the console and to files under the log folder.
 */
async function torchrun(scriptArgs: string[], env: Record<string, string> = {}): Promise<Finished> {
  const port = await freePort();
  const launcher = ['-m', 'torch.distributed.run', '--nproc_per_node', '2', '--master_addr', '127.0.0.1', '--master_port', String(port)];
  const streams = ['--monitor_interval', '0.2', '--redirects', '1', '--tee', '1', '--log_dir', join(folder, `logs-${port}`)];
  return runPython([...launcher, ...streams, join(EXAMPLES, 'train_fashion_mnist_lt_ddp.py'), ...scriptArgs], env);
}

function readDump(path: string): { reports: EvaluationReport[] } {
  const dumped = JSON.parse(readFileSync(path, 'utf8')) as { reports: unknown[]; collapse: unknown };
  collapseFlagSchema.parse(dumped.collapse);
  return { reports: dumped.reports.map((report) => evaluationReportSchema.parse(report)) };
}

function assertSame(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const scale = Math.max(Math.abs(expected), Math.abs(actual));
    assert.ok(Math.abs(actual - expected) <= 1e-6 * scale, `${path}: torchrun ${actual} vs one process ${expected}`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${path}: arrays differ`);
    expected.forEach((item, i) => assertSame(actual[i], item, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: ${JSON.stringify(actual)}`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${path}: fields`);
    for (const [key, value] of Object.entries(expected)) assertSame((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
  } else {
    assert.deepEqual(actual, expected, path);
  }
}

test('two torchrun processes report the same metrics as one process', { skip, timeout: 120_000 }, async () => {
  const single = join(folder, 'single.json');
  const distributed = join(folder, 'distributed.json');
  const common = [...SMALL, '--epochs', '0', '--eval-batch-size', '1'];
  const [one, two] = await Promise.all([
    runPython([join(EXAMPLES, 'train_fashion_mnist_lt.py'), ...common, '--dump-metrics', single]),
    torchrun([...common, '--dump-metrics', distributed]),
  ]);
  assert.equal(one.code, 0, one.output);
  assert.equal(two.code, 0, two.output);
  const expected = readDump(single).reports;
  const actual = readDump(distributed).reports;
  assert.deepEqual(
    expected.map((report) => report.split),
    ['train', 'test'],
  );
  // Every sample counted once: the shards cover the data without the padding DistributedSampler would add.
  const [train, testReport] = expected as [EvaluationReport, EvaluationReport];
  assert.deepEqual(train.classCounts, train.trainCounts);
  assert.deepEqual(train.trainCounts, [200, 119, 71, 43, 25, 15, 9, 5, 3, 2]);
  assert.equal(testReport.sampleCount, 500);
  assert.equal(testReport.nearestCentreMeans, 'train');
  assert.ok(train.nc1 !== null && train.nc1 > 0);
  assertSame(actual, expected, 'reports');
});

test('under torchrun only rank 0 reports, training runs, and Stop Run stops every rank', { skip, timeout: 120_000 }, async () => {
  const runId = 'torchrun-ddp';
  const token = newRunToken();
  const messages: TrainerMessage[] = [];
  let connections = 0;
  let stopSent = false;
  server.register({
    runId,
    token,
    receive: (message) => {
      messages.push(message);
      if (message.type === 'metrics/didUpdate' && !stopSent) {
        stopSent = true;
        server.send(runId, { type: 'run/stop' });
      }
    },
    connectionChanged: (connected) => {
      if (connected) connections++;
    },
  });
  const epochs = 6;
  const result = await torchrun([...SMALL, '--epochs', String(epochs)], {
    NC_MONITOR_URL: server.url,
    NC_MONITOR_TOKEN: token,
    NC_MONITOR_RUN_ID: runId,
  });
  assert.equal(result.code, 0, result.output);

  assert.equal(connections, 1, 'one connection: rank 1 does not report');
  const count = (type: TrainerMessage['type']) => messages.filter((message) => message.type === type).length;
  assert.equal(count('hello'), 1);
  assert.equal(count('run/didStart'), 1);
  const start = messages.find((message) => message.type === 'run/didStart');
  assert.ok(start?.type === 'run/didStart');
  assert.deepEqual(start.dataset.trainCounts, [200, 119, 71, 43, 25, 15, 9, 5, 3, 2]);
  assert.match(start.backend.name, /ddp-gloo-x2/);

  const epochsEnded = messages.filter((message) => message.type === 'epoch/didEnd');
  assert.ok(epochsEnded.length >= 1 && epochsEnded.length < epochs, `stopped early, after ${epochsEnded.length} epochs`);
  for (const [i, message] of epochsEnded.entries()) {
    assert.ok(message.type === 'epoch/didEnd' && message.epoch === i + 1 && Number.isFinite(message.loss) && message.loss > 0);
  }
  const updates = messages.filter((message) => message.type === 'metrics/didUpdate');
  assert.equal(updates.length, epochsEnded.length, 'one metrics update per epoch, from one process');
  for (const update of updates) {
    assert.ok(update.type === 'metrics/didUpdate');
    assert.deepEqual(
      update.reports.map((report) => [report.split, report.sampleCount]),
      [
        ['train', 492],
        ['test', 500],
      ],
    );
  }
  const end = messages.at(-1);
  assert.ok(end?.type === 'run/didEnd', `last message: ${JSON.stringify(end)}`);
  assert.equal(end.reason, 'stopped');
  assert.equal(end.epoch, epochsEnded.length);
});

/**
 * The PyTorch engine (`python -m ncmonitor.train`, python/ncmonitor/train) as a real process against the extension's
 * real WebSocket server: the same messages, accepted by the server's validation, the same run folder (read back by
 * the extension's reader), run/stop, --resume after a stop, and refusals of bad configs. And the data it trains on:
 * for a seed, the same synthetic images, long-tailed subsets, batch order (class-balanced too), ETF and cRT classifier
 * re-initialisation as the TypeScript trainer, computed here in-process.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunServer } from '../../../src/extension/server/runServer';
import { readRunFolder } from '../../../src/extension/runs/runFolderReader';
import type { TrainerMessage } from '../../../src/protocol/messages';
import { PROTOCOL_VERSION } from '../../../src/protocol/messages';
import { PYTORCH_ENGINE_METHODS } from '../../../src/protocol/engines';
import { SeededRandom } from '../../../src/trainer/random';
import { generateSyntheticDataset, loadDatasetSplits, DEBIAN_FASHION_MNIST_DIRECTORY } from '../../../src/trainer/data';
import type { DatasetConfig, ImbalanceConfig } from '../../../src/trainer/data';
import { simplexEtf } from '../../../src/trainer/methods/etf';
import { classBalancedOrder } from '../../../src/trainer/methods/sampling';
import { glorotUniform } from '../../../src/trainer/models/seededInit';
import { findPython, pythonEnv, torchSkipReason } from '../../support/python';
import { temporaryFolder, tinyConfig, writeConfig } from '../../support/trainerProcess';
import { registerRunSession } from '../../support/runSession';
import type { RunSession } from '../../support/runSession';

const skip = torchSkipReason();
const warnings: string[] = [];
const server = new RunServer({ info: () => undefined, warn: (message) => warnings.push(message) });

before(async () => {
  if (skip === false) await server.listen();
});
after(() => server.dispose());

interface EngineResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function startEngine(args: string[], env: Record<string, string> = {}) {
  const python = findPython();
  if (python === null) throw new Error('no Python');
  const child = spawn(python.command, ['-m', 'ncmonitor.train', ...args], { env: pythonEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<EngineResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

function registerRun(runId: string): RunSession {
  return registerRunSession(server, runId, 120_000);
}

function engineEnv(session: RunSession): Record<string, string> {
  return { NC_MONITOR_URL: server.url, NC_MONITOR_TOKEN: session.token, NC_MONITOR_RUN_ID: session.runId };
}

function readEventsFile(folder: string): TrainerMessage[] {
  return readFileSync(join(folder, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TrainerMessage);
}

test(
  'a tiny run reports start, epochs, metrics and end to the server in order, and writes a run folder the extension reads back',
  { skip },
  async () => {
    const folder = temporaryFolder('py-engine');
    const session = registerRun('py-tiny-complete');
    const before = warnings.length;
    const config = writeConfig(folder, tinyConfig({ engine: 'pytorch', epochs: 3, evaluation: { everyEpochs: 2 } }));
    const { done } = startEngine(
      ['--config', config, '--out', join(folder, 'runs'), '--run-id', session.runId, '--quiet'],
      engineEnv(session),
    );
    const result = await done;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(warnings.slice(before), [], 'the server accepted every message');
    assert.equal(result.stdout, '', '--quiet prints nothing');

    const types = session.messages.map((message) => message.type).filter((type) => type !== 'log');
    assert.deepEqual(types, [
      'hello',
      'run/didStart',
      'epoch/didEnd',
      'epoch/didEnd',
      'metrics/didUpdate',
      'epoch/didEnd',
      'metrics/didUpdate',
      'run/didEnd',
    ]);
    const hello = session.messages[0];
    assert.ok(hello?.type === 'hello' && hello.protocolVersion === PROTOCOL_VERSION && hello.runId === session.runId);
    const sequence = session.messages.slice(1).map((message) => message.seq);
    assert.deepEqual(
      sequence,
      sequence.map((_, index) => index + 1),
      'seq counts 1, 2, 3, … without gaps',
    );
    assert.ok(
      session.messages.some((message) => message.type === 'log' && /backend: pytorch-cpu/.test(message.message)),
      'the device is logged',
    );

    const start = session.messages.find((message) => message.type === 'run/didStart');
    assert.ok(start?.type === 'run/didStart');
    assert.equal(start.backend.name, 'pytorch-cpu');
    assert.deepEqual(start.dataset.trainCounts, [40, 18, 8, 4], 'floor(40 · 10^(−i/3))');
    assert.equal(start.dataset.testCount, 40);
    assert.equal(start.totalEpochs, 3);
    assert.equal((start.config as { engine?: string }).engine, 'pytorch');
    const epochs = session.messages.filter((message) => message.type === 'epoch/didEnd');
    assert.deepEqual(
      epochs.map((message) => message.epoch),
      [1, 2, 3],
    );
    for (const epoch of epochs)
      assert.ok(epoch.imagesPerSecond > 0 && epoch.loss > 0 && epoch.trainAccuracy >= 0 && epoch.trainAccuracy <= 1);
    const metrics = session.messages.filter((message) => message.type === 'metrics/didUpdate');
    assert.deepEqual(
      metrics.map((message) => message.epoch),
      [2, 3],
      'every 2 epochs and after the last',
    );
    for (const update of metrics) {
      assert.deepEqual(
        update.reports.map((report) => report.split),
        ['train', 'test'],
      );
      const [train, testReport] = update.reports;
      assert.equal(train?.sampleCount, 70);
      assert.ok(testReport !== undefined && testReport.sampleCount === 40 && testReport.recallPerClass.length === 4);
      assert.deepEqual(testReport.trainCounts, [40, 18, 8, 4]);
      assert.equal(testReport.nearestCentreMeans, 'train', 'NC4 on test uses the training class means');
    }
    const end = session.messages.at(-1);
    assert.ok(end?.type === 'run/didEnd' && end.reason === 'completed' && end.epoch === 3);

    const runFolder = join(folder, 'runs', session.runId);
    const onDisk = await readRunFolder(runFolder);
    assert.ok(onDisk !== undefined, 'the extension reads the run folder');
    assert.equal(onDisk.skippedLines, 0);
    assert.deepEqual(
      onDisk.messages.map((message) => message.seq),
      session.messages.slice(1).map((message) => message.seq),
      'events.jsonl holds every message the server received',
    );
    assert.ok('config' in onDisk.stored && onDisk.stored.runId === session.runId && onDisk.stored.sourceFile === config);
    assert.equal(onDisk.stored.config.optimizer.weightDecay, 0.0005, 'config.json has the defaults filled in');
    assert.equal(onDisk.pid, undefined, 'trainer.pid is removed at the end');
    const summary = JSON.parse(readFileSync(join(runFolder, 'summary.json'), 'utf8')) as Record<string, unknown>;
    const lastMetrics = metrics.at(-1);
    assert.deepEqual(
      {
        reason: summary.reason,
        epoch: summary.epoch,
        totalEpochs: summary.totalEpochs,
        backend: summary.backend,
        dataset: summary.dataset,
      },
      { reason: 'completed', epoch: 3, totalEpochs: 3, backend: 'pytorch-cpu', dataset: start.dataset.source },
    );
    assert.deepEqual(summary.collapse, lastMetrics?.collapse, 'the summary holds the last collapse flag');
    assert.equal(summary.runId, session.runId);
  },
);

test('run/stop from the extension ends the run after the current step with reason "stopped" and exit code 0', { skip }, async () => {
  const folder = temporaryFolder('py-engine-stop');
  const session = registerRun('py-tiny-stop');
  const config = writeConfig(folder, tinyConfig({ epochs: 400 }));
  const { done } = startEngine(['--config', config, '--out', join(folder, 'runs'), '--run-id', session.runId], engineEnv(session));
  await session.waitFor((message) => message.type === 'epoch/didEnd');
  assert.ok(server.send(session.runId, { type: 'run/stop' }));
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  const end = session.messages.at(-1);
  assert.ok(end?.type === 'run/didEnd' && end.reason === 'stopped', JSON.stringify(end));
  assert.ok(end.epoch >= 1 && end.epoch < 400);
  assert.match(result.stdout, /run stopped at epoch/);
  const events = readEventsFile(join(folder, 'runs', session.runId));
  assert.equal(events.at(-1)?.type, 'run/didEnd');
  const summary = JSON.parse(readFileSync(join(folder, 'runs', session.runId, 'summary.json'), 'utf8')) as {
    reason: string;
    epoch: number;
  };
  assert.deepEqual([summary.reason, summary.epoch], ['stopped', end.epoch]);
});

test(
  'a run stopped by run/stop resumes with --resume: startEpoch, seq continued, and the final metrics of an uninterrupted run',
  { skip },
  async () => {
    const folder = temporaryFolder('py-engine-resume');
    const runs = join(folder, 'runs');
    const session = registerRun('py-tiny-resume');
    const before = warnings.length;
    const epochs = 60;
    const config = writeConfig(
      folder,
      tinyConfig({ engine: 'pytorch', epochs, evaluation: { everyEpochs: 1 }, optimizer: { name: 'sgd', learningRate: 0.05 } }),
    );
    const first = startEngine(['--config', config, '--out', runs, '--run-id', session.runId, '--quiet'], engineEnv(session));
    await session.waitFor((message) => message.type === 'epoch/didEnd');
    assert.ok(server.send(session.runId, { type: 'run/stop' }));
    const stoppedResult = await first.done;
    assert.equal(stoppedResult.code, 0, stoppedResult.stderr);
    const stoppedEnd = session.messages.at(-1);
    assert.ok(stoppedEnd?.type === 'run/didEnd' && stoppedEnd.reason === 'stopped', JSON.stringify(stoppedEnd));
    const stoppedAt = stoppedEnd.epoch;
    assert.ok(stoppedAt >= 1 && stoppedAt < epochs, `stopped at epoch ${stoppedAt}`);
    const runFolder = join(runs, session.runId);
    assert.ok(
      session.messages.some(
        (message) =>
          message.type === 'log' && message.message.includes(`checkpoint of epoch ${stoppedAt} kept; continue with --resume ${runFolder}`),
      ),
      'the stop names the checkpoint and the command that resumes',
    );
    const lastSeqBefore = stoppedEnd.seq;

    const resumed = await startEngine(['--resume', runFolder, '--quiet'], engineEnv(session)).done;
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(warnings.slice(before), [], 'the server accepted every message, before and after the resume');
    const start = session.messages.filter((message) => message.type === 'run/didStart').at(-1);
    assert.ok(start?.type === 'run/didStart' && start.startEpoch === stoppedAt && start.totalEpochs === epochs);
    const firstResumed = session.messages.find((message) => message.type !== 'hello' && message.seq > lastSeqBefore);
    assert.equal(firstResumed?.seq, lastSeqBefore + 1, 'the resumed run numbers after the highest seq in events.jsonl');
    const sequence = session.messages.filter((message) => message.type !== 'hello').map((message) => message.seq);
    assert.deepEqual(
      sequence,
      sequence.map((_, index) => index + 1),
      'one gap-free seq over both processes',
    );
    const resumedEpochs = session.messages.filter((message) => message.type === 'epoch/didEnd' && message.seq > lastSeqBefore);
    assert.equal(resumedEpochs[0]?.type === 'epoch/didEnd' ? resumedEpochs[0].epoch : undefined, stoppedAt + 1);
    const end = session.messages.at(-1);
    assert.ok(end?.type === 'run/didEnd' && end.reason === 'completed' && end.epoch === epochs);

    const onDisk = await readRunFolder(runFolder);
    assert.ok(onDisk !== undefined && onDisk.skippedLines === 0);
    assert.deepEqual(
      onDisk.messages.map((message) => message.seq),
      sequence,
      "events.jsonl holds both processes' messages, appended",
    );

    const uninterrupted = await startEngine(['--config', config, '--out', runs, '--run-id', 'uninterrupted', '--quiet']).done;
    assert.equal(uninterrupted.code, 0, uninterrupted.stderr);
    const expected = readEventsFile(join(runs, 'uninterrupted'))
      .filter((message) => message.type === 'metrics/didUpdate')
      .at(-1);
    const actual = onDisk.messages.filter((message) => message.type === 'metrics/didUpdate').at(-1);
    assert.ok(expected?.type === 'metrics/didUpdate' && actual?.type === 'metrics/didUpdate' && actual.epoch === epochs);
    assertClose(actual.reports, expected.reports, 'reports');
    assertClose(actual.collapse, expected.collapse, 'collapse');
  },
);

/** Equal structure, numbers equal to 1e-6 relative (CPU training is deterministic: they are equal in practice). */
function assertClose(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${path}: ${actual} != ${expected}`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${path}: length`);
    expected.forEach((value, index) => assertClose((actual as unknown[])[index], value, `${path}[${index}]`));
  } else if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', path);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), path);
    for (const [key, value] of Object.entries(expected)) assertClose((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
  } else assert.equal(actual, expected, path);
}

test('an invalid config exits 2 before training, naming the file and the field', { skip }, async () => {
  const folder = temporaryFolder('py-engine-invalid');
  const config = writeConfig(
    folder,
    '{\n  // comments are fine\n  "epochs": 0,\n  "optimizer": { "name": "rmsprop" },\n}',
    'bad.ltrun.json',
  );
  const result = await startEngine(['--config', config, '--out', join(folder, 'runs')]).done;
  assert.equal(result.code, 2);
  assert.match(result.stderr, new RegExp(`${escapeRegExp(config)}: epochs: `));
  assert.match(result.stderr, new RegExp(`${escapeRegExp(config)}: optimizer\\.name: `));
  assert.ok(!existsSync(join(folder, 'runs')), 'no run folder is created for an invalid config');
});

test('a method the pytorch engine does not implement exits 2 naming it; the engines agree on the list', { skip }, async () => {
  const folder = temporaryFolder('py-engine-method');
  const config = writeConfig(folder, tinyConfig({ engine: 'pytorch', method: { name: 'spa-slerp' } }));
  const result = await startEngine(['--config', config, '--out', join(folder, 'runs')]).done;
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    new RegExp(`${escapeRegExp(config)}: method\\.name: method "spa-slerp" is not implemented in the pytorch engine`),
  );
  assert.match(result.stderr, /"engine": "tfjs"/);
  const listed = runPython(
    'from ncmonitor.train.methods import PYTORCH_ENGINE_METHODS\nimport json\nprint(json.dumps(list(PYTORCH_ENGINE_METHODS)))',
  );
  assert.deepEqual(JSON.parse(listed) as string[], [...PYTORCH_ENGINE_METHODS]);
});

function runPython(code: string, ...args: string[]): string {
  const python = findPython();
  if (python === null) throw new Error('no Python');
  const result = spawnSync(python.command, ['-c', code, ...args], {
    env: pythonEnv(),
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

function sha256(bytes: ArrayBufferView): string {
  return createHash('sha256')
    .update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    .digest('hex');
}

const PARITY_SCRIPT = `
import hashlib, json, os, sys
import numpy as np
from ncmonitor.train.seeded_random import SeededRandom
from ncmonitor.train.data import generate_synthetic_dataset, load_dataset_splits
from ncmonitor.train.methods import simplex_etf
from ncmonitor.train.methods.crt import reinitialise_classifier
from ncmonitor.train.methods.sampling import class_balanced_order
from ncmonitor.train.models import build_model
cases = json.loads(sys.argv[1])
out = {}
def digest(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()
for name, case in cases["synthetic"].items():
    train, test = generate_synthetic_dataset(case["classes"], case["imageSize"], case["trainPerClass"], case["testPerClass"], 0)
    out[name] = {"train": digest(train.images), "test": digest(test.images), "labels": train.labels.tolist()[:12]}
for name, case in cases["splits"].items():
    splits = load_dataset_splits(case["dataset"], case["imbalance"], case["seed"], config_dir="/")
    out[name] = {"counts": splits.train_counts, "train": digest(splits.train.images), "labels": digest(splits.train.labels.astype(np.int32)), "source": splits.source}
out["order"] = SeededRandom.derive(3, "epoch", 2).permutation(1000).tolist()
random = SeededRandom(17)
out["normals"] = [random.normal(0.5, 2) for _ in range(5)]
out["etf"] = simplex_etf(10, 16, 4).ravel().tolist()
out["classBalanced"] = class_balanced_order(cases["labels"], 5, 300, SeededRandom.derive(3, "epoch", 7)).tolist()
model = build_model({"architecture": "mlp", "featureDim": 10, "hiddenUnits": [8]}, (1, 2, 2), 4, 0)
reinitialise_classifier(model, 5)
out["crtClassifier"] = model.classifier.weight.detach().numpy().ravel().tolist()
print(json.dumps(out))
`;

test(
  'for a seed, the engine trains on the same data as the TypeScript trainer: synthetic images, long-tailed subsets, batch order, ETF, cRT stage',
  { skip },
  async (context) => {
    const synthetic = {
      tiny: { classes: 4, imageSize: 8, trainPerClass: 40, testPerClass: 10 },
      odd: { classes: 3, imageSize: 9, trainPerClass: 7, testPerClass: 3 },
      standard: { classes: 10, imageSize: 28, trainPerClass: 600, testPerClass: 100 },
    };
    const splits: Record<string, { dataset: DatasetConfig; imbalance: ImbalanceConfig; seed: number }> = {
      longTail: {
        dataset: datasetConfig({ name: 'synthetic', classes: 6, trainPerClass: 120 }),
        imbalance: { profile: 'exponential', factor: 20 },
        seed: 5,
      },
      step: {
        dataset: datasetConfig({ name: 'synthetic', classes: 5, trainPerClass: 50 }),
        imbalance: { profile: 'step', factor: 10, maxPerClass: 40 },
        seed: 0,
      },
    };
    const haveFashionMnist = existsSync(join(DEBIAN_FASHION_MNIST_DIRECTORY, 'train-images-idx3-ubyte.gz'));
    if (haveFashionMnist)
      splits.fashionMnist = {
        dataset: datasetConfig({ name: 'fashion-mnist' }),
        imbalance: { profile: 'exponential', factor: 100, maxPerClass: 600 },
        seed: 0,
      };
    // Class 3 has no sample: class-balanced sampling skips it.
    const labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 4, 0, 1, 4];
    const python = JSON.parse(runPython(PARITY_SCRIPT, JSON.stringify({ synthetic, splits, labels }))) as Record<string, unknown>;

    for (const [name, options] of Object.entries(synthetic)) {
      const { train, test: testSplit } = generateSyntheticDataset({ ...options, seed: 0 });
      assert.deepEqual(
        python[name],
        { train: sha256(train.images), test: sha256(testSplit.images), labels: Array.from(train.labels.subarray(0, 12)) },
        `synthetic ${name}: identical images`,
      );
    }
    for (const [name, { dataset, imbalance, seed }] of Object.entries(splits)) {
      const loaded = await loadDatasetSplits(dataset, imbalance, seed, {
        configDir: '/',
        cacheDir: temporaryFolder('cache'),
      });
      assert.deepEqual(
        python[name],
        { counts: loaded.trainCounts, train: sha256(loaded.train.images), labels: sha256(loaded.train.labels), source: loaded.source },
        `${name}: the same kept subset`,
      );
    }
    if (!haveFashionMnist)
      context.diagnostic(`no Fashion-MNIST in ${DEBIAN_FASHION_MNIST_DIRECTORY}: its long-tailed subset was not compared`);

    assert.deepEqual(python.order, Array.from(SeededRandom.derive(3, 'epoch', 2).permutation(1000)), 'the same batch order');
    const random = new SeededRandom(17);
    assert.deepEqual(
      python.normals,
      Array.from({ length: 5 }, () => random.normal(0.5, 2)),
    );
    const etf = simplexEtf(10, 16, 4);
    const pythonEtf = python.etf as number[];
    assert.equal(pythonEtf.length, etf.length);
    assert.ok(
      pythonEtf.every((value, index) => Math.abs(value - (etf[index] ?? Number.NaN)) < 1e-6),
      'the same fixed simplex ETF (float32 in TS)',
    );
    assert.deepEqual(
      python.classBalanced,
      Array.from(classBalancedOrder(labels, 5, 300, SeededRandom.derive(3, 'epoch', 7))),
      'the same class-balanced batches in the cRT stage',
    );
    assert.deepEqual(
      python.crtClassifier,
      Array.from(glorotUniform(5, 'crt/classifier/weights', 4 * 10, 10, 4)),
      'the same re-initialised classifier at the start of the cRT stage',
    );
  },
);

/** A run config's dataset section with the schema's defaults (the tiny synthetic sizes unless overridden). */
function datasetConfig(overrides: Partial<DatasetConfig>): DatasetConfig {
  return { name: 'synthetic', download: false, classes: 4, imageSize: 8, trainPerClass: 40, testPerClass: 10, ...overrides };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

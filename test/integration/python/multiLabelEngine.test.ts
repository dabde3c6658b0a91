/**
 * Multi-label mode in both engines: the fixture config tiny-multi-label.ltrun.json runs through the TypeScript trainer
 * (`node dist/trainer.js run`) and the PyTorch engine (`python -m ncmonitor.train`) as real processes. Both generate
 * the same label matrices (the predictions/<split>-labels.npy each saves), the same training label counts and the
 * same images (hashed here from an in-process TS generation against the Python port); every Python report validates
 * with the zod schema and carries the multi-label part. And the Python multi-label report, fed the TS run's saved
 * logits and labels, gives the numbers of the TS run's last report.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainerMessageSchema } from '../../../src/protocol/messages';
import type { TrainerMessage } from '../../../src/protocol/messages';
import { evaluationReportSchema } from '../../../src/protocol/metrics';
import type { EvaluationReport } from '../../../src/protocol/metrics';
import type { MultiLabelReport } from '../../../src/protocol/multiLabel';
import { generateSyntheticDataset } from '../../../src/trainer/data';
import { generateMultiLabelDataset } from '../../../src/trainer/methods/multiLabel';
import { readNpy } from '../../../src/trainer/io/npy';
import { findPython, pythonEnv, torchSkipReason } from '../../support/python';
import { ensureTrainerBuilt, startTrainer, temporaryFolder, writeConfig } from '../../support/trainerProcess';

const skip = torchSkipReason();
const FIXTURE = new URL('../../fixtures/workspace/tiny-multi-label.ltrun.json', import.meta.url);

before(() => {
  if (skip === false) ensureTrainerBuilt();
});

function runPython(args: string[], input?: string): string {
  const python = findPython();
  if (python === null) throw new Error('no Python');
  const result = spawnSync(python.command, args, { env: pythonEnv(), encoding: 'utf8', input, timeout: 120_000 });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

/** The messages a run wrote to its run folder's events.jsonl, each validated by the protocol's zod schema. */
function events(runFolder: string): TrainerMessage[] {
  return readFileSync(join(runFolder, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const parsed = trainerMessageSchema.safeParse(JSON.parse(line));
      assert.ok(parsed.success, `${runFolder}: invalid message ${line.slice(0, 200)}: ${parsed.success ? '' : parsed.error.message}`);
      return parsed.data;
    });
}

function reportsOf(messages: TrainerMessage[]): EvaluationReport[] {
  return messages.flatMap((message) => (message.type === 'metrics/didUpdate' ? message.reports : []));
}

function sha256(bytes: ArrayBufferView): string {
  return createHash('sha256')
    .update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    .digest('hex');
}

function assertClose(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', `${where}: ${String(actual)} is not a number`);
    assert.ok(Math.abs((actual as number) - expected) <= 1e-6, `${where}: ${String(actual)} vs ${expected}`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${where}: lengths differ`);
    expected.forEach((value, i) => assertClose((actual as unknown[])[i], value, `${where}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    for (const [key, value] of Object.entries(expected)) assertClose((actual as Record<string, unknown>)[key], value, `${where}.${key}`);
  } else {
    assert.equal(actual, expected, where);
  }
}

let tsRun = '';
let pyRun = '';

test('the fixture config runs in both engines on the same labels, and every Python report validates', { skip }, async () => {
  const folder = temporaryFolder('multi-label-engines');
  const text = readFileSync(FIXTURE, 'utf8');
  const tsConfig = writeConfig(folder, text, 'ts.ltrun.json');
  const pyConfig = writeConfig(folder, text.replace(/"seed": 1\b/, '"seed": 1, "engine": "pytorch"'), 'py.ltrun.json');
  assert.match(readFileSync(pyConfig, 'utf8'), /"engine": "pytorch"/);
  const ts = await startTrainer(['run', '--config', tsConfig, '--out', join(folder, 'runs'), '--run-id', 'ts', '--quiet']).done;
  assert.equal(ts.code, 0, ts.stderr);
  runPython(['-m', 'ncmonitor.train', '--config', pyConfig, '--out', join(folder, 'runs'), '--run-id', 'py', '--quiet']);
  tsRun = join(folder, 'runs', 'ts');
  pyRun = join(folder, 'runs', 'py');

  for (const split of ['train', 'test']) {
    const [fromTs, fromPy] = await Promise.all([tsRun, pyRun].map((run) => readNpy(join(run, 'predictions', `${split}-labels.npy`))));
    assert.deepEqual(fromPy!.shape, fromTs!.shape, `${split} label matrix shape`);
    assert.equal(fromPy!.dtype, 'uint8');
    assert.deepEqual(Array.from(fromPy!.data as Uint8Array), Array.from(fromTs!.data as Uint8Array), `${split} label matrix`);
    assert.equal((await readNpy(join(pyRun, 'predictions', `${split}-logits.npy`))).dtype, 'float32');
  }

  const tsMessages = events(tsRun);
  const pyMessages = events(pyRun);
  const startOf = (messages: TrainerMessage[]) => messages.find((message) => message.type === 'run/didStart');
  const tsStart = startOf(tsMessages);
  const pyStart = startOf(pyMessages);
  assert.ok(tsStart?.type === 'run/didStart' && pyStart?.type === 'run/didStart');
  assert.deepEqual(pyStart.dataset, tsStart.dataset, 'same source, label names, label counts and test count');
  assert.ok(pyStart.diagnostics.some((line) => line.startsWith('multi-label run: 4 labels')));

  const reports = reportsOf(pyMessages);
  // Train accuracy is the exact-match rate: a multiple of 1/N for the N training images.
  const trainCount = reports.find((report) => report.split === 'train')?.multiLabel?.sampleCount ?? 0;
  assert.equal(trainCount, 70);
  const epochs = pyMessages.flatMap((message) => (message.type === 'epoch/didEnd' ? [message] : []));
  assert.equal(epochs.length, 3);
  for (const epoch of epochs) assert.ok(Math.abs(epoch.trainAccuracy * trainCount - Math.round(epoch.trainAccuracy * trainCount)) < 1e-9);

  assert.equal(reports.length, 6, 'train and test at each of 3 epochs');
  for (const report of reports) {
    const parsed = evaluationReportSchema.safeParse(report);
    assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
    const part = report.multiLabel;
    assert.ok(part, `${report.split} report of epoch ${report.epoch} has the multi-label part`);
    assert.equal(part.sampleCount, part.unlabelledCount + part.singleLabelCount + part.multiLabelCount);
    // NC metrics on the single-label samples: their recall counts are those samples' labels.
    assert.ok(
      report.diagnostics.some((line) => line.includes(`on the ${part.singleLabelCount} single-label samples of ${part.sampleCount}`)),
    );
    if (report.split === 'train') assert.deepEqual(part.labelCounts, tsStart.dataset.trainCounts);
  }
  const tsLast = reportsOf(tsMessages).slice(-2);
  const pyLast = reports.slice(-2);
  for (const [i, report] of pyLast.entries()) {
    // Y is the same: so are its statistics and the sample counts.
    const expected = tsLast[i]!.multiLabel!;
    assertClose(report.multiLabel!.labelStatistics, expected.labelStatistics, `${report.split} labelStatistics`);
    assert.deepEqual(
      [report.multiLabel!.singleLabelCount, report.multiLabel!.multiLabelCount, report.multiLabel!.labelCounts],
      [expected.singleLabelCount, expected.multiLabelCount, expected.labelCounts],
    );
  }
});

test('the generated multi-label images are identical in both engines', { skip }, () => {
  const { train, test: testSplit } = generateSyntheticDataset({ classes: 4, imageSize: 8, trainPerClass: 40, testPerClass: 10, seed: 0 });
  const common = { pairProbability: 0.4, correlation: 0.8, seed: 1 };
  const tsTrain = generateMultiLabelDataset(train, { ...common, samples: 70, primaryWeights: [40, 18, 8, 4], stream: 'train' });
  const tsTest = generateMultiLabelDataset(testSplit, { ...common, samples: 40, imbalanceFactor: 10, stream: 'test' });
  const script = `
import hashlib, json
from ncmonitor.train.data import generate_synthetic_dataset
from ncmonitor.train.multilabel import generate_multi_label_dataset
train, test = generate_synthetic_dataset(4, 8, 40, 10, 0)
common = dict(pair_probability=0.4, correlation=0.8, seed=1)
a = generate_multi_label_dataset(train, samples=70, primary_weights=[40, 18, 8, 4], stream="train", **common)
b = generate_multi_label_dataset(test, samples=40, imbalance_factor=10, stream="test", **common)
print(json.dumps([[hashlib.sha256(d.images.images.tobytes()).hexdigest(), d.images.labels.tolist(), d.labels.values.reshape(-1).tolist()] for d in (a, b)]))
`;
  const python = JSON.parse(runPython(['-c', script])) as [string, number[], number[]][];
  for (const [i, generated] of [tsTrain, tsTest].entries()) {
    assert.deepEqual(
      python[i],
      [sha256(generated.images.images), Array.from(generated.images.labels), Array.from(generated.labels.values)],
      `${i === 0 ? 'train' : 'test'}: same images, primary labels and label matrix`,
    );
  }
});

const REPORT_SCRIPT = `
import json, sys
import numpy as np
from ncmonitor.metrics import multi_label_report
args = json.load(sys.stdin)
train = np.load(args["trainLabels"])
out = {}
for split, (logits, labels) in args["splits"].items():
    z = np.load(logits)
    y = np.load(labels)
    part = multi_label_report(z, np.zeros((y.shape[0], 1)), y, train.mean(axis=0), 10)
    out[split] = part
print(json.dumps(out))
`;

test("the Python multi-label report of the TS run's saved logits and labels gives the TS report's numbers", { skip }, () => {
  assert.ok(tsRun !== '', 'the first test ran the TS trainer');
  const predictions = join(tsRun, 'predictions');
  const input = {
    trainLabels: join(predictions, 'train-labels.npy'),
    splits: Object.fromEntries(
      ['train', 'test'].map((split) => [split, [join(predictions, `${split}-logits.npy`), join(predictions, `${split}-labels.npy`)]]),
    ),
  };
  const python = JSON.parse(runPython(['-c', REPORT_SCRIPT], JSON.stringify(input))) as Record<string, MultiLabelReport>;
  // The saved logits are those of the last evaluation.
  const last = reportsOf(events(tsRun)).slice(-2);
  assert.equal(last.length, 2);
  for (const report of last) {
    const expected = report.multiLabel!;
    const actual = python[report.split]!;
    // Everything but the prototype check, which needs the features (not saved).
    const { prototypes: _prototypes, ...logitsAndLabels } = expected;
    assertClose(actual, logitsAndLabels, `${report.split}`);
    assert.ok(actual.exactMatch !== null && expected.exactMatch !== null);
  }
});

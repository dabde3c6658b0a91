/**
 * A multi-label run through the real trainer CLI as a process, reporting to the extension's real WebSocket server
 * (src/extension/server/runServer.ts): labels from files this test writes, 2 epochs. The reports validate, carry the
 * multi-label part on both splits, and their per-label recall/precision and κ_m match what this test recomputes from
 * its own label files and the logits the trainer saved. The generated-label fixture config runs to the end. A
 * single-label method in multi-label mode is refused before training with file:line:column.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { RunServer, newRunToken } from '../../src/extension/server/runServer';
import { trainerMessageSchema } from '../../src/protocol/messages';
import type { TrainerMessage } from '../../src/protocol/messages';
import { evaluationReportSchema } from '../../src/protocol/metrics';
import { readNpy } from '../../src/trainer/io/npy';
import { ensureTrainerBuilt, startTrainer, temporaryFolder, tinyConfig, writeConfig } from '../support/trainerProcess';

const server = new RunServer({ info: () => undefined, warn: () => undefined });

before(async () => {
  ensureTrainerBuilt();
  await server.listen();
});
after(() => server.dispose());

/** Registers a run with the server and collects what it receives (already validated by the server). */
function registerRun(runId: string): { env: Record<string, string>; messages: TrainerMessage[] } {
  const token = newRunToken();
  const messages: TrainerMessage[] = [];
  server.register({ runId, token, receive: (message) => messages.push(message), connectionChanged: () => undefined });
  return { env: { NC_MONITOR_URL: server.url, NC_MONITOR_TOKEN: token }, messages };
}

const LABELS = ['round', 'striped', 'bright', 'dark'];
const CLASSES = 4;

/**
 * Label sets for the synthetic dataset's images, which are interleaved by class (0, 1, 2, 3, 0, …): each image gets
 * its class, every third image also the next class.
 */
function labelSets(count: number): number[][] {
  return Array.from({ length: count }, (_, i) => (i % 3 === 0 ? [i % CLASSES, (i + 1) % CLASSES] : [i % CLASSES]));
}

function labelCsv(sets: number[][]): string {
  return [
    `sample,${LABELS.join(',')}`,
    ...sets.map((set, i) => `img${i},${LABELS.map((_, c) => (set.includes(c) ? 1 : 0)).join(',')}`),
  ].join('\n');
}

/** Smallest eigenvalue above 1e-9 · λ_max of Σ_Y = YᵀY/N − ppᵀ, computed here from the label sets. */
function kappaOf(sets: number[][]): number {
  const N = sets.length;
  const p = Array.from({ length: CLASSES }, (_, c) => sets.filter((set) => set.includes(c)).length / N);
  const sigma = Array.from({ length: CLASSES }, (_, a) =>
    Array.from(
      { length: CLASSES },
      (__, b) => sets.filter((set) => set.includes(a) && set.includes(b)).length / N - (p[a] ?? 0) * (p[b] ?? 0),
    ),
  );
  const eigenvalues = new EigenvalueDecomposition(new Matrix(sigma), { assumeSymmetric: true }).realEigenvalues;
  const largest = Math.max(...eigenvalues.map(Math.abs));
  return Math.min(...eigenvalues.filter((value) => value > 1e-9 * largest));
}

test('a multi-label run from label files: valid reports whose per-label scores match a recomputation', async () => {
  const folder = temporaryFolder('multi-label');
  // Synthetic: 30 training and 10 test images per class; the imbalance profile is not applied to label files.
  const train = labelSets(CLASSES * 30);
  const testSets = labelSets(CLASSES * 10);
  writeFileSync(join(folder, 'train-labels.csv'), labelCsv(train));
  writeFileSync(join(folder, 'test-labels.json'), JSON.stringify({ classNames: LABELS, labels: testSets }));
  const config = tinyConfig({
    name: 'multi-label-files',
    dataset: { name: 'synthetic', classes: CLASSES, imageSize: 8, trainPerClass: 30, testPerClass: 10 },
    labels: { mode: 'multi-label', source: 'file', path: 'train-labels.csv', testPath: 'test-labels.json' },
  });
  const session = registerRun('multi-label-files');
  const { done } = startTrainer(
    ['run', '--config', writeConfig(folder, config), '--out', join(folder, 'runs'), '--run-id', 'multi-label-files', '--quiet'],
    session.env,
  );
  const result = await done;
  assert.equal(result.code, 0, result.stderr);

  const runFolder = join(folder, 'runs', 'multi-label-files');
  const events = readFileSync(join(runFolder, 'events.jsonl'), 'utf8').trim().split('\n');
  for (const line of events) trainerMessageSchema.parse(JSON.parse(line));
  const types = session.messages.map((message) => message.type).filter((type) => type !== 'log');
  assert.deepEqual(types, [
    'hello',
    'run/didStart',
    'epoch/didEnd',
    'metrics/didUpdate',
    'epoch/didEnd',
    'metrics/didUpdate',
    'run/didEnd',
  ]);

  const start = session.messages.find((message) => message.type === 'run/didStart');
  assert.ok(start?.type === 'run/didStart');
  assert.deepEqual(start.dataset.classNames, LABELS);
  assert.deepEqual(
    start.dataset.trainCounts,
    LABELS.map((_, c) => train.filter((set) => set.includes(c)).length),
  );

  const updates = session.messages.flatMap((message) => (message.type === 'metrics/didUpdate' ? [message] : []));
  for (const update of updates) {
    for (const report of update.reports) {
      evaluationReportSchema.parse(report);
      const sets = report.split === 'train' ? train : testSets;
      const part = report.multiLabel;
      assert.ok(part, `${report.split} report of epoch ${update.epoch} has the multi-label part`);
      assert.equal(part.sampleCount, sets.length);
      assert.equal(part.singleLabelCount, sets.filter((set) => set.length === 1).length);
      assert.equal(report.sampleCount, part.singleLabelCount, 'NC metrics on the single-label samples');
      assert.ok(
        Math.abs((part.labelStatistics.kappaM ?? NaN) - kappaOf(sets)) < 1e-12,
        `κ_m ${part.labelStatistics.kappaM} vs ${kappaOf(sets)}`,
      );
    }
  }

  // The last evaluation's scores, recomputed from the saved logits and this test's own label sets.
  const last = updates.at(-1);
  assert.ok(last);
  for (const report of last.reports) {
    const sets = report.split === 'train' ? train : testSets;
    const logits = await readNpy(join(runFolder, 'predictions', `${report.split}-logits.npy`));
    assert.deepEqual(logits.shape, [sets.length, CLASSES]);
    const recall: (number | null)[] = [];
    const precision: (number | null)[] = [];
    for (let c = 0; c < CLASSES; c++) {
      const predicted = sets.map((_, i) => Number(logits.data[i * CLASSES + c]) > 0);
      const actual = sets.map((set) => set.includes(c));
      const truePositive = actual.filter((has, i) => has && predicted[i]).length;
      const positives = actual.filter(Boolean).length;
      const predictions = predicted.filter(Boolean).length;
      recall.push(positives === 0 ? null : truePositive / positives);
      precision.push(predictions === 0 ? null : truePositive / predictions);
    }
    assert.deepEqual(report.multiLabel?.recallPerLabel, recall, `${report.split} recall`);
    assert.deepEqual(report.multiLabel?.precisionPerLabel, precision, `${report.split} precision`);
  }
  const end = session.messages.at(-1);
  assert.ok(end?.type === 'run/didEnd' && end.reason === 'completed' && end.epoch === 2);
});

test('the multi-label fixture config (generated labels) runs to the end with the multi-label part in every report', async () => {
  const folder = temporaryFolder('multi-label-generated');
  const text = readFileSync(new URL('../fixtures/workspace/tiny-multi-label.ltrun.json', import.meta.url), 'utf8');
  const session = registerRun('multi-label-generated');
  const args = [
    'run',
    '--config',
    writeConfig(folder, text),
    '--out',
    join(folder, 'runs'),
    '--run-id',
    'multi-label-generated',
    '--quiet',
  ];
  const result = await startTrainer(args, session.env).done;
  assert.equal(result.code, 0, result.stderr);
  const updates = session.messages.flatMap((message) => (message.type === 'metrics/didUpdate' ? [message] : []));
  assert.equal(updates.length, 3);
  const start = session.messages.find((message) => message.type === 'run/didStart');
  assert.ok(start?.type === 'run/didStart');
  for (const report of updates.flatMap((update) => update.reports)) {
    const part = report.multiLabel;
    assert.ok(part);
    assert.equal(part.sampleCount, part.unlabelledCount + part.singleLabelCount + part.multiLabelCount);
    if (report.split === 'train') assert.deepEqual(part.labelCounts, start.dataset.trainCounts);
  }
});

test('a single-label method in multi-label mode is refused before training, at file:line:column', async () => {
  const folder = temporaryFolder('multi-label-invalid');
  const text = [
    '{',
    '  "dataset": { "name": "synthetic", "classes": 4, "imageSize": 8 },',
    '  "labels": { "mode": "multi-label" },',
    '  "method": { "name": "ldam-drw" }',
    '}',
  ].join('\n');
  const config = writeConfig(folder, text);
  const result = await startTrainer(['run', '--config', config, '--out', join(folder, 'runs'), '--quiet']).done;
  assert.equal(result.code, 2);
  assert.ok(
    result.stderr.includes(
      `${config}:4:15: method.name: method "ldam-drw" is single-label only: multi-label mode trains one sigmoid per label with binary cross-entropy`,
    ),
    result.stderr,
  );
  assert.ok(!existsSync(join(folder, 'runs')), 'no run folder for an invalid config');
});

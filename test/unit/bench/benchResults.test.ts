/**
 * The benchmark's bookkeeping, not its timings: a run with --parts merges into the earlier results file, and the
 * engines part reads its figures from events.jsonl the way the two engines write it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrainerMessage } from '../../../src/protocol/messages';
import { engineRatios, summariseEvents } from '../../../scripts/bench/engines';
import type { EngineRun } from '../../../scripts/bench/engines';
import type { MachineInfo } from '../../../scripts/bench/machine';
import { judgeTargets, mergeResults, renderMarkdown } from '../../../scripts/bench/report';
import type { BenchResults } from '../../../scripts/bench/report';

const machine = (cpuModel: string): MachineInfo => ({
  cpuModel,
  cores: 2,
  memoryGiB: 24,
  kernel: '6',
  node: 'v20',
  tfjs: '4.22.0',
  peers: { python: '3.11', missing: [] },
});

function events(engine: 'tfjs' | 'pytorch', imagesPerSecond: number[], evaluationMs: number[], end = 'completed'): TrainerMessage[] {
  const messages: TrainerMessage[] = [
    {
      type: 'log',
      seq: 1,
      level: 'info',
      message: engine === 'tfjs' ? 'backend: wasm (1 thread)' : 'backend: pytorch-cpu (PyTorch 1.13, 3 of 8 cores)',
    },
    {
      type: 'run/didStart',
      seq: 2,
      runName: 'r',
      runFolder: '/tmp/r',
      startedAt: '2026-01-01T00:00:00Z',
      config: {},
      backend: { name: engine === 'tfjs' ? 'wasm' : 'pytorch-cpu', skipped: [] },
      dataset: { source: 'Fashion-MNIST', classNames: ['a', 'b'], trainCounts: [600, 6], testCount: 2000 },
      totalEpochs: imagesPerSecond.length,
      startEpoch: 0,
      diagnostics: [],
    },
    { type: 'log', seq: 3, level: 'info', message: 'Fashion-MNIST: 606 training images; model mlp with 218058 parameters' },
  ];
  imagesPerSecond.forEach((ips, index) => {
    const epoch = index + 1;
    messages.push({
      type: 'epoch/didEnd',
      seq: 4 + 2 * index,
      epoch,
      totalEpochs: imagesPerSecond.length,
      loss: 1 / epoch,
      trainAccuracy: 0.5,
      learningRate: 0.001,
      durationMs: (606 / ips) * 1000,
      imagesPerSecond: ips,
    });
    messages.push({
      type: 'metrics/didUpdate',
      seq: 5 + 2 * index,
      epoch,
      reports: [],
      collapse: { collapsed: false, tailClasses: [], collapsedClasses: [], reasons: [] } as never,
      evaluationMs: evaluationMs[index]!,
    });
  });
  messages.push({ type: 'run/didEnd', seq: 99, reason: end as 'completed', epoch: imagesPerSecond.length, durationMs: 1234 });
  return messages;
}

describe('engines part: figures from events.jsonl', () => {
  it('leaves epoch 1 out of the medians and reads the backend, thread count and parameters', () => {
    const summary = summariseEvents(events('pytorch', [100, 400, 300, 200], [900, 50, 70, 60]), 'pytorch', 5000, [1, 2, 3]);
    assert.ok(summary.ok);
    const run = summary.value.run;
    // Epochs 2–4 only: medians of {400, 300, 200} and {50, 70, 60}.
    assert.equal(run.medianImagesPerSecond, 300);
    assert.equal(run.medianEvaluationMs, 60);
    assert.equal(run.threads, 3);
    assert.equal(run.parameters, 218058);
    assert.equal(run.backend, 'pytorch-cpu');
    assert.equal(run.runDurationMs, 1234);
    assert.equal(run.wallMs, 5000);
    assert.equal(summary.value.trainImages, 606);
    assert.equal(summary.value.testImages, 2000);
  });

  it('uses the only epoch when there is one, and gives wasm one thread', () => {
    const summary = summariseEvents(events('tfjs', [250], [80]), 'tfjs', 10, [0, 0, 0]);
    assert.ok(summary.ok);
    assert.equal(summary.value.run.medianImagesPerSecond, 250);
    assert.equal(summary.value.run.medianEvaluationMs, 80);
    assert.equal(summary.value.run.threads, 1);
  });

  it('refuses a run that did not complete, naming how it ended', () => {
    const summary = summariseEvents(events('tfjs', [250, 260], [80, 90], 'failed'), 'tfjs', 10, [0, 0, 0]);
    assert.equal(summary.ok, false);
    assert.match(summary.ok ? '' : summary.reason, /failed/);
  });

  it('gives PyTorch / tfjs ratios, and none where a side is missing', () => {
    const side = (ips: number, evaluation: number, wall: number) =>
      ({ ok: true, value: { medianImagesPerSecond: ips, medianEvaluationMs: evaluation, wallMs: wall } as EngineRun }) as const;
    assert.deepEqual(engineRatios(side(400, 2000, 40_000), side(1600, 500, 10_000)), {
      imagesPerSecond: 4,
      evaluationMs: 0.25,
      wallMs: 0.25,
    });
    assert.deepEqual(engineRatios(side(400, 2000, 40_000), { ok: false, reason: 'no torch' }), {
      imagesPerSecond: null,
      evaluationMs: null,
      wallMs: null,
    });
  });
});

describe('a run with --parts merges into the earlier results', () => {
  const previous: Omit<BenchResults, 'targets'> = {
    date: '2026-01-01T00:00:00.000Z',
    command: 'npm run bench',
    quick: false,
    machine: machine('old CPU'),
    load: { start: [1, 1, 1], training: [2, 2, 2], engines: [3, 3, 3], end: [4, 4, 4] },
    skipped: ['NumPy (gone): apt-get install -y python3-numpy'],
    training: { cores: 2, rounds: 2, settings: {} as never, rows: [] },
    engines: { ok: false, reason: 'old engines result' },
  };
  const current: Omit<BenchResults, 'targets'> = {
    date: '2026-02-02T00:00:00.000Z',
    command: 'npm run bench -- --parts engines',
    quick: false,
    machine: machine('new CPU'),
    load: { start: [5, 5, 5], engines: [6, 6, 6], end: [7, 7, 7] },
    skipped: [],
    partsMeasured: {
      engines: { date: '2026-02-02T00:00:00.000Z', command: 'npm run bench -- --parts engines', quick: false, machine: 'new CPU, 2 cores' },
    },
    engines: { ok: false, reason: 'new engines result' },
  };

  it('replaces only the measured parts and keeps the others with their run, load and skip lines', () => {
    const merged = mergeResults(previous, current, ['engines']);
    assert.deepEqual(merged.engines, current.engines);
    assert.deepEqual(merged.training, previous.training);
    assert.deepEqual(merged.load, { start: [5, 5, 5], training: [2, 2, 2], engines: [6, 6, 6], end: [7, 7, 7] });
    assert.equal(merged.partsMeasured?.training?.date, previous.date);
    assert.equal(merged.partsMeasured?.training?.machine, 'old CPU, 2 cores');
    assert.equal(merged.partsMeasured?.engines?.date, current.date);
    assert.equal(merged.date, current.date);
    assert.deepEqual(merged.skipped, [`(run of ${previous.date}) ${previous.skipped[0]}`]);

    const markdown = renderMarkdown({ ...merged, targets: judgeTargets(merged) });
    assert.match(markdown, /This file merges runs/);
    assert.match(markdown, new RegExp(`- training: ${previous.date.replace(/\./g, '\\.')} by \`npm run bench\``));
    assert.match(markdown, /- engines: 2026-02-02T00:00:00\.000Z by `npm run bench -- --parts engines`/);
    assert.match(markdown, /new engines result/);
    assert.doesNotMatch(markdown, /old engines result/);
  });

  it('merging the merged file again keeps each part with the run that measured it', () => {
    const once = mergeResults(previous, current, ['engines']);
    const later: Omit<BenchResults, 'targets'> = {
      ...current,
      date: '2026-03-03T00:00:00.000Z',
      command: 'npm run bench -- --parts training',
      partsMeasured: {
        training: { date: '2026-03-03T00:00:00.000Z', command: 'npm run bench -- --parts training', quick: true, machine: 'x' },
      },
      training: { cores: 4, rounds: 1, settings: {} as never, rows: [] },
      engines: undefined,
    };
    const twice = mergeResults(once, later, ['training']);
    assert.equal(twice.training?.cores, 4);
    assert.equal(twice.partsMeasured?.engines?.date, current.date);
    assert.deepEqual(twice.engines, current.engines);
    assert.equal(twice.quick, true);
    // The earlier run's skip line is marked once, not again.
    assert.deepEqual(twice.skipped, once.skipped);
  });
});

/** The benchmark's results as one JSON object and as the markdown of docs/benchmarks.md, with the targets judged. */
import type { DashboardResult } from './dashboardRender';
import type { EngineRun, EnginesResult } from './engines';
import type { EpochShareResult } from './epochShare';
import type { ReporterLatency } from './latency';
import type { MachineInfo } from './machine';
import { formatMs, formatRatio } from './measure';
import type { MetricsResult } from './metrics';
import type { Measured } from './measure';
import type { TrainingResult } from './training';
import { TRAINING_MODEL_SPECS } from './trainingModels';

/** The parts of `npm run bench`, in the order they run; `--parts` picks among them. */
export const PARTS = ['training', 'metrics', 'epoch', 'latency', 'dashboard', 'engines'] as const;
export type Part = (typeof PARTS)[number];

/** Which field of BenchResults holds each part's results (the load average is recorded under the part's name). */
export const PART_RESULTS = {
  training: 'training',
  metrics: 'metrics',
  epoch: 'epochShare',
  latency: 'latency',
  dashboard: 'dashboard',
  engines: 'engines',
} as const satisfies Record<Part, keyof BenchResults>;

/** When and how a part's results in the file were measured: a run with `--parts` keeps the other parts' results. */
export interface PartRun {
  date: string;
  command: string;
  quick: boolean;
  /** "CPU model, N cores" of the machine it ran on. */
  machine: string;
}

export interface BenchResults {
  /** The latest run that wrote the file. */
  date: string;
  command: string;
  /** True when any part in the file was measured with --quick. */
  quick: boolean;
  /** The machine of the latest run; `partsMeasured` names the machine of each part. */
  machine: MachineInfo;
  /** 1-, 5- and 15-minute load averages when each part started (keyed by part name), and at the start and end of the latest run. */
  load: Record<string, [number, number, number]>;
  /** The run each part's results come from (absent in files written before parts were merged). */
  partsMeasured?: Partial<Record<Part, PartRun>>;
  training?: TrainingResult;
  metrics?: MetricsResult;
  epochShare?: Measured<EpochShareResult>;
  latency?: Measured<ReporterLatency>[];
  dashboard?: Measured<DashboardResult>;
  engines?: Measured<EnginesResult>;
  skipped: string[];
  targets: Target[];
}

export function machineSummary(machine: MachineInfo): string {
  return `${machine.cpuModel}, ${machine.cores} cores`;
}

/** The parts present in a results file, with the run they came from (older files: the file's own date and command). */
export function partsMeasured(results: Omit<BenchResults, 'targets'>): Partial<Record<Part, PartRun>> {
  const runs: Partial<Record<Part, PartRun>> = {};
  for (const part of PARTS) {
    if (results[PART_RESULTS[part]] === undefined) continue;
    runs[part] = results.partsMeasured?.[part] ?? {
      date: results.date,
      command: results.command,
      quick: results.quick,
      machine: machineSummary(results.machine),
    };
  }
  return runs;
}

/**
 * The results of a run that measured only `measured`, merged into an earlier results file: the measured parts (and
 * their load averages) come from `current`, every other part from `previous`. The skipped-peer lines of the earlier
 * run are kept, marked with its date, since they explain its parts. Targets are judged again on the merged results.
 */
export function mergeResults(
  previous: Omit<BenchResults, 'targets'>,
  current: Omit<BenchResults, 'targets'>,
  measured: readonly Part[],
): Omit<BenchResults, 'targets'> {
  const merged: Omit<BenchResults, 'targets'> = { ...current, load: {}, skipped: [...current.skipped] };
  const previousRuns = partsMeasured(previous);
  const currentRuns = partsMeasured(current);
  const runs: Partial<Record<Part, PartRun>> = {};
  let keepsEarlierParts = false;
  for (const part of PARTS) {
    const key = PART_RESULTS[part];
    const fromCurrent = measured.includes(part);
    const source = fromCurrent ? current : previous;
    if (source[key] === undefined) {
      delete merged[key];
      continue;
    }
    // Each field of BenchResults keyed by PART_RESULTS has its own type; copying one field between two values of the
    // same type is safe.
    (merged as Record<string, unknown>)[key] = source[key];
    const run = (fromCurrent ? currentRuns : previousRuns)[part];
    if (run !== undefined) runs[part] = run;
    const load = source.load[part];
    if (load !== undefined) merged.load[part] = load;
    if (!fromCurrent) keepsEarlierParts = true;
  }
  if (current.load.start !== undefined) merged.load = { start: current.load.start, ...merged.load };
  if (current.load.end !== undefined) merged.load.end = current.load.end;
  merged.partsMeasured = runs;
  merged.quick = Object.values(runs).some((run) => run.quick);
  if (keepsEarlierParts) {
    for (const line of previous.skipped) {
      const marked = line.startsWith('(run of ') ? line : `(run of ${previous.date}) ${line}`;
      if (!merged.skipped.includes(line) && !merged.skipped.includes(marked)) merged.skipped.push(marked);
    }
  }
  return merged;
}

export type TargetStatus = 'met' | 'missed' | 'not measured';

export interface Target {
  name: string;
  target: string;
  measured: string;
  status: TargetStatus;
}

const status = (value: number | null | undefined, ok: (value: number) => boolean): TargetStatus =>
  value === null || value === undefined || !Number.isFinite(value) ? 'not measured' : ok(value) ? 'met' : 'missed';

const percent = (value: number | null | undefined) =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : `${(value * 100).toFixed(1)} %`;

export function judgeTargets(results: Omit<BenchResults, 'targets'>): Target[] {
  const targets: Target[] = [];
  for (const model of ['small-cnn', 'mlp'] as const) {
    const row = results.training?.rows.find((candidate) => candidate.model === model);
    targets.push({
      name: `${TRAINING_MODEL_SPECS[model].label} training vs PyTorch, same cores (1)`,
      target: '≥ 1.0×',
      measured: formatRatio(row?.ratioOneThread),
      status: status(row?.ratioOneThread, (ratio) => ratio >= 1),
    });
  }
  for (const row of results.metrics?.rows ?? []) {
    const { sampleCount, featureDim, classCount } = row.size;
    targets.push({
      name: `metric evaluation N=${sampleCount} d=${featureDim} C=${classCount} faster than NumPy (1 thread)`,
      target: 'speed-up > 1',
      measured:
        row.speedupOneThread === null
          ? '–'
          : `${formatRatio(row.speedupOneThread)} (vs ${results.metrics?.cores} threads: ${formatRatio(row.speedupAllCores)})`,
      status: status(row.speedupOneThread, (speedup) => speedup > 1),
    });
  }
  const share = results.epochShare?.ok ? results.epochShare.value : undefined;
  targets.push({
    name: 'metrics share of an epoch (evaluationMs / epoch durationMs, median)',
    target: '< 5 %',
    measured: share ? `${percent(share.medianShare)} (arithmetic alone: ${percent(share.metricsOnlyShare)})` : '–',
    status: status(share?.medianShare, (value) => value < 0.05),
  });
  targets.push({
    name: 'metric arithmetic alone (no feature extraction) share of an epoch',
    target: '< 5 %',
    measured: percent(share?.metricsOnlyShare),
    status: status(share?.metricsOnlyShare, (value) => value < 0.05),
  });
  const trainerLatency = share?.latencyMs['metrics/didUpdate'];
  targets.push({
    name: 'latency trainer → extension host, real trainer (metrics/didUpdate after the socket connected, C = 10, median)',
    target: '< 50 ms',
    measured: trainerLatency ? `${formatMs(trainerLatency.median)} (max ${formatMs(trainerLatency.max)})` : '–',
    status: status(trainerLatency?.median, (value) => value < 50),
  });
  const queued = share?.connection.queuedLatencyMs;
  targets.push({
    name: "latency trainer → extension host, real trainer, messages reported before the socket connected (the first epoch's; max)",
    target: '< 50 ms',
    measured: queued ? `${formatMs(queued.max)} (${queued.count} messages)` : share ? 'none queued' : '–',
    status: share && !queued ? 'met' : status(queued?.max, (value) => value < 50),
  });
  for (const measured of results.latency ?? []) {
    if (!measured.ok) continue;
    const { classCount, latencyMs, busyMs } = measured.value;
    targets.push({
      name: `latency SocketReporter → RunServer, metrics/didUpdate at C = ${classCount}${busyMs > 0 ? `, sender busy ${busyMs} ms after each send` : ''} (median)`,
      target: '< 50 ms',
      measured: `${formatMs(latencyMs.median)} (p95 ${formatMs(latencyMs.p95)})`,
      status: status(latencyMs.median, (value) => value < 50),
    });
  }
  const dashboard = results.dashboard?.ok ? results.dashboard.value : undefined;
  for (const [classCount, budget] of [
    [10, 16],
    [1000, 50],
  ] as const) {
    const row = dashboard?.rows.find((candidate) => candidate.classCount === classCount);
    targets.push({
      name: `dashboard time per update at C = ${classCount} (${dashboard?.where === 'node' ? 'Node, no DOM' : 'Chromium'}, median)`,
      target: `< ${budget} ms`,
      measured: row ? `${formatMs(row.totalMs.median)} (p95 ${formatMs(row.totalMs.p95)})` : '–',
      status: status(row?.totalMs.median, (value) => value < budget),
    });
  }
  return targets;
}

const fmt = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

function failure<T>(measured: Measured<T>): string {
  return measured.ok ? '' : `not measured: ${measured.reason}`;
}

/**
 * OpenMP threads wait for each other at every parallel region; when other processes keep the cores busy (load above the
 * core count), a descheduled thread stalls the rest and "all cores" can run far slower than one thread. Say so where
 * it happened, since that column then reflects the machine's load, not the library.
 */
function oversubscriptionNote<T>(
  pairs: readonly (readonly [Measured<T>, Measured<T>])[],
  peer: string,
  score: (value: T) => number,
  higherIsBetter: boolean,
  cores: number,
  load: readonly number[] | undefined,
): string[] {
  const slower = pairs.some(
    ([one, all]) => one.ok && all.ok && (higherIsBetter ? score(all.value) < score(one.value) : score(all.value) > score(one.value)),
  );
  if (!slower) return [];
  return [
    `Note: ${peer} at ${cores} threads was slower than at 1 thread here. With a load average of ${load?.[0] ?? '?'} on ${cores} cores, ` +
      'its OpenMP threads wait at each parallel region for a thread the system has descheduled; on an idle machine the all-cores ' +
      'column is faster than the 1-thread one. Compare the 1-thread columns.',
    '',
  ];
}

/** Which run measured which part: one line when all come from the latest run, a list when the file merges runs. */
function partsMeasuredLines(results: BenchResults): string[] {
  const runs = partsMeasured(results);
  const groups = new Map<string, { run: PartRun; parts: Part[] }>();
  for (const part of PARTS) {
    const run = runs[part];
    if (run === undefined) continue;
    const key = `${run.date}\u0000${run.command}`;
    const group = groups.get(key) ?? { run, parts: [] };
    group.parts.push(part);
    groups.set(key, group);
  }
  if (groups.size === 0) return [];
  const describe = ({ run, parts }: { run: PartRun; parts: Part[] }) =>
    `${parts.join(', ')}: ${run.date} by \`${run.command}\`${run.quick ? ' (--quick)' : ''} on ${run.machine}`;
  if (groups.size === 1) return [`Parts measured: ${describe([...groups.values()][0]!)}.`, ''];
  return [
    'This file merges runs: a run with `--parts` replaces only the parts it measured and keeps the others from the previous file. ' +
      'Parts measured:',
    '',
    ...[...groups.values()].map((group) => `- ${describe(group)}`),
    '',
  ];
}

function enginesSection(engines: Measured<EnginesResult>, load: readonly number[] | undefined): string[] {
  const lines: string[] = ['## 5. The two engines on one run config: TypeScript trainer (tfjs) and PyTorch engine', ''];
  if (!engines.ok) return [...lines, failure(engines), ''];
  const result = engines.value;
  const value = (side: Measured<EngineRun>, pick: (run: EngineRun) => string) => (side.ok ? pick(side.value) : failure(side));
  const threads =
    result.torchThreads === null
      ? 'thread count not recorded (not run, or not on the CPU)'
      : `at its default of ${result.torchThreads} thread${result.torchThreads === 1 ? '' : 's'}`;
  lines.push(
    `${result.dataset}, long-tailed (exponential, IF 100, n_max 600): ${result.trainImages ?? '?'} training images, ${result.testImages ?? '?'} test images; ` +
      `d = ${result.featureDim}, cross-entropy, Adam (lr 1e-3, weight decay 5e-4), batch 128, ${result.epochs} epochs, seed 0, evaluation of ` +
      'train and test after every epoch. The same config through `node dist/trainer.js run` (engine tfjs, backend wasm, 1 thread) and ' +
      `\`python -m ncmonitor.train\` (engine pytorch, backend cpu, torch ${threads}` +
      `${result.ompNumThreads === null ? '' : `, OMP_NUM_THREADS=${result.ompNumThreads}`}), one after the other in this run.`,
    '',
    ...table(
      [
        'Model',
        'tfjs train img/s',
        'PyTorch train img/s',
        'PyTorch / tfjs',
        'tfjs evaluation',
        'PyTorch evaluation',
        'PyTorch / tfjs',
        'tfjs whole run',
        'PyTorch whole run',
        'PyTorch / tfjs',
      ],
      result.rows.map((row) => [
        row.label,
        value(row.tfjs, (run) => fmt(run.medianImagesPerSecond)),
        value(row.pytorch, (run) => fmt(run.medianImagesPerSecond)),
        formatRatio(row.ratios.imagesPerSecond),
        value(row.tfjs, (run) => formatMs(run.medianEvaluationMs)),
        value(row.pytorch, (run) => formatMs(run.medianEvaluationMs)),
        formatRatio(row.ratios.evaluationMs),
        value(row.tfjs, (run) => formatMs(run.wallMs)),
        value(row.pytorch, (run) => formatMs(run.wallMs)),
        formatRatio(row.ratios.wallMs),
      ]),
    ),
    '',
    'Train img/s: median over epochs 2–n of epoch/didEnd `imagesPerSecond` (epoch 1 is warm-up); evaluation: median over the same ' +
      'epochs of metrics/didUpdate `evaluationMs` (forward passes over both splits and the metric arithmetic); whole run: process ' +
      'start to exit, timed by the benchmark (interpreter start, imports, data loading, every epoch and evaluation). Ratios are ' +
      'PyTorch / tfjs from this run: above 1 for img/s, below 1 for times, means the PyTorch engine is faster. No target is set for them.',
    '',
    ...table(
      ['Model', 'Engine', 'Epoch', 'training', 'train img/s', 'evaluation', 'loss'],
      result.rows.flatMap((row) =>
        [row.tfjs, row.pytorch].flatMap((side) =>
          side.ok
            ? side.value.epochs.map((epoch) => [
                row.label,
                side.value.engine,
                String(epoch.epoch),
                formatMs(epoch.trainingMs),
                fmt(epoch.imagesPerSecond),
                formatMs(epoch.evaluationMs),
                fmt(epoch.loss, 4),
              ])
            : [],
        ),
      ),
    ),
    '',
    `Per epoch, from events.jsonl (training = epoch/didEnd \`durationMs\`). The engines initialise the weights with their own ` +
      'generators, so losses differ a little; the images and batch order are the same. Backends as logged: ' +
      `${[
        ...new Set(
          result.rows.flatMap((row) =>
            [row.tfjs, row.pytorch].flatMap((side) =>
              side.ok ? [`${side.value.engine} "${side.value.backendDetail ?? side.value.backend}"`] : [],
            ),
          ),
        ),
      ].join(', ')}. Parameters (each engine's count): ${result.rows
        .map(
          (row) =>
            `${row.model} ${[row.tfjs, row.pytorch].map((side) => (side.ok && side.value.parameters !== null ? String(side.value.parameters) : '–')).join(' / ')}`,
        )
        .join(', ')}.`,
    '',
    `Load average at the start of each run (1 min): ${result.rows
      .flatMap((row) =>
        [row.tfjs, row.pytorch].flatMap((side) => (side.ok ? [`${row.model} ${side.value.engine} ${side.value.loadAtStart[0]}`] : [])),
      )
      .join(', ')}${load === undefined ? '' : ` (part start: ${load.join(' / ')})`}.`,
    ...result.notes.map((note) => `Note: ${note}.`),
    '',
  );
  return lines;
}

export function renderMarkdown(results: BenchResults): string {
  const { machine } = results;
  const lines: string[] = [];
  const peers = machine.peers;
  lines.push('# Benchmarks', '');
  lines.push(
    `Generated by \`scripts/bench/index.ts\` on ${results.date}${results.quick ? ' (**--quick subset**: fewer repeats, smaller inputs)' : ''}. Command: \`${results.command}\`.`,
    '',
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Linux ${machine.kernel}; Node ${machine.node}, ` +
      `TensorFlow.js ${machine.tfjs} (wasm backend, 1 thread); Python ${peers.python}, PyTorch ${peers.torch ?? 'missing'}, NumPy ${peers.numpy ?? 'missing'}` +
      `${peers.blas ? `, BLAS ${peers.blas}` : ''}.`,
    '',
    `Load average (1, 5, 15 min): ${Object.entries(results.load)
      .map(([when, load]) => `${when} ${load.join(' / ')}`)
      .join('; ')}. The machine was shared with other work while measuring: absolute numbers are lower than on an idle ` +
      'machine; both sides of each ratio ran in the same run, one after the other.',
    '',
  );
  lines.push(...partsMeasuredLines(results));
  if (results.skipped.length > 0) lines.push(...results.skipped.map((line) => `- Skipped: ${line}`), '');

  lines.push('## Targets', '');
  lines.push(
    ...table(
      ['Target', 'Goal', 'Measured', 'Status'],
      results.targets.map((t) => [
        t.name,
        t.target,
        t.measured,
        t.status === 'met' ? 'met' : t.status === 'missed' ? '**missed**' : t.status,
      ]),
    ),
    '',
  );

  if (results.training) {
    const { cores, rows, settings } = results.training;
    lines.push('## 1. Training throughput (images/s, batch 128, Adam, cross-entropy)', '');
    lines.push(
      ...table(
        ['Model', 'ours (wasm, 1 thread)', 'PyTorch 1 thread', 'ours / PyTorch 1', `PyTorch ${cores} threads`, `ours / PyTorch ${cores}`],
        rows.map((row) => [
          row.label,
          row.ours.ok ? fmt(row.ours.value.imagesPerSecond) : failure(row.ours),
          row.torchOneThread.ok ? fmt(row.torchOneThread.value.imagesPerSecond) : failure(row.torchOneThread),
          formatRatio(row.ratioOneThread),
          row.torchAllCores.ok ? fmt(row.torchAllCores.value.imagesPerSecond) : failure(row.torchAllCores),
          formatRatio(row.ratioAllCores),
        ]),
      ),
      '',
      `Ours: the trainer's own code paths (selectBackend('wasm') with the kernels of wasmKernels.ts, createModel, the cross-entropy method, ` +
        "the Optimizer class, the body of trainEpoch's step); PyTorch: scripts/bench/torch_training.py, the same shapes in NCHW. Random data, " +
        `warm-up excluded, median of repeats: ${Object.entries(settings)
          .filter(([model]) => rows.some((row) => row.model === model))
          .map(([model, s]) => `${model} ${s.repeats} × ${s.steps} steps after ${s.warmup}`)
          .join(
            ', ',
          )}; ${results.training.rounds} interleaved round${results.training.rounds === 1 ? '' : 's'} (ours, PyTorch 1, PyTorch all, again…), ` +
        'each side its best round, so that a burst of load from other processes spoils a round rather than one side. ' +
        'Our wasm backend runs one thread in Node, so "same cores" is PyTorch at 1 thread.',
      '',
      ...oversubscriptionNote(
        rows.map((row) => [row.torchOneThread, row.torchAllCores] as const),
        'PyTorch',
        (value) => value.imagesPerSecond,
        true,
        cores,
        results.load.training,
      ),
    );
  }

  if (results.metrics) {
    const { rows, cores, repeats } = results.metrics;
    lines.push('## 2. One full metric evaluation (NC1–NC4, recall, collapse indicators, cosine matrices)', '');
    lines.push(
      ...table(
        [
          'N',
          'd',
          'C',
          'ours',
          'ours peak',
          'NumPy 1 thread',
          'peak',
          `NumPy ${cores} threads`,
          'peak',
          'speed-up vs 1 / all',
          'max rel. difference',
        ],
        rows.map((row) => {
          const ours = row.ours.ok ? row.ours.value : undefined;
          const one = row.numpyOneThread.ok ? row.numpyOneThread.value : undefined;
          const all = row.numpyAllCores.ok ? row.numpyAllCores.value : undefined;
          return [
            String(row.sampleCount),
            String(row.size.featureDim),
            String(row.size.classCount),
            ours ? formatMs(ours.ms) : failure(row.ours),
            ours?.peakMiB === undefined ? '–' : `${fmt(ours.peakMiB)} MiB`,
            one ? formatMs(one.ms) : failure(row.numpyOneThread),
            one?.peakMiB === null || one?.peakMiB === undefined ? '–' : `${fmt(one.peakMiB)} MiB`,
            all ? formatMs(all.ms) : failure(row.numpyAllCores),
            all?.peakMiB === null || all?.peakMiB === undefined ? '–' : `${fmt(all.peakMiB)} MiB`,
            `${formatRatio(row.speedupOneThread)} / ${formatRatio(row.speedupAllCores)}`,
            row.agreement
              ? `${row.agreement.maxRelativeDifference.toExponential(1)} (${row.agreement.worst}, ${row.agreement.compared} values)`
              : '–',
          ];
        }),
      ),
      '',
      ...table(
        ['N', 'd', 'C', 'pass 1', 'SVD of M', 'pass 2', 'report', 'predictions supplied', 'cosine matrices', 'report size'],
        rows.flatMap((row) =>
          row.ours.ok
            ? [
                [
                  String(row.sampleCount),
                  String(row.size.featureDim),
                  String(row.size.classCount),
                  formatMs(row.ours.value.phasesMs.firstPass),
                  formatMs(row.ours.value.phasesMs.betweenClassSvd),
                  formatMs(row.ours.value.phasesMs.secondPass),
                  formatMs(row.ours.value.phasesMs.report),
                  formatMs(row.ours.value.suppliedMs),
                  row.ours.value.cosineMatrices,
                  `${fmt(row.ours.value.reportKiB)} KiB`,
                ],
              ]
            : [],
        ),
      ),
      '',
      `Same float32 features (.npy) on both sides: long-tailed labels (IF 100), features = class mean + noise, W near the means. ` +
        `Ours: evaluateNeuralCollapse (one thread), predictions computed from W as NumPy does (the training loop supplies the network's own, ` +
        `"predictions supplied"). NumPy: scripts/bench/numpy_metrics.py, the direct formulas (Σ_W, Σ_B, pinv, N × C logits and distances, full ` +
        `C × C cosine matrices). Median of ${repeats} repeat${repeats === 1 ? '' : 's'}, best of ${results.metrics.rounds} interleaved round${results.metrics.rounds === 1 ? '' : 's'}; peak = resident-memory high-water mark above the RSS ` +
        'before the evaluation (VmHWM reset through /proc/self/clear_refs). "max rel. difference" compares ' +
        'NC1, NC2 (6 forms), NC3, NC4, accuracy, recall and the collapse indicators between the two sides.',
      '',
      ...oversubscriptionNote(
        rows.map((row) => [row.numpyOneThread, row.numpyAllCores] as const),
        'NumPy',
        (value) => value.ms,
        false,
        cores,
        results.load.metrics,
      ),
    );
  }

  if (results.epochShare) {
    lines.push('## 3. Share of an epoch spent on metrics (real trainer, every epoch evaluated)', '');
    if (!results.epochShare.ok) lines.push(failure(results.epochShare), '');
    else {
      const share = results.epochShare.value;
      lines.push(
        `${share.dataset}: ${share.trainImages} training images, ${share.testImages} test images; small CNN (featureDim 128), wasm, batch 128, ` +
          'evaluation on train and test every epoch. From events.jsonl:',
        '',
        ...table(
          ['Epoch', 'training (durationMs)', 'evaluation (evaluationMs)', 'share', 'train img/s'],
          share.epochs.map((row) => [
            String(row.epoch),
            formatMs(row.trainingMs),
            formatMs(row.evaluationMs),
            percent(row.share),
            fmt(row.imagesPerSecond),
          ]),
        ),
        '',
        `evaluationMs includes the forward passes that extract features and predictions from both splits. The metric arithmetic alone ` +
          `(evaluateNeuralCollapse on ${share.trainImages} + ${share.testImages} features of d = 128, predictions supplied) takes ` +
          `${formatMs(share.metricsOnlyMs)}: ${percent(share.metricsOnlyShare)} of the median epoch.`,
        ...share.notes.map((note) => `Note: ${note}.`),
        '',
      );
    }
  }

  if (results.latency || results.epochShare) {
    lines.push('## 4. Latency trainer → extension host, and dashboard time per update', '');
    const latencyRows: string[][] = [];
    if (results.epochShare?.ok) {
      for (const [type, d] of Object.entries(results.epochShare.value.latencyMs)) {
        latencyRows.push([`real trainer (${type})`, '10', '–', '–', formatMs(d.median), formatMs(d.p95), formatMs(d.max), String(d.count)]);
      }
    }
    for (const measured of results.latency ?? []) {
      if (!measured.ok) latencyRows.push(['SocketReporter', '?', '–', '–', failure(measured), '', '', '']);
      else {
        const { classCount, messageKiB, latencyMs: d, busyMs } = measured.value;
        latencyRows.push([
          'SocketReporter (metrics/didUpdate)',
          String(classCount),
          `${fmt(messageKiB)} KiB`,
          busyMs > 0 ? `busy ${busyMs} ms` : 'idle',
          formatMs(d.median),
          formatMs(d.p95),
          formatMs(d.max),
          String(d.count),
        ]);
      }
    }
    const connection = results.epochShare?.ok ? results.epochShare.value.connection : undefined;
    lines.push(
      ...table(['Sender', 'C', 'message', 'sender after send', 'median', 'p95', 'max', 'messages'], latencyRows),
      '',
      ...(connection === undefined
        ? []
        : [
            connection.queuedMessages === 0
              ? "Real trainer: its socket was open before it reported its first message; no message waited in SocketReporter's queue."
              : `Real trainer: the socket connected ${formatMs(connection.firstReportToConnectMs)} after the first message was reported; ` +
                `${connection.queuedMessages} of ${connection.messages} messages were reported before that and waited in SocketReporter's queue ` +
                `(left out of the latencies above; they arrived ${formatMs(connection.queuedLatencyMs?.min)} to ` +
                `${formatMs(connection.queuedLatencyMs?.max)} after being reported). Opening the connection needs the trainer's event loop, ` +
                'which the synchronous training steps of an epoch and the evaluation keep busy.',
            '',
          ]),
      "Receiver: the extension's RunServer (src/extension/server/runServer.ts) in the benchmark process; a message arrives when the server has " +
        'parsed and validated it and hands it to the run. Senders are separate processes: the real trainer (send time recorded by ' +
        'scripts/bench/sendClock.mjs when the event-log line is written, just before SocketReporter.send) and SocketReporter sending real ' +
        'reports (two EvaluationReports and the collapse flag) every 100 ms. Both read performance.timeOrigin + performance.now().',
      '',
    );
  }

  if (results.dashboard) {
    if (!results.dashboard.ok) lines.push(`Dashboard: ${failure(results.dashboard)}`, '');
    else {
      const dashboard = results.dashboard.value;
      lines.push(
        ...table(
          [
            'C',
            'history',
            'updates',
            'delta size',
            'handler (validate + reduce)',
            'render',
            'of which view model',
            'total median',
            'total p95',
          ],
          dashboard.rows.map((row) => [
            String(row.classCount),
            `${row.history} evaluations`,
            String(row.updates),
            `${fmt(row.deltaKiB)} KiB`,
            formatMs(row.handlerMs.median),
            formatMs(row.renderMs.median),
            formatMs(row.viewModelMs),
            formatMs(row.totalMs.median),
            formatMs(row.totalMs.p95),
          ]),
        ),
        '',
        dashboard.where === 'chromium'
          ? 'The real webview bundle in headless Chromium (test/unit/webview/browserPreview.ts: production page and CSP), a run in progress ' +
              "with 100 evaluations on screen, then one delta per update (one epoch and its train and test reports). Handler: the page's message " +
              'listener (zod validation, reducer). Render: the animation-frame callback it schedules (view model, DOM, Chart.js canvases) plus a ' +
              'forced style and layout; painting and compositing are not included ("of which view model": dashboardView alone, timed in Node; ' +
              'the rest is DOM and Chart.js). Chromium runs with --disable-gpu, so canvases are rasterised in software. Fixture runs from ' +
              'test/unit/webview/fixtures.ts.'
          : `Dashboard: ${dashboard.note ?? ''}.`,
        '',
      );
    }
  }
  if (results.engines) lines.push(...enginesSection(results.engines, results.load.engines));
  return `${lines.join('\n')}\n`;
}

/**
 * Part 5: the two engines on one run config. The same config (dataset, long tail, model, method, optimiser, batch,
 * epochs, evaluation, seed) is trained by the TypeScript trainer (`node dist/trainer.js run`, engine tfjs, backend
 * wasm) and by the PyTorch engine (`python -m ncmonitor.train`, engine pytorch, backend cpu), back to back in the same
 * benchmark run; both train on the same images in the same batch order for the seed (docs/pytorch.md). Everything is
 * read from each run's events.jsonl, which both engines write the same way: epoch/didEnd `imagesPerSecond` (training
 * only), metrics/didUpdate `evaluationMs` (feature extraction over train and test plus the metric arithmetic), and
 * run/didEnd `durationMs`; the whole-run wall time (process start to exit: interpreter, imports, data loading) is
 * timed here.
 *
 * Epoch 1 is left out of both medians: it carries the warm-up (tfjs kernel and wasm compilation, torch's first
 * allocations), which the whole-run time still includes. The ratios are PyTorch / tfjs from the same benchmark run,
 * reported as measured, not judged against a target. The PyTorch engine runs with torch's default thread count, as
 * a user's run does; the count is read from the backend line it logs and recorded.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EpochDidEnd, MetricsDidUpdate, RunDidEnd, RunDidStart, TrainerLog, TrainerMessage } from '../../src/protocol/messages';
import { failureReason, PYTHON, REPO_ROOT, runProcess } from './children';
import { loadAverage } from './machine';
import { median } from './measure';
import type { Measured } from './measure';

const FASHION_MNIST = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';
const FEATURE_DIM = 64;
const RUN_TIMEOUT_MS = 20 * 60_000;

export const ENGINE_MODELS = ['small-cnn', 'mlp'] as const;
export type EngineModel = (typeof ENGINE_MODELS)[number];

const MODEL_LABELS: Record<EngineModel, string> = {
  'small-cnn': `small CNN (conv32-pool-conv64-pool-dense${FEATURE_DIM}-dense10)`,
  mlp: `MLP 784-256-${FEATURE_DIM}-10`,
};

export type EngineName = 'tfjs' | 'pytorch';

export interface EngineEpoch {
  epoch: number;
  /** epoch/didEnd durationMs: the training steps of the epoch. */
  trainingMs: number;
  imagesPerSecond: number;
  /** metrics/didUpdate evaluationMs of the epoch; null when the run reported none for it. */
  evaluationMs: number | null;
  loss: number;
}

export interface EngineRun {
  engine: EngineName;
  /** run/didStart backend.name ("wasm", "pytorch-cpu"). */
  backend: string;
  /** The backend line the engine logged, e.g. "pytorch-cpu (PyTorch 1.13.0a0, 1 of 2 cores)". */
  backendDetail: string | null;
  /** torch.get_num_threads() inside the PyTorch engine, from its backend line; 1 for tfjs wasm in Node. */
  threads: number | null;
  /** Parameters of the model, from the engine's own log line: equal on both sides when the shapes are the same. */
  parameters: number | null;
  epochs: EngineEpoch[];
  /** Median over epochs 2…n of epoch/didEnd imagesPerSecond (epoch 1 alone when there is only one). */
  medianImagesPerSecond: number;
  /** Median over epochs 2…n of metrics/didUpdate evaluationMs. */
  medianEvaluationMs: number;
  /** Process start to exit, timed by the benchmark. */
  wallMs: number;
  /** run/didEnd durationMs: the run as the engine timed it (after its imports). */
  runDurationMs: number | null;
  /** 1-, 5- and 15-minute load averages when the run started. */
  loadAtStart: [number, number, number];
}

/** PyTorch / tfjs, each measured in the same benchmark run; null where a side is missing. */
export interface EngineRatios {
  /** Training images/s: above 1 means PyTorch trains faster. */
  imagesPerSecond: number | null;
  /** Evaluation time: below 1 means PyTorch evaluates faster. */
  evaluationMs: number | null;
  /** Whole-run wall time: below 1 means the PyTorch run finished sooner. */
  wallMs: number | null;
}

export interface EnginesRow {
  model: EngineModel;
  label: string;
  tfjs: Measured<EngineRun>;
  pytorch: Measured<EngineRun>;
  ratios: EngineRatios;
}

export interface EnginesResult {
  dataset: string;
  trainImages: number | null;
  testImages: number | null;
  epochs: number;
  featureDim: number;
  /** Threads of the PyTorch engine (torch.get_num_threads() in the run); null when it did not run on the CPU. */
  torchThreads: number | null;
  /** OMP_NUM_THREADS as the benchmark found it (it sets none): what torch's default thread count follows. */
  ompNumThreads: string | null;
  rows: EnginesRow[];
  notes: string[];
}

export interface EnginesOptions {
  quick: boolean;
  scratch: string;
  /** Run scripts/build.mjs first (dist/trainer.js is the tfjs side). */
  build: boolean;
  /** Why PyTorch is not measured, when it is not. */
  torchMissing: string | undefined;
  log: (line: string) => void;
}

/** The one config both engines train; only `engine` and `backend` differ between the two runs. */
export function engineRunConfig(model: EngineModel, epochs: number, fashionMnist: boolean, engine: EngineName): Record<string, unknown> {
  return {
    name: `bench-engines-${model}`,
    engine,
    dataset: fashionMnist
      ? { name: 'fashion-mnist' }
      : { name: 'synthetic', classes: 10, imageSize: 28, trainPerClass: 600, testPerClass: 1000 },
    imbalance: { profile: 'exponential', factor: 100, maxPerClass: 600 },
    model: { architecture: model, featureDim: FEATURE_DIM },
    method: { name: 'cross-entropy' },
    optimizer: { name: 'adam', learningRate: 0.001, weightDecay: 0.0005 },
    batchSize: 128,
    epochs,
    evaluation: { everyEpochs: 1, splits: ['train', 'test'] },
    backend: engine === 'tfjs' ? 'wasm' : 'cpu',
    seed: 0,
  };
}

function readEvents(file: string): TrainerMessage[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TrainerMessage);
}

/** The medians leave epoch 1 out (warm-up) when there is anything after it. */
function afterWarmup<T>(values: readonly T[]): readonly T[] {
  return values.length > 1 ? values.slice(1) : values;
}

interface RunSummary {
  run: EngineRun;
  dataset: string;
  trainImages: number | null;
  testImages: number | null;
}

/** Reads a finished run folder's events.jsonl into the figures of one engine. */
export function summariseEvents(
  events: readonly TrainerMessage[],
  engine: EngineName,
  wallMs: number,
  loadAtStart: [number, number, number],
): Measured<RunSummary> {
  const started = events.find((event): event is RunDidStart => event.type === 'run/didStart');
  const ended = events.find((event): event is RunDidEnd => event.type === 'run/didEnd');
  const ends = events.filter((event): event is EpochDidEnd => event.type === 'epoch/didEnd');
  const updates = events.filter((event): event is MetricsDidUpdate => event.type === 'metrics/didUpdate');
  const logs = events.filter((event): event is TrainerLog => event.type === 'log').map((event) => event.message);
  if (started === undefined) return { ok: false, reason: 'events.jsonl has no run/didStart' };
  if (ended !== undefined && ended.reason !== 'completed')
    return { ok: false, reason: `run ended "${ended.reason}"${ended.error === undefined ? '' : `: ${ended.error}`}` };
  if (ends.length === 0) return { ok: false, reason: 'events.jsonl has no epoch/didEnd' };
  const epochs: EngineEpoch[] = ends.map((end) => ({
    epoch: end.epoch,
    trainingMs: end.durationMs,
    imagesPerSecond: end.imagesPerSecond,
    evaluationMs: updates.find((update) => update.epoch === end.epoch)?.evaluationMs ?? null,
    loss: end.loss,
  }));
  const backendDetail = logs.find((message) => message.startsWith('backend: '))?.slice('backend: '.length) ?? null;
  const threadMatch = backendDetail === null ? null : /(\d+) of \d+ cores/.exec(backendDetail);
  const parameterMatch = logs.map((message) => / with (\d+) parameters/.exec(message)).find((match) => match !== null);
  const evaluations = afterWarmup(epochs)
    .map((epoch) => epoch.evaluationMs)
    .filter((ms): ms is number => ms !== null);
  return {
    ok: true,
    value: {
      run: {
        engine,
        backend: started.backend.name,
        backendDetail,
        threads: engine === 'tfjs' ? (started.backend.name === 'wasm' ? 1 : null) : threadMatch ? Number(threadMatch[1]) : null,
        parameters: parameterMatch ? Number(parameterMatch[1]) : null,
        epochs,
        medianImagesPerSecond: median(afterWarmup(epochs).map((epoch) => epoch.imagesPerSecond)),
        medianEvaluationMs: median(evaluations),
        wallMs,
        runDurationMs: ended?.durationMs ?? null,
        loadAtStart,
      },
      dataset: started.dataset.source,
      trainImages: started.dataset.trainCounts.reduce((a, b) => a + b, 0),
      testImages: started.dataset.testCount,
    },
  };
}

async function trainWithEngine(
  engine: EngineName,
  model: EngineModel,
  epochs: number,
  fashionMnist: boolean,
  folder: string,
): Promise<Measured<RunSummary>> {
  const runId = `${engine}-${model}`;
  const configFile = join(folder, `${runId}.ltrun.json`);
  writeFileSync(configFile, JSON.stringify(engineRunConfig(model, epochs, fashionMnist, engine), null, 2));
  const common = ['--config', configFile, '--out', join(folder, 'runs'), '--run-id', runId, '--quiet'];
  const pythonPath = [join(REPO_ROOT, 'python'), process.env.PYTHONPATH]
    .filter((part) => part !== undefined && part !== '')
    .join(delimiter);
  const loadAtStart = loadAverage();
  const startedAt = performance.now();
  const outcome =
    engine === 'tfjs'
      ? await runProcess(process.execPath, [join(REPO_ROOT, 'dist', 'trainer.js'), 'run', ...common], { timeoutMs: RUN_TIMEOUT_MS })
      : await runProcess(PYTHON, ['-m', 'ncmonitor.train', ...common], { env: { PYTHONPATH: pythonPath }, timeoutMs: RUN_TIMEOUT_MS });
  const wallMs = performance.now() - startedAt;
  const label = engine === 'tfjs' ? 'node dist/trainer.js run' : `${PYTHON} -m ncmonitor.train`;
  if (outcome.code !== 0) return { ok: false, reason: `${label} failed: ${failureReason(outcome)}` };
  const eventsFile = join(folder, 'runs', runId, 'events.jsonl');
  if (!existsSync(eventsFile)) return { ok: false, reason: `${label} wrote no ${eventsFile}` };
  return summariseEvents(readEvents(eventsFile), engine, wallMs, loadAtStart);
}

const ratio = (numerator: number | undefined, denominator: number | undefined): number | null =>
  numerator === undefined || denominator === undefined || !Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator === 0
    ? null
    : numerator / denominator;

export function engineRatios(tfjs: Measured<EngineRun>, pytorch: Measured<EngineRun>): EngineRatios {
  const t = tfjs.ok ? tfjs.value : undefined;
  const p = pytorch.ok ? pytorch.value : undefined;
  return {
    imagesPerSecond: ratio(p?.medianImagesPerSecond, t?.medianImagesPerSecond),
    evaluationMs: ratio(p?.medianEvaluationMs, t?.medianEvaluationMs),
    wallMs: ratio(p?.wallMs, t?.wallMs),
  };
}

export async function benchEngines({ quick, scratch, build, torchMissing, log }: EnginesOptions): Promise<Measured<EnginesResult>> {
  if (build) {
    log('engines: building the trainer (node scripts/build.mjs)…');
    const built = await runProcess(process.execPath, ['scripts/build.mjs']);
    if (built.code !== 0) return { ok: false, reason: `build failed: ${failureReason(built)}` };
  }
  const trainer = join(REPO_ROOT, 'dist', 'trainer.js');
  if (!existsSync(trainer)) return { ok: false, reason: 'dist/trainer.js is missing: run node scripts/build.mjs (or drop --no-build)' };
  const notes: string[] = [];
  const fashionMnist = existsSync(FASHION_MNIST);
  if (!fashionMnist)
    notes.push(
      `Fashion-MNIST not found at ${FASHION_MNIST} (apt-get install -y dataset-fashion-mnist): used the synthetic dataset of the same shape`,
    );
  const epochs = quick ? 2 : 4;
  const folder = join(scratch, 'engines');
  mkdirSync(folder, { recursive: true });

  const rows: EnginesRow[] = [];
  let dataset = fashionMnist ? 'Fashion-MNIST' : 'synthetic';
  let trainImages: number | null = null;
  let testImages: number | null = null;
  for (const model of ENGINE_MODELS) {
    const sides: Record<EngineName, Measured<EngineRun>> = {
      tfjs: { ok: false, reason: 'not run' },
      pytorch: { ok: false, reason: torchMissing ?? 'not run' },
    };
    for (const engine of ['tfjs', 'pytorch'] as const) {
      if (engine === 'pytorch' && torchMissing !== undefined) {
        log(`engines ${model}: PyTorch skipped: ${torchMissing}`);
        continue;
      }
      log(
        `engines ${model}: ${engine === 'tfjs' ? 'tfjs (wasm)' : 'PyTorch (cpu)'}, ${epochs} epochs, evaluating train and test every epoch…`,
      );
      const summary = await trainWithEngine(engine, model, epochs, fashionMnist, folder);
      if (!summary.ok) {
        log(`  ${engine}: ${summary.reason}`);
        sides[engine] = summary;
        continue;
      }
      sides[engine] = { ok: true, value: summary.value.run };
      ({ dataset, trainImages, testImages } = summary.value);
      const run = summary.value.run;
      log(
        `  ${engine}: ${run.medianImagesPerSecond.toFixed(0)} img/s, evaluation ${run.medianEvaluationMs.toFixed(0)} ms, ` +
          `whole run ${(run.wallMs / 1000).toFixed(1)} s${run.threads === null ? '' : `, ${run.threads} thread${run.threads === 1 ? '' : 's'}`}`,
      );
    }
    const ratios = engineRatios(sides.tfjs, sides.pytorch);
    if (ratios.imagesPerSecond !== null)
      log(
        `  PyTorch / tfjs: images/s ${ratios.imagesPerSecond.toFixed(2)}×, evaluation time ${ratios.evaluationMs?.toFixed(2) ?? '–'}×, ` +
          `wall time ${ratios.wallMs?.toFixed(2) ?? '–'}×`,
      );
    const { tfjs, pytorch } = sides;
    if (tfjs.ok && pytorch.ok && tfjs.value.parameters !== pytorch.value.parameters)
      notes.push(`${model}: the engines report different parameter counts (${tfjs.value.parameters} vs ${pytorch.value.parameters})`);
    rows.push({ model, label: MODEL_LABELS[model], tfjs, pytorch, ratios });
  }
  const torchThreads = rows.map((row) => (row.pytorch.ok ? row.pytorch.value.threads : null)).find((threads) => threads !== null) ?? null;
  return {
    ok: true,
    value: {
      dataset,
      trainImages,
      testImages,
      epochs,
      featureDim: FEATURE_DIM,
      torchThreads,
      ompNumThreads: process.env.OMP_NUM_THREADS ?? null,
      rows,
      notes,
    },
  };
}

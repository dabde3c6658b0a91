/**
 * Trains every method (or a chosen few) on Fashion-MNIST-LT with the same model, seed(s) and budget, through the real
 * training loop, and writes a markdown table (test accuracy overall and per shot group, NC1–NC4 at the end, the tail
 * classifier cosine, the first epoch minority collapse was flagged) to docs/methods-table.md and the numbers to
 * docs/methods-table.json, with the command and the machine.
 *
 *   npm run bench:methods                                  # the full table: 30 epochs, seed 0, all methods
 *   npm run bench:methods -- --epochs 2 --test-per-class 100 --methods cross-entropy,ldam-drw
 *   npm run bench:methods -- --dataset synthetic --epochs 1 --max-per-class 60 --factor 10 --out /tmp/t.md
 *
 * Options: --epochs N (30), --seeds 0,1,… (0), --methods a,b (all), --dataset fashion-mnist|synthetic
 * (fashion-mnist), --factor IF (100), --max-per-class n_max (600), --test-per-class N (all: a seeded balanced
 * subset of the test split to cut evaluation time), --eval-every k (1), --architecture (small-cnn), --feature-dim
 * (64), --batch-size (128), --learning-rate (0.001), --backend (auto), --out FILE (docs/methods-table.md; the JSON
 * goes next to it), --quiet.
 * Nothing here is tuned per method: each method runs with its documented defaults, except where the run length
 * fixes an option (stated in the table's notes).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TrainerMessage } from '../src/protocol/messages';
import type { EvaluationReport } from '../src/protocol/metrics';
import { METHOD_NAMES, parseRunConfig } from '../src/protocol/runConfig';
import type { RunConfigInput } from '../src/protocol/runConfig';
import { DEBIAN_FASHION_MNIST_DIRECTORY, indicesByClass, selectImages } from '../src/trainer/data';
import { FASHION_MNIST_CLASS_NAMES, findIdxFiles, readIdxSplit } from '../src/trainer/data/idx';
import { SeededRandom } from '../src/trainer/random';
import { Reporter } from '../src/trainer/reporting/reporter';
import { createRunFolder } from '../src/trainer/runFolder';
import { StopSignal } from '../src/trainer/training/stopSignal';
import { trainRun } from '../src/trainer/training/trainRun';

type MethodName = (typeof METHOD_NAMES)[number];

export interface BenchOptions {
  epochs: number;
  seeds: number[];
  methods: MethodName[];
  dataset: 'fashion-mnist' | 'synthetic';
  factor: number;
  maxPerClass: number;
  testPerClass?: number;
  evalEvery: number;
  architecture: 'mlp' | 'small-cnn';
  featureDim: number;
  batchSize: number;
  learningRate: number;
  backend: 'auto' | 'wasm' | 'cpu' | 'tensorflow' | 'tensorflow-gpu';
  out: string;
  quiet: boolean;
}

export interface BenchResult {
  method: MethodName;
  seed: number;
  classCount: number;
  overall: number | null;
  many: number | null;
  medium: number | null;
  few: number | null;
  nc1: number | null;
  nc2ClassMeans: number | null;
  nc2Classifier: number | null;
  nc3: number | null;
  nc4: number | null;
  tailClassifierCosine: number | null;
  firstCollapseEpoch: number | null;
  /** Classes flagged at the last evaluation (0: no minority collapse flagged at the end). */
  flaggedAtEnd: number;
  seconds: number;
  backend: string;
}

/** The method options for a run of `epochs`: documented defaults, plus what the run length or dataset fixes. */
export function methodConfig(name: MethodName, epochs: number): { method: RunConfigInput['method']; note?: string } {
  if (name === 'crt') {
    const classifierEpochs = Math.max(1, Math.min(5, Math.floor(epochs / 3)));
    return epochs < 2
      ? { method: { name: 'cross-entropy' }, note: 'crt needs ≥ 2 epochs: ran as cross-entropy' }
      : { method: { name, classifierEpochs }, note: `crt: the last ${classifierEpochs} of ${epochs} epochs re-train the classifier` };
  }
  if (name === 'granularity') {
    return {
      method: { name, auxiliaryClasses: [9] },
      note: 'granularity: dataset class 9 is held out as the auxiliary class, so its row is over the other 9 classes',
    };
  }
  if (name === 'ldam-drw') return { method: { name }, note: `ldam-drw: re-weighting from epoch ${Math.round(0.8 * epochs) + 1}` };
  return { method: { name } };
}

/** A folder holding the full Fashion-MNIST training files and a seeded balanced subset of the test split (raw IDX). */
function fashionMnistWithTestSubset(perClass: number, seed: number, into: string): string {
  const found = findIdxFiles(DEBIAN_FASHION_MNIST_DIRECTORY);
  if (!('files' in found))
    throw new Error(
      `Fashion-MNIST not found in ${DEBIAN_FASHION_MNIST_DIRECTORY} (apt-get install dataset-fashion-mnist), or use --dataset synthetic`,
    );
  const test = readIdxSplit(found.files.testImages, found.files.testLabels, FASHION_MNIST_CLASS_NAMES);
  const kept: number[] = [];
  indicesByClass(test).forEach((indices, c) =>
    kept.push(
      ...SeededRandom.derive(seed, 'bench test subset', c)
        .shuffle([...indices])
        .slice(0, perClass),
    ),
  );
  const subset = selectImages(
    test,
    kept.sort((a, b) => a - b),
  );
  mkdirSync(into, { recursive: true });
  const header = (magic: number, dims: number[]) => {
    const buffer = Buffer.alloc(4 + 4 * dims.length);
    buffer.writeUInt32BE(magic, 0);
    dims.forEach((dim, i) => buffer.writeUInt32BE(dim, 4 + 4 * i));
    return buffer;
  };
  writeFileSync(join(into, 't10k-images-idx3-ubyte'), Buffer.concat([header(0x803, [subset.count, 28, 28]), Buffer.from(subset.images)]));
  writeFileSync(
    join(into, 't10k-labels-idx1-ubyte'),
    Buffer.concat([header(0x801, [subset.count]), Buffer.from(Uint8Array.from(subset.labels))]),
  );
  symlinkSync(
    found.files.trainImages,
    join(into, found.files.trainImages.endsWith('.gz') ? 'train-images-idx3-ubyte.gz' : 'train-images-idx3-ubyte'),
  );
  symlinkSync(
    found.files.trainLabels,
    join(into, found.files.trainLabels.endsWith('.gz') ? 'train-labels-idx1-ubyte.gz' : 'train-labels-idx1-ubyte'),
  );
  return into;
}

export function benchConfig(options: BenchOptions, name: MethodName, seed: number, datasetPath: string | undefined): RunConfigInput {
  return {
    dataset:
      options.dataset === 'synthetic'
        ? { name: 'synthetic', classes: 10, imageSize: 28, trainPerClass: options.maxPerClass, testPerClass: options.testPerClass ?? 100 }
        : { name: 'fashion-mnist', ...(datasetPath === undefined ? {} : { path: datasetPath }) },
    imbalance: { profile: 'exponential', factor: options.factor, maxPerClass: options.maxPerClass },
    model: {
      architecture: options.architecture,
      featureDim: options.featureDim,
      ...(options.architecture === 'mlp' ? { hiddenUnits: [256] } : {}),
    },
    method: methodConfig(name, options.epochs).method,
    optimizer: { name: 'adam', learningRate: options.learningRate, weightDecay: 0.0005 },
    batchSize: options.batchSize,
    epochs: options.epochs,
    evaluation: { everyEpochs: options.evalEvery, splits: ['train', 'test'] },
    seed,
    backend: options.backend,
  };
}

async function runOne(
  config: RunConfigInput,
  runsDirectory: string,
  runId: string,
): Promise<{ messages: TrainerMessage[]; seconds: number }> {
  const parsed = parseRunConfig(config);
  if (!parsed.ok) throw new Error(parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  const stored = { runId, runName: runId, sourceFile: join(runsDirectory, `${runId}.ltrun.json`), config: parsed.config };
  const folder = createRunFolder(runsDirectory, runId, stored);
  const messages: TrainerMessage[] = [];
  const reporter = new Reporter([{ write: (message) => messages.push(message), close: () => Promise.resolve() }]);
  const started = Date.now();
  await trainRun({ stored, folder, reporter, stop: new StopSignal(), resume: false });
  return { messages, seconds: (Date.now() - started) / 1000 };
}

export function summarise(method: MethodName, seed: number, messages: TrainerMessage[], seconds: number): BenchResult {
  const updates = messages.filter(
    (message): message is Extract<TrainerMessage, { type: 'metrics/didUpdate' }> => message.type === 'metrics/didUpdate',
  );
  const last = updates.at(-1);
  if (last === undefined) throw new Error(`${method} seed ${seed}: the run reported no metrics`);
  const bySplit = (split: 'train' | 'test'): EvaluationReport | undefined => last.reports.find((report) => report.split === split);
  const test = bySplit('test');
  const train = bySplit('train');
  const started = messages.find((message) => message.type === 'run/didStart');
  return {
    method,
    seed,
    classCount: test?.classCount ?? 0,
    overall: test?.accuracy ?? null,
    many: test?.shotGroupAccuracy.many ?? null,
    medium: test?.shotGroupAccuracy.medium ?? null,
    few: test?.shotGroupAccuracy.few ?? null,
    nc1: train?.nc1 ?? null,
    nc2ClassMeans: train?.nc2.classMeanMaxAngle ?? null,
    nc2Classifier: train?.nc2.classifierMaxAngle ?? null,
    nc3: train?.nc3 ?? null,
    nc4: train?.nc4 ?? null,
    tailClassifierCosine: test?.minorityCollapse.tailClassifierCosine ?? null,
    firstCollapseEpoch: updates.find((update) => update.collapse.active)?.epoch ?? null,
    flaggedAtEnd: last.collapse.classes.length,
    seconds,
    backend: started?.type === 'run/didStart' ? started.backend.name : 'unknown',
  };
}

function meanAndSpread(values: (number | null)[], digits: number, percent = false): string {
  const defined = values.filter((value): value is number => value !== null);
  if (defined.length === 0) return '–';
  const scale = percent ? 100 : 1;
  const mean = defined.reduce((a, b) => a + b, 0) / defined.length;
  if (defined.length === 1) return (mean * scale).toFixed(digits);
  const std = Math.sqrt(defined.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (defined.length - 1));
  return `${(mean * scale).toFixed(digits)} ± ${(std * scale).toFixed(digits)}`;
}

export function markdownTable(results: BenchResult[], options: BenchOptions, command: string, notes: string[]): string {
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, backend ${[...new Set(results.map((result) => result.backend))].join('/')}`;
  const rows = options.methods.map((method) => {
    const runs = results.filter((result) => result.method === method);
    const flagged = runs.map((run) => (run.firstCollapseEpoch === null ? 'never' : String(run.firstCollapseEpoch))).join(', ');
    const atEnd = runs.map((run) => String(run.flaggedAtEnd)).join(', ');
    return `| \`${method}\` | ${meanAndSpread(
      runs.map((r) => r.overall),
      1,
      true,
    )} | ${meanAndSpread(
      runs.map((r) => r.many),
      1,
      true,
    )} | ${meanAndSpread(
      runs.map((r) => r.medium),
      1,
      true,
    )} | ${meanAndSpread(
      runs.map((r) => r.few),
      1,
      true,
    )} | ${meanAndSpread(
      runs.map((r) => r.nc1),
      3,
    )} | ${meanAndSpread(
      runs.map((r) => r.nc2ClassMeans),
      3,
    )} | ${meanAndSpread(
      runs.map((r) => r.nc2Classifier),
      3,
    )} | ${meanAndSpread(
      runs.map((r) => r.nc3),
      3,
    )} | ${meanAndSpread(
      runs.map((r) => r.nc4),
      3,
    )} | ${meanAndSpread(
      runs.map((r) => r.tailClassifierCosine),
      3,
    )} | ${flagged} | ${atEnd} | ${meanAndSpread(
      runs.map((r) => r.seconds),
      0,
    )} |`;
  });
  const data =
    options.dataset === 'synthetic'
      ? `synthetic 10 classes 28×28`
      : `Fashion-MNIST-LT${options.testPerClass === undefined ? '' : ` (test subset: ${options.testPerClass} per class)`}`;
  return [
    '# Methods on a long-tailed benchmark',
    '',
    `Generated by \`scripts/bench-methods.ts\`. Command: \`${command}\``,
    '',
    `Data: ${data}, exponential profile, IF ${options.factor}, n_max ${options.maxPerClass}. Model: ${options.architecture}, d = ${options.featureDim}. ` +
      `Adam lr ${options.learningRate}, weight decay 5e-4, batch ${options.batchSize}, ${options.epochs} epochs, seeds ${options.seeds.join(', ')}, evaluation every ${options.evalEvery} epoch(s).`,
    '',
    `Machine: ${machine}. Written ${new Date().toISOString()}.`,
    '',
    'Accuracy columns are test-set top-1 (%), overall and per shot group by training count (Many > 100, Medium 20–100, Few < 20). ' +
      'NC1–NC4 are on the training split after the last epoch (NC2-M / NC2-W: mean |cos + 1/(C−1)| over pairs of centred class means / classifier rows; ' +
      'NC4 on train). Tail cos: mean pairwise cosine of the tail classifier rows (ETF value −1/(C−1)). Flagged: the first evaluation at which ' +
      'minority collapse was flagged (default thresholds: tail row cosine > 0.5 or tail recall ≤ 0.05), per seed; At end: how many classes ' +
      'were still flagged at the last evaluation. With several seeds: mean ± sample std.',
    '',
    '| Method | Overall | Many | Medium | Few | NC1 | NC2-M | NC2-W | NC3 | NC4 | Tail cos | Flagged | At end | Seconds |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...(notes.length === 0 ? [] : ['Notes:', '', ...notes.map((note) => `- ${note}`), '']),
  ].join('\n');
}

export function parseBenchOptions(args: string[]): BenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      epochs: { type: 'string', default: '30' },
      seeds: { type: 'string', default: '0' },
      methods: { type: 'string' },
      dataset: { type: 'string', default: 'fashion-mnist' },
      factor: { type: 'string', default: '100' },
      'max-per-class': { type: 'string', default: '600' },
      'test-per-class': { type: 'string' },
      'eval-every': { type: 'string', default: '1' },
      architecture: { type: 'string', default: 'small-cnn' },
      'feature-dim': { type: 'string', default: '64' },
      'batch-size': { type: 'string', default: '128' },
      'learning-rate': { type: 'string', default: '0.001' },
      backend: { type: 'string', default: 'auto' },
      out: { type: 'string', default: 'docs/methods-table.md' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const integer = (name: string, text: string | undefined): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got "${text}"`);
    return value;
  };
  const methods = (values.methods?.split(',').map((name) => name.trim()) ?? [...METHOD_NAMES]) as MethodName[];
  const unknown = methods.filter((name) => !(METHOD_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`--methods: unknown ${unknown.join(', ')}; known: ${METHOD_NAMES.join(', ')}`);
  if (values.dataset !== 'fashion-mnist' && values.dataset !== 'synthetic') throw new Error('--dataset must be fashion-mnist or synthetic');
  if (values.architecture !== 'mlp' && values.architecture !== 'small-cnn') throw new Error('--architecture must be mlp or small-cnn');
  const backends = ['auto', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'] as const;
  if (!(backends as readonly string[]).includes(values.backend)) throw new Error(`--backend must be one of ${backends.join(', ')}`);
  return {
    epochs: integer('epochs', values.epochs),
    seeds: values.seeds.split(',').map((seed) => {
      const value = Number(seed);
      if (!Number.isInteger(value) || value < 0) throw new Error(`--seeds: "${seed}" is not a seed`);
      return value;
    }),
    methods,
    dataset: values.dataset,
    factor: Number(values.factor),
    maxPerClass: integer('max-per-class', values['max-per-class']),
    ...(values['test-per-class'] === undefined ? {} : { testPerClass: integer('test-per-class', values['test-per-class']) }),
    evalEvery: integer('eval-every', values['eval-every']),
    architecture: values.architecture,
    featureDim: integer('feature-dim', values['feature-dim']),
    batchSize: integer('batch-size', values['batch-size']),
    learningRate: Number(values['learning-rate']),
    backend: values.backend as BenchOptions['backend'],
    out: resolve(values.out),
    quiet: values.quiet,
  };
}

export async function benchMethods(options: BenchOptions, command: string): Promise<BenchResult[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'bench-methods-'));
  try {
    const datasetPath =
      options.dataset === 'fashion-mnist' && options.testPerClass !== undefined
        ? fashionMnistWithTestSubset(options.testPerClass, 0, join(scratch, 'fashion-mnist'))
        : undefined;
    const results: BenchResult[] = [];
    const notes = new Set<string>();
    for (const seed of options.seeds) {
      for (const method of options.methods) {
        const { note } = methodConfig(method, options.epochs);
        if (note !== undefined) notes.add(note);
        const { messages, seconds } = await runOne(
          benchConfig(options, method, seed, datasetPath),
          join(scratch, 'runs'),
          `${method}-seed${seed}`,
        );
        const result = summarise(method, seed, messages, seconds);
        results.push(result);
        if (!options.quiet) {
          process.stderr.write(
            `${method} seed ${seed}: accuracy ${result.overall === null ? '–' : (100 * result.overall).toFixed(1)}% (few ${result.few === null ? '–' : (100 * result.few).toFixed(1)}%), ${seconds.toFixed(0)} s\n`,
          );
        }
      }
    }
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, markdownTable(results, options, command, [...notes]));
    writeFileSync(
      options.out.replace(/\.md$/, '') + '.json',
      `${JSON.stringify({ command, options, machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version }, results }, null, 2)}\n`,
    );
    return results;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const invokedDirectly = process.argv[1] !== undefined && /bench-methods\.ts$/.test(process.argv[1]);
if (invokedDirectly) {
  const args = process.argv.slice(2);
  const command = `npm run bench:methods${args.length === 0 ? '' : ` -- ${args.join(' ')}`}`;
  benchMethods(parseBenchOptions(args), command).then(
    (results) => process.stdout.write(`wrote ${parseBenchOptions(args).out} (${results.length} runs)\n`),
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

/**
 * `npm run bench`: speed of the trainer, the metrics, the live path and the dashboard, against PyTorch and NumPy on
 * the same machine in the same run, written to docs/benchmarks.md and docs/benchmarks.json.
 *
 *   npm run bench                       # everything (~10–15 min on 2 busy cores), writes docs/benchmarks.{md,json}
 *   npm run bench -- --quick            # a subset (MLP + CNN, a tenth of the metric samples, fewer repeats); prints only
 *   npm run bench -- --parts training,metrics --models mlp --out /tmp/bench
 *   npm run bench -- --parts engines    # re-measures one part; docs/benchmarks.{md,json} keep the other parts' results
 *
 * Options:
 *   --quick              fewer repeats and smaller inputs; writes files only with --out
 *   --parts a,b          training, metrics, epoch, latency, dashboard, engines (default: all). Into the default out dir
 *                        (docs), only the named parts are replaced: the others stay as docs/benchmarks.json has them
 *   --models a,b         mlp, small-cnn, resnet20 (default: all; --quick: mlp, small-cnn)
 *   --no-peers           skip PyTorch and NumPy (they are skipped anyway, with the reason, when missing)
 *   --no-build           use the existing dist/trainer.js instead of running scripts/build.mjs
 *   --out DIR            where benchmarks.md and benchmarks.json go (default: docs for a full run)
 * Peers: Debian's /usr/bin/python3 with python3-torch, python3-numpy and libopenblas0-openmp (NC_BENCH_PYTHON overrides).
 * No test checks these timings: they depend on the machine and its load.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './children';
import { benchDashboard } from './dashboardRender';
import { benchEngines } from './engines';
import { benchEpochShare } from './epochShare';
import { ArrivalRecorder, benchReporterLatency } from './latency';
import { loadAverage, machineInfo } from './machine';
import { benchMetrics } from './metrics';
import { judgeTargets, machineSummary, mergeResults, PARTS, renderMarkdown } from './report';
import type { BenchResults, Part, PartRun } from './report';
import { benchTraining } from './training';
import { TRAINING_MODELS } from './trainingModels';
import type { TrainingModel } from './trainingModels';

const DEFAULT_OUT = join(REPO_ROOT, 'docs');

interface Options {
  quick: boolean;
  parts: Part[];
  models: TrainingModel[];
  peers: boolean;
  build: boolean;
  out: string | undefined;
  /** Results already in the out dir to keep for the parts not measured: set when --parts writes into docs/. */
  mergeInto: string | undefined;
}

function list<T extends string>(value: string | undefined, allowed: readonly T[], flag: string, fallback: readonly T[]): T[] {
  if (value === undefined) return [...fallback];
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  for (const item of items) {
    if (!allowed.includes(item as T)) throw new Error(`${flag}: unknown "${item}"; use a comma-separated list of ${allowed.join(', ')}`);
  }
  return items as T[];
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      parts: { type: 'string' },
      models: { type: 'string' },
      'no-peers': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const parts = list(values.parts, PARTS, '--parts', PARTS);
  const out = values.out ?? (quick ? undefined : DEFAULT_OUT);
  const partial = PARTS.some((part) => !parts.includes(part));
  const previous = out === undefined ? undefined : join(resolve(out), 'benchmarks.json');
  return {
    quick,
    parts,
    models: list(values.models, TRAINING_MODELS, '--models', quick ? ['mlp', 'small-cnn'] : TRAINING_MODELS),
    peers: !values['no-peers'],
    build: !values['no-build'],
    out,
    mergeInto:
      partial && out !== undefined && resolve(out) === resolve(DEFAULT_OUT) && previous !== undefined && existsSync(previous)
        ? previous
        : undefined,
  };
}

/** The earlier results a partial run merges into; read before measuring, so that a broken file stops the run at once. */
function readPreviousResults(file: string): Omit<BenchResults, 'targets'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(
      `${file} is not readable JSON (${error instanceof Error ? error.message : String(error)}): a run with --parts keeps the other ` +
        'parts from it; restore it (git checkout the file) or run every part (drop --parts)',
    );
  }
  const results = parsed as Partial<BenchResults>;
  if (
    typeof results.date !== 'string' ||
    typeof results.command !== 'string' ||
    results.machine === undefined ||
    results.load === undefined
  )
    throw new Error(`${file} lacks date, command, machine or load: restore it (git checkout the file) or run every part (drop --parts)`);
  return { ...(results as BenchResults), skipped: results.skipped ?? [] };
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** Writes a generated file formatted by the project's Prettier settings, so `prettier --check` passes on it. */
async function writeFormatted(file: string, text: string): Promise<void> {
  let formatted = text;
  try {
    const prettier = await import('prettier');
    formatted = await prettier.format(text, { ...(await prettier.resolveConfig(file)), filepath: file });
  } catch (error) {
    log(`${file} left unformatted: ${error instanceof Error ? error.message : String(error)}`);
  }
  writeFileSync(file, formatted);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const previous = options.mergeInto === undefined ? undefined : readPreviousResults(options.mergeInto);
  if (previous !== undefined) log(`--parts ${options.parts.join(',')}: the other parts stay as ${options.mergeInto} has them`);
  const start = loadAverage();
  const load: BenchResults['load'] = { start };
  log(`load average at start: ${start.join(' / ')}`);
  const machine = await machineInfo();
  const skipped: string[] = [];
  let torchMissing: string | undefined;
  let numpyMissing: string | undefined;
  if (!options.peers) {
    torchMissing = numpyMissing = 'peers skipped (--no-peers)';
    skipped.push('PyTorch and NumPy peers (--no-peers)');
  } else {
    torchMissing =
      machine.peers.torch === undefined
        ? machine.peers.missing.find((line) => line.startsWith('PyTorch') || line.startsWith('Python'))
        : undefined;
    numpyMissing =
      machine.peers.numpy === undefined
        ? machine.peers.missing.find((line) => line.startsWith('NumPy') || line.startsWith('Python'))
        : undefined;
    for (const line of machine.peers.missing) {
      log(`peer problem: ${line}`);
      skipped.push(line);
    }
  }

  const scratch = mkdtempSync(join(tmpdir(), 'nc-bench-'));
  const results: Omit<BenchResults, 'targets'> = {
    date: new Date().toISOString(),
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    quick: options.quick,
    machine,
    load,
    skipped,
  };
  const run: PartRun = { date: results.date, command: results.command, quick: options.quick, machine: machineSummary(machine) };
  results.partsMeasured = Object.fromEntries(options.parts.map((part) => [part, run]));
  // dist/trainer.js is built once, by the first part that runs the real trainer.
  let buildPending = options.build;
  const recorder = new ArrivalRecorder();
  await recorder.start();
  try {
    const want = (part: Part) => options.parts.includes(part);
    if (want('training')) {
      load.training = loadAverage();
      results.training = await benchTraining({ quick: options.quick, models: options.models, torchMissing, log });
    }
    if (want('metrics')) {
      load.metrics = loadAverage();
      results.metrics = await benchMetrics({ quick: options.quick, scratch, numpyMissing, log });
    }
    if (want('epoch')) {
      load.epoch = loadAverage();
      results.epochShare = await benchEpochShare({ quick: options.quick, scratch, recorder, build: buildPending, log });
      buildPending = false;
      if (!results.epochShare.ok) log(`epoch share: ${results.epochShare.reason}`);
    }
    if (want('latency')) {
      load.latency = loadAverage();
      const messages = options.quick ? 10 : 40;
      const busyMessages = options.quick ? 3 : 8;
      results.latency = [];
      for (const classCount of [10, 1000]) results.latency.push(await benchReporterLatency(recorder, classCount, messages, 0, log));
      // A sender busy for 1 s after each message, as the trainer is during the synchronous steps of an epoch.
      for (const classCount of [10, 1000]) results.latency.push(await benchReporterLatency(recorder, classCount, busyMessages, 1000, log));
    }
    if (want('dashboard')) {
      load.dashboard = loadAverage();
      results.dashboard = await benchDashboard(options.quick, log);
      if (!results.dashboard.ok) log(`dashboard: ${results.dashboard.reason}`);
    }
    if (want('engines')) {
      load.engines = loadAverage();
      results.engines = await benchEngines({ quick: options.quick, scratch, build: buildPending, torchMissing, log });
      buildPending = false;
      if (!results.engines.ok) log(`engines: ${results.engines.reason}`);
    }
  } finally {
    await recorder.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
  load.end = loadAverage();

  const written = previous === undefined ? results : mergeResults(previous, results, options.parts);
  const complete: BenchResults = { ...written, targets: judgeTargets(written) };
  const markdown = renderMarkdown(complete);
  process.stdout.write(`\n${markdown}`);
  if (options.out !== undefined) {
    const out = resolve(options.out);
    mkdirSync(out, { recursive: true });
    await writeFormatted(join(out, 'benchmarks.md'), markdown);
    await writeFormatted(join(out, 'benchmarks.json'), `${JSON.stringify(complete, null, 2)}\n`);
    log(`wrote ${join(out, 'benchmarks.md')} and benchmarks.json`);
  } else {
    log('--quick: nothing written (pass --out DIR to keep the files)');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

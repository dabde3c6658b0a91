import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseConfigText, lineAndColumn } from '../../protocol/configFile';
import { parseRunConfig } from '../../protocol/runConfig';
import type { RunConfig } from '../../protocol/runConfig';
import { ENV_RUN_ID, ENV_SERVER_URL, ENV_TOKEN } from '../../protocol/messages';
import type { RunEndReason } from '../../protocol/messages';
import { createRunFolder, readStoredConfig, runFolderAt } from '../runFolder';
import { newRunId } from '../../protocol/runFolder';
import type { RunFolder, StoredRunConfig } from '../runFolder';
import { Reporter } from '../reporting/reporter';
import { consoleSink, eventLogSink, socketSink } from '../reporting/sinks';
import type { MessageSink } from '../reporting/reporter';
import { StopSignal } from '../training/stopSignal';
import { trainRun } from '../training/trainRun';
import { lastSequenceNumber } from '../training/resume';
import { TRAINER_CLIENT } from '../version';
import { EXIT_DONE, EXIT_FAILED, UsageError, describeFailure, parseOptions } from './usage';

export const RUN_HELP = `Usage: trainer run --config FILE.ltrun.json [options]

Trains on the run config, evaluates NC1-NC4, per-class recall and minority collapse every k epochs, and reports
each message to events.jsonl in the run folder, to the terminal, and to the extension when --ws is given.

Options:
  --config FILE     the run config (*.ltrun.json, JSON with comments)
  --out DIR         where run folders are created (default: ./runs next to the config)
  --run-id ID       name of the run folder (default: timestamp + run name)
  --resume FOLDER   continue a stopped run from its checkpoint
  --ws URL          the extension's WebSocket (default: $${ENV_SERVER_URL})
  --token SECRET    the run's secret for --ws (default: $${ENV_TOKEN}; prefer the variable: arguments are visible to other users)
  --backend NAME    override the config's backend (auto, tensorflow-gpu, tensorflow, wasm, cpu)
  --collapse-cosine X, --collapse-recall X
                    override metrics.collapseCosine / metrics.collapseRecall
  --quiet           no progress lines on stdout

Stopping: SIGTERM, Ctrl-C or a run/stop message finish the current step, write a checkpoint and a final
run/didEnd (reason: stopped), and exit 0. Resume with --resume.

Examples:
  trainer run --config samples/workspace/fashion-mnist-lt.ltrun.json
  trainer run --config quick.ltrun.json --out /tmp/runs --run-id ce-seed0
  trainer run --resume runs/20261122-101500-ce-seed0`;

export async function runCommand(args: string[]): Promise<number> {
  const options = parseOptions(args, {
    config: { type: 'string' },
    out: { type: 'string' },
    'run-id': { type: 'string' },
    resume: { type: 'string' },
    backend: { type: 'string' },
    'collapse-cosine': { type: 'string' },
    'collapse-recall': { type: 'string' },
    ws: { type: 'string' },
    token: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  });
  const resumeFolder = options.resume === undefined ? undefined : resolve(options.resume);
  let folder: RunFolder;
  let stored: StoredRunConfig;
  if (resumeFolder !== undefined) {
    folder = runFolderAt(resumeFolder, basename(resumeFolder));
    stored = readStoredConfig(folder);
  } else {
    if (options.config === undefined) throw new UsageError('--config FILE.ltrun.json is required (or --resume FOLDER)');
    const configFile = resolve(options.config);
    const config = applyOverrides(loadConfigOrThrow(configFile), options);
    const runName = config.name ?? basename(configFile).replace(/\.ltrun\.json$/, '');
    const runId = options['run-id'] ?? process.env[ENV_RUN_ID] ?? newRunId(runName);
    const runsDirectory = resolve(options.out ?? resolve(dirname(configFile), 'runs'));
    stored = { runId, runName, sourceFile: configFile, config };
    folder = createRunFolder(runsDirectory, runId, stored);
  }

  const stop = new StopSignal();
  const sinks: MessageSink[] = [eventLogSink(folder.eventsPath)];
  const url = options.ws ?? process.env[ENV_SERVER_URL];
  if (url !== undefined && url !== '') {
    const token = options.token ?? process.env[ENV_TOKEN];
    if (token === undefined || token === '') throw new UsageError(`--ws needs the run's secret: --token SECRET or $${ENV_TOKEN}`);
    sinks.push(
      socketSink({
        url,
        token,
        runId: folder.runId,
        client: TRAINER_CLIENT,
        onStopRequested: () => stop.request('the extension asked the run to stop'),
        onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
      }),
    );
  }
  if (!options.quiet) sinks.push(consoleSink(process.stdout));
  const reporter = new Reporter(sinks, resumeFolder === undefined ? 0 : lastSequenceNumber(folder.eventsPath));

  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.requested) process.exit(130); // a second Ctrl-C means now
    stop.request(`received ${signal}`);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  await reporter.ready(3000);
  const startedAt = Date.now();
  let reason: RunEndReason = 'completed';
  let error: string | undefined;
  let epoch = 0;
  try {
    const outcome = await trainRun({ stored, folder, reporter, stop, resume: resumeFolder !== undefined });
    reason = outcome.stopped ? 'stopped' : 'completed';
    epoch = outcome.epoch;
  } catch (failure) {
    reason = 'failed';
    error = failure instanceof Error ? failure.message : String(failure);
    epoch = failure instanceof Error && 'epoch' in failure && typeof failure.epoch === 'number' ? failure.epoch : 0;
    process.stderr.write(`error: ${describeFailure(failure)}\n`);
  }
  reporter.report({ type: 'run/didEnd', reason, epoch, durationMs: Date.now() - startedAt, ...(error === undefined ? {} : { error }) });
  await reporter.close(5000);
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  return reason === 'failed' ? EXIT_FAILED : EXIT_DONE;
}

function loadConfigOrThrow(file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the run config ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const parsed = parseConfigText(text);
  if (parsed.ok) return parsed.config;
  const lines = parsed.issues.map((issue) => {
    const { line, column } = lineAndColumn(text, issue.offset);
    return `${file}:${line}:${column}: ${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`;
  });
  throw new UsageError(`the run config is invalid:\n${lines.join('\n')}`);
}

/** Command-line overrides (the extension passes its settings this way); validated by the same schema as the file. */
function applyOverrides(config: RunConfig, options: { backend?: string; 'collapse-cosine'?: string; 'collapse-recall'?: string }): RunConfig {
  const patched: Record<string, unknown> = { ...config, metrics: { ...config.metrics } };
  const metrics = patched.metrics as Record<string, unknown>;
  if (options.backend !== undefined) patched.backend = options.backend;
  if (options['collapse-cosine'] !== undefined) metrics.collapseCosine = Number(options['collapse-cosine']);
  if (options['collapse-recall'] !== undefined) metrics.collapseRecall = Number(options['collapse-recall']);
  const parsed = parseRunConfig(patched);
  if (!parsed.ok) {
    const flags: Record<string, string> = { backend: '--backend', 'metrics.collapseCosine': '--collapse-cosine', 'metrics.collapseRecall': '--collapse-recall' };
    throw new UsageError(parsed.issues.map((issue) => `${flags[issue.path] ?? issue.path}: ${issue.message}`).join('\n'));
  }
  return parsed.config;
}

#!/usr/bin/env node
/**
 * The trainer's command line: `run` trains on a run config and reports; `analyze` computes the metric report for
 * features saved by any framework. Exit codes: 0 done, 1 failed, 2 bad usage or config.
 */
import { runCommand, RUN_HELP } from './commands/run';
import { analyzeCommand, ANALYZE_HELP } from './commands/analyze';
import { UsageError, EXIT_FAILED, EXIT_USAGE, describeFailure } from './commands/usage';

const MAIN_HELP = `nc-monitor trainer: trains classifiers on long-tailed data and measures neural collapse.

Usage:
  trainer run --config FILE.ltrun.json [--out DIR] [--resume RUN_FOLDER] [--ws URL --token SECRET]
  trainer analyze --features H.npy --labels y.npy --weights W.npy [--bias b.npy] [--json]
  trainer <command> --help

Commands:
  run       train, evaluate NC1-NC4 and minority collapse every k epochs, report live
  analyze   the full metric report for saved penultimate features and classifier weights

Exit codes: 0 done, 1 failed, 2 bad usage or config.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      if (rest.includes('--help') || rest.includes('-h')) return printHelp(RUN_HELP);
      return runCommand(rest);
    case 'analyze':
      if (rest.includes('--help') || rest.includes('-h')) return printHelp(ANALYZE_HELP);
      return analyzeCommand(rest);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      return printHelp(MAIN_HELP);
    default:
      throw new UsageError(`unknown command "${command}"; the commands are run and analyze`);
  }
}

function printHelp(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}

// A closed pipe (the editor that launched us went away) must not kill the run: events.jsonl keeps everything.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\nRun with --help for usage.\n`);
      process.exitCode = EXIT_USAGE;
    } else {
      process.stderr.write(`error: ${describeFailure(error)}\n`);
      process.exitCode = EXIT_FAILED;
    }
  },
);

/**
 * Python and TypeScript speak the same protocol and read run configs the same way: every message the Python side
 * builds passes the TypeScript zod schemas, the constants agree, Python's validator accepts and rejects what zod does,
 * and `ncmonitor.schema.parse_run_config` returns exactly what `parseRunConfig` returns (defaults included) or refuses
 * the same fields. Needs only a standard-library Python.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import {
  ENV_RUN_ID,
  ENV_SERVER_URL,
  ENV_TOKEN,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  RUN_END_REASONS,
  TOKEN_HEADER,
  decodeTrainerMessage,
  extensionMessageSchema,
  trainerMessageSchema,
} from '../../../src/protocol/messages';
import type { TrainerMessage } from '../../../src/protocol/messages';
import { METHOD_NAMES, parseRunConfig } from '../../../src/protocol/runConfig';
import { findPython, pythonEnv } from '../../support/python';
import { REPO, tinyConfig } from '../../support/trainerProcess';

const python = findPython();
const skip = python === null ? 'no Python 3 interpreter found (set NC_MONITOR_PYTHON)' : false;

function runPython(args: string[], input?: string): string {
  const result = spawnSync(python!.command, args, {
    env: pythonEnv(),
    input,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(result.status, 0, `python ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

const jsonLines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);

const trainerTypes = trainerMessageSchema.options.map((option) => option.shape.type.value);

test('every message Python builds passes the TypeScript schemas, and every type is covered', { skip }, () => {
  const lines = runPython(['-m', 'ncmonitor.protocol', '--examples'])
    .split('\n')
    .filter((line) => line !== '');
  const decoded = lines.map((line) => {
    const result = decodeTrainerMessage(line);
    assert.ok(result.ok, `${line.slice(0, 120)}…: ${result.ok ? '' : result.error}`);
    return result.message;
  });
  assert.deepEqual(new Set(decoded.map((message) => message.type)), new Set(trainerTypes));
  // The examples hold NaN and Infinity on the Python side: they must arrive as null, where the schema allows null.
  const metrics = decoded.find(
    (message): message is Extract<TrainerMessage, { type: 'metrics/didUpdate' }> => message.type === 'metrics/didUpdate',
  );
  assert.equal(metrics?.reports[0]?.nc1, null);
  assert.equal(metrics?.reports[0]?.nc1PerClass[2], null);
  assert.deepEqual(
    decoded.map((message) => message.seq),
    [...decoded.keys()],
  );
});

test('the constants Python reads are the TypeScript ones', { skip }, () => {
  const constants = JSON.parse(runPython(['-m', 'ncmonitor.protocol', '--constants'])) as Record<string, unknown>;
  assert.deepEqual(constants, {
    PROTOCOL_VERSION,
    TOKEN_HEADER,
    ENV_SERVER_URL,
    ENV_TOKEN,
    ENV_RUN_ID,
    MAX_MESSAGE_BYTES,
    RUN_END_REASONS: [...RUN_END_REASONS],
    TRAINER_MESSAGE_TYPES: trainerTypes,
    EXTENSION_MESSAGE_TYPES: extensionMessageSchema.options.map((option) => option.shape.type.value),
  });
});

/** Variants of a message: each field (nested ones too, first array element only) set to a string, null, -1, 0 or 0.5, or removed. */
function mutations(message: unknown): unknown[] {
  const variants: unknown[] = [];
  const visit = (value: unknown, replace: (next: unknown) => unknown) => {
    if (Array.isArray(value)) {
      if (value.length > 0) visit(value[0], (next) => replace(next === REMOVE ? value.slice(1) : [next, ...value.slice(1)]));
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, field] of Object.entries(value)) {
      const rebuild = (next: unknown) => {
        const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
        if (next === REMOVE) delete copy[key];
        else copy[key] = next;
        return replace(copy);
      };
      variants.push(rebuild('x'), rebuild(null), rebuild(REMOVE), rebuild(-1), rebuild(0), rebuild(0.5));
      visit(field, rebuild);
    }
  };
  visit(message, (next) => next);
  return variants;
}
const REMOVE = Symbol('remove');

test("Python's validator accepts and rejects exactly the messages zod does", { skip }, () => {
  const examples = jsonLines(runPython(['-m', 'ncmonitor.protocol', '--examples']));
  const variants = examples.flatMap((example) => [example, ...mutations(example)]);
  assert.ok(variants.length > 500, `only ${variants.length} variants`);
  const verdicts = jsonLines(
    runPython(['-m', 'ncmonitor.protocol', '--validate'], variants.map((variant) => JSON.stringify(variant)).join('\n')),
  ) as string[][];
  assert.equal(verdicts.length, variants.length);
  let rejected = 0;
  variants.forEach((variant, index) => {
    const zod = decodeTrainerMessage(JSON.stringify(variant));
    const issues = verdicts[index]!;
    if (!zod.ok) rejected++;
    assert.equal(
      issues.length === 0,
      zod.ok,
      `${JSON.stringify(variant).slice(0, 300)}\nzod: ${zod.ok ? 'ok' : zod.error}\npython: ${issues.join('; ')}`,
    );
  });
  assert.ok(
    rejected > 100 && rejected < variants.length - 100,
    `the variants should mix valid and invalid (${rejected} of ${variants.length} rejected)`,
  );
});

function readConfigs(folder: string): Record<string, unknown> {
  const entries = readdirSync(folder).filter((name) => name.endsWith('.ltrun.json'));
  return Object.fromEntries(entries.map((name) => [name, parseJsonc(readFileSync(join(folder, name), 'utf8')) as unknown]));
}

const validConfigs: Record<string, unknown> = {
  empty: {},
  tiny: tinyConfig(),
  full: {
    $schema: '../media/ltrun.schema.json',
    name: 'full',
    engine: 'pytorch',
    dataset: { name: 'synthetic', classes: 6, imageSize: 16, trainPerClass: 50, testPerClass: 10, download: true },
    imbalance: { profile: 'step', factor: 10, maxPerClass: 40 },
    seed: 7,
    model: { architecture: 'resnet8', featureDim: 32, hiddenUnits: [64, 32], width: 8 },
    method: { name: 'ldam-drw', maxMargin: 0.3, reweightAfterEpochs: 4 },
    labels: { mode: 'single' },
    optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0.8, weightDecay: 0.0002 },
    schedule: { name: 'step', warmupEpochs: 1, milestones: [3, 5], gamma: 0.5 },
    batchSize: 64,
    epochs: 6,
    evaluation: { everyEpochs: 2, splits: ['test'] },
    metrics: {
      centring: 'sample',
      tail: { by: 'classes', classes: [4, 5] },
      collapseCosine: 0.2,
      collapseRecall: 0.1,
      maxHeatmapClasses: 10,
    },
    augmentation: { normalise: false, randomCropPadding: 2, horizontalFlip: true },
    backend: 'cpu',
  },
  multiLabelFile: { labels: { mode: 'multi-label', source: 'file', path: 'train.csv', testPath: 'test.csv' }, engine: 'tfjs' },
  multiLabelOnPytorch: { labels: { mode: 'multi-label', correlation: 0.5 }, engine: 'pytorch' },
  multiLabelOnPytorchCrossEntropy: { labels: { mode: 'multi-label' }, engine: 'pytorch', method: { name: 'cross-entropy' } },
  ...Object.fromEntries(
    METHOD_NAMES.map((name) => [`method ${name}`, { method: name === 'granularity' ? { name, auxiliaryClasses: [8, 9] } : { name } }]),
  ),
  methodWithoutName: { method: {} },
  ...readConfigs(join(REPO, 'samples', 'workspace')),
  ...readConfigs(join(REPO, 'test', 'fixtures', 'workspace')),
};

const invalidConfigs: Record<string, unknown> = {
  array: [],
  text: 'epochs: 3',
  unknownTopLevel: { epoch: 3 },
  unknownNested: { optimizer: { lr: 0.1 } },
  wrongTypes: { epochs: '3', batchSize: true, seed: null, name: 5 },
  notAnInteger: { epochs: 2.5 },
  bounds: { epochs: 0, optimizer: { learningRate: 0 }, metrics: { collapseCosine: 2, tail: { fraction: 1 } }, dataset: { classes: 1 } },
  emptyName: { name: '' },
  emptySplits: { evaluation: { splits: [] } },
  enumValue: { backend: 'tpu', dataset: { name: 'imagenet' } },
  unknownMethod: { method: { name: 'mixup' } },
  methodAsString: { method: 'focal' },
  methodOptionOfAnotherMethod: { method: { name: 'focal', tau: 1 } },
  methodBound: { method: { name: 'class-balanced', beta: 1 } },
  optionWithoutName: { method: { gamma: 2 } },
  granularityWithoutClasses: { method: { name: 'granularity' } },
  granularityEmptyClasses: { method: { name: 'granularity', auxiliaryClasses: [] } },
  arrayItem: { model: { hiddenUnits: [64, 0] }, schedule: { milestones: [1.5] } },
  nonFiniteAsNull: { optimizer: { learningRate: null } },
  multiLabelWithFocal: { labels: { mode: 'multi-label' }, method: { name: 'focal' } },
  multiLabelOnPytorchWithFocal: { labels: { mode: 'multi-label' }, method: { name: 'focal' }, engine: 'pytorch' },
  multiLabelFileWithoutPaths: { labels: { mode: 'multi-label', source: 'file' } },
  multiLabelWithBound: { labels: { mode: 'multi-label', correlation: 2 }, method: { name: 'focal' }, epochs: 0 },
  multiLabelWithWrongType: { labels: { mode: 'multi-label' }, method: { name: 'focal' }, epochs: 'many' },
};

interface PythonParse {
  ok: boolean;
  config?: unknown;
  issues?: { path: string; message: string }[];
}

function parseInPython(configs: Record<string, unknown>): Map<string, PythonParse> {
  const names = Object.keys(configs);
  const results = jsonLines(
    runPython(['-m', 'ncmonitor.schema', 'parse-run-config'], JSON.stringify(names.map((name) => configs[name]))),
  ) as PythonParse[];
  assert.equal(results.length, names.length);
  return new Map(names.map((name, index) => [name, results[index]!]));
}

test("Python's parse_run_config returns exactly what parseRunConfig returns, defaults included", { skip }, () => {
  const fromPython = parseInPython(validConfigs);
  assert.ok(fromPython.size >= 25, `only ${fromPython.size} configs`);
  for (const [name, value] of Object.entries(validConfigs)) {
    const expected = parseRunConfig(value);
    assert.ok(expected.ok, `${name} should be valid in TypeScript: ${expected.ok ? '' : JSON.stringify(expected.issues)}`);
    const actual = fromPython.get(name)!;
    assert.ok(actual.ok, `${name} refused by Python: ${JSON.stringify(actual.issues)}`);
    // Through JSON, as the config travels (zod leaves optional fields out rather than undefined).
    assert.deepEqual(actual.config, JSON.parse(JSON.stringify(expected.config)), name);
  }
});

test('invalid configs are refused on both sides, at the same fields', { skip }, () => {
  const fromPython = parseInPython(invalidConfigs);
  for (const [name, value] of Object.entries(invalidConfigs)) {
    const expected = parseRunConfig(value);
    assert.ok(!expected.ok, `${name} should be invalid in TypeScript`);
    const actual = fromPython.get(name)!;
    assert.equal(actual.ok, false, `${name} accepted by Python`);
    const sortedPaths = (issues: { path: string }[]) => issues.map((issue) => issue.path).sort();
    assert.deepEqual(sortedPaths(actual.issues!), sortedPaths(expected.issues), name);
    for (const issue of actual.issues!) assert.ok(issue.message.length > 10, `${name}: ${issue.path} has no useful message`);
    // The cross-field checks are written twice (zod refinement, Python function): their words must agree too.
    const crossField = (issues: { path: string; message: string }[]) =>
      issues
        .filter((issue) => issue.message.includes('multi-label') || issue.message.includes('labels.source'))
        .map((issue) => `${issue.path}: ${issue.message}`);
    assert.deepEqual(crossField(actual.issues!).sort(), crossField(expected.issues).sort(), name);
  }
});

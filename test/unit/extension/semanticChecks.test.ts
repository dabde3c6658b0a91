import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../../src/protocol/configFile';
import { semanticChecks } from '../../../src/extension/diagnostics/semanticChecks';
import type { FileFacts } from '../../../src/extension/diagnostics/semanticChecks';

const facts = (existing: string[] = [], classFolders?: number): FileFacts => ({
  resolve: (path) => (path.startsWith('/') ? path : `/work/configs/${path}`),
  exists: (path) => existing.includes(path),
  imageFolderClassCount: () => classFolders,
});

function check(text: string, fileFacts = facts()) {
  const parsed = parseConfigText(text);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.issues));
  return semanticChecks(parsed.config, parsed.tree, fileFacts);
}

const codes = (issues: ReturnType<typeof check>) => issues.map((issue) => issue.code).sort();

test('the sample default config has no semantic issue', () => {
  assert.deepEqual(check('{ "dataset": { "name": "synthetic" }, "imbalance": { "factor": 100 } }'), []);
});

test('a dataset path that does not exist is an error with a choose-folder fix; with download it is information', () => {
  const missing = check('{ "dataset": { "name": "cifar10", "path": "data/cifar" } }');
  assert.equal(missing[0]?.code, 'dataset-path-missing');
  assert.equal(missing[0]?.severity, 'error');
  assert.match(missing[0]?.message ?? '', /\/work\/configs\/data\/cifar/);
  assert.equal(missing[0]?.fixes[0]?.kind, 'chooseFolder');
  const present = check('{ "dataset": { "name": "cifar10", "path": "data/cifar" } }', facts(['/work/configs/data/cifar']));
  assert.deepEqual(codes(present), []);
  const download = check('{ "dataset": { "name": "cifar10", "path": "data/cifar", "download": true } }');
  assert.equal(download[0]?.severity, 'information');
});

test('a feature dimension below C − 1 is flagged with a fix raising it to C − 1', () => {
  const issues = check('{ "dataset": { "name": "cifar100" }, "model": { "featureDim": 64 } }');
  const issue = issues.find((candidate) => candidate.code === 'feature-dim-below-etf');
  assert.ok(issue);
  assert.deepEqual(issue.fixes[0], { kind: 'replaceValue', title: 'Raise featureDim to C − 1 = 99', path: ['model', 'featureDim'], value: 99 });
});

test('an imbalance factor that empties classes is an error naming the classes', () => {
  // n_max 100, IF 1000, C 10: n_i = floor(100 · 1000^(−i/9)) < 1 once 1000^(i/9) > 100, i.e. i ≥ 7 (1000^(7/9) ≈ 215).
  const issues = check('{ "dataset": { "name": "synthetic", "classes": 10 }, "imbalance": { "factor": 1000, "maxPerClass": 100 } }');
  const issue = issues.find((candidate) => candidate.code === 'imbalance-empties-class');
  assert.ok(issue);
  assert.match(issue.message, /3 class\(es\)/);
  assert.match(issue.message, /classes 7, 8, 9/);
});

test('a tail definition selecting nothing is a warning', () => {
  const issues = check('{ "dataset": { "name": "synthetic" }, "imbalance": { "profile": "none" }, "metrics": { "tail": { "by": "shot" } } }');
  assert.ok(issues.some((issue) => issue.code === 'tail-selects-nothing'));
  const explicit = check('{ "dataset": { "name": "synthetic" }, "metrics": { "tail": { "by": "classes", "classes": [10, 11] } } }');
  assert.ok(explicit.some((issue) => issue.code === 'tail-selects-nothing'));
});

test('learning rate and batch size outside sane ranges are warnings with fixes', () => {
  const issues = check('{ "dataset": { "name": "synthetic" }, "optimizer": { "name": "adam", "learningRate": 0.5 }, "batchSize": 4 }');
  assert.deepEqual(codes(issues), ['batch-size-range', 'learning-rate-range']);
  assert.ok(issues.every((issue) => issue.severity === 'warning' && issue.fixes.length === 1));
  assert.deepEqual(check('{ "dataset": { "name": "synthetic" }, "optimizer": { "name": "sgd", "learningRate": 0.5 } }'), []);
});

test('options that do nothing for the chosen settings are pointed out with a removal fix', () => {
  const issues = check('{ "dataset": { "name": "synthetic" }, "optimizer": { "name": "adam", "momentum": 0.9 }, "model": { "architecture": "mlp", "width": 8 } }');
  assert.deepEqual(
    issues.map((issue) => issue.path.join('.')),
    ['optimizer.momentum', 'model.width'],
  );
  assert.ok(issues.every((issue) => issue.code === 'option-has-no-effect' && issue.fixes[0]?.kind === 'removeProperty'));
});

test('method-specific checks: cRT stage length, granularity auxiliary classes and their effect on C', () => {
  const crt = check('{ "dataset": { "name": "synthetic" }, "epochs": 5, "method": { "name": "crt", "classifierEpochs": 5 } }');
  assert.deepEqual(codes(crt), ['crt-stage-too-long']);
  assert.equal(crt[0]?.fixes[0]?.kind, 'replaceValue');
  const outside = check('{ "dataset": { "name": "synthetic", "classes": 10 }, "method": { "name": "granularity", "auxiliaryClasses": [8, 12] } }');
  assert.deepEqual(codes(outside), ['auxiliary-classes-invalid']);
  // 10 dataset classes, 2 auxiliary: C = 8 targets, so featureDim 7 = C − 1 is enough for an ETF.
  const fine = check('{ "dataset": { "name": "synthetic", "classes": 10 }, "model": { "featureDim": 7 }, "method": { "name": "granularity", "auxiliaryClasses": [8, 9] } }');
  assert.deepEqual(codes(fine), []);
});

test('the pytorch engine: a tfjs-only method is an error with a fix back to the tfjs engine; a tfjs backend is a warning', () => {
  const method = check('{ "dataset": { "name": "synthetic" }, "engine": "pytorch", "method": { "name": "allnc" } }');
  const issue = method.find((candidate) => candidate.code === 'engine-method');
  assert.ok(issue, JSON.stringify(method));
  assert.equal(issue.severity, 'error');
  assert.deepEqual(issue.path, ['method', 'name']);
  assert.deepEqual(issue.fixes[0], { kind: 'replaceValue', title: 'Run this config with the tfjs engine', path: ['engine'], value: 'tfjs' });
  assert.deepEqual(codes(check('{ "dataset": { "name": "synthetic" }, "engine": "pytorch", "method": { "name": "ldam-drw" } }')), []);
  assert.deepEqual(codes(check('{ "dataset": { "name": "synthetic" }, "method": { "name": "allnc" } }')), [], 'the tfjs engine has every method');
  const backend = check('{ "dataset": { "name": "synthetic" }, "engine": "pytorch", "backend": "wasm" }');
  assert.deepEqual(codes(backend), ['engine-backend']);
  assert.equal(backend[0]?.severity, 'warning');
  assert.deepEqual(codes(check('{ "dataset": { "name": "synthetic" }, "engine": "pytorch", "backend": "cpu" }')), []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText, lineAndColumn } from '../../../src/protocol/configFile';

test('a config with comments and trailing commas parses, and defaults are filled in', () => {
  const parsed = parseConfigText('{\n  // a comment\n  "epochs": 3,\n  "dataset": { "name": "synthetic", },\n}');
  assert.equal(parsed.ok, true);
  if (!parsed.ok) return;
  assert.equal(parsed.config.epochs, 3);
  assert.equal(parsed.config.dataset.name, 'synthetic');
  assert.equal(parsed.config.optimizer.name, 'adam');
  assert.equal(parsed.config.metrics.centring, 'class-means');
  assert.equal(parsed.config.backend, 'auto');
});

test('an invalid value is located on its field, with a message naming the field', () => {
  const text = '{\n  "optimizer": { "learningRate": -1 }\n}';
  const parsed = parseConfigText(text);
  assert.equal(parsed.ok, false);
  if (parsed.ok) return;
  const issue = parsed.issues.find((candidate) => candidate.path === 'optimizer.learningRate');
  assert.ok(issue, JSON.stringify(parsed.issues));
  assert.equal(text.slice(issue.offset, issue.offset + issue.length), '"learningRate": -1');
  assert.deepEqual(lineAndColumn(text, issue.offset), { line: 2, column: 18 });
});

test('an unknown field is reported on the key itself, with a hint', () => {
  const text = '{ "epochz": 3 }';
  const parsed = parseConfigText(text);
  assert.equal(parsed.ok, false);
  if (parsed.ok) return;
  assert.equal(parsed.issues.length, 1);
  assert.equal(parsed.issues[0]?.path, 'epochz');
  assert.match(parsed.issues[0]?.message ?? '', /unknown field "epochz"/);
  assert.equal(text.slice(parsed.issues[0]?.offset, (parsed.issues[0]?.offset ?? 0) + (parsed.issues[0]?.length ?? 0)), '"epochz": 3');
});

test('syntax errors and empty files are reported, not thrown', () => {
  const broken = parseConfigText('{ "epochs": 3 ');
  assert.equal(broken.ok, false);
  if (!broken.ok) assert.match(broken.issues[0]?.message ?? '', /JSON syntax error/);
  const empty = parseConfigText('');
  assert.equal(empty.ok, false);
});

test('a wrong enum value names the allowed values', () => {
  const parsed = parseConfigText('{ "model": { "architecture": "vgg" } }');
  assert.equal(parsed.ok, false);
  if (parsed.ok) return;
  assert.equal(parsed.issues[0]?.path, 'model.architecture');
  assert.match(parsed.issues[0]?.message ?? '', /mlp/);
});

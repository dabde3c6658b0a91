/** Semantic checks of `labels`: missing label files, and label or imbalance options that do nothing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../../src/protocol/configFile';
import { semanticChecks } from '../../../src/extension/diagnostics/semanticChecks';
import type { FileFacts } from '../../../src/extension/diagnostics/semanticChecks';

const facts = (existing: string[] = []): FileFacts => ({
  resolve: (path) => (path.startsWith('/') ? path : `/work/configs/${path}`),
  exists: (path) => existing.includes(path),
  imageFolderClassCount: () => undefined,
});

function check(config: unknown, fileFacts = facts()) {
  const parsed = parseConfigText(JSON.stringify({ dataset: { name: 'synthetic' }, ...(config as object) }));
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.issues));
  return semanticChecks(parsed.config, parsed.tree, fileFacts);
}

test('a generated multi-label config has no semantic issue', () => {
  assert.deepEqual(check({ labels: { mode: 'multi-label', secondLabelProbability: 0.5 } }), []);
});

test('a missing label file is an error at its field, resolved against the config', () => {
  const labels = { mode: 'multi-label', source: 'file', path: 'y/train.csv', testPath: 'y/test.csv' };
  const issues = check({ labels, imbalance: { factor: 10 } }, facts(['/work/configs/y/train.csv']));
  assert.equal(issues.length, 2, JSON.stringify(issues));
  const missing = issues.find((issue) => issue.code === 'label-file-missing');
  assert.ok(missing);
  assert.equal(missing.severity, 'error');
  assert.deepEqual(missing.path, ['labels', 'testPath']);
  assert.match(missing.message, /Label file \/work\/configs\/y\/test\.csv does not exist/);
  // The imbalance profile is not applied to label files.
  const profile = issues.find((issue) => issue.code === 'option-has-no-effect');
  assert.deepEqual(profile?.path, ['imbalance', 'factor']);
  const present = check({ labels }, facts(['/work/configs/y/train.csv', '/work/configs/y/test.csv']));
  assert.deepEqual(present, []);
});

test('label options that do nothing are information with a remove fix', () => {
  const single = check({ labels: { correlation: 0.5, path: 'y.csv' } });
  assert.deepEqual(
    single.map((issue) => issue.path.join('.')),
    ['labels.path', 'labels.correlation'],
  );
  assert.ok(single.every((issue) => issue.severity === 'information' && issue.fixes[0]?.kind === 'removeProperty'));
  assert.match(single[0]?.message ?? '', /labels\.path has no effect: labels\.mode is "single"/);
  const generated = check({ labels: { mode: 'multi-label', testPath: 'y.csv' } });
  assert.deepEqual(
    generated.map((issue) => issue.path.join('.')),
    ['labels.testPath'],
  );
  const file = check(
    { labels: { mode: 'multi-label', source: 'file', path: 'a.csv', trainSamples: 10 }, evaluation: { splits: ['train'] } },
    facts(['/work/configs/a.csv']),
  );
  assert.deepEqual(
    file.map((issue) => issue.path.join('.')),
    ['labels.trainSamples'],
  );
});

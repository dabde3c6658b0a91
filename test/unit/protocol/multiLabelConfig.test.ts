/**
 * `labels` in the run config: single-label by default, multi-label with generated or file labels, and the cross-field
 * rules (single-label methods, label files, engine) reported at the field to change, with line and column.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineAndColumn, parseConfigText } from '../../../src/protocol/configFile';
import { runConfigJsonSchema } from '../../../src/protocol/jsonSchema';
import { MULTI_LABEL_METHODS } from '../../../src/protocol/labelsConfig';
import { METHOD_NAMES, parseRunConfig } from '../../../src/protocol/runConfig';

function issuesOf(value: unknown): string[] {
  const parsed = parseRunConfig(value);
  return parsed.ok ? [] : parsed.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('labels config', () => {
  it('defaults to single-label, and a config without labels parses as before', () => {
    const parsed = parseRunConfig({ method: { name: 'ldam-drw' } });
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.config.labels, { mode: 'single', source: 'generated', secondLabelProbability: 0.3, correlation: 0.8 });
  });

  it('accepts generated and file multi-label configs', () => {
    const generated = parseRunConfig({ labels: { mode: 'multi-label', secondLabelProbability: 0.5, correlation: 0.2, trainSamples: 500 } });
    assert.ok(generated.ok);
    assert.equal(generated.config.labels.trainSamples, 500);
    assert.equal(generated.config.method.name, 'cross-entropy');
    assert.deepEqual(issuesOf({ labels: { mode: 'multi-label', source: 'file', path: 'train.csv', testPath: 'test.csv' } }), []);
    // Without test labels, evaluating only the training split is fine.
    assert.deepEqual(issuesOf({ labels: { mode: 'multi-label', source: 'file', path: 'y.json' }, evaluation: { splits: ['train'] } }), []);
  });

  it('rejects every single-label method in multi-label mode, naming the fix', () => {
    for (const name of METHOD_NAMES.filter((method) => !MULTI_LABEL_METHODS.includes(method))) {
      const config = { labels: { mode: 'multi-label' }, method: name === 'granularity' ? { name, auxiliaryClasses: [9] } : { name } };
      const issues = issuesOf(config);
      assert.equal(issues.length, 1, `${name}: ${issues.join('; ')}`);
      assert.match(
        issues[0] ?? '',
        new RegExp(`^method\\.name: method "${name}" is single-label only: .*binary cross-entropy.*set labels\\.mode to "single"`),
      );
    }
    assert.deepEqual(issuesOf({ labels: { mode: 'single' }, method: { name: 'focal' } }), []);
  });

  it('needs label files for the file source and test labels when the test split is evaluated; runs on both engines', () => {
    assert.deepEqual(issuesOf({ labels: { mode: 'multi-label', source: 'file' } }), [
      'labels.path: labels.source "file" needs "path": the label file (.csv or .json) with one row per training image',
      'labels.testPath: labels.source "file" needs "testPath" (the label file of the test images) when evaluation.splits lists "test"; or evaluate on ["train"] only',
    ]);
    assert.deepEqual(issuesOf({ labels: { mode: 'multi-label' }, engine: 'pytorch' }), []);
    assert.deepEqual(issuesOf({ labels: { mode: 'multi-label' }, engine: 'tfjs' }), []);
  });

  it('rejects bad values and unknown fields in labels', () => {
    assert.match(
      issuesOf({ labels: { mode: 'multilabel' } }).join('\n'),
      /^labels\.mode: Invalid option: expected one of "single"\|"multi-label"/,
    );
    assert.match(issuesOf({ labels: { mode: 'multi-label', correlation: 1.5 } }).join('\n'), /^labels\.correlation: Too big/);
    assert.match(
      issuesOf({ labels: { mode: 'multi-label', pairProbability: 0.2 } }).join('\n'),
      /^labels\.pairProbability: unknown field "pairProbability" in labels/,
    );
  });

  it('locates a cross-field error in the file text (line and column of the method)', () => {
    const text = ['{', '  // multi-label', '  "labels": { "mode": "multi-label" },', '  "method": { "name": "focal" }', '}'].join('\n');
    const parsed = parseConfigText(text);
    assert.ok(!parsed.ok);
    const [issue] = parsed.issues;
    assert.ok(issue);
    assert.equal(issue.path, 'method.name');
    // The issue covers the `"name": "focal"` property on line 4.
    assert.deepEqual(lineAndColumn(text, issue.offset), { line: 4, column: 15 });
    assert.equal(text.slice(issue.offset, issue.offset + issue.length), '"name": "focal"');
  });

  it('is in the JSON Schema the editor validates with, with its defaults', () => {
    const schema = runConfigJsonSchema() as {
      properties: Record<string, { properties?: Record<string, { default?: unknown; enum?: unknown[] }> }>;
    };
    const labels = schema.properties.labels?.properties;
    assert.deepEqual(labels?.mode?.enum, ['single', 'multi-label']);
    assert.equal(labels?.mode?.default, 'single');
    assert.deepEqual(labels?.source?.enum, ['generated', 'file']);
  });
});

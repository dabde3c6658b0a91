import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runConfigJsonSchema } from '../../../src/protocol/jsonSchema';

test('media/ltrun.schema.json is the schema generated from src/protocol/runConfig.ts (run `npm run schema` after changing it)', () => {
  const committed = JSON.parse(readFileSync(new URL('../../../media/ltrun.schema.json', import.meta.url), 'utf8')) as unknown;
  assert.deepEqual(committed, runConfigJsonSchema());
});

test('the JSON Schema describes every top-level field of the run config and forbids unknown ones', () => {
  const schema = runConfigJsonSchema() as { properties: Record<string, unknown>; additionalProperties: unknown };
  for (const field of ['dataset', 'imbalance', 'seed', 'model', 'method', 'optimizer', 'schedule', 'batchSize', 'epochs', 'evaluation', 'metrics', 'augmentation', 'backend']) {
    assert.ok(field in schema.properties, `${field} is missing from the schema`);
  }
  assert.equal(schema.additionalProperties, false);
});

test('docs/config-reference.md is generated from the same schema (run `npm run schema` after changing it)', async () => {
  const { configReferenceMarkdown } = await import('../../../src/protocol/configReference');
  const committed = readFileSync(new URL('../../../docs/config-reference.md', import.meta.url), 'utf8');
  assert.equal(committed, configReferenceMarkdown());
  assert.match(committed, /\| `optimizer\.learningRate` \| number/);
});

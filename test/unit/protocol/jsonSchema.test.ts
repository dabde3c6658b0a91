import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runConfigJsonSchema } from '../../../src/protocol/jsonSchema';
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION, trainerMessageSchema } from '../../../src/protocol/messages';
import { generatedSchemaFiles, protocolJsonSchema } from '../../../scripts/generate-schema';

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

test('every file `npm run schema` writes is committed as generated (the Python schemas included)', () => {
  const files = generatedSchemaFiles();
  assert.ok(files.some((file) => file.path === 'python/ncmonitor/schemas/ltrun.schema.json'));
  assert.ok(files.some((file) => file.path === 'python/ncmonitor/schemas/messages.schema.json'));
  for (const file of files) {
    const committed = readFileSync(new URL(`../../../${file.path}`, import.meta.url), 'utf8');
    assert.equal(committed, file.content, `${file.path} is stale: run \`npm run schema\``);
  }
});

test('the protocol schema for Python holds every message type and the constants', () => {
  const protocol = protocolJsonSchema() as {
    constants: Record<string, unknown>;
    trainerMessages: Record<string, { properties: { type: { const: string } } }>;
    extensionMessages: Record<string, unknown>;
  };
  assert.deepEqual(
    Object.keys(protocol.trainerMessages).sort(),
    trainerMessageSchema.options.map((option) => option.shape.type.value).sort(),
  );
  for (const [type, schema] of Object.entries(protocol.trainerMessages)) assert.equal(schema.properties.type.const, type);
  assert.deepEqual(Object.keys(protocol.extensionMessages).sort(), ['ack', 'run/stop']);
  assert.equal(protocol.constants.PROTOCOL_VERSION, PROTOCOL_VERSION);
  assert.equal(protocol.constants.MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES);
});

test('docs/config-reference.md is generated from the same schema (run `npm run schema` after changing it)', async () => {
  const { configReferenceMarkdown } = await import('../../../src/protocol/configReference');
  const committed = readFileSync(new URL('../../../docs/config-reference.md', import.meta.url), 'utf8');
  assert.equal(committed, configReferenceMarkdown());
  assert.match(committed, /\| `optimizer\.learningRate` \| number/);
});

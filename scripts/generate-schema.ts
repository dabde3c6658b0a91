// Writes every file generated from the zod schemas of src/protocol/ (`npm run schema`):
// - media/ltrun.schema.json and docs/config-reference.md, from the run config (src/protocol/runConfig.ts);
// - python/ncmonitor/schemas/ltrun.schema.json (the same run-config schema, read by ncmonitor.schema) and
//   python/ncmonitor/schemas/messages.schema.json (every protocol message and the protocol's constants, read by
//   ncmonitor.protocol), so that the Python client never retypes what TypeScript defines.
// test/unit/protocol/jsonSchema.test.ts fails when a committed file differs from what this script writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { runConfigJsonSchema } from '../src/protocol/jsonSchema';
import { configReferenceMarkdown } from '../src/protocol/configReference';
import {
  ENV_RUN_ID,
  ENV_SERVER_URL,
  ENV_TOKEN,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  RUN_END_REASONS,
  TOKEN_HEADER,
  ackSchema,
  epochDidEndSchema,
  helloSchema,
  logSchema,
  metricsDidUpdateSchema,
  runDidEndSchema,
  runDidStartSchema,
  runStopSchema,
} from '../src/protocol/messages';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Messages a trainer (or the Python client) sends, by their `type`. */
const TRAINER_MESSAGES = {
  hello: helloSchema,
  'run/didStart': runDidStartSchema,
  'epoch/didEnd': epochDidEndSchema,
  'metrics/didUpdate': metricsDidUpdateSchema,
  log: logSchema,
  'run/didEnd': runDidEndSchema,
} as const;

/** Messages the extension sends back. */
const EXTENSION_MESSAGES = { ack: ackSchema, 'run/stop': runStopSchema } as const;

function messageJsonSchemas(schemas: Readonly<Record<string, z.ZodType>>): Record<string, unknown> {
  // `io: 'input'`: what the extension accepts (zod strips unknown keys there, so objects stay open);
  // draft-7 like the run-config schema, so one validator reads both.
  return Object.fromEntries(
    Object.entries(schemas).map(([type, schema]) => {
      const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'any' });
      return [type, json];
    }),
  );
}

/** The protocol as data: constants plus one JSON Schema per message type, for clients in other languages. */
export function protocolJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Neural Collapse Monitor trainer protocol',
    description:
      'Generated from src/protocol/messages.ts and src/protocol/metrics.ts by `npm run schema`; do not edit. ' +
      '`trainerMessages`: what a trainer sends (the first message of every connection is hello); ' +
      '`extensionMessages`: what the extension sends back.',
    constants: {
      PROTOCOL_VERSION,
      TOKEN_HEADER,
      ENV_SERVER_URL,
      ENV_TOKEN,
      ENV_RUN_ID,
      MAX_MESSAGE_BYTES,
      RUN_END_REASONS: [...RUN_END_REASONS],
    },
    trainerMessages: messageJsonSchemas(TRAINER_MESSAGES),
    extensionMessages: messageJsonSchemas(EXTENSION_MESSAGES),
  };
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Every generated file: its path relative to the repository root and its exact content. */
export function generatedSchemaFiles(): { path: string; content: string }[] {
  const runConfig = json(runConfigJsonSchema());
  return [
    { path: 'media/ltrun.schema.json', content: runConfig },
    { path: 'docs/config-reference.md', content: configReferenceMarkdown() },
    { path: 'python/ncmonitor/schemas/ltrun.schema.json', content: runConfig },
    { path: 'python/ncmonitor/schemas/messages.schema.json', content: json(protocolJsonSchema()) },
  ];
}

function main(): void {
  for (const file of generatedSchemaFiles()) {
    const target = resolve(REPO, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    process.stdout.write(`wrote ${file.path}\n`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();

// Writes media/ltrun.schema.json and docs/config-reference.md from the zod schema in src/protocol/runConfig.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { runConfigJsonSchema } from '../src/protocol/jsonSchema';
import { configReferenceMarkdown } from '../src/protocol/configReference';

const schema = new URL('../media/ltrun.schema.json', import.meta.url);
writeFileSync(schema, `${JSON.stringify(runConfigJsonSchema(), null, 2)}\n`);
mkdirSync(new URL('../docs/', import.meta.url), { recursive: true });
const reference = new URL('../docs/config-reference.md', import.meta.url);
writeFileSync(reference, configReferenceMarkdown());
process.stdout.write(`wrote ${schema.pathname} and ${reference.pathname}\n`);

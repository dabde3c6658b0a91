// Writes media/ltrun.schema.json from the zod schema in src/protocol/runConfig.ts.
import { writeFileSync } from 'node:fs';
import { runConfigJsonSchema } from '../src/protocol/jsonSchema';

const target = new URL('../media/ltrun.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(runConfigJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target.pathname}\n`);

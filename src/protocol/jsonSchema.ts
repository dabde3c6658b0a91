import * as z from 'zod';
import { runConfigSchema } from './runConfig';

/**
 * The JSON Schema of `*.ltrun.json`, generated from the zod schema so that the two never disagree. Draft-07,
 * which VS Code's JSON language service supports fully; `io: 'input'` because users write the input side
 * (defaults may be left out).
 */
export function runConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(runConfigSchema, { target: 'draft-7', io: 'input', unrepresentable: 'any' });
  return {
    ...schema,
    title: 'Neural Collapse Monitor run config (*.ltrun.json)',
    description: 'A long-tailed training run: dataset and imbalance, model, method, optimisation, evaluation and metrics.',
    allowComments: true,
    allowTrailingCommas: true,
  };
}

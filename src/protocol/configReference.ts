import { runConfigJsonSchema } from './jsonSchema';

interface SchemaNode {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, SchemaNode>;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  const?: unknown;
  items?: SchemaNode;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

/** The configuration reference (docs/config-reference.md), generated from the same schema as the JSON Schema. */
export function configReferenceMarkdown(): string {
  const rows: string[] = [];
  const walk = (node: SchemaNode, path: string) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      if (key === '$schema') continue;
      const field = path === '' ? key : `${path}.${key}`;
      const variants = child.oneOf ?? child.anyOf;
      if (variants !== undefined && variants.every((variant) => variant.properties?.name?.const !== undefined)) {
        // A discriminated union (method): one block of rows per variant, headed by its name.
        if (child.description !== undefined) rows.push(`| \`${field}\` | object | | ${escape(child.description)} |`);
        for (const variant of variants) {
          const name = String(variant.properties?.name?.const);
          rows.push(`| \`${field}.name\` = \`"${name}"\` | | | ${escape(variant.properties?.name?.description ?? '')} |`);
          for (const [option, optionNode] of Object.entries(variant.properties ?? {})) {
            if (option === 'name') continue;
            rows.push(`| \`${field}.${option}\` (${name}) | ${typeOf(optionNode)} | ${optionNode.default === undefined ? '' : `\`${JSON.stringify(optionNode.default)}\``} | ${escape(optionNode.description ?? '')} |`);
          }
        }
        continue;
      }
      if (child.properties !== undefined) {
        if (child.description !== undefined) rows.push(`| \`${field}\` | object | | ${escape(child.description)} |`);
        walk(child, field);
        continue;
      }
      rows.push(`| \`${field}\` | ${typeOf(child)} | ${child.default === undefined ? '' : `\`${JSON.stringify(child.default)}\``} | ${escape(child.description ?? '')} |`);
    }
  };
  walk(runConfigJsonSchema(), '');
  return [
    '# Run config reference (`*.ltrun.json`)',
    '',
    'Generated from `src/protocol/runConfig.ts` by `npm run schema`; the same schema validates configs in the trainer and',
    'in the editor (completion, hovers and errors come from `media/ltrun.schema.json`). Comments and trailing commas are',
    'allowed. Every field is optional: the defaults below apply.',
    '',
    '| Field | Type | Default | Description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

function typeOf(node: SchemaNode): string {
  if (node.enum !== undefined) return node.enum.map((value) => `\`${JSON.stringify(value)}\``).join(' \\| ');
  const base = Array.isArray(node.type) ? node.type.join(' \\| ') : (node.type ?? 'any');
  if (base === 'array' && node.items !== undefined) return `array of ${typeOf(node.items)}`;
  const bounds: string[] = [];
  if (node.minimum !== undefined) bounds.push(`≥ ${node.minimum}`);
  if (node.exclusiveMinimum !== undefined) bounds.push(`> ${node.exclusiveMinimum}`);
  if (node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER) bounds.push(`≤ ${node.maximum}`);
  if (node.exclusiveMaximum !== undefined) bounds.push(`< ${node.exclusiveMaximum}`);
  return bounds.length === 0 ? base : `${base} (${bounds.join(', ')})`;
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

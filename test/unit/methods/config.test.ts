/**
 * `method` in the run config: a discriminated union on `name` with each method's options and defaults, clear
 * errors, the JSON Schema the editor validates with, and a page in docs/methods.md for every method.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runConfigJsonSchema } from '../../../src/protocol/jsonSchema';
import { METHOD_NAMES, parseRunConfig } from '../../../src/protocol/runConfig';

function method(value: unknown) {
  const parsed = parseRunConfig({ method: value });
  return parsed.ok
    ? { ok: true as const, method: parsed.config.method }
    : { ok: false as const, messages: parsed.issues.map((issue) => `${issue.path}: ${issue.message}`) };
}

describe('method config', () => {
  it('defaults to cross-entropy when method or its name is left out', () => {
    assert.deepEqual(parseRunConfig({}).ok && (parseRunConfig({}) as { config: { method: unknown } }).config.method, {
      name: 'cross-entropy',
    });
    assert.deepEqual(method({}), { ok: true, method: { name: 'cross-entropy' } });
  });

  it('fills the published defaults', () => {
    assert.deepEqual(method({ name: 'class-balanced' }), {
      ok: true,
      method: { name: 'class-balanced', beta: 0.9999, loss: 'cross-entropy', gamma: 2 },
    });
    assert.deepEqual(method({ name: 'ldam-drw' }), {
      ok: true,
      method: { name: 'ldam-drw', maxMargin: 0.5, scale: 30, deferredReweighting: true, beta: 0.9999, cosineClassifier: true },
    });
    assert.deepEqual(method({ name: 'logit-adjustment' }), { ok: true, method: { name: 'logit-adjustment', mode: 'loss', tau: 1 } });
    assert.deepEqual(method({ name: 'focal' }), { ok: true, method: { name: 'focal', gamma: 2 } });
    assert.deepEqual(method({ name: 'allnc' }), { ok: true, method: { name: 'allnc', hyconWeight: 1, peerWeight: 1, momentum: 0.9 } });
  });

  it('accepts every method name (granularity with its required auxiliary classes)', () => {
    for (const name of METHOD_NAMES) {
      const result = method(name === 'granularity' ? { name, auxiliaryClasses: [9] } : { name });
      assert.ok(result.ok, `${name}: ${JSON.stringify(result)}`);
      assert.equal(result.method.name, name);
    }
  });

  it('explains an unknown method, an unknown option and a missing required option', () => {
    const unknown = method({ name: 'ldam' });
    assert.ok(!unknown.ok);
    assert.match(unknown.messages.join('\n'), /method\.name: unknown method: use one of "cross-entropy", .*"ldam-drw"/);
    const typo = method({ name: 'focal', gama: 1 });
    assert.ok(!typo.ok);
    assert.match(typo.messages.join('\n'), /method\.gama: unknown field "gama" in method/);
    const optionOfAnother = method({ name: 'cross-entropy', tau: 1 });
    assert.ok(!optionOfAnother.ok);
    const missing = method({ name: 'granularity' });
    assert.ok(!missing.ok);
    assert.match(missing.messages.join('\n'), /method\.auxiliaryClasses: granularity needs auxiliaryClasses/);
    const outOfRange = method({ name: 'class-balanced', beta: 1 });
    assert.ok(!outOfRange.ok);
    assert.match(outOfRange.messages.join('\n'), /method\.beta/);
  });

  it('the JSON Schema offers one described branch per method', () => {
    const schema = runConfigJsonSchema() as {
      properties: { method: { oneOf?: { properties: { name: { const?: string; description?: string } } }[] } };
    };
    const branches = schema.properties.method.oneOf ?? [];
    assert.deepEqual(branches.map((branch) => branch.properties.name.const).sort(), [...METHOD_NAMES].sort());
    for (const branch of branches)
      assert.ok((branch.properties.name.description ?? '').length > 20, `${branch.properties.name.const} has a description`);
  });

  it('docs/methods.md documents every method', () => {
    const page = readFileSync(new URL('../../../docs/methods.md', import.meta.url), 'utf8');
    for (const name of METHOD_NAMES) assert.match(page, new RegExp(`^#+ .*\`${name}\``, 'm'), `a heading for \`${name}\``);
  });
});

/** The methods benchmark at CI size: a few methods, one epoch, synthetic data, through the real loop; table and JSON. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { benchMethods, methodConfig, parseBenchOptions } from '../../../scripts/bench-methods';

it('writes a markdown row and JSON results per method, with the command and the machine', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'bench-')), 'table.md');
  const args = ['--dataset', 'synthetic', '--epochs', '2', '--max-per-class', '30', '--factor', '10', '--test-per-class', '10'];
  args.push(
    '--architecture',
    'mlp',
    '--feature-dim',
    '16',
    '--batch-size',
    '32',
    '--backend',
    'cpu',
    '--methods',
    'cross-entropy,crt,granularity',
    '--out',
    out,
    '--quiet',
  );
  const results = await benchMethods(parseBenchOptions(args), 'bench-test');
  assert.deepEqual(
    results.map((result) => result.method),
    ['cross-entropy', 'crt', 'granularity'],
  );
  for (const result of results) {
    assert.ok(result.overall !== null && result.overall >= 0 && result.overall <= 1);
    assert.ok(result.firstCollapseEpoch === null || result.firstCollapseEpoch >= 1);
  }
  assert.equal(results[2]?.classCount, 9, 'granularity holds class 9 out');
  const table = readFileSync(out, 'utf8');
  assert.match(table, /Command: `bench-test`/);
  assert.match(table, /Machine: .*cores.*Node v\d+/);
  assert.match(table, /\| Tail cos \| Flagged \| At end \| Seconds \|/);
  for (const method of ['cross-entropy', 'crt', 'granularity'])
    assert.match(table, new RegExp(`^\\| \`${method}\` \\| \\d+\\.\\d \\|`, 'm'));
  assert.match(table, /crt: the last 1 of 2 epochs re-train the classifier/);
  const json = JSON.parse(readFileSync(out.replace(/\.md$/, '.json'), 'utf8')) as { results: unknown[]; command: string };
  assert.equal(json.results.length, 3);
  assert.equal(json.command, 'bench-test');
  rmSync(join(out, '..'), { recursive: true, force: true });
});

it('rejects unknown methods and bad numbers with the option to fix', () => {
  assert.throws(() => parseBenchOptions(['--methods', 'ce']), /--methods: unknown ce/);
  assert.throws(() => parseBenchOptions(['--epochs', '0']), /--epochs must be a positive integer/);
  assert.equal(methodConfig('crt', 1).method?.name, 'cross-entropy');
});

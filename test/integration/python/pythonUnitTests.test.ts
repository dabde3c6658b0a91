/**
 * The Python package's own unit tests (python/tests, unittest), run by the interpreter the other Python tests use:
 * each Python test is reported here as its own subtest. Without PyTorch only the standard-library part runs (the
 * client, the WebSocket framing and the schema validator).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../../support/trainerProcess';
import { PYTHON_PACKAGE_ROOT, findPython, pythonEnv } from '../../support/python';

interface PythonTestLine {
  test: string;
  outcome: 'passed' | 'failed' | 'skipped';
  detail: string;
  ms: number;
}

const STDLIB_ONLY_PATTERNS = ['test_client*.py', 'test_schema*.py'];

test('python/tests (unittest)', { timeout: 300_000 }, async (t) => {
  const python = findPython();
  if (python === null) return t.skip('no Python 3 interpreter found (set NC_MONITOR_PYTHON)');
  if (!python.hasTorch) t.diagnostic('PyTorch not found: running the standard-library tests only (apt-get install python3-torch)');
  const patterns = python.hasTorch ? [] : STDLIB_ONLY_PATTERNS;
  const run = spawnSync(python.command, [join(REPO, 'test', 'support', 'unittestJson.py'), PYTHON_PACKAGE_ROOT, ...patterns], {
    cwd: REPO,
    env: pythonEnv(),
    encoding: 'utf8',
    timeout: 280_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const results = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as PythonTestLine);
  for (const result of results) {
    await t.test(result.test, { skip: result.outcome === 'skipped' ? result.detail || 'skipped' : false }, (subtest) => {
      subtest.diagnostic(`${result.ms} ms in Python`);
      if (result.outcome === 'failed') throw new Error(result.detail);
    });
  }
  assert.ok(results.length > 0, `no Python test reported (exit ${run.status ?? run.signal}):\n${run.stderr.slice(-3000)}`);
  assert.equal(run.status, 0, `the Python tests failed:\n${run.stderr.slice(-3000)}`);
});

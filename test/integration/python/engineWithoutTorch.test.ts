/**
 * `python -m ncmonitor.train` with an interpreter that cannot import PyTorch: one line naming the interpreter and the
 * fix, exit code 1, no traceback. A `torch` package that fails to import (first on PYTHONPATH) stands in for a missing
 * or broken installation, so the test runs on any machine with Python.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryFolder, tinyConfig, writeConfig } from '../../support/trainerProcess';
import { PYTHON_PACKAGE_ROOT, findPython } from '../../support/python';

test('the engine without an importable PyTorch exits 1 with one line naming the interpreter and the fix', (t) => {
  const python = findPython();
  if (python === null) return t.skip('no Python 3 interpreter found (set NC_MONITOR_PYTHON)');
  const folder = temporaryFolder('no-torch');
  const fakeTorch = join(folder, 'shadow', 'torch');
  mkdirSync(fakeTorch, { recursive: true });
  writeFileSync(join(fakeTorch, '__init__.py'), 'raise ImportError("libtorch_cpu.so: cannot open shared object file")\n');
  const config = writeConfig(folder, { ...tinyConfig(), engine: 'pytorch' });
  const run = spawnSync(python.command, ['-m', 'ncmonitor.train', '--config', config, '--out', join(folder, 'runs')], {
    env: { ...process.env, PYTHONPATH: `${join(folder, 'shadow')}:${PYTHON_PACKAGE_ROOT}`, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 1, run.stderr);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0] ?? '', /PyTorch cannot be imported by .*python/);
  assert.match(lines[0] ?? '', /libtorch_cpu\.so/);
  assert.match(lines[0] ?? '', /ncMonitor\.python\.interpreterPath/);
  assert.doesNotMatch(run.stderr, /Traceback/);
});

/**
 * The extension's own test suite (test/extension/suite) inside a real VS Code (code-server + Chromium): each in-editor
 * mocha test becomes a subtest here, and this test fails when the suite reports a failure, reports nothing, or hangs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInEditorSuite } from './inEditorSuite';
import { findPython } from '../support/python';

test('in-editor suite (code-server, real VS Code API)', { timeout: 360_000 }, async (t) => {
  // The PyTorch engine and attach tests need a Python with torch (/usr/bin/python3 with python3-torch in CI).
  const python = findPython();
  const environment: Record<string, string> =
    python === null ? {} : { NC_MONITOR_PYTHON: python.command, NC_MONITOR_PYTHON_HAS_TORCH: python.hasTorch ? '1' : '0' };
  const { exitCode, results, hostLog } = await runInEditorSuite({ timeoutMs: 300_000, environment });
  for (const result of results) {
    await t.test(result.title, { skip: result.state === 'pending' ? 'pending in the in-editor suite' : false }, (subtest) => {
      subtest.diagnostic(`${result.durationMs} ms in the editor`);
      if (result.state !== 'failed') return;
      // The failure as the extension host saw it: its message and in-editor stack, not this file's.
      const failure = new Error(result.error ?? 'failed');
      failure.stack = result.error ?? 'failed';
      throw failure;
    });
  }
  assert.ok(
    results.length > 0,
    `the in-editor suite reported no test (exit code ${exitCode}); last host lines:\n${hostLog.slice(-30).join('\n')}`,
  );
  assert.equal(exitCode, 0, `the in-editor suite reported failures (exit code ${exitCode})`);
});

/**
 * Entry of the in-editor test suite. scripts/build.mjs bundles it to dist/test/extension-suite.js; the extension host
 * `require`s that file (extensionTestsPath) and awaits `run()`, whichever runner started VS Code: code-server driven
 * by test/vscode (npm test) or @vscode/test-electron (npm run test:electron).
 *
 * The suites are bundled in rather than found on disk, so mocha's TDD globals (suite, test, setup, …) must exist
 * before their modules run: `pre-require` installs them on globalThis, then the suites are required one by one.
 */
import Mocha from 'mocha';
import { formatResultLine } from './results';

/* eslint-disable @typescript-eslint/no-require-imports -- a static import would run the suites before mocha's globals exist */
function requireSuites(): void {
  // Add a suite: one line here.
  require('./suite/smoke.test');
  require('./suite/diagnostics.test');
  require('./suite/runs.test');
  require('./suite/pytorch.test');
}
/* eslint-enable @typescript-eslint/no-require-imports */

// @vscode/test-cli (npm run test:electron) adds this bundle to a mocha of its own, whose globals exist while it
// loads: define the suites right away. Otherwise the extension host calls run() below.
if (typeof (globalThis as { suite?: unknown }).suite === 'function') requireSuites();

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'bundle', mocha);
  requireSuites();

  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} in-editor test(s) failed`)) : resolve()));
    runner.on('pass', (test) =>
      console.log(formatResultLine({ title: test.fullTitle(), state: 'passed', durationMs: test.duration ?? 0 })),
    );
    runner.on('pending', (test) => console.log(formatResultLine({ title: test.fullTitle(), state: 'pending', durationMs: 0 })));
    runner.on('fail', (test, error: Error) => {
      const frames = (error.stack ?? '')
        .split('\n')
        .filter((line) => line.trimStart().startsWith('at '))
        .slice(0, 5)
        .join('\n');
      console.log(
        formatResultLine({
          title: test.fullTitle(),
          state: 'failed',
          durationMs: test.duration ?? 0,
          error: `${error.message}\n${frames}`.trim(),
        }),
      );
    });
  });
}

// `npm test`: dependencies (npm ci when needed), build, the one-time editor set-up, then every test file in ONE
// `node --test` run: unit, integration, the in-editor suite inside code-server, and the UI test. The test runner's
// summary (# pass N / # fail N) is the last thing printed; the exit code is non-zero when anything failed.
// `npm test -- FILE...` runs only the given test files.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT, build, ensureDependencies } from './prepare.mjs';
import { setUpTools } from './tools.mjs';

function say(message) {
  process.stdout.write(`[test] ${message}\n`);
}

function testFiles(folder, recursive) {
  const root = join(REPO_ROOT, folder);
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true, recursive })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => relative(REPO_ROOT, join(entry.parentPath ?? entry.path, entry.name)))
    .sort();
}

async function main() {
  ensureDependencies(say);

  build(say);

  const requested = process.argv.slice(2);
  const files =
    requested.length > 0
      ? requested
      : [
          ...testFiles('test/unit', true),
          ...testFiles('test/integration', true),
          ...testFiles('test/vscode', false),
          ...testFiles('test/e2e', false),
        ];
  const needsEditor = files.some((file) => /test\/(vscode|e2e)\//.test(file));

  const env = { ...process.env };
  if (needsEditor) {
    say('checking the editor tools (Node 24, code-server, Chromium)…');
    try {
      await setUpTools();
    } catch (error) {
      // The other tests still run; the editor tests fail at once with this message instead of retrying the set-up.
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`[test] editor set-up failed: ${message}\n`);
      env.NC_MONITOR_SETUP_ERROR = message;
    }
  }

  say(`running ${files.length} test files…`);
  // One file at a time: the editor tests start a VS Code server and a browser, and CI has two cores.
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=tap', ...files], {
    cwd: REPO_ROOT,
    env,
    stdio: 'inherit',
  });
  process.exitCode = run.status ?? 1;
}

main().catch((error) => {
  process.stderr.write(`[test] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

// `npm run test:electron`: the same in-editor suite (test/extension, bundled to dist/test/extension-suite.js) in
// desktop VS Code, downloaded by @vscode/test-electron. Needs network access to update.code.visualstudio.com and, on
// Linux without a display, xvfb-run. Where VS Code cannot be downloaded, `npm test` runs the suite in code-server.
import { defineConfig } from '@vscode/test-cli';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

// The suite starts runs in its workspace: give it a fresh copy (in the git-ignored .vscode-test/), never the fixture.
const workspace = join(root, '.vscode-test', 'workspace');
rmSync(workspace, { recursive: true, force: true });
cpSync(join(root, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });

export default defineConfig({
  label: 'in-editor',
  // The bundle defines its suites as soon as test-cli's mocha loads it (see test/extension/index.ts).
  files: 'dist/test/extension-suite.js',
  version: 'stable',
  extensionDevelopmentPath: root,
  workspaceFolder: workspace,
  env: { NC_MONITOR_TEST: '1' },
  launchArgs: ['--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  mocha: { ui: 'tdd', timeout: 120_000, color: true },
});

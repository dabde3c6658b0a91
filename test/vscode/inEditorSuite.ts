/**
 * Runs the bundled in-editor suite (dist/test/extension-suite.js, entry test/extension/index.ts) inside code-server
 * on a copy of the fixture workspace, prints the extension host's console (so mocha's own report shows) and collects
 * one result per in-editor test.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseResultLine } from '../extension/results';
import type { InEditorTestResult } from '../extension/results';
import { REPO_ROOT, copyWorkspace, ensureBuilt, openEditor } from './editorSession';
import type { EditorSession } from './editorSession';

export interface InEditorSuiteOutcome {
  /** What the suite reported through codeAutomationExit: 0 when every test passed. */
  exitCode: number;
  results: InEditorTestResult[];
  hostLog: string[];
}

export interface InEditorSuiteOptions {
  /** Folder copied and opened as the workspace; default test/fixtures/workspace. */
  workspace?: string;
  testsPath?: string;
  environment?: Record<string, string>;
  timeoutMs?: number;
  /** Where host console lines go; default: stdout, indented. */
  print?: (line: string) => void;
}

export async function runInEditorSuite(options: InEditorSuiteOptions = {}): Promise<InEditorSuiteOutcome> {
  ensureBuilt();
  const timeoutMs = options.timeoutMs ?? 300_000;
  const print = options.print ?? ((line: string) => process.stdout.write(`    │ ${line}\n`));
  const workspace = copyWorkspace(options.workspace ?? join(REPO_ROOT, 'test', 'fixtures', 'workspace'));
  const results: InEditorTestResult[] = [];
  const startedAt = Date.now();
  let session: EditorSession;
  try {
    session = await openEditor({
      workspace,
      testsPath: options.testsPath ?? join(REPO_ROOT, 'dist', 'test', 'extension-suite.js'),
      environment: { NC_MONITOR_TEST: '1', ...options.environment },
      onHostLog: (line) => {
        const result = parseResultLine(line);
        if (result !== undefined) results.push(result);
        else print(line);
      },
    });
  } catch (error) {
    rmSync(workspace, { recursive: true, force: true });
    throw error;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const lastLines =
        session.hostLog.slice(-20).join('\n') ||
        '(the extension host logged nothing: did the workbench load? code-server said:\n' +
          session.serverOutput.slice(-20).join('\n') +
          ')';
      reject(
        new Error(
          `the in-editor suite did not finish within ${timeoutMs / 1000} s (${results.length} test(s) reported so far). ` +
            `Last extension host lines:\n${lastLines}`,
        ),
      );
    }, timeoutMs);
  });
  try {
    const exitCode = await Promise.race([session.exitCode, timedOut]);
    print(`(in-editor suite finished with code ${exitCode} after ${Math.round((Date.now() - startedAt) / 1000)} s)`);
    return { exitCode, results, hostLog: session.hostLog };
  } finally {
    clearTimeout(timer);
    await session.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}

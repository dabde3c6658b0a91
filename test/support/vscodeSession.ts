/**
 * A real VS Code for tests: code-server on 127.0.0.1 driven by the system's Chromium through playwright-core.
 * `runExtensionTests` opens a workspace with the extension under development and its in-editor test suite, prints
 * the extension host's console, and resolves with the exit code the suite reported.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { ensureTools } from '../../scripts/tools.mjs';
import { startCodeServer, workbenchUrl } from '../../scripts/code-server.mjs';
import { REPO } from './trainerProcess';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface EditorSession {
  page: Page;
  browser: Browser;
  workspace: string;
  logs: string[];
  close(): Promise<void>;
}

/** Copies a fixture workspace to a temporary folder so that runs and edits never touch the repository. */
export function copyWorkspace(fixture: string): string {
  const workspace = mkdtempSync(join(tmpdir(), 'nc-monitor-workspace-'));
  cpSync(fixture, workspace, { recursive: true, filter: (source) => !source.includes('/runs') });
  return workspace;
}

export async function openEditor(options: {
  workspace: string;
  testsPath?: string;
  environment?: Record<string, string>;
  settings?: Record<string, unknown>;
  onLog?: (line: string) => void;
  onExit?: (code: number) => void;
}): Promise<EditorSession> {
  const tools = ensureTools();
  const logs: string[] = [];
  const server = await startCodeServer(tools, { settings: options.settings ?? {}, log: (line: string) => logs.push(`[code-server] ${line}`) });
  // Playwright gives every launch a fresh, temporary profile (user-data-dir).
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: tools.chromium, args: CHROMIUM_ARGS, headless: true });
  } catch (error) {
    server.stop();
    throw error;
  }
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
    const line = (Array.isArray(args) ? args : [args]).map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ');
    logs.push(line);
    options.onLog?.(line);
    void type;
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => options.onExit?.(code));
  const url = workbenchUrl(server, {
    folder: options.workspace,
    extensionPath: REPO,
    ...(options.testsPath === undefined ? {} : { testsPath: options.testsPath }),
    environment: options.environment ?? {},
  });
  await page.goto(url);
  return {
    page,
    browser,
    workspace: options.workspace,
    logs,
    close: async () => {
      await browser.close().catch(() => undefined);
      server.stop();
    },
  };
}

export interface InEditorResult {
  title: string;
  state: 'passed' | 'failed';
  durationMs: number;
  error?: string;
}

/** Runs the bundled in-editor suite (dist/test/extension-suite.js) and collects its per-test results. */
export async function runExtensionTests(timeoutMs: number): Promise<{ exitCode: number; results: InEditorResult[]; logs: string[] }> {
  const workspace = copyWorkspace(join(REPO, 'test', 'fixtures', 'workspace'));
  const results: InEditorResult[] = [];
  let finish: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (finish = resolve));
  const session = await openEditor({
    workspace,
    testsPath: join(REPO, 'dist', 'test', 'extension-suite.js'),
    environment: { NC_MONITOR_TEST: '1' },
    onLog: (line) => {
      const match = /^NC_TEST_RESULT (.*)$/.exec(line.trim());
      if (match?.[1] !== undefined) results.push(JSON.parse(match[1]) as InEditorResult);
      else process.stdout.write(`  [vscode] ${line}\n`);
    },
    onExit: (code) => finish(code),
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-1), timeoutMs)));
  try {
    const exitCode = await Promise.race([exited, timeout]);
    return { exitCode, results, logs: session.logs };
  } finally {
    clearTimeout(timer);
    await session.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}

/**
 * A real VS Code for tests: code-server on 127.0.0.1 (scripts/code-server.mjs) with the extension under development,
 * driven by the system's Chromium through playwright-core. Used by the in-editor suite runner and the UI test.
 */
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { format } from 'node:util';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { ensureTools } from '../../scripts/tools.mjs';
import { startCodeServer, workbenchUrl } from '../../scripts/code-server.mjs';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** Verified with Debian's Chromium in a container without display, GPU or network. */
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

/** Builds the bundles once when the extension or the in-editor suite bundle is missing (npm test always builds). */
export function ensureBuilt(): void {
  const outputs = ['dist/extension.js', 'dist/trainer.js', 'dist/test/extension-suite.js'];
  if (outputs.every((output) => existsSync(join(REPO_ROOT, output)))) return;
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Copies a workspace to a temporary folder so that runs and edits never touch the repository. */
export function copyWorkspace(source: string): string {
  const workspace = mkdtempSync(join(tmpdir(), 'nc-monitor-workspace-'));
  cpSync(source, workspace, { recursive: true, filter: (path) => !/\/(runs|node_modules)(\/|$)/.test(path.slice(source.length)) });
  return workspace;
}

export interface EditorSessionOptions {
  /** Absolute path of the folder to open. */
  workspace: string;
  /** The extension under development; default: this repository. */
  extensionPath?: string;
  /** A bundle exporting `run(): Promise<void>` that the extension host runs, then reports through codeAutomationExit. */
  testsPath?: string;
  /** Extra environment for the extension host. */
  environment?: Record<string, string>;
  /** User settings (e.g. `workbench.colorTheme`), merged over quiet defaults. */
  settings?: Record<string, unknown>;
  viewport?: { width: number; height: number };
  /** Each extension host console line as it arrives (only reported while a test suite runs). */
  onHostLog?: (line: string) => void;
}

export interface EditorSession {
  page: Page;
  browser: Browser;
  url: string;
  /** Every extension host console line so far. */
  hostLog: string[];
  /** code-server's own output so far (last 200 lines). */
  serverOutput: string[];
  /** Resolves with the code the page passes to `codeAutomationExit` (the in-editor suite finished). */
  exitCode: Promise<number>;
  close(): Promise<void>;
}

/** The console's arguments as the console itself would print them (mocha's reporter uses printf-style `%s`/`%d`). */
function formatHostLog(args: unknown): string {
  const parts: unknown[] = Array.isArray(args) ? args : [args];
  return format(...parts);
}

/** The workbench's own start-up chatter, which arrives through the same hook; none of it is the extension's. */
const WORKBENCH_CHATTER =
  /^(Resolving connection token|Resolved connection token|Creating a socket|\[reconnection-grace-time\]|Ignoring fetching additional builtin extensions|Updating additional builtin extensions cache|\[Service Worker\]|\[AgentHost|\[AccountPolicyGate\]|Timed out waiting for authentication provider)/;

export async function openEditor(options: EditorSessionOptions): Promise<EditorSession> {
  const tools = ensureTools();
  const server = await startCodeServer(tools, { settings: options.settings ?? {} });
  let browser: Browser | undefined;
  try {
    // Never a downloaded browser: the system's Chromium. launch() gives it a fresh temporary profile of its own.
    browser = await chromium.launch({ executablePath: tools.chromium, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    const hostLog: string[] = [];
    let reportExit: (code: number) => void = () => undefined;
    const exitCode = new Promise<number>((resolve) => (reportExit = resolve));
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown) => {
      const text = formatHostLog(args);
      if (WORKBENCH_CHATTER.test(text)) return;
      for (const line of text.split('\n')) {
        hostLog.push(line);
        options.onHostLog?.(line);
      }
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code));
    const url = workbenchUrl(server, {
      folder: options.workspace,
      extensionPath: options.extensionPath ?? REPO_ROOT,
      ...(options.testsPath === undefined ? {} : { testsPath: options.testsPath }),
      ...(options.environment === undefined ? {} : { environment: options.environment }),
    });
    await page.goto(url);
    const openedBrowser = browser;
    return {
      page,
      browser: openedBrowser,
      url,
      hostLog,
      serverOutput: server.output,
      exitCode,
      close: async () => {
        await openedBrowser.close().catch(() => undefined);
        await server.stop();
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    await server.stop();
    throw error;
  }
}

/**
 * Loads the dashboard webview in headless Chromium, outside VS Code: the real bundle and stylesheet under the real
 * page and CSP (served from 127.0.0.1), a stand-in `acquireVsCodeApi`, theme variables like VS Code's, and snapshots
 * built by the host's own code from fixture runs. Takes screenshots and reports console errors, CSP violations and
 * what the page exposes for tests (data-chart, data-bar-count, aria-labels).
 *
 *   node --import tsx test/unit/webview/browserPreview.ts [outDir] [scenario name filter]
 *
 * Not a unit test (needs /usr/bin/chromium); the end-to-end suite can reuse `openPreview`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { dashboardHtml } from '../../../src/extension/dashboard/dashboardHtml';
import { deltaMessage, snapshotMessage, cursorAtEnd } from '../../../src/extension/dashboard/dashboardData';
import type { RunData } from '../../../src/extension/dashboard/dashboardData';
import type { DashboardMode, HostMessage, PersistedState } from '../../../src/protocol/dashboard';
import { fixtureRun } from './fixtures';
import { CHROMIUM_ARGS } from '../../vscode/editorSession';
import type { FixtureOptions } from './fixtures';

const ROOT = new URL('../../..', import.meta.url).pathname.replace(/\/$/, '');

export type PreviewTheme = 'dark' | 'light' | 'high-contrast';

/**
 * A subset of the variables VS Code's Dark Modern, Light Modern and High Contrast themes set on <html>, as read from
 * VS Code 1.139 (note charts.orange: translucent in the Modern themes, undefined in High Contrast).
 */
export const THEME_VARIABLES: Record<PreviewTheme, Record<string, string>> = {
  dark: {
    'editor-background': '#1f1f1f',
    foreground: '#cccccc',
    descriptionForeground: '#9d9d9d',
    'widget-border': '#313131',
    'panel-border': '#2b2b2b',
    'editorWidget-background': '#202020',
    'button-background': '#0078d4',
    'button-foreground': '#ffffff',
    'button-hoverBackground': '#026ec1',
    'button-secondaryBackground': '#313131',
    'button-secondaryForeground': '#cccccc',
    'button-secondaryHoverBackground': '#3c3c3c',
    'charts-red': '#f14c4c',
    'charts-blue': '#59a4f9',
    'charts-yellow': '#cca700',
    'charts-orange': 'rgba(234, 92, 0, 0.33)',
    'charts-green': '#89d185',
    'charts-purple': '#b180d7',
    'charts-foreground': '#cccccc',
    'charts-lines': 'rgba(204, 204, 204, 0.5)',
    focusBorder: '#0078d4',
    'inputValidation-warningBackground': '#352a05',
    'inputValidation-warningBorder': '#b89500',
    'editorWarning-foreground': '#cca700',
    'textLink-foreground': '#4daafc',
    'textBlockQuote-background': '#2b2b2b',
    'font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif',
    'font-size': '13px',
  },
  light: {
    'editor-background': '#ffffff',
    foreground: '#3b3b3b',
    descriptionForeground: '#3b3b3b',
    'widget-border': '#e5e5e5',
    'panel-border': '#e5e5e5',
    'editorWidget-background': '#f8f8f8',
    'button-background': '#005fb8',
    'button-foreground': '#ffffff',
    'button-hoverBackground': '#0258a8',
    'button-secondaryBackground': '#e5e5e5',
    'button-secondaryForeground': '#3b3b3b',
    'button-secondaryHoverBackground': '#cccccc',
    'charts-red': '#e51400',
    'charts-blue': '#0063d3',
    'charts-yellow': '#bf8803',
    'charts-orange': 'rgba(234, 92, 0, 0.33)',
    'charts-green': '#388a34',
    'charts-purple': '#652d90',
    'charts-foreground': '#3b3b3b',
    'charts-lines': 'rgba(59, 59, 59, 0.5)',
    focusBorder: '#005fb8',
    'inputValidation-warningBackground': '#f6f5d2',
    'inputValidation-warningBorder': '#b89500',
    'editorWarning-foreground': '#bf8803',
    'textLink-foreground': '#005fb8',
    'textBlockQuote-background': '#f8f8f8',
    'font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif',
    'font-size': '13px',
  },
  'high-contrast': {
    'editor-background': '#000000',
    foreground: '#ffffff',
    contrastBorder: '#6fc3df',
    descriptionForeground: 'rgba(255, 255, 255, 0.7)',
    'widget-border': '#6fc3df',
    'panel-border': '#6fc3df',
    'editorWidget-background': '#0c141f',
    'button-background': '#000000',
    'button-border': '#6fc3df',
    'button-foreground': '#ffffff',
    'button-secondaryBackground': '#000000',
    'button-secondaryForeground': '#ffffff',
    'charts-red': '#f48771',
    'charts-blue': '#59a4f9',
    'charts-yellow': '#ffd370',
    'charts-green': '#89d185',
    'charts-purple': '#b180d7',
    'charts-foreground': '#ffffff',
    'charts-lines': 'rgba(255, 255, 255, 0.6)',
    focusBorder: '#f38518',
    'inputValidation-warningBackground': '#000000',
    'inputValidation-warningBorder': '#ff8c00',
    'editorWarning-foreground': '#ffd370',
    'textLink-foreground': '#21a6ff',
    'textBlockQuote-background': '#000000',
    'font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif',
    'font-size': '13px',
  },
};

const BODY_CLASS: Record<PreviewTheme, string> = { dark: 'vscode-dark', light: 'vscode-light', 'high-contrast': 'vscode-high-contrast' };

export interface Preview {
  page: Page;
  /** Messages the page posted to the "host". */
  posted(): Promise<unknown[]>;
  send(message: HostMessage): Promise<void>;
  /** Console errors and CSP violations seen so far. */
  problems: string[];
  close(): Promise<void>;
}

async function bundle(outDir: string): Promise<string> {
  const outfile = join(outDir, 'webview.js');
  await esbuild.build({
    entryPoints: [join(ROOT, 'src/webview/main.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

/** Serves the page with the production CSP, opens it in Chromium, and waits for `webview/ready`. */
export async function openPreview(
  browser: Browser,
  theme: PreviewTheme,
  initialState: PersistedState,
  viewport = { width: 1400, height: 2800 },
): Promise<Preview> {
  const work = await mkdtemp(join(tmpdir(), 'nc-dashboard-preview-'));
  const script = await bundle(work);
  const files: Record<string, { type: string; body: Buffer }> = {
    '/dist/webview.js': { type: 'text/javascript', body: await readFile(script) },
    '/media/dashboard.css': { type: 'text/css', body: await readFile(join(ROOT, 'media/dashboard.css')) },
    '/favicon.ico': { type: 'image/x-icon', body: Buffer.alloc(0) },
  };
  const server = createServer((request, response) => {
    const file = files[request.url ?? ''];
    if (file === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file.type }).end(file.body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const nonce = 'previewnonce0123456789';
  const page0 = dashboardHtml({
    cspSource: origin,
    scriptUri: `${origin}/dist/webview.js`,
    styleUri: `${origin}/media/dashboard.css`,
    title: 'preview',
    initialState,
    nonce,
  });
  // The stand-in for VS Code's preload: theme variables through CSSOM (as VS Code does), and acquireVsCodeApi.
  const shim = `<script nonce="${nonce}">
    const vars = ${JSON.stringify(THEME_VARIABLES[theme])};
    for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty('--vscode-' + k, v);
    document.addEventListener('DOMContentLoaded', () => document.body.classList.add(${JSON.stringify(BODY_CLASS[theme])}));
    window.__posted = []; window.__state = undefined;
    window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => window.__state, setState: (s) => { window.__state = s; } });
    document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));
  </script>`;
  const html = page0.replace('<body>', `<body class="${BODY_CLASS[theme]}">`).replace('</head>', `${shim}\n</head>`);
  files['/index.html'] = { type: 'text/html', body: Buffer.from(html) };

  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  await page.goto(`${origin}/index.html`);
  await page.waitForFunction(() =>
    (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'webview/ready'),
  );
  return {
    page,
    problems,
    posted: () => page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted),
    send: async (message) => {
      await page.evaluate((m) => window.postMessage(m, '*'), message as unknown);
      // Two frames: the message event, then the render it schedules.
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    },
    close: async () => {
      await context.close();
      server.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

interface Scenario {
  name: string;
  theme: PreviewTheme;
  mode: DashboardMode;
  runs: { options: FixtureOptions; upTo?: number }[];
  viewport?: { width: number; height: number };
}

const SCENARIOS: Scenario[] = [
  {
    name: 'run-dark-c10',
    theme: 'dark',
    mode: 'run',
    runs: [{ options: { classCount: 10, epochs: 60, name: 'cifar10-lt-ce' }, upTo: 45 }],
  },
  {
    name: 'run-light-c100',
    theme: 'light',
    mode: 'run',
    runs: [{ options: { classCount: 100, epochs: 200, evaluateEvery: 2, name: 'cifar100-lt-ce' } }],
  },
  {
    name: 'run-hc-c10',
    theme: 'high-contrast',
    mode: 'run',
    runs: [{ options: { classCount: 10, epochs: 60, name: 'cifar10-lt-ce' }, upTo: 45 }],
  },
  {
    name: 'run-light-c50-norms',
    theme: 'light',
    mode: 'run',
    runs: [{ options: { classCount: 50, epochs: 80, name: 'cifar50-lt-with-norms', withNorms: true } }],
  },
  { name: 'run-dark-c1000', theme: 'dark', mode: 'run', runs: [{ options: { classCount: 1000, epochs: 500, name: 'imagenet-lt-1000' } }] },
  {
    name: 'compare-dark',
    theme: 'dark',
    mode: 'compare',
    runs: [
      { options: { classCount: 10, epochs: 60, name: 'ce', id: 'run-ce' } },
      { options: { classCount: 10, epochs: 60, name: 'ldam-drw', id: 'run-ldam', collapseSpeed: 0.55 } },
      { options: { classCount: 10, epochs: 60, name: 'etf-classifier', id: 'run-etf', collapseSpeed: 0.3 }, upTo: 40 },
    ],
  },
  {
    name: 'narrow-light-c10',
    theme: 'light',
    mode: 'run',
    runs: [{ options: { classCount: 10, epochs: 30, name: 'fashion-mnist-lt' }, upTo: 20 }],
    viewport: { width: 560, height: 6000 },
  },
];

/**
 * A live run's last 20 evaluations arriving one delta at a time after a snapshot: per update, the time the message
 * handler took (validate + reduce) and the time the next frame took (view model + Chart.js and canvas drawing).
 */
async function measureLiveUpdates(
  browser: Browser,
  options: FixtureOptions,
  viewport: { width: number; height: number },
): Promise<Record<string, number>> {
  const total = options.epochs ?? 20;
  const full = fixtureRun(options);
  const prefix = (count: number): RunData => ({
    ...full,
    status: 'running',
    ended: undefined,
    epochs: full.epochs.slice(0, count),
    evaluations: full.evaluations.slice(0, count),
  });
  const preview = await openPreview(
    browser,
    'dark',
    { mode: 'run', runIds: [full.id], ui: { split: 'test', classLayout: 'binned' } },
    viewport,
  );
  await preview.send(snapshotMessage(100, 'run', [prefix(total - 20)], []));
  await preview.page.waitForTimeout(200);
  const messageMs: number[] = [];
  const renderMs: number[] = [];
  for (let count = total - 19; count <= total; count++) {
    await preview.send(deltaMessage(100 + count, prefix(count), cursorAtEnd(prefix(count - 1)), true).message);
    const times = await preview.page.evaluate(() => [
      Number(document.getElementById('dashboard')?.dataset.messageMs),
      Number(document.getElementById('dashboard')?.dataset.renderMs),
    ]);
    messageMs.push(times[0] ?? Number.NaN);
    renderMs.push(times[1] ?? Number.NaN);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  return {
    updates: 20,
    medianMessageMs: median(messageMs),
    maxMessageMs: Math.max(...messageMs),
    medianRenderMs: median(renderMs),
    maxRenderMs: Math.max(...renderMs),
  };
}

/** Clicks through the controls and reads back what changed: export, split, class layout, a theme switch. */
async function exercise(preview: Preview, outDir: string): Promise<Record<string, unknown>> {
  const { page } = preview;
  const frame = () => page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  const result: Record<string, unknown> = {};
  await page.click('[data-chart="nc1"] [data-action="export-png"]');
  const posted = (await preview.posted()) as { type: string; chart?: string; dataUrl?: string }[];
  const png = posted.find((message) => message.type === 'webview/exportPng');
  result.exportPng =
    png === undefined ? null : { chart: png.chart, prefix: png.dataUrl?.slice(0, 22), kib: Math.round((png.dataUrl?.length ?? 0) / 1024) };
  if (png?.dataUrl !== undefined)
    await writeFile(join(outDir, 'dashboard-export-nc1.png'), Buffer.from(png.dataUrl.split(',')[1] ?? '', 'base64'));
  await page.click('[data-action="export-csv"]');
  result.exportCsv = ((await preview.posted()) as { type: string }[]).some((message) => message.type === 'webview/exportCsv');
  const bars = () => page.getAttribute('[data-chart="class-recall"]', 'data-bar-count');
  result.barsBinned = await bars();
  await page.click('[data-layout="scroll"]');
  await frame();
  result.barsScroll = await bars();
  await page.locator('[data-chart="class-recall"]').screenshot({ path: join(outDir, 'dashboard-c1000-scroll.png') });
  await page.click('[data-layout="binned"]');
  await page.click('[data-split="train"]');
  await frame();
  result.trainPressed = await page.getAttribute('[data-split="train"]', 'aria-pressed');
  result.recallTitle = await page.textContent('[data-chart="class-recall"] .card-title');
  result.savedState = await page.evaluate(() => (window as unknown as { __state: unknown }).__state);
  const before = await page.evaluate(() => document.querySelector<HTMLCanvasElement>('[data-chart="nc1"] canvas')?.toDataURL().length);
  await page.evaluate((vars) => {
    for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(`--vscode-${k}`, v);
    document.body.className = 'vscode-light';
  }, THEME_VARIABLES.light);
  await frame();
  const after = await page.evaluate(() => document.querySelector<HTMLCanvasElement>('[data-chart="nc1"] canvas')?.toDataURL().length);
  result.themeSwitchRedrew = before !== after;
  await page.evaluate(() => window.postMessage({ type: 'dashboard/delta', seq: 'x' }, '*'));
  await frame();
  result.invalidMessageNotice = await page.textContent('.notices');
  await page.evaluate((vars) => {
    for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(`--vscode-${k}`, v);
    document.body.className = 'vscode-dark';
  }, THEME_VARIABLES.dark);
  await page.click('[data-split="test"]');
  await frame();
  return result;
}

async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? join(ROOT, 'test-results'));
  await mkdir(outDir, { recursive: true });
  const browser = await launchChromium();
  const report: Record<string, unknown> = {};
  try {
    const filter = process.argv[3] ?? '';
    for (const scenario of SCENARIOS.filter((candidate) => candidate.name.includes(filter))) {
      const started = Date.now();
      const runs: RunData[] = scenario.runs.map(({ options, upTo }) => fixtureRun(options, upTo));
      const preview = await openPreview(
        browser,
        scenario.theme,
        { mode: scenario.mode, runIds: runs.map((run) => run.id), ui: { split: 'test', classLayout: 'binned' } },
        scenario.viewport,
      );
      await preview.send(snapshotMessage(1, scenario.mode, runs, []));
      if (scenario.name === 'run-dark-c10') {
        // A live run: five more epochs arrive as deltas.
        const first = scenario.runs[0]!;
        const later = fixtureRun(first.options, (first.upTo ?? 0) + 5);
        await preview.send(deltaMessage(2, later, cursorAtEnd(runs[0]!), true).message);
      }
      await preview.page.waitForTimeout(150);
      const interactions = scenario.name === 'run-dark-c1000' ? await exercise(preview, outDir) : undefined;
      const timing =
        scenario.name === 'run-dark-c1000'
          ? [
              await measureLiveUpdates(browser, scenario.runs[0]!.options, { width: 1400, height: 1000 }),
              await measureLiveUpdates(browser, scenario.runs[0]!.options, { width: 1400, height: 3000 }),
            ]
          : undefined;
      const file = join(outDir, `dashboard-${scenario.name}.png`);
      await preview.page.screenshot({ path: file, fullPage: true });
      report[scenario.name] = {
        screenshot: file,
        problems: preview.problems,
        charts: await preview.page.$$eval('[data-chart]', (nodes) =>
          nodes.map((node) => ({
            chart: node.getAttribute('data-chart'),
            bars: node.getAttribute('data-bar-count'),
            label: node.querySelector('[role="img"]')?.getAttribute('aria-label'),
          })),
        ),
        styleTags: await preview.page.$$eval('style', (nodes) => nodes.length),
        posted: await preview.posted(),
        state: await preview.page.evaluate(() => (window as unknown as { __state: unknown }).__state),
        interactions,
        timing,
        seconds: (Date.now() - started) / 1000,
      };
      await preview.close();
    }
  } finally {
    await browser.close();
  }
  await writeFile(join(outDir, 'dashboard-preview.json'), JSON.stringify(report, null, 2));
  for (const [name, entry] of Object.entries(report)) {
    const { problems, charts, styleTags, seconds } = entry as { problems: string[]; charts: unknown[]; styleTags: number; seconds: number };
    console.log(
      `${name} (${seconds} s): ${charts.length} charts, ${styleTags} <style> tags, ${problems.length} problems${problems.length ? `\n  ${problems.join('\n  ')}` : ''}`,
    );
    const { interactions, timing } = entry as { interactions?: unknown; timing?: unknown };
    if (interactions !== undefined) console.log(`  interactions: ${JSON.stringify(interactions)}`);
    if (timing !== undefined) console.log(`  live updates in Chromium: ${JSON.stringify(timing)}`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

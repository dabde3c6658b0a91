/**
 * End to end, the dashboard as a user sees it: a real VS Code (code-server) in Chromium starts a small synthetic run
 * from the command palette and opens its dashboard. Once the run has ended, what the charts say (their aria-labels,
 * the per-class recall bars) must match what the trainer wrote to the run's events.jsonl; the webview must not log a
 * single Content-Security-Policy violation; and the dashboard is photographed in a light and a dark theme (the
 * documentation's screenshots, docs/images/), with the NC Monitor sidebar after the run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { REPO_ROOT, copyWorkspace, ensureBuilt, openEditor } from '../vscode/editorSession';
import type { EditorSession } from '../vscode/editorSession';
import { pickQuickItem, poll, quickInputShows, runCommand, waitForWorkbench } from './workbench';

const SCREENSHOTS = join(REPO_ROOT, 'test-results');
const DOC_IMAGES = join(REPO_ROOT, 'docs', 'images');
/** Committed screenshots stay small enough for a README. */
const MAX_DOC_IMAGE_BYTES = 500 * 1024;

const CONFIG_FILE = 'e2e-dashboard.ltrun.json';
const CLASSES = 8;
const EPOCHS = 8;
/** 8 classes with a 20× exponential imbalance on the generated dataset, a small MLP on the cpu backend: ~10 s on two cores. */
const RUN_CONFIG = {
  name: 'e2e-dashboard',
  dataset: { name: 'synthetic', classes: CLASSES, imageSize: 12, trainPerClass: 300, testPerClass: 40 },
  imbalance: { profile: 'exponential', factor: 20 },
  model: { architecture: 'mlp', featureDim: 24, hiddenUnits: [48] },
  optimizer: { name: 'adam', learningRate: 0.003 },
  batchSize: 64,
  epochs: EPOCHS,
  seed: 1,
  backend: 'cpu',
};

interface ReportScalars {
  epoch: number;
  split: string;
  nc1: number | null;
  accuracy: number | null;
  classCount: number;
}
interface MetricsEvent {
  type: 'metrics/didUpdate';
  epoch: number;
  reports: ReportScalars[];
  collapse: { active: boolean; classes: number[] };
}
interface EpochEvent {
  type: 'epoch/didEnd';
  epoch: number;
  loss: number;
  trainAccuracy: number;
}
type RunEvent = MetricsEvent | EpochEvent | { type: string };

/** The workspace of this test: its own small config, no auto-started demo run. */
function prepareWorkspace(): string {
  const workspace = copyWorkspace(join(REPO_ROOT, 'samples', 'workspace'));
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'ncMonitor.autoStartConfig': '' }, null, 2));
  writeFileSync(join(workspace, CONFIG_FILE), JSON.stringify(RUN_CONFIG, null, 2));
  return workspace;
}

function readEvents(workspace: string): { runId: string; events: RunEvent[] } | undefined {
  const runsFolder = join(workspace, 'runs');
  let runIds: string[];
  try {
    runIds = readdirSync(runsFolder).filter((id) => id.includes('e2e-dashboard'));
  } catch {
    return undefined;
  }
  const runId = runIds[0];
  if (runId === undefined) return undefined;
  try {
    const text = readFileSync(join(runsFolder, runId, 'events.jsonl'), 'utf8');
    const events = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as RunEvent);
    return { runId, events };
  } catch {
    return undefined;
  }
}

/** The dashboard webview's document: the editor's webview iframe, then VS Code's inner frame with our page. */
function dashboardFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').first().frameLocator('iframe#active-frame');
}

/** The label's number: "0.4213", "1.23e-4", "−0.02" (U+2212), "54.3%" (as a fraction). */
function labelNumber(text: string): number {
  const normal = text.replace('\u2212', '-');
  return normal.endsWith('%') ? Number(normal.slice(0, -1)) / 100 : Number(normal);
}

/**
 * The label shows four significant digits (three in exponent form, or a percentage with one decimal): the reported
 * value must lie within half a unit of the last digit shown.
 */
function assertShows(shown: string, reported: number, what: string): void {
  const value = labelNumber(shown);
  assert.ok(Number.isFinite(value), `${what}: the label shows "${shown}", not a number`);
  // Exponent form ("1.23e-4") keeps three significant digits, plain numbers four.
  const digitsAfterFirst = /e/i.test(shown) ? 2 : 3;
  const halfUnit = shown.endsWith('%') ? 0.0005 : 0.5 * 10 ** (Math.floor(Math.log10(Math.abs(value))) - digitsAfterFirst);
  assert.ok(Math.abs(value - reported) <= halfUnit * (1 + 1e-9), `${what}: the label shows ${shown}, events.jsonl says ${reported}`);
}

/** "<series> <value> at epoch <n>" out of a chart's aria-label. */
function seriesInLabel(label: string, series: string): { value: string; epoch: number } {
  const escaped = series.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(?:: |; )${escaped} (\\S+) at epoch (\\d+)`).exec(label);
  assert.ok(match?.[1] !== undefined && match[2] !== undefined, `the label names "${series}": ${label}`);
  return { value: match[1], epoch: Number(match[2]) };
}

async function chartLabel(frame: FrameLocator, chart: string): Promise<string> {
  return (await frame.locator(`[data-chart="${chart}"] [role="img"][aria-label]`).first().getAttribute('aria-label')) ?? '';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(SCREENSHOTS, name);
  await page.screenshot({ path });
  return path;
}

/**
 * "Preferences: Color Theme" is not the palette's first row for its own title (the Marketplace entry sorts above
 * it), so the row is clicked by its label.
 */
async function openColorThemePicker(page: Page): Promise<void> {
  await poll(
    async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget .quick-input-box input').fill('>Preferences: Color Theme');
      const row = page.locator('.quick-input-widget .monaco-list-row[aria-label^="Preferences: Color Theme"]').first();
      if (!(await row.isVisible().catch(() => false))) {
        await sleep(250);
        return undefined;
      }
      await row.click();
      await sleep(500);
      return (await quickInputShows(page, 'Color Theme')) ? true : undefined;
    },
    'the colour theme picker',
    20_000,
  );
}

/**
 * Copies a screenshot to docs/images/ when it is missing there or NC_MONITOR_UPDATE_SCREENSHOTS=1: the committed
 * images do not change with every test run (each run's pixels differ slightly).
 */
function publish(source: string, name: string): void {
  const size = statSync(source).size;
  assert.ok(size < MAX_DOC_IMAGE_BYTES, `${source} is ${Math.round(size / 1024)} KB: too big for docs/images/`);
  const target = join(DOC_IMAGES, name);
  if (existsSync(target) && process.env.NC_MONITOR_UPDATE_SCREENSHOTS !== '1') return;
  mkdirSync(DOC_IMAGES, { recursive: true });
  copyFileSync(source, target);
}

test(
  'the dashboard shows a live run as events.jsonl has it, in light and dark, without CSP violations',
  { timeout: 180_000 },
  async (t) => {
    ensureBuilt();
    mkdirSync(SCREENSHOTS, { recursive: true });
    const workspace = prepareWorkspace();
    let session: EditorSession | undefined;
    const started = Date.now();
    // Where the time goes, in the TAP output.
    const mark = (what: string) => t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);
    const cspViolations: string[] = [];
    const consoleSeen: string[] = [];
    try {
      session = await openEditor({
        workspace,
        viewport: { width: 1400, height: 900 },
        settings: { 'workbench.colorTheme': 'Default Light Modern' },
      });
      const { page } = session;
      page.on('console', (message) => {
        const text = message.text();
        consoleSeen.push(text);
        if (/Content Security Policy|Refused to/i.test(text)) cspViolations.push(`${message.location().url}: ${text}`);
      });
      await waitForWorkbench(page);

      // The first command also waits out the extension's activation.
      mark('workbench up');
      await runCommand(page, 'NC Monitor: Start Long-Tail Run', () => quickInputShows(page, 'Run config'), 90_000);
      await pickQuickItem(page, CONFIG_FILE);
      mark('run started');
      await poll(() => Promise.resolve(readEvents(workspace)), `a run folder with events.jsonl under ${workspace}/runs`, 30_000);

      // Starting a run does not open its dashboard: the user opens it.
      const webview = page.locator('iframe.webview.ready');
      assert.equal(await webview.count(), 0, 'no webview is open before "Open Dashboard"');
      mark('before dashboard');
      await runCommand(page, 'NC Monitor: Open Dashboard', async () => (await webview.count()) > 0);
      const frame = dashboardFrame(page);
      const dashboard = frame.locator('#dashboard[data-loaded="true"]');
      await dashboard.waitFor({ state: 'attached', timeout: 30_000 });

      // The console listener hears the webview's frames (else "no CSP violation" would prove nothing).
      const probe = `nc-monitor-e2e console probe ${Date.now()}`;
      await dashboard.evaluate((_element, text) => console.log(text), probe);
      await poll(
        () => Promise.resolve(consoleSeen.includes(probe) ? true : undefined),
        'the probe from the webview on the page console',
        5000,
      );

      // Live: the charts grow while the run trains.
      mark('dashboard loaded');
      await poll(
        async () => {
          const last = Number((await dashboard.getAttribute('data-last-evaluation')) ?? '');
          const evaluations = readEvents(workspace)?.events.filter((event) => event.type === 'metrics/didUpdate').length ?? 0;
          return last >= 1 && evaluations >= 2 ? true : undefined;
        },
        'two evaluations on the dashboard',
        60_000,
      );
      const recall = frame.locator(`[data-chart="class-recall"][data-bar-count="${CLASSES}"]`);
      await recall.waitFor({ state: 'attached', timeout: 10_000 });

      // Then the end of the run: the final numbers are the ones to compare.
      const liveWhenOpened = !(readEvents(workspace)?.events.some((event) => event.type === 'run/didEnd') ?? false);
      mark(`two evaluations (run still live: ${liveWhenOpened})`);
      const finished = await poll(
        async () => {
          const read = readEvents(workspace);
          if (read === undefined || !read.events.some((event) => event.type === 'run/didEnd')) return undefined;
          const shown = (await dashboard.getAttribute('data-last-evaluation')) ?? '';
          return shown === String(EPOCHS) ? read : undefined;
        },
        `the run to end and the dashboard to show epoch ${EPOCHS}`,
        60_000,
        async () => `the dashboard shows evaluation ${await dashboard.getAttribute('data-last-evaluation')}`,
      );
      const ended = finished.events.find((event) => event.type === 'run/didEnd') as { reason?: string } | undefined;
      assert.equal(ended?.reason, 'completed', 'the run completed');
      // The panel coalesces deltas (refreshIntervalMs): let the last one land.
      await sleep(1000);

      const metrics = finished.events.filter((event): event is MetricsEvent => event.type === 'metrics/didUpdate');
      const epochs = finished.events.filter((event): event is EpochEvent => event.type === 'epoch/didEnd');
      const lastMetrics = metrics.at(-1);
      const lastEpoch = epochs.at(-1);
      assert.ok(lastMetrics !== undefined && lastEpoch !== undefined, 'events.jsonl has evaluations and epochs');
      assert.equal(lastMetrics.epoch, EPOCHS);
      const reportOf = (split: string) => lastMetrics.reports.find((report) => report.split === split);
      const train = reportOf('train');
      const testReport = reportOf('test');
      assert.ok(
        typeof train?.nc1 === 'number' && typeof testReport?.nc1 === 'number' && typeof testReport.accuracy === 'number',
        'train and test reports with NC1 and accuracy',
      );
      assert.equal(testReport.classCount, CLASSES);

      const nc1Label = await chartLabel(frame, 'nc1');
      for (const [series, report] of [
        ['NC1 train', train],
        ['NC1 test', testReport],
      ] as const) {
        const shown = seriesInLabel(nc1Label, series);
        assert.equal(shown.epoch, EPOCHS, `${series} at the last evaluation: ${nc1Label}`);
        assertShows(shown.value, report.nc1 ?? NaN, `NC1 chart, ${series}`);
      }

      const accuracyLabel = await chartLabel(frame, 'loss-accuracy');
      const testAccuracy = seriesInLabel(accuracyLabel, 'test accuracy');
      assert.equal(testAccuracy.epoch, EPOCHS);
      assertShows(testAccuracy.value, testReport.accuracy, 'accuracy chart, test accuracy');
      const loss = seriesInLabel(accuracyLabel, 'training loss');
      assert.equal(loss.epoch, lastEpoch.epoch);
      assertShows(loss.value, lastEpoch.loss, 'accuracy chart, training loss');
      const trainAccuracy = seriesInLabel(accuracyLabel, 'train accuracy (running)');
      assertShows(trainAccuracy.value, lastEpoch.trainAccuracy, 'accuracy chart, running train accuracy');

      // One bar per class; the flagged ones are those of the tracker's last verdict.
      const flagged = lastMetrics.collapse.active ? new Set(lastMetrics.collapse.classes).size : 0;
      assert.equal(await recall.getAttribute('data-flagged-count'), String(flagged), 'flagged classes as in events.jsonl');
      const banner = frame.locator('[data-banner="collapse"]');
      assert.equal(await banner.isVisible(), flagged > 0, 'the collapse banner shows exactly when classes are flagged');

      // Screenshots: more room for the charts without the sidebar.
      mark('checks done');
      await runCommand(page, 'View: Close Primary Side Bar', async () => !(await page.locator('.part.sidebar').isVisible()));
      await page.mouse.move(0, 0);
      const light = await screenshot(page, 'e2e-dashboard-light.png');

      await openColorThemePicker(page);
      await pickQuickItem(page, 'Dark Modern');
      await poll(
        async () => ((await page.locator('.monaco-workbench.vs-dark').count()) > 0 ? true : undefined),
        'the workbench in a dark theme',
        10_000,
      );
      await poll(
        async () => ((await frame.locator('body.vscode-dark').count()) > 0 ? true : undefined),
        'the dashboard in the dark theme',
        10_000,
      );
      // The charts redraw on the next animation frame after the theme change.
      await sleep(1000);
      const dark = await screenshot(page, 'e2e-dashboard-dark.png');

      mark('dark shot');
      await runCommand(page, 'View: Show NC Monitor', async () => page.locator('.part.sidebar').isVisible());
      await page.locator('.part.sidebar .pane-header', { hasText: 'Live Metrics' }).first().waitFor({ timeout: 10_000 });
      await sleep(500);
      const sidebar = join(SCREENSHOTS, 'e2e-sidebar.png');
      await page.screenshot({ path: sidebar });

      assert.deepEqual(cspViolations, [], 'no Content-Security-Policy violation on the console');

      publish(light, 'dashboard-light.png');
      publish(dark, 'dashboard-dark.png');
      publish(sidebar, 'sidebar.png');
    } finally {
      await session?.close();
      rmSync(workspace, { recursive: true, force: true });
    }
  },
);

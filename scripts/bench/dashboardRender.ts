/**
 * Part 4b: the dashboard's time per live update at C = 10 and C = 1000. The real webview bundle runs in headless
 * Chromium under its real page and CSP (test/unit/webview/browserPreview.ts serves it); it is loaded with a snapshot
 * of a run in progress, then each update is one delta (one more epoch and its evaluation, train and test reports), as
 * the extension host posts them. Per update we time, inside the page:
 * - the message handler: validation of the host message (zod) and the reducer;
 * - the render callback the handler schedules (view model, DOM and Chart.js canvas updates), plus a forced style and
 *   layout at its end so that the browser's layout work is counted too. Painting and compositing, which happen off
 *   this callback, are not.
 * Without Chromium, the page's pure parts are timed in Node instead (validation, reducer, view model) and the result
 * says so.
 */
import { existsSync } from 'node:fs';
import { parseHostMessage } from '../../src/protocol/dashboard';
import type { HostMessage } from '../../src/protocol/dashboard';
import { cursorAtEnd, deltaMessage, snapshotMessage } from '../../src/extension/dashboard/dashboardData';
import type { RunData } from '../../src/extension/dashboard/dashboardData';
import { fixtureRun } from '../../test/unit/webview/fixtures';
import { distribution } from './measure';
import type { Distribution } from './measure';
import type { Measured } from './measure';

const CHROMIUM = '/usr/bin/chromium';

export interface DashboardRow {
  classCount: number;
  /** Evaluations already on screen when the timed updates start. */
  history: number;
  updates: number;
  deltaKiB: number;
  handlerMs: Distribution;
  renderMs: Distribution;
  /** handler + render of each update. */
  totalMs: Distribution;
  /** The view model alone (dashboardView, pure), timed in Node on the same updates: the rest of render is DOM and Chart.js. */
  viewModelMs?: number;
}

export interface DashboardResult {
  where: 'chromium' | 'node';
  note?: string;
  rows: DashboardRow[];
}

function prefix(run: RunData, count: number): RunData {
  return { ...run, status: 'running', ended: undefined, epochs: run.epochs.slice(0, count), evaluations: run.evaluations.slice(0, count) };
}

interface Scenario {
  classCount: number;
  history: number;
  updates: number;
  snapshot: HostMessage;
  deltas: HostMessage[];
}

function scenario(classCount: number, history: number, updates: number): Scenario {
  const run = fixtureRun({ classCount, epochs: history + updates, maxHeatmapClasses: 100, name: `bench-c${classCount}` });
  const deltas: HostMessage[] = [];
  for (let count = history + 1; count <= history + updates; count++) {
    deltas.push(deltaMessage(count + 1, prefix(run, count), cursorAtEnd(prefix(run, count - 1)), true).message);
  }
  return { classCount, history, updates, snapshot: snapshotMessage(1, 'run', [prefix(run, history)], []), deltas };
}

function row(scene: Scenario, handler: number[], render: number[]): DashboardRow {
  return {
    classCount: scene.classCount,
    history: scene.history,
    updates: scene.updates,
    deltaKiB: Math.max(...scene.deltas.map((delta) => JSON.stringify(delta).length)) / 1024,
    handlerMs: distribution(handler),
    renderMs: distribution(render),
    totalMs: distribution(handler.map((value, index) => value + (render[index] ?? 0))),
  };
}

interface PageTiming {
  handlerMs: number;
  renderMs: number;
  /** What the page says it shows (main.ts sets data-last-evaluation on #dashboard after each render). */
  shownEvaluation: string | undefined;
  notice: string;
}

function expectedEvaluation(delta: HostMessage): string | undefined {
  const epoch = JSON.stringify(delta).match(/"evaluations":\[\{[^]*?"epoch":(\d+)/);
  return epoch?.[1];
}

async function inChromium(scenes: Scenario[]): Promise<DashboardRow[]> {
  const { launchChromium, openPreview } = await import('../../test/unit/webview/browserPreview');
  const browser = await launchChromium();
  const rows: DashboardRow[] = [];
  try {
    for (const scene of scenes) {
      const preview = await openPreview(browser, 'dark', { mode: 'run', runIds: [`run-a`], ui: { split: 'test', classLayout: 'binned' } });
      try {
        await preview.send(scene.snapshot);
        await preview.page.evaluate(() => {
          const page = window as unknown as { __frame: typeof requestAnimationFrame; __renderMs: number[] };
          page.__frame = window.requestAnimationFrame.bind(window);
          page.__renderMs = [];
          // The webview schedules its render through the global at each update; Chart.js took its own reference at load.
          window.requestAnimationFrame = (callback) =>
            page.__frame((time) => {
              const start = performance.now();
              callback(time);
              document.body.getBoundingClientRect();
              page.__renderMs.push(performance.now() - start);
            });
        });
        const handler: number[] = [];
        const render: number[] = [];
        for (const delta of scene.deltas) {
          const timing = await preview.page.evaluate(async (message): Promise<PageTiming> => {
            const page = window as unknown as { __frame: typeof requestAnimationFrame; __renderMs: number[] };
            page.__renderMs = [];
            const start = performance.now();
            window.dispatchEvent(new MessageEvent('message', { data: message }));
            const handlerMs = performance.now() - start;
            await new Promise((done) => page.__frame(() => page.__frame(done)));
            return {
              handlerMs,
              renderMs: page.__renderMs.reduce((a, b) => a + b, 0),
              shownEvaluation: document.getElementById('dashboard')?.dataset.lastEvaluation,
              notice: document.querySelector('.notices')?.textContent ?? '',
            };
          }, delta as unknown);
          // A delta the page refuses (protocol out of step with the host code) renders only a notice, fast: not a measurement.
          const expected = expectedEvaluation(delta);
          if (timing.shownEvaluation !== undefined && expected !== undefined && timing.shownEvaluation !== expected) {
            throw new Error(
              `the dashboard did not show evaluation ${expected} (shows ${timing.shownEvaluation}): ${timing.notice.trim().slice(0, 200)}`,
            );
          }
          handler.push(timing.handlerMs);
          render.push(timing.renderMs);
        }
        const problems = preview.problems.filter((line) => !line.startsWith('warning'));
        if (problems.length > 0) throw new Error(`the dashboard page reported: ${problems.slice(0, 3).join('; ')}`);
        rows.push(row(scene, handler, render));
      } finally {
        await preview.close();
      }
    }
  } finally {
    await browser.close();
  }
  return rows;
}

async function inNode(scenes: Scenario[]): Promise<DashboardRow[]> {
  await import('../../src/webview/zodConfig');
  const { initialState, reduce } = await import('../../src/webview/state');
  const { dashboardView, DetailCache } = await import('../../src/webview/model/dashboardView');
  return scenes.map((scene) => {
    let state = initialState({ mode: 'run', runIds: ['run-a'], ui: { split: 'test', classLayout: 'binned' } });
    const cache = new DetailCache();
    state = reduce(state, scene.snapshot);
    dashboardView(state, cache);
    const handler: number[] = [];
    const render: number[] = [];
    for (const delta of scene.deltas) {
      const raw = JSON.parse(JSON.stringify(delta)) as unknown;
      let start = performance.now();
      const parsed = parseHostMessage(raw);
      if (!parsed.ok) throw new Error(parsed.error);
      state = reduce(state, parsed.message);
      handler.push(performance.now() - start);
      start = performance.now();
      dashboardView(state, cache);
      render.push(performance.now() - start);
    }
    return row(scene, handler, render);
  });
}

export async function benchDashboard(quick: boolean, log: (line: string) => void): Promise<Measured<DashboardResult>> {
  const scenes = [scenario(10, 100, quick ? 5 : 20), scenario(1000, 100, quick ? 3 : 10)];
  try {
    if (existsSync(CHROMIUM)) {
      log('dashboard: render per update in headless Chromium, C = 10 and C = 1000…');
      const rows = await inChromium(scenes);
      const pure = await inNode(scenes);
      rows.forEach((row, index) => (row.viewModelMs = pure[index]?.renderMs.median));
      return { ok: true, value: { where: 'chromium', rows } };
    }
    log(`dashboard: ${CHROMIUM} not found: timing the page's pure parts in Node instead…`);
    return {
      ok: true,
      value: {
        where: 'node',
        note: `no browser (${CHROMIUM} missing; apt-get install -y chromium): validation + reducer + view model in Node, without DOM and canvas work`,
        rows: await inNode(scenes),
      },
    };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
}

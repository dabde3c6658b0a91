/**
 * Times the dashboard's pure parts at 1000 classes and 500 evaluations (and at 100 classes with full cosine
 * matrices): the host building snapshots and deltas, the webview validating them (zod without JIT, as under the
 * webview's CSP), the reducer, and the view model built per frame. Canvas drawing is left to the browser.
 *
 *   node --import tsx scripts/bench-dashboard.ts
 */
import '../src/webview/zodConfig';
import { cursorAtEnd, deltaMessage, snapshotMessage } from '../src/extension/dashboard/dashboardData';
import type { RunData } from '../src/extension/dashboard/dashboardData';
import { parseHostMessage } from '../src/protocol/dashboard';
import type { HostMessage } from '../src/protocol/dashboard';
import { dashboardView, DetailCache } from '../src/webview/model/dashboardView';
import { initialState, reduce } from '../src/webview/state';
import type { DashboardState } from '../src/webview/state';
import { fixtureRun } from '../test/unit/webview/fixtures';
import type { FixtureOptions } from '../test/unit/webview/fixtures';

function time<T>(repeats: number, work: () => T): { median: number; result: T } {
  const samples: number[] = [];
  let result = work();
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    result = work();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)] ?? 0, result };
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

function bench(label: string, options: FixtureOptions): void {
  const fixtureStart = performance.now();
  const run = fixtureRun(options);
  console.log(
    `\n${label}: ${run.evaluations.length} evaluations × 2 splits, ${run.epochs.length} epochs (fixture built in ${ms(performance.now() - fixtureStart)})`,
  );

  const snapshot = time(5, () => snapshotMessage(1, 'run', [run], []));
  const wire = JSON.stringify(snapshot.result);
  console.log(`  host   snapshot build              ${ms(snapshot.median)}   (${kb(wire.length)} as JSON)`);
  const decoded = JSON.parse(wire) as unknown;
  const parsed = time(5, () => parseHostMessage(decoded));
  if (!parsed.result.ok) throw new Error(parsed.result.error);
  console.log(`  webview validate snapshot (zod)    ${ms(parsed.median)}`);
  const loaded = time(5, () => reduce(initialState(), parsed.result.ok ? parsed.result.message : ({} as HostMessage)));
  console.log(`  webview reduce snapshot            ${ms(loaded.median)}`);

  // A live run: the same run arriving one evaluation at a time.
  const prefix = (count: number): RunData => ({ ...run, epochs: run.epochs.slice(0, count), evaluations: run.evaluations.slice(0, count) });
  const deltas: HostMessage[] = [];
  let buildTotal = 0;
  let largest = 0;
  for (let count = 1; count <= run.evaluations.length; count++) {
    const start = performance.now();
    const { message } = deltaMessage(count + 1, prefix(count), cursorAtEnd(prefix(count - 1)), true);
    buildTotal += performance.now() - start;
    const text = JSON.stringify(message);
    largest = Math.max(largest, text.length);
    deltas.push(JSON.parse(text) as HostMessage);
  }
  console.log(
    `  host   delta build (mean)          ${ms(buildTotal / deltas.length)}   (largest ${kb(largest)}: one evaluation's full reports)`,
  );
  let validateTotal = 0;
  let reduceTotal = 0;
  let state: DashboardState = reduce(initialState(), snapshotMessage(1, 'run', [prefix(0)], []));
  for (const raw of deltas) {
    let start = performance.now();
    const message = parseHostMessage(raw);
    validateTotal += performance.now() - start;
    if (!message.ok) throw new Error(message.error);
    start = performance.now();
    state = reduce(state, message.message);
    reduceTotal += performance.now() - start;
  }
  console.log(`  webview validate delta (mean)      ${ms(validateTotal / deltas.length)}`);
  console.log(
    `  webview reduce delta (mean)        ${ms(reduceTotal / deltas.length)}   (${state.runs[0]?.evaluations.length} evaluations held)`,
  );

  const cold = time(10, () => dashboardView(state, new DetailCache()));
  const cache = new DetailCache();
  dashboardView(state, cache);
  const warm = time(20, () => dashboardView({ ...state }, cache));
  const scroll = time(5, () => dashboardView(reduce(state, { type: 'ui/setClassLayout', classLayout: 'scroll' }), new DetailCache()));
  const detail = cold.result.detail;
  console.log(
    `  webview view model, new evaluation ${ms(cold.median)}   (${detail?.classBars.bars.length} bars, ${detail?.heatmaps[0]?.size}² heatmap, ${cold.result.lineCharts.length} line charts)`,
  );
  console.log(`  webview view model, same evaluation ${ms(warm.median)}`);
  console.log(`  webview view model, scroll layout  ${ms(scroll.median)}   (${scroll.result.detail?.classBars.bars.length} bars)`);
  // The message handler validates and reduces; the view model is built in the next animation frame: two tasks.
  const messageTask = validateTotal / deltas.length + reduceTotal / deltas.length;
  console.log(
    `  per new evaluation: ${ms(messageTask)} in the message task + ${ms(cold.median)} of view model in the next frame (plus drawing)`,
  );
}

bench('1000 classes (summary heatmaps)', { classCount: 1000, epochs: 500, maxHeatmapClasses: 100 });
bench('100 classes (full 100 × 100 cosine matrices)', { classCount: 100, epochs: 500, maxHeatmapClasses: 100 });

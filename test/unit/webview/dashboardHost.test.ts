import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cursorAtEnd, deltaMessage, snapshotMessage } from '../../../src/extension/dashboard/dashboardData';
import { contentSecurityPolicy, dashboardHtml, unrestorableHtml } from '../../../src/extension/dashboard/dashboardHtml';
import { CSV_HEADER, csvCell, metricsCsv } from '../../../src/extension/dashboard/metricsCsv';
import { pngBytes } from '../../../src/extension/dashboard/pngData';
import { UpdateThrottle } from '../../../src/extension/dashboard/updateThrottle';
import type { Clock } from '../../../src/extension/dashboard/updateThrottle';
import { parseHostMessage, parsePersistedState, parseWebviewMessage } from '../../../src/protocol/dashboard';
import { normsView } from '../../../src/webview/model/normScatter';
import { fixtureRun } from './fixtures';

test('snapshots are valid dashboard messages; run panels carry the latest reports, Compare panels histories only', () => {
  const run = fixtureRun({ classCount: 10, epochs: 6 });
  const snapshot = snapshotMessage(3, 'run', [run], ['missing-run']);
  assert.ok(parseHostMessage(JSON.parse(JSON.stringify(snapshot))).ok);
  assert.equal(snapshot.runs[0]?.evaluations.length, 6);
  assert.equal(snapshot.runs[0]?.latest?.epoch, 6);
  assert.equal(snapshot.runs[0]?.info?.method, 'cross-entropy');
  assert.equal(snapshot.runs[0]?.info?.model, 'resnet32');
  assert.deepEqual(snapshot.missingRunIds, ['missing-run']);
  const point = snapshot.runs[0]?.evaluations[2];
  const report = run.evaluations[2]?.reports.find((candidate) => candidate.split === 'test');
  assert.equal(point?.test?.nc1, report?.nc1);
  assert.equal(point?.test?.tailClassifierCosine, report?.minorityCollapse.tailClassifierCosine);
  assert.equal(point?.collapse.flaggedCount, run.evaluations[2]?.collapse.classes.length);
  assert.equal(snapshotMessage(1, 'compare', [run], []).runs[0]?.latest, null);
});

test('per-class norms in a report reach the webview and turn the placeholder into the norms chart', () => {
  const run = fixtureRun({ classCount: 10, epochs: 4, withNorms: true });
  const parsed = parseHostMessage(JSON.parse(JSON.stringify(snapshotMessage(1, 'run', [run], []))));
  assert.ok(parsed.ok && parsed.message.type === 'dashboard/snapshot');
  const report = parsed.message.runs[0]?.latest?.reports[0];
  assert.ok(report !== undefined);
  assert.equal(report.classifierNorms?.length, 10);
  assert.equal(normsView(report, [], []).kind, 'chart');
});

test('deltas hold what is new since the cursor, and nothing once sent', () => {
  const early = fixtureRun({ classCount: 10, epochs: 9 }, 4);
  const later = fixtureRun({ classCount: 10, epochs: 9 }, 7);
  const { message, cursor } = deltaMessage(2, later, cursorAtEnd(early), true);
  assert.deepEqual(
    message.epochs.map((point) => point.epoch),
    [5, 6, 7],
  );
  assert.deepEqual(
    message.evaluations.map((point) => point.epoch),
    [5, 6, 7],
  );
  assert.equal(message.latest?.epoch, 7);
  assert.ok(parseHostMessage(JSON.parse(JSON.stringify(message))).ok);
  const again = deltaMessage(3, later, cursor, true).message;
  assert.deepEqual([again.epochs.length, again.evaluations.length, again.latest], [0, 0, undefined]);
  assert.equal(again.status, 'running');
});

test('CSV: one row per evaluated split with the epoch loss, values in full precision, names quoted safely', () => {
  const run = { ...fixtureRun({ classCount: 10, epochs: 6, evaluateEvery: 2 }), name: 'ce, "baseline"' };
  const csv = metricsCsv([run]);
  const lines = csv.trimEnd().split('\r\n');
  assert.equal(lines[0], CSV_HEADER.join(','));
  // 6 epochs: 3 evaluated (2 splits each) + 3 without evaluation.
  assert.equal(lines.length, 1 + 3 * 2 + 3);
  const header = CSV_HEADER;
  const cellsOf = (line: string) => line.replace(/^"ce, ""baseline"""/, 'NAME').split(',');
  const rowFor = (epoch: number, split: string) =>
    lines
      .slice(1)
      .map(cellsOf)
      .find((cells) => cells[1] === String(epoch) && cells[2] === split);
  const row = rowFor(4, 'test');
  const report = run.evaluations.find((evaluation) => evaluation.epoch === 4)!.reports.find((candidate) => candidate.split === 'test')!;
  assert.equal(row?.[0], 'NAME');
  assert.equal(Number(row?.[header.indexOf('nc1')]), report.nc1);
  assert.equal(Number(row?.[header.indexOf('few_shot_accuracy')]), report.shotGroupAccuracy.few);
  assert.equal(Number(row?.[header.indexOf('loss')]), run.epochs[3]?.loss);
  const unevaluated = rowFor(3, '');
  assert.equal(Number(unevaluated?.[header.indexOf('loss')]), run.epochs[2]?.loss);
  assert.equal(unevaluated?.[header.indexOf('nc1')], '');
});

test('csvCell quotes separators and defuses spreadsheet formulas', () => {
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(0.1 + 0.2), '0.30000000000000004');
  assert.equal(csvCell(-3), '-3');
});

test('the page: a nonce on the only script, no inline style, a CSP without unsafe-inline, unsafe-eval or connect-src', () => {
  const html = dashboardHtml({
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    scriptUri: 'https://x/dist/webview.js',
    styleUri: 'https://x/media/dashboard.css',
    title: 'NC: <run> & "co"',
    initialState: { mode: 'run', runIds: ['run-a'], ui: { split: 'test', classLayout: 'binned' } },
    nonce: 'abc123',
  });
  const policy = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.equal(policy, contentSecurityPolicy('https://file+.vscode-resource.vscode-cdn.net', 'abc123'));
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /script-src 'nonce-abc123'/);
  assert.match(policy, /img-src https:\/\/file\+\.vscode-resource\.vscode-cdn\.net data:/);
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|connect-src/);
  const scripts = [...html.matchAll(/<script([^>]*)>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0]?.[1] ?? '', /nonce="abc123"/);
  assert.doesNotMatch(html, /<style|style="/);
  assert.match(html, /<title>NC: &lt;run&gt; &amp; &quot;co&quot;<\/title>/);
  const initial = /data-initial="([^"]*)"/
    .exec(html)?.[1]
    ?.replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
  assert.ok(parsePersistedState(JSON.parse(initial ?? 'null')).ok);
});

test('an unrestorable panel gets a page without any script', () => {
  const html = unrestorableHtml('https://csp', 'https://x/media/dashboard.css');
  assert.doesNotMatch(html, /<script/);
  assert.match(html, /default-src 'none'; style-src https:\/\/csp/);
  assert.match(html, /NC Monitor: Open Dashboard/);
});

test('webview messages are validated: only PNG data URLs of known charts', () => {
  const png = `data:image/png;base64,${Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]).toString('base64')}`;
  assert.ok(parseWebviewMessage({ type: 'webview/exportPng', chart: 'nc1', dataUrl: png }).ok);
  assert.equal(parseWebviewMessage({ type: 'webview/exportPng', chart: '../../etc', dataUrl: png }).ok, false);
  assert.equal(parseWebviewMessage({ type: 'webview/exportPng', chart: 'nc1', dataUrl: 'data:text/html;base64,PGgxPg==' }).ok, false);
  assert.equal(parseWebviewMessage({ type: 'webview/openRun', runId: '' }).ok, false);
  assert.ok(parseWebviewMessage({ type: 'webview/ready', protocolVersion: 1 }).ok);
  assert.deepEqual([...pngBytes(png).slice(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.throws(() => pngBytes(`data:image/png;base64,${Buffer.from('GIF89a-not-a-png').toString('base64')}`), /not a PNG/);
});

test('saved state: runs and choices only, at most 8 runs', () => {
  assert.ok(parsePersistedState({ mode: 'compare', runIds: ['a', 'b'], ui: { split: 'train', classLayout: 'scroll' } }).ok);
  assert.equal(parsePersistedState(undefined).ok, false);
  assert.equal(parsePersistedState({ mode: 'run', runIds: [], ui: { split: 'test', classLayout: 'binned' } }).ok, false);
  const nine = Array.from({ length: 9 }, (_, i) => `r${i}`);
  assert.equal(parsePersistedState({ mode: 'compare', runIds: nine, ui: { split: 'test', classLayout: 'binned' } }).ok, false);
});

class FakeClock implements Clock {
  time = 0;
  private timers: { at: number; callback: () => void; id: number }[] = [];
  private nextId = 1;
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, milliseconds: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.time + milliseconds, callback, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }
  advance(milliseconds: number): void {
    const end = this.time + milliseconds;
    for (;;) {
      const due = this.timers.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = due.at;
      due.callback();
    }
    this.time = end;
  }
}

test('updates are coalesced to at most one flush per interval', () => {
  const clock = new FakeClock();
  const flushes: number[] = [];
  const throttle = new UpdateThrottle(
    () => 250,
    () => flushes.push(clock.now()),
    clock,
  );
  throttle.request();
  assert.deepEqual(flushes, [0], 'the first change after a quiet period goes out at once');
  for (let i = 0; i < 20; i++) {
    clock.advance(10);
    throttle.request();
  }
  assert.deepEqual(flushes, [0]);
  clock.advance(50);
  assert.deepEqual(flushes, [0, 250], 'twenty changes inside the interval become one flush at its end');
  clock.advance(1000);
  throttle.request();
  assert.deepEqual(flushes, [0, 250, 1250]);
  throttle.request();
  throttle.cancel();
  clock.advance(1000);
  assert.deepEqual(flushes, [0, 250, 1250], 'a cancelled flush (panel hidden) never happens');
  throttle.markFlushed();
  throttle.request();
  clock.advance(249);
  assert.equal(flushes.length, 3, 'a snapshot starts a new interval');
  clock.advance(1);
  assert.deepEqual(flushes, [0, 250, 1250, 2500]);
});

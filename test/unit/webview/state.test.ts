import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cursorAtEnd, deltaMessage, snapshotMessage } from '../../../src/extension/dashboard/dashboardData';
import type { RunData } from '../../../src/extension/dashboard/dashboardData';
import { parseHostMessage } from '../../../src/protocol/dashboard';
import type { DeltaMessage, HostMessage, SnapshotMessage } from '../../../src/protocol/dashboard';
import { initialState, mergeByEpoch, persistedState, reduce } from '../../../src/webview/state';
import type { DashboardState } from '../../../src/webview/state';
import { fixtureRun } from './fixtures';
import type { FixtureOptions } from './fixtures';

/** Messages cross postMessage as JSON and are validated on arrival, as in the webview. */
function arrive(message: HostMessage): HostMessage {
  const parsed = parseHostMessage(JSON.parse(JSON.stringify(message)));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return parsed.message;
}

function apply(state: DashboardState, ...messages: HostMessage[]): DashboardState {
  return messages.reduce((current, message) => reduce(current, arrive(message)), state);
}

function delta(seq: number, run: RunData, from: RunData, withLatest = true): DeltaMessage {
  return deltaMessage(seq, run, cursorAtEnd(from), withLatest).message;
}

const OPTIONS: FixtureOptions = { classCount: 10, epochs: 12 };
const epochsOf = (state: DashboardState, index = 0) => state.runs[index]?.epochs.map((point) => point.epoch);
const evaluationsOf = (state: DashboardState, index = 0) => state.runs[index]?.evaluations.map((point) => point.epoch);

test('a snapshot loads the run; deltas then add exactly the new epochs and evaluations', () => {
  const early = fixtureRun(OPTIONS, 5);
  const later = fixtureRun(OPTIONS, 8);
  let state = apply(initialState(), snapshotMessage(1, 'run', [early], []));
  assert.equal(state.loaded, true);
  assert.deepEqual(epochsOf(state), [1, 2, 3, 4, 5]);
  assert.equal(state.runs[0]?.latest?.epoch, 5);

  state = apply(state, delta(2, later, early));
  assert.deepEqual(epochsOf(state), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(evaluationsOf(state), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(state.runs[0]?.latest?.epoch, 8);
  assert.equal(state.runs[0]?.seq, 2);
  // The newest test report's per-class recall is what the fixture computed for epoch 8.
  const report = later.evaluations.at(-1)?.reports.find((candidate) => candidate.split === 'test');
  assert.deepEqual(state.runs[0]?.latest?.reports.find((candidate) => candidate.split === 'test')?.recallPerClass, report?.recallPerClass);
});

test('a duplicated delta changes nothing: no epoch appears twice', () => {
  const early = fixtureRun(OPTIONS, 5);
  const later = fixtureRun(OPTIONS, 7);
  const message = delta(2, later, early);
  const once = apply(initialState(), snapshotMessage(1, 'run', [early], []), message);
  const twice = apply(once, message);
  assert.deepEqual(epochsOf(twice), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(evaluationsOf(twice), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(twice.runs[0], once.runs[0]);
});

test('out-of-order deltas end in epoch order, and the older one does not overwrite the newer status', () => {
  const at5 = fixtureRun(OPTIONS, 5);
  const at6 = { ...fixtureRun(OPTIONS, 6), status: 'running' as const };
  const at12 = fixtureRun(OPTIONS, 12);
  assert.equal(at12.status, 'completed');
  const first = delta(2, at6, at5);
  const second = delta(3, at12, at6);
  const state = apply(initialState(), snapshotMessage(1, 'run', [at5], []), second, first);
  assert.deepEqual(epochsOf(state), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(evaluationsOf(state), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.equal(state.runs[0]?.status, 'completed');
  assert.equal(state.runs[0]?.latest?.epoch, 12);
  assert.notEqual(state.runs[0]?.ended, null);
});

test('a delta older than the snapshot only fills gaps', () => {
  const at8 = fixtureRun(OPTIONS, 8);
  const at5 = fixtureRun(OPTIONS, 5);
  const stale = delta(3, { ...fixtureRun(OPTIONS, 6), status: 'stopping' }, at5);
  const state = apply(initialState(), snapshotMessage(7, 'run', [at8], []), stale);
  assert.deepEqual(epochsOf(state), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(state.runs[0]?.status, 'running');
  assert.equal(state.runs[0]?.latest?.epoch, 8);
  assert.equal(state.runs[0]?.seq, 7);
});

test('a resumed run re-reports epochs: the newer report replaces the held one', () => {
  const at6 = fixtureRun(OPTIONS, 6);
  const state = apply(initialState(), snapshotMessage(1, 'run', [at6], []));
  const replay = arrive(delta(2, at6, fixtureRun(OPTIONS, 4)));
  assert.equal(replay.type, 'dashboard/delta');
  const changed = {
    ...replay,
    epochs: replay.type === 'dashboard/delta' ? replay.epochs.map((point) => ({ ...point, loss: 9 })) : [],
  } as DeltaMessage;
  const next = reduce(state, changed);
  assert.deepEqual(epochsOf(next), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(
    next.runs[0]?.epochs.map((point) => point.loss === 9),
    [false, false, false, false, true, true],
  );
});

test('a delta for a run the panel does not show leaves the state as it is', () => {
  const run = fixtureRun(OPTIONS, 3);
  const state = apply(initialState(), snapshotMessage(1, 'run', [run], []));
  const other = { ...fixtureRun(OPTIONS, 4), id: 'someone-else' };
  assert.equal(reduce(state, arrive(delta(2, other, run))), state);
});

test('compare mode: a delta updates its run only; the other runs keep their objects', () => {
  const runs = [
    fixtureRun({ ...OPTIONS, id: 'a', name: 'ce' }, 4),
    fixtureRun({ ...OPTIONS, id: 'b', name: 'ldam', collapseSpeed: 0.5 }, 4),
    fixtureRun({ ...OPTIONS, id: 'c', name: 'etf' }, 4),
  ];
  const snapshot = snapshotMessage(1, 'compare', runs, ['gone']);
  assert.ok(
    snapshot.runs.every((run) => run.latest === null),
    'Compare snapshots carry histories only',
  );
  const state = apply(initialState(), snapshot);
  assert.equal(state.mode, 'compare');
  assert.deepEqual(state.runIds, ['a', 'b', 'c', 'gone']);
  const laterB = { ...fixtureRun({ ...OPTIONS, id: 'b', name: 'ldam', collapseSpeed: 0.5 }, 7) };
  const next = reduce(state, arrive(delta(2, laterB, runs[1]!, false)));
  assert.deepEqual(epochsOf(next, 1), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(next.runs[0], state.runs[0]);
  assert.equal(next.runs[2], state.runs[2]);
  assert.equal(next.runs[1]?.latest, null);
});

test('1000 classes: snapshot and delta carry every class of the latest evaluation', () => {
  const options: FixtureOptions = { classCount: 1000, epochs: 6, maxHeatmapClasses: 100 };
  const early = fixtureRun(options, 3);
  const later = fixtureRun(options, 6);
  const state = apply(initialState(), snapshotMessage(1, 'run', [early], []), delta(2, later, early));
  const latest = state.runs[0]?.latest;
  assert.equal(latest?.epoch, 6);
  assert.equal(latest?.reports.length, 2);
  for (const report of latest?.reports ?? []) {
    assert.equal(report.recallPerClass.length, 1000);
    assert.equal(report.cosineMatrices.kind, 'summary');
  }
  assert.equal(state.runs[0]?.info?.classNames.length, 1000);
  assert.deepEqual(evaluationsOf(state), [1, 2, 3, 4, 5, 6]);
});

test('UI choices change the state, and what is persisted holds choices and run ids, never metrics', () => {
  const run = fixtureRun(OPTIONS, 3);
  let state = apply(initialState(), snapshotMessage(1, 'run', [run], []));
  state = reduce(state, { type: 'ui/setSplit', split: 'train' });
  state = reduce(state, { type: 'ui/setClassLayout', classLayout: 'scroll' });
  assert.equal(reduce(state, { type: 'ui/setSplit', split: 'train' }), state, 'an unchanged choice keeps the state object');
  const persisted = persistedState(state);
  assert.deepEqual(persisted, { mode: 'run', runIds: [run.id], ui: { split: 'train', classLayout: 'scroll' } });
  assert.ok(JSON.stringify(persisted).length < 200);
  // A new snapshot (the panel became visible again) keeps the choices.
  const again = apply(state, snapshotMessage(5, 'run', [run], []));
  assert.deepEqual(again.ui, { split: 'train', classLayout: 'scroll' });
});

test('a restored panel starts from its saved choices and runs, before any data', () => {
  const state = initialState({ mode: 'compare', runIds: ['a', 'b'], ui: { split: 'train', classLayout: 'binned' } });
  assert.equal(state.loaded, false);
  assert.equal(state.mode, 'compare');
  assert.deepEqual(persistedState(state)?.runIds, ['a', 'b']);
  assert.equal(persistedState(initialState()), undefined);
});

test('malformed host messages are refused with where and why; the reducer shows the error', () => {
  const snapshot = JSON.parse(JSON.stringify(snapshotMessage(1, 'run', [fixtureRun(OPTIONS, 2)], []))) as SnapshotMessage;
  (snapshot.runs[0]!.epochs[0] as { loss: unknown }).loss = 'NaN';
  const parsed = parseHostMessage(snapshot);
  assert.equal(parsed.ok, false);
  assert.match(parsed.ok ? '' : parsed.error, /runs\.0\.epochs\.0\.loss/);
  assert.equal(parseHostMessage({ type: 'dashboard/unknown' }).ok, false);
  const state = reduce(initialState(), { type: 'ui/invalidMessage', error: 'bad' });
  assert.equal(state.error, 'bad');
  assert.equal(apply(state, snapshotMessage(2, 'run', [fixtureRun(OPTIONS, 1)], [])).error, null);
});

test('mergeByEpoch inserts, replaces or keeps by epoch', () => {
  const point = (epoch: number, loss: number) => ({ epoch, loss, trainAccuracy: 0, learningRate: 0.1 });
  const held = [point(1, 1), point(3, 3)];
  assert.deepEqual(
    mergeByEpoch(held, [point(2, 2), point(4, 4), point(3, 30)], true).map((p) => [p.epoch, p.loss]),
    [
      [1, 1],
      [2, 2],
      [3, 30],
      [4, 4],
    ],
  );
  assert.deepEqual(
    mergeByEpoch(held, [point(3, 30)], false).map((p) => p.loss),
    [1, 3],
  );
  assert.equal(mergeByEpoch(held, [], true), held);
});

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import WebSocket from 'ws';
import type { Run } from '../../../src/extension/runs/run';
import { TOKEN_HEADER } from '../../../src/protocol/messages';
import { activateExtension, waitForRun, workspaceFile } from './support';
import { classRows } from '../../../src/extension/views/classesTree';
import { metricRows } from '../../../src/extension/views/metricsTree';

suite('Runs: the command starts a trainer that reports over the socket', () => {
  test('Start Long-Tail Run launches the trainer; hello, start, epochs, metrics and the end reach the extension', async function () {
    this.timeout(120_000);
    const api = await activateExtension();
    const run = await vscode.commands.executeCommand<Run | undefined>('ncMonitor.startRun', workspaceFile('tiny.ltrun.json'));
    assert.ok(run, 'the command returns the run it started');
    await waitForRun(run, (candidate) => !candidate.isLive, 'the run to end', 90_000);
    assert.equal(run.status, 'completed', run.errorTail.join('\n'));
    assert.match(run.client ?? '', /^nc-monitor-trainer /, 'the hello named the trainer');
    assert.equal(run.started?.dataset.classNames.length, 4);
    assert.deepEqual(
      run.epochs.map((epoch) => epoch.epoch),
      [1, 2, 3],
    );
    assert.equal(run.evaluations.length, 3);
    assert.equal(run.evaluations[2]?.reports.find((report) => report.split === 'test')?.recallPerClass.length, 4);
    assert.equal(api.store.get(run.id), run, 'the run is listed');

    // The sidebar's data: classes head to tail with counts and recall; the latest metrics with their trends.
    const classes = classRows(run);
    assert.deepEqual(
      classes.map((row) => row.trainCount),
      [40, 18, 8, 4],
    );
    assert.deepEqual(
      classes.map((row) => row.group),
      ['medium', 'few', 'few', 'few'],
    );
    const latestTest = run.evaluations.at(-1)?.reports.find((report) => report.split === 'test');
    assert.deepEqual(
      classes.map((row) => row.recall),
      classes.map((row) => latestTest?.recallPerClass[row.index]),
    );
    const metrics = metricRows(run);
    const nc1 = metrics.find((row) => row.label === 'NC1 (test)');
    assert.ok(nc1, metrics.map((row) => row.label).join(', '));
    assert.notEqual(nc1.value, '—');
    assert.ok(nc1.trend !== undefined, 'a trend once there are two evaluations');
  });

  test('Stop Run ends a live run gracefully: reason "stopped", and what it reported is kept', async function () {
    this.timeout(120_000);
    const run = await vscode.commands.executeCommand<Run>('ncMonitor.startRun', workspaceFile('long.ltrun.json'));
    await waitForRun(run, (candidate) => candidate.epochs.length >= 2, 'two epochs');
    await vscode.commands.executeCommand('ncMonitor.stopRun', run.id);
    await waitForRun(run, (candidate) => !candidate.isLive, 'the run to stop');
    assert.equal(run.status, 'stopped');
    assert.equal(run.ended?.reason, 'stopped');
    assert.ok(run.epochs.length >= 2 && run.epochs.length < 400);
  });

  test('a wrong-secret client and a garbage-sending client are refused while a run continues', async function () {
    this.timeout(120_000);
    const api = await activateExtension();
    const server = api.testing?.server;
    assert.ok(server, 'the test API is enabled (NC_MONITOR_TEST=1)');
    const run = await vscode.commands.executeCommand<Run>('ncMonitor.startRun', workspaceFile('long.ltrun.json'));
    await waitForRun(run, (candidate) => candidate.epochs.length >= 1, 'the first epoch');

    const wrongSecret = new WebSocket(server.url, { headers: { [TOKEN_HEADER]: 'guessed' } });
    const status = await new Promise<number | undefined>((resolve) => {
      wrongSecret.on('unexpected-response', (_request, response) => resolve(response.statusCode));
      wrongSecret.on('open', () => resolve(101));
    });
    assert.equal(status, 401);

    const noSecret = new WebSocket(server.url);
    const noSecretStatus = await new Promise<number | undefined>((resolve) => noSecret.on('unexpected-response', (_request, response) => resolve(response.statusCode)));
    assert.equal(noSecretStatus, 401);

    // Garbage on a raw TCP connection to the port: not even an HTTP request.
    const { connect } = await import('node:net');
    const port = Number(new URL(server.url).port);
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x0d, 0x0a, 0x0d, 0x0a])));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 3000);
    });

    const epochsBefore = run.epochs.length;
    await waitForRun(run, (candidate) => candidate.epochs.length >= epochsBefore + 2, 'two more epochs after the intruders');
    assert.ok(run.isLive, 'the run is still going');
    await vscode.commands.executeCommand('ncMonitor.stopRun', run.id);
    await waitForRun(run, (candidate) => !candidate.isLive, 'the run to stop');
  });

  test('finished runs come back from their run folders (as after a window reload)', async function () {
    this.timeout(60_000);
    const api = await activateExtension();
    const finished = api.store.all().filter((run) => !run.isLive);
    assert.ok(finished.length >= 2, 'earlier tests left finished runs');
    const original = finished[0] as Run;
    const snapshot = { id: original.id, epochs: original.epochs.length, evaluations: original.evaluations.length, status: original.status };
    api.store.remove(original.id);
    assert.equal(api.store.get(snapshot.id), undefined);
    await vscode.commands.executeCommand('ncMonitor.refreshRuns');
    const restored = api.store.get(snapshot.id);
    assert.ok(restored, 'the run was read back from disk');
    assert.deepEqual(
      { id: restored.id, epochs: restored.epochs.length, evaluations: restored.evaluations.length, status: restored.status },
      snapshot,
    );
  });
});

import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Run } from '../../../src/extension/runs/run';
import type { AttachedRun } from '../../../src/extension/runs/attachedRun';
import { attachSnippet } from '../../../src/extension/runs/attachSnippet';
import { RunStore } from '../../../src/extension/runs/runStore';
import { RunsTreeProvider } from '../../../src/extension/views/runsTree';
import { activateExtension, waitFor, waitForRun, workspaceFile } from './support';

/** The interpreter the outer test found (test/support/python.ts): one that imports torch, in CI /usr/bin/python3. */
const python = process.env.NC_MONITOR_PYTHON;
const hasTorch = process.env.NC_MONITOR_PYTHON_HAS_TORCH === '1';

function runPython(code: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(python ?? 'python3', ['-c', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (exitCode) => resolve({ code: exitCode, output }));
  });
}

/** What a user's script adds after the snippet: a run with two epochs of real metrics on a tiny linear model. */
const SCRIPT_BODY = `
import time, torch
torch.manual_seed(0)
features = torch.randn(60, 6, dtype=torch.float64)
labels = torch.arange(60) % 3
model = torch.nn.Sequential()
model.add_module("body", torch.nn.Identity())
model.add_module("fc", torch.nn.Linear(6, 3))
loader = [(features[i:i + 20].float(), labels[i:i + 20]) for i in range(0, 60, 20)]
monitor.run_did_start(run_name="attached-test", run_folder="", config={"script": "test"}, backend={"name": "pytorch-cpu", "skipped": []},
                      dataset={"source": "random", "classNames": ["a", "b", "c"], "trainCounts": [30, 20, 10], "testCount": 60}, total_epochs=2)
for epoch in (1, 2):
    monitor.epoch_did_end(epoch=epoch, total_epochs=2, loss=1.0 / epoch, train_accuracy=0.5, learning_rate=0.1, duration_ms=5.0, images_per_second=100.0)
    report, _ = evaluate(model, loader, feature_layer="body", classifier_layer="fc", epoch=epoch, split="test", train_counts=[30, 20, 10])
    monitor.metrics_did_update(epoch=epoch, reports=[report], collapse=tracker.update([report]), evaluation_ms=1.0)
monitor.run_did_end(reason="completed", epoch=2, duration_ms=10.0)
monitor.close()
`;

suite('PyTorch: the engine and attached scripts report into the same views', () => {
  suiteSetup(async function () {
    if (python === undefined || !hasTorch) this.skip();
    await vscode.workspace.getConfiguration('ncMonitor').update('python.interpreterPath', python, vscode.ConfigurationTarget.Workspace);
  });

  test('Start Long-Tail Run on a config with "engine": "pytorch" trains with python -m ncmonitor.train and the run is live', async function () {
    this.timeout(180_000);
    const run = await vscode.commands.executeCommand<Run | undefined>('ncMonitor.startRun', workspaceFile('tiny-pytorch.ltrun.json'));
    assert.ok(run, 'the command returns the run it started');
    await waitForRun(run, (candidate) => !candidate.isLive, 'the PyTorch run to end', 150_000);
    assert.equal(run.status, 'completed', run.errorTail.join('\n'));
    assert.match(run.client ?? '', /python|ncmonitor/i, 'the hello came from the Python client');
    assert.match(run.started?.backend.name ?? '', /^pytorch/);
    assert.deepEqual(
      run.epochs.map((epoch) => epoch.epoch),
      [1, 2, 3],
    );
    assert.equal(run.evaluations.length, 3);
    const test = run.evaluations.at(-1)?.reports.find((report) => report.split === 'test');
    assert.equal(test?.recallPerClass.length, 4);
    assert.ok(existsSync(join(run.folder, 'events.jsonl')), 'the engine wrote its run folder');
  });

  test('Attach External Run: the snippet connects a script, its epochs and metrics arrive, and the run is kept on disk', async function () {
    this.timeout(120_000);
    const api = await activateExtension();
    const attached = await vscode.commands.executeCommand<AttachedRun | undefined>('ncMonitor.attachExternalRun', {
      name: 'attached-test',
    });
    assert.ok(attached, 'the command returns the attached run');
    assert.equal(api.store.get(attached.runId), attached.run, 'the attached run is listed before the script connects');
    assert.equal(attached.run.status, 'starting');
    const runsView = new RunsTreeProvider(api.store);
    assert.match(String(runsView.getTreeItem(attached.run).description), /^waiting for the script · .*attached$/);

    const script = await runPython(`${attachSnippet(attached)}\n${SCRIPT_BODY}`);
    assert.equal(script.code, 0, script.output);
    await waitForRun(attached.run, (run) => run.ended !== undefined, 'the attached run to end');
    assert.equal(attached.run.status, 'completed');
    assert.match(String(runsView.getTreeItem(attached.run).description), /^completed · epoch 2\/2 · .*attached$/);
    runsView.dispose();
    assert.deepEqual(
      attached.run.epochs.map((epoch) => epoch.epoch),
      [1, 2],
    );
    assert.equal(attached.run.evaluations.length, 2);
    assert.equal(attached.run.evaluations[1]?.reports[0]?.classCount, 3);

    // What the views showed is on disk, and comes back in a fresh store (as after a window reload).
    const lines = readFileSync(join(attached.run.folder, 'events.jsonl'), 'utf8').trim().split('\n');
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as { type: string }).type),
      ['run/didStart', 'epoch/didEnd', 'metrics/didUpdate', 'epoch/didEnd', 'metrics/didUpdate', 'run/didEnd'],
    );
    const reloaded = new RunStore();
    try {
      const log = vscode.window.createOutputChannel('nc-monitor-test', { log: true });
      await reloaded.loadFromDisk(join(attached.run.folder, '..'), log);
      log.dispose();
      const again = reloaded.get(attached.runId);
      assert.ok(again, 'the attached run is read back from its folder');
      assert.equal(again.attached, true);
      assert.equal(again.status, 'completed');
      assert.equal(again.evaluations.length, 2);
    } finally {
      reloaded.dispose();
    }

    // Its secret stops working once the run has ended.
    const late = await runPython(
      `${attachSnippet(attached)}\nimport time\nfor _ in range(50):\n    time.sleep(0.1)\n    if monitor.connected: break\nprint("connected" if monitor.connected else "refused")\nmonitor.close(timeout=0.5)\n`,
    );
    assert.match(late.output, /refused/, late.output);
  });

  test('Stop Run on an attached run asks the script to stop; a script that checks stop_requested ends it "stopped"', async function () {
    this.timeout(120_000);
    const attached = await vscode.commands.executeCommand<AttachedRun>('ncMonitor.attachExternalRun', { name: 'attached-stop' });
    const loop = `${attachSnippet(attached)}
import time
monitor.run_did_start(run_name="attached-stop", run_folder="", config={}, backend={"name": "pytorch-cpu", "skipped": []},
                      dataset={"source": "none", "classNames": ["a", "b"], "trainCounts": [2, 1], "testCount": 0}, total_epochs=1000)
epoch = 0
while not monitor.stop_requested and epoch < 600:
    epoch += 1
    monitor.epoch_did_end(epoch=epoch, total_epochs=1000, loss=1.0, train_accuracy=0.5, learning_rate=0.1, duration_ms=100.0, images_per_second=10.0)
    time.sleep(0.1)
monitor.run_did_end(reason="stopped" if monitor.stop_requested else "completed", epoch=epoch, duration_ms=epoch * 100.0)
monitor.close()
`;
    const script = runPython(loop);
    await waitForRun(attached.run, (run) => run.epochs.length >= 3, 'three epochs from the script');
    await vscode.commands.executeCommand('ncMonitor.stopRun', attached.runId);
    const result = await script;
    assert.equal(result.code, 0, result.output);
    await waitFor(() => (attached.run.ended === undefined ? undefined : attached.run.ended), 'the run to end');
    assert.equal(attached.run.status, 'stopped');
    assert.ok(attached.run.epochs.length < 600, 'the script stopped when asked');
  });
});

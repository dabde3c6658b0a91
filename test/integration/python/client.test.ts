/**
 * The Python MonitorClient (standard library only) against the extension's real WebSocket server
 * (src/extension/server/runServer.ts): order and validity of what arrives, refusal of a wrong secret, reconnecting
 * and resending after the server drops the connection, run/stop, the server's own close codes, and no server at all.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunServer, newRunToken } from '../../../src/extension/server/runServer';
import { decodeTrainerMessage } from '../../../src/protocol/messages';
import type { TrainerMessage } from '../../../src/protocol/messages';
import { findPython, pythonEnv } from '../../support/python';
import { temporaryFolder } from '../../support/trainerProcess';
import { registerRunSession } from '../../support/runSession';
import type { RunSession } from '../../support/runSession';

const python = findPython();
const skip = python === null ? 'no Python 3 interpreter found (set NC_MONITOR_PYTHON)' : false;

const warnings: string[] = [];
const server = new RunServer({ info: () => undefined, warn: (message) => warnings.push(message) });
const folder = temporaryFolder('python-client');
const script = join(folder, 'scenario.py');

/**
 * One Python program, several scenarios (argv[1]). It prints one JSON line at the end: whether close() saw everything
 * acknowledged, the client's counters, the warnings it gave, and what else the scenario wants to report.
 */
const SCENARIO = String.raw`
import json, os, sys, time
from ncmonitor.client import MonitorClient
from ncmonitor.protocol import example_collapse_flag, example_report

scenario, events = sys.argv[1], sys.argv[2]
warnings = []
extra = {}

def new_client(**options):
    return MonitorClient.from_environment(events_path=events, on_warning=warnings.append, **options)

def start_run(client, epochs):
    client.run_did_start(run_name="python-client-test", run_folder=os.path.dirname(events), config={"epochs": epochs},
                         backend={"name": "pytorch-cpu", "skipped": []},
                         dataset={"source": "synthetic", "class_names": ["a", "b", "c"], "train_counts": [100, 30, 5], "test_count": 30},
                         total_epochs=epochs)

def epoch(client, number, total):
    client.epoch_did_end(epoch=number, total_epochs=total, loss=1.0 / number, train_accuracy=0.5, learning_rate=0.01,
                         duration_ms=5.0, images_per_second=1000.0)

client = new_client()
if scenario == "full":
    client.start()
    start_run(client, 3)
    for number in range(1, 4):
        epoch(client, number, 3)
        client.metrics_did_update(epoch=number, reports=[example_report("train", epoch=number), example_report("test", epoch=number, summary=True)],
                                  collapse=example_collapse_flag(number), evaluation_ms=2.0)
    client.log("info", "training finished")
    client.run_did_end(reason="completed", epoch=3, duration_ms=30.0)
elif scenario == "stream":
    client.start()
    start_run(client, 150)
    for number in range(1, 151):
        epoch(client, number, 150)
        time.sleep(0.005)
    client.run_did_end(reason="completed", epoch=150, duration_ms=750.0)
elif scenario == "until-stop":
    client.on_stop(lambda: extra.setdefault("callback", True))
    client.start()
    start_run(client, 1000)
    number = 0
    deadline = time.monotonic() + 30
    while not client.stop_requested and time.monotonic() < deadline:
        number += 1
        epoch(client, number, 1000)
        time.sleep(0.02)
    client.run_did_end(reason="stopped" if client.stop_requested else "completed", epoch=number, duration_ms=1.0)
elif scenario == "many":
    client.start()
    start_run(client, 2000)
    for number in range(1, 2001):
        epoch(client, number, 2000)
    client.run_did_end(reason="completed", epoch=2000, duration_ms=1.0)
elif scenario == "replaced":
    client.start()
    extra["firstConnected"] = client.wait_until_connected(10)
    start_run(client, 1)
    newer_warnings = []
    # The same run from a second process: it continues the run's numbering from the events file, as a resumed run does.
    newer = MonitorClient.from_environment(events_path=events, on_warning=newer_warnings.append)
    newer.start()
    extra["newerConnected"] = newer.wait_until_connected(10)
    time.sleep(1.5)  # ample for the first client to reconnect, were it going to (its back-off starts at 0.25 s)
    extra["firstStatistics"] = client.statistics()
    client.log("info", "after being replaced")
    newer.run_did_end(reason="completed", epoch=1, duration_ms=1.0)
    extra["newerDelivered"] = newer.close(timeout=10)
    extra["newerWarnings"] = newer_warnings

delivered = client.close(timeout=float(os.environ.get("CLOSE_TIMEOUT", "10")))
print(json.dumps({"delivered": delivered, "statistics": client.statistics(), "warnings": warnings, **extra}))
`;

before(async () => {
  await server.listen();
  writeFileSync(script, SCENARIO);
});
after(() => server.dispose());

function registerRun(runId: string): RunSession {
  return registerRunSession(server, runId, 30_000);
}

interface ScenarioResult {
  code: number | null;
  stderr: string;
  report: {
    delivered: boolean;
    statistics: Partial<Record<string, number>>;
    warnings: string[];
    [key: string]: unknown;
  };
  events: TrainerMessage[];
}

function runScenario(
  scenario: string,
  env: Record<string, string>,
  eventsName = `${scenario}-${Date.now()}.jsonl`,
): Promise<ScenarioResult> {
  const events = join(folder, eventsName);
  const child = spawn(python!.command, [script, scenario, events], { env: pythonEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scenario ${scenario} did not finish in 90 s\n${stderr}`));
    }, 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = stdout.trim().split('\n');
      try {
        const report = JSON.parse(lines[lines.length - 1] ?? '') as ScenarioResult['report'];
        const text = readFileSync(events, 'utf8');
        const parsed = text
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => {
            const decoded = decodeTrainerMessage(line);
            assert.ok(decoded.ok, `events.jsonl line is not a valid message: ${decoded.ok ? '' : decoded.error}`);
            return decoded.message;
          });
        resolve({ code, stderr, report, events: parsed });
      } catch (error) {
        reject(new Error(`scenario ${scenario} (exit ${code}) gave no report: ${(error as Error).message}\n${stdout}\n${stderr}`));
      }
    });
  });
}

const envFor = (session: RunSession, token = session.token) => ({
  NC_MONITOR_URL: server.url,
  NC_MONITOR_TOKEN: token,
  NC_MONITOR_RUN_ID: session.runId,
});
const seqs = (messages: TrainerMessage[]) => messages.map((message) => message.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

test('a Python script delivers hello, the start, epochs, metrics, logs and the end, in order and valid', { skip }, async () => {
  const session = registerRun('py-full');
  const { code, report, events } = await runScenario('full', envFor(session));
  assert.equal(code, 0);
  assert.equal(report.delivered, true);
  assert.deepEqual(
    session.messages.map((message) => message.type),
    [
      'hello',
      'run/didStart',
      'epoch/didEnd',
      'metrics/didUpdate',
      'epoch/didEnd',
      'metrics/didUpdate',
      'epoch/didEnd',
      'metrics/didUpdate',
      'log',
      'run/didEnd',
    ],
  );
  assert.deepEqual(seqs(session.messages), range(0, 9));
  const hello = session.messages[0];
  assert.ok(hello?.type === 'hello' && hello.runId === 'py-full' && /^ncmonitor-python /.test(hello.client));
  // The run folder's events.jsonl holds exactly what the extension received, hello aside (as the TypeScript trainer's).
  assert.deepEqual(events, session.messages.slice(1));
  assert.equal(session.connections, 1);
  assert.deepEqual(report.warnings, []);
});

test('a wrong secret is refused; the script carries on and its events file has everything', { skip }, async () => {
  const session = registerRun('py-wrong-secret');
  const before = warnings.length;
  const { code, report, events } = await runScenario('full', envFor(session, newRunToken()));
  assert.equal(code, 0);
  assert.equal(report.delivered, false);
  assert.deepEqual(session.messages, []);
  assert.ok(warnings.slice(before).some((warning) => warning.includes('wrong run secret')));
  assert.ok(
    report.warnings.some((warning) => warning.includes('refused the connection (HTTP 401')),
    report.warnings.join('\n'),
  );
  assert.equal(report.statistics.connections, 0);
  assert.deepEqual(seqs(events), range(1, 9));
  assert.equal(events.at(-1)?.type, 'run/didEnd');
});

test('when the server drops the connection mid-run, the client reconnects and resends: nothing lost, nothing twice', { skip }, async () => {
  const session = registerRun('py-reconnect');
  const drops = new Set([20, 80]);
  // Dropped from inside delivery: the server has delivered this seq but will never acknowledge it, and whatever the
  // client wrote after it dies with the socket. Only resending everything unacknowledged brings all of it through.
  session.onMessage = (message) => {
    if (drops.delete(message.seq)) server.disconnect(session.runId);
  };
  const { code, report, events } = await runScenario('stream', envFor(session));
  assert.equal(code, 0);
  assert.equal(drops.size, 0, 'both drops happened');
  const delivered = session.messages.filter((message) => message.type !== 'hello');
  assert.deepEqual(seqs(delivered), range(1, 152));
  assert.equal(session.messages.filter((message) => message.type === 'hello').length, 3);
  assert.equal(session.connections, 3);
  assert.equal(report.statistics.connections, 3);
  assert.ok((report.statistics.resent ?? 0) >= 2, `messages queued again after reconnects: ${report.statistics.resent}`);
  assert.ok((report.statistics.framesSent ?? 0) > 152, `frames sent: ${report.statistics.framesSent}`);
  assert.equal(report.delivered, true);
  assert.deepEqual(events, delivered);
});

test('run/stop from the extension sets stop_requested and calls on_stop', { skip }, async () => {
  const session = registerRun('py-stop');
  const done = runScenario('until-stop', envFor(session));
  await session.waitFor((message) => message.type === 'epoch/didEnd' && message.epoch >= 3);
  assert.equal(server.send(session.runId, { type: 'run/stop' }), true);
  const { code, report } = await done;
  assert.equal(code, 0);
  assert.equal(report.callback, true);
  const end = await session.waitFor((message) => message.type === 'run/didEnd');
  assert.ok(end.type === 'run/didEnd' && end.reason === 'stopped');
  assert.equal(report.delivered, true);
});

test("the server's own close codes end reconnecting: a client replaced by a newer connection gives up and says why", { skip }, async () => {
  const session = registerRun('py-replaced');
  const { code, report } = await runScenario('replaced', envFor(session));
  assert.equal(code, 0);
  assert.equal(report.firstConnected, true);
  assert.equal(report.newerConnected, true);
  assert.equal((report.firstStatistics as Record<string, number>).connections, 1);
  assert.ok(
    report.warnings.some((warning) => warning.includes('closed the connection: replaced by a newer connection')),
    report.warnings.join('\n'),
  );
  assert.equal(session.connections, 2);
  assert.equal(report.newerDelivered, true);
  assert.deepEqual(
    session.messages.map((message) => `${message.type} ${message.seq}`),
    ['hello 0', 'run/didStart 1', 'hello 0', 'run/didEnd 2'],
  );
});

test('with no server listening, the script finishes and its events file has every message', { skip }, async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
  const { code, report, events } = await runScenario('many', {
    NC_MONITOR_URL: `ws://127.0.0.1:${port}/`,
    NC_MONITOR_TOKEN: 'token',
    NC_MONITOR_RUN_ID: 'py-no-server',
    CLOSE_TIMEOUT: '1',
  });
  assert.equal(code, 0);
  assert.equal(report.delivered, false);
  assert.deepEqual(seqs(events), range(1, 2002));
  assert.equal(events.filter((message) => message.type === 'epoch/didEnd').length, 2000);
  assert.ok(
    report.warnings.some((warning) => warning.includes('cannot reach the extension')),
    report.warnings.join('\n'),
  );
  assert.equal(report.statistics.connections, 0);
});

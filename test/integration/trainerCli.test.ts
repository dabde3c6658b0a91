/**
 * The trainer as a real process talking to the extension's real WebSocket server (src/extension/server/runServer.ts
 * is plain Node): message sequence, run folder, stopping, resuming, reconnecting, refusals and bad input.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { RunServer, CLOSE_BAD_MESSAGE } from '../../src/extension/server/runServer';
import type { TrainerMessage } from '../../src/protocol/messages';
import { PROTOCOL_VERSION, TOKEN_HEADER } from '../../src/protocol/messages';
import { ensureTrainerBuilt, startTrainer, temporaryFolder, tinyConfig, writeConfig } from '../support/trainerProcess';
import { registerRunSession } from '../support/runSession';
import type { RunSession } from '../support/runSession';

const warnings: string[] = [];
const server = new RunServer({ info: () => undefined, warn: (message) => warnings.push(message) });

before(async () => {
  ensureTrainerBuilt();
  await server.listen();
});
after(() => server.dispose());

function registerRun(runId: string): RunSession {
  return registerRunSession(server, runId, 60_000);
}

function runArgs(config: string, out: string, runId: string): string[] {
  return ['run', '--config', config, '--out', out, '--run-id', runId, '--quiet'];
}

function trainerEnv(session: RunSession, token = session.token): Record<string, string> {
  return { NC_MONITOR_URL: server.url, NC_MONITOR_TOKEN: token };
}

function readEvents(folder: string): TrainerMessage[] {
  return readFileSync(join(folder, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TrainerMessage);
}

test('a tiny run reports hello, start, epochs, metrics and end, and writes its run folder', async () => {
  const folder = temporaryFolder('run');
  const session = registerRun('tiny-complete');
  const { done } = startTrainer(runArgs(writeConfig(folder, tinyConfig()), join(folder, 'runs'), session.runId), trainerEnv(session));
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  const types = session.messages.map((message) => message.type);
  assert.deepEqual(
    types.filter((type) => type !== 'log'),
    ['hello', 'run/didStart', 'epoch/didEnd', 'metrics/didUpdate', 'epoch/didEnd', 'metrics/didUpdate', 'run/didEnd'],
  );
  assert.ok(
    session.messages.some((message) => message.type === 'log' && /backend/.test(message.message)),
    'the backend choice is logged',
  );
  const sequence = session.messages.slice(1).map((message) => message.seq);
  assert.deepEqual(
    sequence,
    sequence.map((_, index) => index + 1),
    'seq counts 1, 2, 3, … without gaps',
  );
  const hello = session.messages[0];
  assert.ok(hello?.type === 'hello' && hello.protocolVersion === PROTOCOL_VERSION && hello.runId === session.runId);
  const start = session.messages.find((message) => message.type === 'run/didStart');
  assert.ok(start?.type === 'run/didStart');
  assert.equal(start.dataset.classNames.length, 4);
  // Exponential profile, n_max 40, IF 10, C 4: floor(40 · 10^(−i/3)) = 40, 18, 8, 4.
  assert.deepEqual(start.dataset.trainCounts, [40, 18, 8, 4]);
  assert.equal(start.backend.name, 'cpu');
  const metrics = session.messages.filter((message) => message.type === 'metrics/didUpdate');
  for (const update of metrics) {
    assert.deepEqual(
      update.reports.map((report) => report.split),
      ['train', 'test'],
    );
    const test = update.reports[1];
    assert.ok(test !== undefined && test.sampleCount === 40 && test.recallPerClass.length === 4);
  }
  const end = session.messages.at(-1);
  assert.ok(end?.type === 'run/didEnd' && end.reason === 'completed' && end.epoch === 2);

  const runFolder = join(folder, 'runs', session.runId);
  assert.deepEqual(
    readEvents(runFolder).map((message) => message.type),
    types.slice(1),
  );
  const stored = JSON.parse(readFileSync(join(runFolder, 'config.json'), 'utf8')) as {
    runId: string;
    config: { epochs: number; optimizer: { name: string } };
  };
  assert.equal(stored.runId, session.runId);
  assert.equal(stored.config.optimizer.name, 'adam');
  const summary = JSON.parse(readFileSync(join(runFolder, 'summary.json'), 'utf8')) as { reason: string; epoch: number };
  assert.deepEqual([summary.reason, summary.epoch], ['completed', 2]);
  assert.ok(existsSync(join(runFolder, 'checkpoint', 'state.json')));
  assert.ok(!existsSync(join(runFolder, 'trainer.pid')), 'the pid file is removed when the run ends');
});

test('run/stop from the extension ends the run gracefully with a checkpoint, and --resume finishes it', async () => {
  const folder = temporaryFolder('stop');
  const session = registerRun('tiny-stop');
  const config = writeConfig(folder, tinyConfig({ epochs: 6 }));
  const { done } = startTrainer(runArgs(config, join(folder, 'runs'), session.runId), trainerEnv(session));
  await session.waitFor((message) => message.type === 'epoch/didEnd');
  assert.ok(server.send(session.runId, { type: 'run/stop' }));
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  const end = session.messages.at(-1);
  assert.ok(end?.type === 'run/didEnd' && end.reason === 'stopped', JSON.stringify(end));
  assert.ok(end.epoch >= 1 && end.epoch < 6);
  const runFolder = join(folder, 'runs', session.runId);
  const state = JSON.parse(readFileSync(join(runFolder, 'checkpoint', 'state.json'), 'utf8')) as { epoch: number };
  assert.equal(state.epoch, end.epoch);

  const resumed = startTrainer(['run', '--resume', runFolder, '--quiet'], trainerEnv(session));
  const resumedResult = await resumed.done;
  assert.equal(resumedResult.code, 0, resumedResult.stderr);
  const events = readEvents(runFolder);
  const seqs = events.map((message) => message.seq);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    'seq keeps increasing across the resume',
  );
  assert.equal(new Set(seqs).size, seqs.length);
  const epochs = events.filter((message) => message.type === 'epoch/didEnd').map((message) => message.epoch);
  assert.deepEqual(epochs, [1, 2, 3, 4, 5, 6].slice(0, epochs.length));
  assert.equal(epochs.at(-1), 6);
  const last = events.at(-1);
  assert.ok(last?.type === 'run/didEnd' && last.reason === 'completed');
});

test('SIGTERM stops the run after the current step with reason "stopped" and exit code 0', async () => {
  const folder = temporaryFolder('sigterm');
  const { child, done } = startTrainer([
    'run',
    '--config',
    writeConfig(folder, tinyConfig({ epochs: 50 })),
    '--out',
    join(folder, 'runs'),
    '--run-id',
    'sigterm',
  ]);
  await new Promise<void>((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('epoch') && resolve());
  });
  child.kill('SIGTERM');
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  const last = readEvents(join(folder, 'runs', 'sigterm')).at(-1);
  assert.ok(last?.type === 'run/didEnd' && last.reason === 'stopped');
  assert.match(result.stdout, /run stopped at epoch/);
});

test('a dropped connection loses nothing: the trainer reconnects and resends what was not acknowledged', async () => {
  const folder = temporaryFolder('reconnect');
  const session = registerRun('tiny-reconnect');
  const { done } = startTrainer(
    runArgs(writeConfig(folder, tinyConfig({ epochs: 8 })), join(folder, 'runs'), session.runId),
    trainerEnv(session),
  );
  await session.waitFor((message) => message.type === 'epoch/didEnd' && message.epoch === 2);
  server.disconnect(session.runId);
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  assert.ok(session.connections >= 2, `expected a reconnection, saw ${session.connections} connection(s)`);
  const delivered = session.messages.filter((message) => message.type !== 'hello');
  const onDisk = readEvents(join(folder, 'runs', session.runId));
  assert.deepEqual(
    delivered.map((message) => message.seq),
    onDisk.map((message) => message.seq),
    'every message of events.jsonl reached the extension exactly once',
  );
});

test('a wrong secret is refused; the trainer keeps training and logs to its run folder', async () => {
  const folder = temporaryFolder('token');
  const session = registerRun('tiny-token');
  const before = warnings.length;
  const { done } = startTrainer(
    runArgs(writeConfig(folder, tinyConfig()), join(folder, 'runs'), session.runId),
    trainerEnv(session, 'not-the-secret'),
  );
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(session.messages.length, 0);
  assert.ok(warnings.slice(before).some((warning) => /wrong run secret/.test(warning)));
  assert.match(result.stderr, /refused the connection \(HTTP 401\)/);
  assert.equal(readEvents(join(folder, 'runs', session.runId)).at(-1)?.type, 'run/didEnd');
});

test('a client that sends garbage with a valid secret is closed, and the live run is not disturbed', async () => {
  const folder = temporaryFolder('garbage');
  const session = registerRun('tiny-garbage');
  const { done } = startTrainer(
    runArgs(writeConfig(folder, tinyConfig({ epochs: 5 })), join(folder, 'runs'), session.runId),
    trainerEnv(session),
  );
  await session.waitFor((message) => message.type === 'run/didStart');
  const intruder = new WebSocket(server.url, { headers: { [TOKEN_HEADER]: session.token } });
  const closeCode = await new Promise<number>((resolve) => {
    intruder.on('open', () => intruder.send('{"type":"metrics/didUpdate","seq":"nonsense"}'));
    intruder.on('close', (code) => resolve(code));
  });
  assert.equal(closeCode, CLOSE_BAD_MESSAGE);
  const unauthenticated = new WebSocket(server.url);
  const status = await new Promise<number | undefined>((resolve) =>
    unauthenticated.on('unexpected-response', (_request, response) => resolve(response.statusCode)),
  );
  assert.equal(status, 401);
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(session.messages.at(-1)?.type, 'run/didEnd');
  assert.equal(session.messages.filter((message) => message.type === 'epoch/didEnd').length, 5);
});

test('an invalid config is rejected before training with exit code 2 and file:line:column: field messages', async () => {
  const folder = temporaryFolder('invalid');
  const config = writeConfig(folder, '{\n  "epochs": 0,\n  "optimizer": { "name": "rmsprop" }\n}', 'bad.ltrun.json');
  const result = await startTrainer(['run', '--config', config, '--out', join(folder, 'runs')]).done;
  assert.equal(result.code, 2);
  assert.match(result.stderr, new RegExp(`${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:3: epochs: `));
  assert.match(result.stderr, /optimizer\.name/);
  assert.ok(!existsSync(join(folder, 'runs')), 'no run folder is created for an invalid config');
  const usage = await startTrainer(['run']).done;
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--config/);
});

test('a corrupt dataset fails the run with exit code 1 and an error naming the file', async () => {
  const folder = temporaryFolder('corrupt');
  const data = join(folder, 'fmnist');
  mkdirSync(data);
  for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
    writeFileSync(join(data, name), Buffer.from([0, 0, 8, 99, 0, 0, 0, 1]));
  }
  const config = writeConfig(folder, tinyConfig({ dataset: { name: 'fashion-mnist', path: data } }));
  const result = await startTrainer(['run', '--config', config, '--out', join(folder, 'runs'), '--run-id', 'corrupt']).done;
  assert.equal(result.code, 1);
  const last = readEvents(join(folder, 'runs', 'corrupt')).at(-1);
  assert.ok(last?.type === 'run/didEnd' && last.reason === 'failed');
  assert.match(last.error ?? '', /idx/);
  assert.match(last.error ?? '', /magic/i);
});

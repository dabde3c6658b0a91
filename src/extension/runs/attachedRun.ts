import type * as vscode from 'vscode';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES, newRunId } from '../../protocol/runFolder';
import type { AttachedRunRecord } from '../../protocol/runFolder';
import { newRunToken } from '../server/runServer';
import type { RunEndpoint, RunServer } from '../server/runServer';
import { Run } from './run';
import type { RunStore } from './runStore';
import type { AttachDetails } from './attachSnippet';

export interface AttachedRun extends AttachDetails {
  run: Run;
}

export interface AttachDependencies {
  store: RunStore;
  server: RunServer;
  log: vscode.LogOutputChannel;
  runsDirectory: string;
  pythonPackageRoot: string;
}

/**
 * A run fed by a user's own script through the attach client: the extension registers a secret for it and keeps
 * what the script reports in a run folder of its own (config.json marks it attached; events.jsonl as a trainer would
 * write it), so that it is listed, charted and read back after a reload like any run. No process is started.
 */
export function attachExternalRun(
  runName: string,
  { store, server, log, runsDirectory, pythonPackageRoot }: AttachDependencies,
): AttachedRun {
  const runId = newRunId(runName);
  const folder = join(runsDirectory, runId);
  mkdirSync(folder, { recursive: true });
  const record: AttachedRunRecord = { runId, runName, sourceFile: '', attached: true, attachedAt: new Date().toISOString() };
  writeFileSync(join(folder, RUN_FILES.config), `${JSON.stringify(record, null, 2)}\n`);
  const eventsPath = join(folder, RUN_FILES.events);

  const run = new Run(runId, runName, folder, undefined, true);
  const token = newRunToken();
  const endpoint: RunEndpoint = {
    runId,
    token,
    receive: (message) => {
      if (message.type === 'hello') {
        log.info(`run ${runId}: attached script connected (${message.client})`);
      } else {
        // Written before it is applied: what the views show is always on disk.
        appendFileSync(eventsPath, `${JSON.stringify(message)}\n`);
      }
      run.apply(message);
    },
    connectionChanged: (connected, client) => run.setConnected(connected, client),
  };
  server.register(endpoint);
  let registered = true;
  const release = () => {
    if (!registered) return;
    registered = false;
    server.unregister(endpoint);
  };
  // The secret stops working once the run has ended: a finished run takes no more messages.
  const ending = run.onDidChange(() => {
    if (!run.isLive) release();
  });
  store.add(run, ending, { dispose: release });
  log.info(`run ${runId}: waiting for an attached script (folder ${folder})`);
  return { run, runId, runName, serverUrl: server.url, token, pythonPackageRoot };
}

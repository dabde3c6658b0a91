import * as vscode from 'vscode';
import { dirname, isAbsolute, join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import { parseConfigText } from '../../protocol/configFile';
import { semanticChecks } from '../diagnostics/semanticChecks';
import { fileFactsFor } from '../diagnostics/configDiagnostics';
import { newRunId } from '../../protocol/runFolder';
import type { TrainerMessage } from '../../protocol/messages';
import { newRunToken } from '../server/runServer';
import type { RunEndpoint, RunServer } from '../server/runServer';
import { readSettings } from '../settings';
import { Run } from './run';
import type { RunStore } from './runStore';
import { launchTrainer, pytorchEngineCommand, tfjsTrainerCommand } from './trainerProcess';
import type { TrainerCommand } from './trainerProcess';
import { resolvePythonInterpreter } from './pythonInterpreter';
import type { RunConfig } from '../../protocol/runConfig';

const ERROR_TAIL_LINES = 20;

/** Where the extension's own trainers are. */
export interface TrainerLocations {
  /** The bundled TensorFlow.js trainer, dist/trainer.js. */
  trainerScript: string;
  /** The folder holding the `ncmonitor` Python package (the PyTorch engine and the attach client). */
  pythonPackageRoot: string;
}

/** Starts, stops and deletes runs: owns the trainer processes and their sockets. */
export class RunController implements vscode.Disposable {
  private readonly processes = new Map<string, ChildProcess>();

  constructor(
    private readonly store: RunStore,
    private readonly server: RunServer,
    private readonly log: vscode.LogOutputChannel,
    private readonly locations: TrainerLocations,
  ) {}

  runsDirectoryFor(configFile: vscode.Uri | undefined): string {
    const configured = readSettings().runsDirectory;
    if (isAbsolute(configured)) return configured;
    const folder = (configFile && vscode.workspace.getWorkspaceFolder(configFile)) ?? vscode.workspace.workspaceFolders?.[0];
    const base = folder?.uri.fsPath ?? (configFile ? dirname(configFile.fsPath) : process.cwd());
    return join(base, configured);
  }

  /**
   * Validates the config and launches a trainer on it. Returns the run, or undefined when it was refused (the user
   * has been told why and what to do).
   */
  async start(configUri: vscode.Uri): Promise<Run | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showErrorMessage(
        'Neural Collapse Monitor runs a trainer process on your files: trust this workspace first (Workspaces: Manage Workspace Trust).',
      );
      return undefined;
    }
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(configUri));
    const parsed = parseConfigText(text);
    if (!parsed.ok) {
      const first = parsed.issues[0];
      const detail = first === undefined ? '' : `: ${first.path === '' ? '' : `${first.path}: `}${first.message}`;
      this.refuse(
        configUri,
        `The run config ${vscode.workspace.asRelativePath(configUri)} has ${parsed.issues.length} error(s)${detail}. Fix them (see Problems) and start again.`,
      );
      return undefined;
    }
    const blocking = semanticChecks(parsed.config, parsed.tree, fileFactsFor(configUri.fsPath)).filter(
      (issue) => issue.severity === 'error',
    );
    if (blocking.length > 0) {
      this.refuse(
        configUri,
        `The run config ${vscode.workspace.asRelativePath(configUri)} has ${blocking.length} error(s): ${blocking[0]?.message ?? ''} Fix them (quick fixes are offered in the editor) and start again.`,
      );
      return undefined;
    }
    const settings = readSettings();
    const runName =
      parsed.config.name ??
      configUri.path
        .split('/')
        .pop()
        ?.replace(/\.ltrun\.json$/, '') ??
      'run';
    const runId = newRunId(runName);
    const runsDirectory = this.runsDirectoryFor(configUri);
    const run = new Run(runId, runName, join(runsDirectory, runId), configUri.fsPath);
    const token = newRunToken();
    const endpoint: RunEndpoint = {
      runId,
      token,
      receive: (message) => this.receive(run, message),
      connectionChanged: (connected, client) => run.setConnected(connected, client),
    };
    this.server.register(endpoint);
    const args = ['--config', configUri.fsPath, '--out', runsDirectory, '--run-id', runId];
    // The backend setting names TensorFlow.js backends; the PyTorch engine takes the config's (auto or cpu).
    if (settings.backend !== 'config' && parsed.config.engine === 'tfjs') args.push('--backend', settings.backend);
    if (settings.collapseCosine !== null) args.push('--collapse-cosine', String(settings.collapseCosine));
    if (settings.collapseRecall !== null) args.push('--collapse-recall', String(settings.collapseRecall));
    const command = await this.trainerCommand(parsed.config, configUri);
    this.log.info(`run ${runId}: starting the ${parsed.config.engine} engine (${command.executable}) on ${configUri.fsPath}`);
    const child = launchTrainer({
      command,
      args,
      cwd: dirname(configUri.fsPath),
      serverUrl: this.server.url,
      token,
      runId,
      onOutput: (stream, line) => {
        if (stream === 'stderr') {
          run.errorTail = [...run.errorTail, line].slice(-ERROR_TAIL_LINES);
          this.log.warn(`[${runId}] ${line}`);
        } else {
          this.log.info(`[${runId}] ${line}`);
        }
      },
      onExit: (code, signal) => this.exited(run, endpoint, code, signal),
      onSpawnError: (error) => {
        run.errorTail = [`could not start the trainer: ${error.message}. ${command.spawnErrorHint}`];
        this.log.error(`run ${runId}: ${run.errorTail[0] ?? ''}`);
        run.setStatus('failed');
        this.server.unregister(endpoint);
      },
    });
    this.processes.set(runId, child);
    this.store.add(run, { dispose: () => this.server.unregister(endpoint) });
    void this.showStartProgress(run);
    return run;
  }

  private async trainerCommand(config: RunConfig, configUri: vscode.Uri): Promise<TrainerCommand> {
    const settings = readSettings();
    switch (config.engine) {
      case 'tfjs':
        return tfjsTrainerCommand(this.locations.trainerScript, settings.nodePath);
      case 'pytorch': {
        const python = await resolvePythonInterpreter(settings.pythonPath, configUri);
        this.log.info(`PyTorch engine: Python ${python.path} (from the ${python.source})`);
        return pytorchEngineCommand(python.path, this.locations.pythonPackageRoot);
      }
    }
  }

  /** Tells the user why a run was not started; the command returns at once, the message stays until dismissed. */
  private refuse(configUri: vscode.Uri, message: string): void {
    this.log.warn(message);
    void vscode.window.showErrorMessage(message, 'Open Config').then((choice) => {
      if (choice === 'Open Config') void vscode.window.showTextDocument(configUri);
    });
  }

  /** Asks the trainer to stop after its current step; kills it if it has not ended after the timeout. */
  async stop(run: Run): Promise<void> {
    if (!run.isLive) return;
    run.setStatus('stopping');
    const child = this.processes.get(run.id);
    const askedBySocket = this.server.send(run.id, { type: 'run/stop' });
    const timeoutMs = readSettings().stopTimeoutSeconds * 1000;
    if (run.attached) return this.stopAttached(run, askedBySocket, timeoutMs);
    if (!askedBySocket) child?.kill('SIGTERM');
    const ended = await new Promise<boolean>((resolve) => {
      if (child === undefined || child.exitCode !== null) return resolve(true);
      const timer = setTimeout(() => resolve(false), timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!ended) {
      this.log.warn(`run ${run.id}: the trainer did not stop within ${timeoutMs / 1000} s; killing it`);
      child?.kill('SIGKILL');
    }
  }

  /**
   * An attached script ends its run itself when it sees `stop_requested`. If it is not connected, or does not end the
   * run in time, the extension stops listening: the run is marked stopped and its secret no longer works.
   */
  private async stopAttached(run: Run, askedBySocket: boolean, timeoutMs: number): Promise<void> {
    const ended =
      askedBySocket &&
      (await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          subscription.dispose();
          resolve(false);
        }, timeoutMs);
        const subscription = run.onDidChange(() => {
          if (run.ended === undefined) return;
          clearTimeout(timer);
          subscription.dispose();
          resolve(true);
        });
      }));
    if (ended) return;
    const why = askedBySocket ? `did not end the run within ${timeoutMs / 1000} s of the stop request` : 'was not connected';
    this.log.warn(`run ${run.id}: the attached script ${why}; stopped listening to it`);
    run.errorTail = [`Stopped listening: the attached script ${why}. What it reported is kept.`];
    run.setStatus('stopped');
  }

  async delete(run: Run): Promise<void> {
    if (run.isLive) await this.stop(run);
    this.store.remove(run.id);
    await rm(run.folder, { recursive: true, force: true });
    this.log.info(`run ${run.id}: deleted ${run.folder}`);
  }

  private receive(run: Run, message: TrainerMessage): void {
    if (message.type === 'hello') this.log.info(`run ${run.id}: hello from ${message.client} (protocol ${message.protocolVersion})`);
    // 'log' messages are not repeated here: the trainer prints them on stdout, which this channel shows already.
    if (message.type === 'run/didEnd') this.log.info(`run ${run.id}: ended (${message.reason}) at epoch ${message.epoch}`);
    run.apply(message);
  }

  private exited(run: Run, endpoint: RunEndpoint, code: number | null, signal: NodeJS.Signals | null): void {
    this.processes.delete(run.id);
    this.server.unregister(endpoint);
    this.log.info(`run ${run.id}: trainer exited (${signal ?? `code ${code ?? '?'}`})`);
    if (run.ended !== undefined) return;
    // Everything already reported stays in the run; only the status changes.
    if (run.errorTail.length === 0) run.errorTail = [`the trainer exited (${signal ?? `code ${code ?? '?'}`}) without ending the run`];
    run.setStatus(run.status === 'stopping' ? 'stopped' : 'failed');
    if (run.status === 'failed') {
      void vscode.window
        .showErrorMessage(`Run ${run.name} failed: ${run.errorTail.at(-1) ?? ''}`, 'Show Output')
        .then((choice) => choice === 'Show Output' && this.log.show());
    }
  }

  private async showStartProgress(run: Run): Promise<void> {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Starting run ${run.name}`, cancellable: true },
      (progress, cancellation) =>
        new Promise<void>((resolve) => {
          progress.report({ message: 'launching the trainer…' });
          const subscriptions: vscode.Disposable[] = [];
          const finish = () => {
            for (const subscription of subscriptions) subscription.dispose();
            resolve();
          };
          subscriptions.push(
            cancellation.onCancellationRequested(() => {
              void this.stop(run);
              finish();
            }),
            run.onDidChange(() => {
              if (run.started !== undefined || !run.isLive) return finish();
              if (run.connected) progress.report({ message: 'loading the backend and the dataset…' });
            }),
          );
        }),
    );
  }

  dispose(): void {
    // Trainers keep running when the window closes or reloads: their events.jsonl lets the next window re-attach.
    this.processes.clear();
  }
}

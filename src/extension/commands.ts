import * as vscode from 'vscode';
import type { Run } from './runs/run';
import type { RunStore } from './runs/runStore';
import type { RunController } from './runs/runController';
import { pickRunConfig, createStarterConfig } from './runs/configPicker';
import type { AttachedRun } from './runs/attachedRun';
import { runAttachCommand } from './attachCommand';
import type { AttachCommandOptions } from './attachCommand';

export const COMMANDS = {
  startRun: 'ncMonitor.startRun',
  stopRun: 'ncMonitor.stopRun',
  openDashboard: 'ncMonitor.openDashboard',
  showOutput: 'ncMonitor.showOutput',
  openRunFolder: 'ncMonitor.openRunFolder',
  deleteRun: 'ncMonitor.deleteRun',
  newRunConfig: 'ncMonitor.newRunConfig',
  refreshRuns: 'ncMonitor.refreshRuns',
  selectRun: 'ncMonitor.selectRun',
  attachExternalRun: 'ncMonitor.attachExternalRun',
} as const;

/** Commands take a Run (tree item context), a run id, or nothing (then: the selected run, or a pick). */
type RunArgument = Run | string | undefined;

export interface CommandDependencies {
  store: RunStore;
  controller: RunController;
  log: vscode.LogOutputChannel;
  openDashboard: (run: Run) => void;
  attach: (runName: string) => AttachedRun;
}

export function registerCommands({ store, controller, log, openDashboard, attach }: CommandDependencies): vscode.Disposable[] {
  const resolveRun = async (argument: RunArgument, filter: (run: Run) => boolean, purpose: string) => {
    if (typeof argument === 'string') return store.get(argument);
    if (argument !== undefined && typeof argument === 'object' && 'id' in argument) return store.get(argument.id);
    const candidates = store.all().filter(filter);
    const selected = store.selected;
    if (selected !== undefined && filter(selected)) return selected;
    if (candidates.length <= 1) return candidates[0];
    const choice = await vscode.window.showQuickPick(
      candidates.map((run) => ({ label: run.name, description: `${run.status} · ${run.id}`, run })),
      { title: purpose },
    );
    return choice?.run;
  };

  return [
    vscode.commands.registerCommand(COMMANDS.startRun, async (uri?: vscode.Uri) => {
      const configUri = uri instanceof vscode.Uri ? uri : await pickRunConfig();
      if (configUri === undefined) return undefined;
      return controller.start(configUri);
    }),
    vscode.commands.registerCommand(COMMANDS.stopRun, async (argument?: RunArgument) => {
      const run = await resolveRun(argument, (candidate) => candidate.isLive, 'Stop which run?');
      if (run === undefined) return void vscode.window.showInformationMessage('No run is live.');
      await controller.stop(run);
    }),
    vscode.commands.registerCommand(COMMANDS.openDashboard, async (argument?: RunArgument) => {
      const run = await resolveRun(argument, () => true, 'Open the dashboard of which run?');
      if (run === undefined) return void vscode.window.showInformationMessage('No runs yet: start one with "Start Long-Tail Run".');
      openDashboard(run);
    }),
    vscode.commands.registerCommand(COMMANDS.showOutput, () => log.show()),
    vscode.commands.registerCommand(COMMANDS.openRunFolder, async (argument?: RunArgument) => {
      const run = await resolveRun(argument, () => true, 'Open the folder of which run?');
      if (run !== undefined) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(run.folder));
    }),
    vscode.commands.registerCommand(COMMANDS.deleteRun, async (argument?: RunArgument) => {
      const run = await resolveRun(argument, () => true, 'Delete which run?');
      if (run === undefined) return;
      const confirm = await vscode.window.showWarningMessage(
        `Delete run ${run.name} and its folder ${run.folder}?${run.isLive ? ' It is still running and will be stopped.' : ''}`,
        { modal: true },
        'Delete',
      );
      if (confirm === 'Delete') await controller.delete(run);
    }),
    vscode.commands.registerCommand(COMMANDS.newRunConfig, () => createStarterConfig()),
    vscode.commands.registerCommand(COMMANDS.refreshRuns, async () => {
      const added = await store.loadFromDisk(controller.runsDirectoryFor(undefined), log);
      log.info(`loaded ${added} run(s) from ${controller.runsDirectoryFor(undefined)}`);
    }),
    vscode.commands.registerCommand(COMMANDS.attachExternalRun, (options?: AttachCommandOptions) =>
      runAttachCommand(attach, (attached) => openDashboard(attached.run), options),
    ),
    vscode.commands.registerCommand(COMMANDS.selectRun, (argument?: RunArgument) => {
      const run = typeof argument === 'string' ? store.get(argument) : argument;
      store.select(run);
    }),
  ];
}

import * as vscode from 'vscode';
import { createLog } from './log';
import { RunServer } from './server/runServer';
import { RunStore } from './runs/runStore';
import { RunController } from './runs/runController';
import { registerCommands } from './commands';
import { registerContextKeys } from './contextKeys';
import { registerStatusBar } from './statusBar';
import { autoStartRun } from './autoStart';
import { RunsTreeProvider } from './views/runsTree';
import { MetricsTreeProvider } from './views/metricsTree';
import { ClassesTreeProvider } from './views/classesTree';
import { registerConfigDiagnostics } from './diagnostics/configDiagnostics';
import { registerQuickFixes } from './diagnostics/quickFixes';
import { registerDashboard } from './dashboard/registerDashboard';
import { attachExternalRun } from './runs/attachedRun';

/** What tests (and other extensions) can reach through `getExtension(...).exports`. */
export interface NcMonitorApi {
  readonly store: RunStore;
  readonly controller: RunController;
  /** For the extension's own tests only (NC_MONITOR_TEST=1): the server, to exercise its refusals. */
  readonly testing?: { server: RunServer };
}

export async function activate(context: vscode.ExtensionContext): Promise<NcMonitorApi> {
  const log = createLog();
  context.subscriptions.push(log);
  const server = new RunServer({ info: (message) => log.info(message), warn: (message) => log.warn(message) });
  const port = await server.listen();
  context.subscriptions.push({ dispose: () => void server.dispose() });
  log.info(`listening for trainers on 127.0.0.1:${port}`);

  const store = new RunStore();
  const pythonPackageRoot = vscode.Uri.joinPath(context.extensionUri, 'python').fsPath;
  const controller = new RunController(store, server, log, {
    trainerScript: vscode.Uri.joinPath(context.extensionUri, 'dist', 'trainer.js').fsPath,
    pythonPackageRoot,
  });
  context.subscriptions.push(store, controller);
  const openDashboard = registerDashboard(context, store, log);
  context.subscriptions.push(
    ...registerCommands({
      store,
      controller,
      log,
      openDashboard,
      attach: (runName) =>
        attachExternalRun(runName, { store, server, log, runsDirectory: controller.runsDirectoryFor(undefined), pythonPackageRoot }),
    }),
    ...registerContextKeys(store),
    ...registerStatusBar(store),
    ...registerConfigDiagnostics(),
    ...registerQuickFixes(),
    ...registerViews(store),
  );

  // Finished runs (and runs still going after a window reload) come back from their run folders.
  if (vscode.workspace.workspaceFolders !== undefined) {
    void store
      .loadFromDisk(controller.runsDirectoryFor(undefined), log)
      .then((count) => count > 0 && log.info(`loaded ${count} run(s) from disk`))
      .then(() => autoStartRun(controller, (configFile) => store.live.some((run) => run.configFile === configFile), openDashboard));
  }
  return { store, controller, ...(process.env.NC_MONITOR_TEST === '1' ? { testing: { server } } : {}) };
}

function registerViews(store: RunStore): vscode.Disposable[] {
  const runs = new RunsTreeProvider(store);
  const metrics = new MetricsTreeProvider(store);
  const classes = new ClassesTreeProvider(store);
  return [
    runs,
    metrics,
    classes,
    vscode.window.createTreeView('ncMonitor.runs', { treeDataProvider: runs, showCollapseAll: false }),
    vscode.window.createTreeView('ncMonitor.metrics', { treeDataProvider: metrics }),
    vscode.window.createTreeView('ncMonitor.classes', { treeDataProvider: classes }),
  ];
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}

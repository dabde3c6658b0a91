import * as vscode from 'vscode';
import { readSettings } from './settings';
import type { RunController } from './runs/runController';
import type { Run } from './runs/run';

/**
 * `ncMonitor.autoStartConfig`: a demo workspace (samples/workspace) starts its run when it opens. Never in an
 * untrusted workspace, and never twice for the same config while one of its runs is live.
 */
export async function autoStartRun(
  controller: RunController,
  isLive: (configFile: string) => boolean,
  openDashboard: (run: Run) => void,
): Promise<void> {
  const relative = readSettings().autoStartConfig;
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (relative === '' || folder === undefined || !vscode.workspace.isTrusted) return;
  const uri = vscode.Uri.joinPath(folder.uri, relative);
  if (isLive(uri.fsPath)) return;
  try {
    await vscode.workspace.fs.stat(uri);
  } catch {
    void vscode.window.showWarningMessage(`ncMonitor.autoStartConfig names ${relative}, which does not exist in ${folder.name}.`);
    return;
  }
  const run = await controller.start(uri);
  if (run !== undefined) openDashboard(run);
}

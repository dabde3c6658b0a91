import * as vscode from 'vscode';
import type { RunStore } from './runs/runStore';

/** `when`-clause keys: commands show in the palette only where they apply. */
export function registerContextKeys(store: RunStore): vscode.Disposable[] {
  const update = () => {
    void vscode.commands.executeCommand('setContext', 'ncMonitor.hasRuns', store.all().length > 0);
    void vscode.commands.executeCommand('setContext', 'ncMonitor.hasLiveRun', store.live.length > 0);
  };
  update();
  return [store.onDidChange(update)];
}

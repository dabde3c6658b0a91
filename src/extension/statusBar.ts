import * as vscode from 'vscode';
import type { RunStore } from './runs/runStore';
import { COMMANDS } from './commands';

/** One status bar item while a run is live: name, epoch/total, a warning when collapse is flagged. */
export function registerStatusBar(store: RunStore): vscode.Disposable[] {
  const item = vscode.window.createStatusBarItem('ncMonitor.run', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Neural Collapse Monitor run';
  const update = () => {
    const live = store.live;
    const run = live.find((candidate) => candidate.id === store.selected?.id) ?? live[0];
    if (run === undefined) return item.hide();
    const flagged = run.latestEvaluation?.collapse.active === true;
    const progress = run.totalEpochs === undefined ? run.status : `${run.currentEpoch}/${run.totalEpochs}`;
    const others = live.length > 1 ? ` (+${live.length - 1})` : '';
    item.text = `${flagged ? '$(warning)' : '$(sync~spin)'} ${run.name} ${progress}${others}`;
    item.tooltip = flagged
      ? `Minority collapse flagged: ${run.latestEvaluation?.collapse.message ?? ''}\nOpen the dashboard`
      : 'Open the dashboard';
    item.backgroundColor = flagged ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.command = { command: COMMANDS.openDashboard, title: 'Open Dashboard', arguments: [run.id] };
    item.accessibilityInformation = { label: `Run ${run.name}, ${progress}${flagged ? ', minority collapse flagged' : ''}` };
    item.show();
  };
  update();
  return [item, store.onDidChange(update), store.onDidChangeSelection(update)];
}

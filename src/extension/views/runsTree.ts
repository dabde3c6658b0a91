import * as vscode from 'vscode';
import type { Run, RunStatus } from '../runs/run';
import type { RunStore } from '../runs/runStore';
import { COMMANDS } from '../commands';
import { formatDuration } from './format';

const STATUS_ICONS: Record<RunStatus, vscode.ThemeIcon> = {
  starting: new vscode.ThemeIcon('loading~spin'),
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  stopping: new vscode.ThemeIcon('debug-pause'),
  completed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  stopped: new vscode.ThemeIcon('debug-stop'),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
};

/** The Runs view: every run with its status, dataset, method, backend, progress and duration. */
export class RunsTreeProvider implements vscode.TreeDataProvider<Run>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Run | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly store: RunStore) {
    this.subscriptions = [
      store.onDidChange(() => this.changed.fire(undefined)),
      store.onDidChangeSelection(() => this.changed.fire(undefined)),
    ];
  }

  getChildren(element?: Run): Run[] {
    return element === undefined ? this.store.all() : [];
  }

  getTreeItem(run: Run): vscode.TreeItem {
    const item = new vscode.TreeItem(run.name, vscode.TreeItemCollapsibleState.None);
    item.id = run.id;
    const progress = run.totalEpochs === undefined ? '' : `epoch ${run.currentEpoch}/${run.totalEpochs}`;
    const flagged = run.latestEvaluation?.collapse.active === true;
    // An attached run waits for the user's script, not for a trainer the extension started.
    const status = run.attached && run.status === 'starting' ? 'waiting for the script' : run.status;
    item.description = [status, progress, formatDuration(run.durationMs), flagged ? '⚠ collapse' : '', run.attached ? 'attached' : '']
      .filter(Boolean)
      .join(' · ');
    item.iconPath =
      flagged && run.isLive ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : STATUS_ICONS[run.status];
    const started = run.started;
    const lines = [
      `**${run.name}** — ${status}${this.store.selected?.id === run.id ? ' (selected)' : ''}`,
      run.attached ? 'Reported by your own script (Attach External Run)' : undefined,
      started ? `Dataset: ${started.dataset.source}` : undefined,
      started ? `Method: ${String((started.config.method as { name?: string } | undefined)?.name ?? '?')}` : undefined,
      started ? `Backend: ${started.backend.name}` : undefined,
      progress ? `Progress: ${progress}` : undefined,
      `Duration: ${formatDuration(run.durationMs)}`,
      `Folder: ${run.folder}`,
      run.status === 'failed' && run.errorTail.length > 0 ? `\n\`\`\`\n${run.errorTail.slice(-5).join('\n')}\n\`\`\`` : undefined,
    ];
    item.tooltip = new vscode.MarkdownString(lines.filter((line) => line !== undefined).join('  \n'));
    item.contextValue = run.isLive ? 'run.live' : 'run.finished';
    item.command = { command: COMMANDS.selectRun, title: 'Select Run', arguments: [run.id] };
    item.accessibilityInformation = { label: `Run ${run.name}, ${item.description}` };
    return item;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}

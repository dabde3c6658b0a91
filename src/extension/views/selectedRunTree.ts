import * as vscode from 'vscode';
import type { Run } from '../runs/run';
import type { RunStore } from '../runs/runStore';

/**
 * Base of the views that show one aspect of the selected run (Live Metrics, Classes): they refresh when the
 * selection changes or the selected run reports something, and list `rowsOf(selected run)`.
 */
export abstract class SelectedRunTreeProvider<Row> implements vscode.TreeDataProvider<Row>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly store: RunStore) {
    this.subscriptions = [
      store.onDidChange((run) => (run === undefined || run.id === store.selected?.id) && this.changed.fire()),
      store.onDidChangeSelection(() => this.changed.fire()),
    ];
  }

  protected abstract rowsOf(run: Run | undefined): Row[];

  abstract getTreeItem(row: Row): vscode.TreeItem;

  getChildren(element?: Row): Row[] {
    return element === undefined ? this.rowsOf(this.store.selected) : [];
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}

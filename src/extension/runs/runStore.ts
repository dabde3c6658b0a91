import * as vscode from 'vscode';
import { Run } from './run';
import { readRunsDirectory, isProcessAlive } from './runFolderReader';
import { followEvents } from './eventsFollower';
import { isAttachedRun } from '../../protocol/runFolder';

/** All runs the extension knows, live and finished, and which one the views show. */
export class RunStore implements vscode.Disposable {
  private readonly runs = new Map<string, Run>();
  private readonly runSubscriptions = new Map<string, vscode.Disposable[]>();
  private selectedId: string | undefined;
  private readonly changed = new vscode.EventEmitter<Run | undefined>();
  /** Fires with the run that changed, or undefined when runs were added or removed. */
  readonly onDidChange = this.changed.event;
  private readonly selectionChanged = new vscode.EventEmitter<Run | undefined>();
  readonly onDidChangeSelection = this.selectionChanged.event;

  all(): Run[] {
    return [...this.runs.values()].sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
  }

  get(id: string): Run | undefined {
    return this.runs.get(id);
  }

  get live(): Run[] {
    return this.all().filter((run) => run.isLive);
  }

  get selected(): Run | undefined {
    return this.selectedId === undefined ? undefined : this.runs.get(this.selectedId);
  }

  select(run: Run | undefined): void {
    if (this.selectedId === run?.id) return;
    this.selectedId = run?.id;
    this.selectionChanged.fire(run);
  }

  add(run: Run, ...resources: vscode.Disposable[]): void {
    this.runs.set(run.id, run);
    this.runSubscriptions.set(run.id, [run.onDidChange(() => this.changed.fire(run)), ...resources]);
    this.changed.fire(undefined);
    if (this.selected === undefined || run.isLive) this.select(run);
  }

  remove(id: string): void {
    const run = this.runs.get(id);
    if (run === undefined) return;
    this.runs.delete(id);
    for (const subscription of this.runSubscriptions.get(id) ?? []) subscription.dispose();
    this.runSubscriptions.delete(id);
    run.dispose();
    if (this.selectedId === id) this.select(this.all()[0]);
    this.changed.fire(undefined);
  }

  /**
   * Lists the run folders of `runsDirectory` that are not known yet (after a window reload, or runs started from a
   * terminal). A run whose trainer is still alive is re-attached by following its events.jsonl.
   */
  async loadFromDisk(runsDirectory: string, log: vscode.LogOutputChannel): Promise<number> {
    const onDisk = await readRunsDirectory(runsDirectory);
    let added = 0;
    for (const entry of onDisk) {
      if (this.runs.has(entry.stored.runId)) continue;
      const run = new Run(
        entry.stored.runId,
        entry.stored.runName,
        entry.folder,
        entry.stored.sourceFile === '' ? undefined : entry.stored.sourceFile,
        isAttachedRun(entry.stored),
      );
      for (const message of entry.messages) run.apply(message);
      if (entry.skippedLines > 0) log.warn(`run ${run.id}: skipped ${entry.skippedLines} unreadable line(s) in events.jsonl`);
      const resources: vscode.Disposable[] = [];
      if (run.ended === undefined) {
        if (entry.pid !== undefined && isProcessAlive(entry.pid)) {
          run.setStatus('running');
          resources.push(followEvents(run, entry.pid, log));
          log.info(`run ${run.id}: re-attached to trainer process ${entry.pid}`);
        } else if (run.attached) {
          run.errorTail = [
            'The attached script was reporting when the window closed; what it reported until then is kept. Use "Attach External Run" again for a new connection.',
          ];
          run.setStatus('failed');
        } else {
          run.errorTail = ['The trainer stopped without ending the run (it was killed, or the machine restarted).'];
          run.setStatus('failed');
        }
      }
      this.add(run, ...resources);
      added++;
    }
    return added;
  }

  dispose(): void {
    for (const id of [...this.runs.keys()]) this.remove(id);
    this.changed.dispose();
    this.selectionChanged.dispose();
  }
}

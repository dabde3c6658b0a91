/**
 * One dashboard webview panel: a run's dashboard or a Compare panel over several runs. The host owns the data; the
 * panel sends a snapshot after the webview's `webview/ready` and whenever it becomes visible again, then deltas,
 * coalesced to `ncMonitor.dashboard.refreshIntervalMs` and only while visible.
 */
import * as vscode from 'vscode';
import { parseWebviewMessage } from '../../protocol/dashboard';
import type { DashboardMode, PersistedState, WebviewMessage } from '../../protocol/dashboard';
import { assertNever } from '../../protocol/messages';
import type { Run } from '../runs/run';
import type { RunStore } from '../runs/runStore';
import { readSettings } from '../settings';
import { cursorAtEnd, deltaMessage, snapshotMessage } from './dashboardData';
import type { SentCursor } from './dashboardData';
import { dashboardHtml } from './dashboardHtml';
import { UpdateThrottle } from './updateThrottle';

/** What a panel asks of the code that manages all panels. */
export interface PanelHost {
  readonly extensionUri: vscode.Uri;
  readonly store: RunStore;
  readonly log: vscode.LogOutputChannel;
  openRun(runId: string): void;
  pickRunsToCompare(panel: DashboardPanel): Promise<void>;
  exportPng(runs: readonly Run[], chart: string, dataUrl: string): Promise<void>;
  exportCsv(runs: readonly Run[]): Promise<void>;
  panelDisposed(panel: DashboardPanel): void;
}

export function panelKey(mode: DashboardMode, runIds: readonly string[]): string {
  return `${mode}:${mode === 'compare' ? [...runIds].sort().join(',') : runIds.join(',')}`;
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export class DashboardPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly throttle: UpdateThrottle;
  private readonly cursors = new Map<string, SentCursor>();
  private readonly changedRunIds = new Set<string>();
  private ready = false;
  private seq = 0;
  private disposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly host: PanelHost,
    readonly mode: DashboardMode,
    private ids: string[],
    ui: PersistedState['ui'],
  ) {
    this.throttle = new UpdateThrottle(
      () => readSettings().refreshIntervalMs,
      () => this.flushDeltas(),
    );
    panel.webview.options = webviewOptions(host.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(host.extensionUri, 'media', 'activity-bar.svg');
    panel.webview.html = dashboardHtml({
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(host.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(host.extensionUri, 'media', 'dashboard.css')).toString(),
      title: this.title(),
      initialState: { mode, runIds: ids, ui },
    });
    panel.title = this.title();
    this.disposables.push(
      this.throttle,
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(({ webviewPanel }) => {
        if (webviewPanel.visible) this.sendSnapshot();
        else this.throttle.cancel();
      }),
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      host.store.onDidChange((run) => this.runChanged(run)),
    );
  }

  get runIds(): readonly string[] {
    return this.ids;
  }

  get key(): string {
    return panelKey(this.mode, this.ids);
  }

  /** The runs of this panel the store knows, in panel order. */
  get runs(): Run[] {
    return this.ids.map((id) => this.host.store.get(id)).filter((run): run is Run => run !== undefined);
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** A Compare panel's runs changed ("Add runs…"). */
  setRunIds(ids: string[]): void {
    this.ids = ids;
    this.panel.title = this.title();
    this.cursors.clear();
    this.sendSnapshot();
  }

  private title(): string {
    const names = this.ids.map((id) => this.host.store.get(id)?.name ?? id);
    return this.mode === 'run' ? `NC: ${names[0] ?? 'run'}` : `NC: Compare ${names.join(', ')}`;
  }

  private runChanged(run: Run | undefined): void {
    if (this.disposed) return;
    if (run === undefined) {
      // Runs were added or removed: a run this panel waits for may have loaded from disk, or one was deleted.
      const known = this.runs.map((candidate) => candidate.id);
      const sent = [...this.cursors.keys()];
      if (known.length !== sent.length || known.some((id) => !this.cursors.has(id))) this.sendSnapshot();
      return;
    }
    if (!this.ids.includes(run.id)) return;
    const title = this.title();
    if (this.panel.title !== title) this.panel.title = title;
    this.changedRunIds.add(run.id);
    if (this.panel.visible && this.ready) this.throttle.request();
  }

  private sendSnapshot(): void {
    if (!this.ready || !this.panel.visible || this.disposed) return;
    const runs = this.runs;
    const missing = this.ids.filter((id) => this.host.store.get(id) === undefined);
    this.seq++;
    void this.panel.webview.postMessage(snapshotMessage(this.seq, this.mode, runs, missing));
    this.cursors.clear();
    for (const run of runs) this.cursors.set(run.id, cursorAtEnd(run));
    this.changedRunIds.clear();
    this.throttle.markFlushed();
  }

  private flushDeltas(): void {
    if (!this.ready || !this.panel.visible || this.disposed) return;
    for (const id of this.changedRunIds) {
      const run = this.host.store.get(id);
      const cursor = this.cursors.get(id);
      if (run === undefined || cursor === undefined) continue;
      this.seq++;
      const { message, cursor: next } = deltaMessage(this.seq, run, cursor, this.mode === 'run');
      this.cursors.set(id, next);
      void this.panel.webview.postMessage(message);
    }
    this.changedRunIds.clear();
  }

  private async receive(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.host.log.warn(`dashboard: ignored a message from the webview (${parsed.error})`);
      return;
    }
    const message: WebviewMessage = parsed.message;
    try {
      switch (message.type) {
        case 'webview/ready':
          this.ready = true;
          this.sendSnapshot();
          break;
        case 'webview/exportPng':
          await this.host.exportPng(this.runs, message.chart, message.dataUrl);
          break;
        case 'webview/exportCsv':
          await this.host.exportCsv(this.runs);
          break;
        case 'webview/compare':
          await this.host.pickRunsToCompare(this);
          break;
        case 'webview/openRun':
          this.host.openRun(message.runId);
          break;
        default:
          assertNever(message);
      }
    } catch (error) {
      this.host.log.error(`dashboard: ${message.type} failed: ${(error as Error).message}`);
      void vscode.window.showErrorMessage(`Neural Collapse Monitor: ${(error as Error).message}`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.host.panelDisposed(this);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.panel.dispose();
  }
}

/**
 * The dashboard panels of the extension: one per run (shown again, not duplicated, when reopened), Compare panels
 * over several runs, and the serializer that brings them back after a window reload (the webview's saved state names
 * the runs and UI choices; the data come again from the run store).
 */
import * as vscode from 'vscode';
import { DASHBOARD_VIEW_TYPE, DEFAULT_UI_CHOICES, MAX_COMPARED_RUNS, parsePersistedState } from '../../protocol/dashboard';
import type { DashboardMode, PersistedState } from '../../protocol/dashboard';
import type { Run } from '../runs/run';
import type { RunStore } from '../runs/runStore';
import { DashboardPanel, panelKey, webviewOptions } from './dashboardPanel';
import type { PanelHost } from './dashboardPanel';
import { unrestorableHtml } from './dashboardHtml';
import { saveCsv, savePng } from './exportFiles';

export class DashboardManager implements vscode.Disposable, PanelHost {
  private readonly panels = new Map<string, DashboardPanel>();

  constructor(
    readonly extensionUri: vscode.Uri,
    readonly store: RunStore,
    readonly log: vscode.LogOutputChannel,
  ) {}

  /** Shows the run's dashboard, creating it when there is none. */
  open(run: Run): void {
    this.createOrShow('run', [run.id]);
  }

  createOrShow(mode: DashboardMode, runIds: string[], ui: PersistedState['ui'] = DEFAULT_UI_CHOICES): DashboardPanel {
    const existing = this.panels.get(panelKey(mode, runIds));
    if (existing !== undefined) {
      existing.reveal();
      return existing;
    }
    const column = vscode.window.activeTextEditor?.viewColumn ?? vscode.ViewColumn.One;
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'NC', column, webviewOptions(this.extensionUri));
    return this.adopt(new DashboardPanel(panel, this, mode, runIds, ui));
  }

  /** A panel VS Code restored after a reload. */
  revive(panel: vscode.WebviewPanel, saved: unknown): void {
    const parsed = parsePersistedState(saved);
    if (!parsed.ok) {
      // VS Code is showing this panel already: disposing it now breaks the editor it is opening, so explain instead.
      this.log.warn(`dashboard: could not restore a panel (${parsed.error})`);
      panel.webview.options = { enableScripts: false, localResourceRoots: webviewOptions(this.extensionUri).localResourceRoots ?? [] };
      panel.webview.html = unrestorableHtml(
        panel.webview.cspSource,
        panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'dashboard.css')).toString(),
      );
      return;
    }
    const { mode, runIds, ui } = parsed.message;
    const duplicate = this.panels.get(panelKey(mode, runIds));
    if (duplicate !== undefined) {
      panel.dispose();
      duplicate.reveal();
      return;
    }
    this.adopt(new DashboardPanel(panel, this, mode, runIds, ui));
  }

  private adopt(panel: DashboardPanel): DashboardPanel {
    this.panels.set(panel.key, panel);
    return panel;
  }

  openRun(runId: string): void {
    const run = this.store.get(runId);
    if (run !== undefined) this.open(run);
  }

  async pickRunsToCompare(panel: DashboardPanel): Promise<void> {
    const shown = new Set(panel.runIds);
    const candidates = this.store.all().filter((run) => !shown.has(run.id));
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage('There is no other run to compare with: start or load another run first.');
      return;
    }
    const room = MAX_COMPARED_RUNS - shown.size;
    if (room <= 0) {
      void vscode.window.showInformationMessage(`A Compare panel overlays at most ${MAX_COMPARED_RUNS} runs.`);
      return;
    }
    const picked = await vscode.window.showQuickPick(
      candidates.map((run) => ({
        label: run.name,
        description: `${run.status} · epoch ${run.currentEpoch}${run.totalEpochs === undefined ? '' : `/${run.totalEpochs}`}`,
        detail: run.started?.dataset.source,
        run,
      })),
      { canPickMany: true, title: `Compare ${panel.runs.map((run) => run.name).join(', ')} with… (up to ${room})` },
    );
    if (picked === undefined || picked.length === 0) return;
    const runIds = [...panel.runIds, ...picked.map((item) => item.run.id)].slice(0, MAX_COMPARED_RUNS);
    if (panel.mode === 'compare') {
      this.panels.delete(panel.key);
      panel.setRunIds(runIds);
      this.adopt(panel);
      return;
    }
    this.createOrShow('compare', runIds);
  }

  async exportPng(runs: readonly Run[], chart: string, dataUrl: string): Promise<void> {
    await savePng(runs, chart, dataUrl);
  }

  async exportCsv(runs: readonly Run[]): Promise<void> {
    await saveCsv(runs);
  }

  panelDisposed(panel: DashboardPanel): void {
    if (this.panels.get(panel.key) === panel) this.panels.delete(panel.key);
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
  }
}

/**
 * Registers the panel serializer and returns the `openDashboard` command's action. Everything it creates is disposed
 * with the extension.
 */
export function registerDashboard(context: vscode.ExtensionContext, store: RunStore, log: vscode.LogOutputChannel): (run: Run) => void {
  const manager = new DashboardManager(context.extensionUri, store, log);
  context.subscriptions.push(
    manager,
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state: unknown) => {
        manager.revive(panel, state);
        return Promise.resolve();
      },
    }),
  );
  return (run) => manager.open(run);
}

/** Saves what the dashboard exports: a chart's PNG (sent by the webview) and the runs' metrics as CSV (built here). */
import * as vscode from 'vscode';
import { dirname, join } from 'node:path';
import type { Run } from '../runs/run';
import { metricsCsv } from './metricsCsv';
import { pngBytes } from './pngData';

export function fileSlug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'run'
  );
}

/** The run folder for one run; the runs directory (the folders' parent) for several. */
function defaultFolder(runs: readonly Run[]): string | undefined {
  const first = runs[0];
  if (first === undefined) return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return runs.length === 1 ? first.folder : dirname(first.folder);
}

function baseName(runs: readonly Run[]): string {
  return runs.length === 1
    ? fileSlug(runs[0]?.name ?? 'run')
    : `compare-${runs.map((run) => fileSlug(run.name)).join('-vs-')}`.slice(0, 100);
}

async function saveWithDialog(suggested: string, filters: Record<string, string[]>, title: string, bytes: Uint8Array): Promise<void> {
  const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(suggested), filters, title });
  if (target === undefined) return;
  await vscode.workspace.fs.writeFile(target, bytes);
  const choice = await vscode.window.showInformationMessage(`Saved ${vscode.workspace.asRelativePath(target)}.`, 'Open');
  if (choice === 'Open') await vscode.commands.executeCommand('vscode.open', target);
}

export async function savePng(runs: readonly Run[], chart: string, dataUrl: string): Promise<void> {
  const bytes = pngBytes(dataUrl);
  const epoch = runs.length === 1 ? `-epoch${runs[0]?.currentEpoch ?? 0}` : '';
  const folder = defaultFolder(runs) ?? '.';
  await saveWithDialog(join(folder, `${baseName(runs)}-${chart}${epoch}.png`), { 'PNG image': ['png'] }, `Save the ${chart} chart`, bytes);
}

export async function saveCsv(runs: readonly Run[]): Promise<void> {
  if (runs.length === 0) throw new Error('this dashboard has no run loaded to export');
  const folder = defaultFolder(runs) ?? '.';
  const bytes = new TextEncoder().encode(metricsCsv(runs));
  await saveWithDialog(join(folder, `${baseName(runs)}-metrics.csv`), { CSV: ['csv'] }, 'Save the metrics as CSV', bytes);
}

import * as vscode from 'vscode';
import type { NcMonitorApi } from '../../../src/extension/extension';
import type { Run } from '../../../src/extension/runs/run';

export const EXTENSION_ID = 'nc-monitor.neural-collapse-monitor';

export async function activateExtension(): Promise<NcMonitorApi> {
  const extension = vscode.extensions.getExtension<NcMonitorApi>(EXTENSION_ID);
  if (extension === undefined) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return extension.activate();
}

export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder === undefined) throw new Error('the tests need the fixture workspace open');
  return vscode.Uri.joinPath(folder.uri, name);
}

/** Resolves when `predicate` holds for the run, checking on every change; rejects after the timeout. */
export function waitForRun(run: Run, predicate: (run: Run) => boolean, what: string, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    if (predicate(run)) return resolve(run);
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`timed out waiting for ${what}; run is ${run.status} at epoch ${run.currentEpoch}: ${run.errorTail.join(' | ')}`));
    }, timeoutMs);
    const subscription = run.onDidChange(() => {
      if (!predicate(run)) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(run);
    });
  });
}

export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

import * as vscode from 'vscode';
import type { BACKENDS } from '../protocol/runConfig';

export type BackendSetting = (typeof BACKENDS)[number] | 'config';

/** Typed access to the `ncMonitor.*` settings declared in package.json. */
export function readSettings() {
  const section = vscode.workspace.getConfiguration('ncMonitor');
  return {
    runsDirectory: section.get<string>('runsDirectory', 'runs'),
    nodePath: section.get<string>('trainer.nodePath', ''),
    pythonPath: section.get<string>('python.interpreterPath', ''),
    backend: section.get<BackendSetting>('trainer.backend', 'config'),
    stopTimeoutSeconds: section.get<number>('trainer.stopTimeoutSeconds', 20),
    refreshIntervalMs: section.get<number>('dashboard.refreshIntervalMs', 250),
    collapseCosine: section.get<number | null>('collapse.tailCosineThreshold', null),
    collapseRecall: section.get<number | null>('collapse.tailRecallThreshold', null),
    autoStartConfig: section.get<string>('autoStartConfig', ''),
  };
}

export type Settings = ReturnType<typeof readSettings>;

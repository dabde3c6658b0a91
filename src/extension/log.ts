import * as vscode from 'vscode';

/** The extension's log output channel ("Neural Collapse Monitor"): its own log and every trainer's output. */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Neural Collapse Monitor', { log: true });
}

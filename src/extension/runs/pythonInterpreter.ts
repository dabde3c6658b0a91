import * as vscode from 'vscode';
import { findOnPath } from './trainerProcess';

export interface ResolvedInterpreter {
  path: string;
  /** Where the choice came from, for the log. */
  source: 'setting' | 'python extension' | 'PATH';
}

/**
 * The Python that runs the PyTorch engine: the `ncMonitor.python.interpreterPath` setting, else the interpreter
 * selected in the Python extension (ms-python.python) for this file, else python3 on PATH.
 */
export async function resolvePythonInterpreter(settingPath: string, resource: vscode.Uri | undefined): Promise<ResolvedInterpreter> {
  if (settingPath !== '') return { path: settingPath, source: 'setting' };
  const selected = await pythonExtensionInterpreter(resource).catch(() => undefined);
  if (selected !== undefined) return { path: selected, source: 'python extension' };
  const name = process.platform === 'win32' ? 'python.exe' : 'python3';
  return { path: findOnPath(name) ?? name, source: 'PATH' };
}

interface PythonExtensionApi {
  environments?: { getActiveEnvironmentPath?: (resource?: vscode.Uri) => { path?: unknown } | undefined };
  settings?: { getExecutionDetails?: (resource?: vscode.Uri) => { execCommand?: unknown } | undefined };
}

async function pythonExtensionInterpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (extension === undefined) return undefined;
  const api = extension.isActive ? extension.exports : await extension.activate();
  // The current API (environments) first, then the older execution-details one.
  const active = api.environments?.getActiveEnvironmentPath?.(resource)?.path;
  if (typeof active === 'string' && active !== '') return active;
  const command = api.settings?.getExecutionDetails?.(resource)?.execCommand;
  if (Array.isArray(command) && typeof command[0] === 'string' && command.length === 1) return command[0];
  return undefined;
}

import * as vscode from 'vscode';
import { STARTER_CONFIG } from './starterConfig';

export const RUN_CONFIG_GLOB = '**/*.ltrun.json';
const NEW_CONFIG = '$(new-file) New run config…';

/**
 * Which config to run: the active *.ltrun.json editor, else a quick pick of the workspace's configs with
 * "New run config…" at the end. Undefined when the user cancels.
 */
export async function pickRunConfig(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  if (active !== undefined && active.uri.path.endsWith('.ltrun.json')) {
    if (active.isDirty) await active.save();
    return active.uri;
  }
  const configs = await vscode.workspace.findFiles(RUN_CONFIG_GLOB, '**/{node_modules,runs}/**', 200);
  const items: (vscode.QuickPickItem & { uri?: vscode.Uri })[] = configs
    .sort((a, b) => a.fsPath.localeCompare(b.fsPath))
    .map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri }));
  items.push({ label: NEW_CONFIG, description: 'write a commented starter config' });
  const choice = await vscode.window.showQuickPick(items, { title: 'Start Long-Tail Run', placeHolder: 'Run config (*.ltrun.json)' });
  if (choice === undefined) return undefined;
  return choice.uri ?? (await createStarterConfig());
}

export async function createStarterConfig(): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder === undefined) {
    void vscode.window.showErrorMessage('Open a folder first: run configs live in the workspace.');
    return undefined;
  }
  const name = await vscode.window.showInputBox({
    title: 'New run config',
    value: 'my-run.ltrun.json',
    validateInput: (value) => (/^[\w.-]+\.ltrun\.json$/.test(value) ? undefined : 'A file name ending in .ltrun.json'),
  });
  if (name === undefined) return undefined;
  const uri = vscode.Uri.joinPath(folder.uri, name);
  try {
    await vscode.workspace.fs.stat(uri);
    void vscode.window.showErrorMessage(`${name} already exists: pick it from the list instead.`);
    return undefined;
  } catch {
    // does not exist yet: write it
  }
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(STARTER_CONFIG));
  await vscode.window.showTextDocument(uri);
  return uri;
}

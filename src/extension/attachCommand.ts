import * as vscode from 'vscode';
import type { AttachedRun } from './runs/attachedRun';
import { attachEnvironment, attachSnippet } from './runs/attachSnippet';

export interface AttachCommandOptions {
  /** Skip the input box (tests, other extensions): the run's display name. */
  name?: string;
}

/**
 * "Attach External Run": asks for a name, registers a run with its own secret, and offers the ways to connect a
 * user's own PyTorch script: a copyable snippet (port, secret and run id filled in), or a terminal whose environment
 * already holds them (the script then uses `MonitorClient.from_environment()`). Returns what it created.
 */
export async function runAttachCommand(
  attach: (runName: string) => AttachedRun,
  openDashboard: (attached: AttachedRun) => void,
  options: AttachCommandOptions = {},
): Promise<AttachedRun | undefined> {
  const name =
    options.name ??
    (await vscode.window.showInputBox({
      title: 'Attach External Run',
      prompt: 'A name for the run your own training script will report into',
      value: 'my-script',
      validateInput: (value) => (value.trim() === '' ? 'Give the run a name.' : value.length > 100 ? 'At most 100 characters.' : undefined),
    }));
  if (name === undefined) return undefined;
  const attached = attach(name.trim());
  openDashboard(attached);
  void offerConnection(attached);
  return attached;
}

async function offerConnection(attached: AttachedRun): Promise<void> {
  const copySnippet = 'Copy Python Snippet';
  const openTerminal = 'Open Terminal';
  const choice = await vscode.window.showInformationMessage(
    `Run "${attached.runName}" is waiting for your script. Paste the snippet into it, or start it from a terminal that has the connection details in its environment.`,
    copySnippet,
    openTerminal,
  );
  if (choice === copySnippet) {
    await vscode.env.clipboard.writeText(attachSnippet(attached));
    void vscode.window.showInformationMessage('Snippet copied: paste it at the top of your training script.');
  } else if (choice === openTerminal) {
    const terminal = vscode.window.createTerminal({
      name: `NC Monitor: ${attached.runName}`,
      env: attachEnvironment(attached, process.env.PYTHONPATH ?? ''),
      message: `Scripts started here report into run "${attached.runName}" with MonitorClient.from_environment().`,
    });
    terminal.show();
  }
}

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID } from './support';

suite('Activation', () => {
  test('the extension activates in a real VS Code and registers its commands', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is loaded`);
    const api = await activateExtension();
    assert.ok(extension.isActive);
    assert.ok(api.store !== undefined && api.controller !== undefined);
    const commands = await vscode.commands.getCommands(true);
    for (const command of ['ncMonitor.startRun', 'ncMonitor.stopRun', 'ncMonitor.openDashboard', 'ncMonitor.showOutput', 'ncMonitor.openRunFolder', 'ncMonitor.deleteRun']) {
      assert.ok(commands.includes(command), `${command} is registered`);
    }
  });
});

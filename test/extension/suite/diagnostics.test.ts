import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, waitFor, workspaceFile } from './support';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((diagnostic) => diagnostic.source === 'NC Monitor');

suite('Config diagnostics and quick fixes', () => {
  test('a broken config shows the expected diagnostics, and the quick fix raises featureDim to C − 1', async function () {
    this.timeout(60_000);
    await activateExtension();
    const source = workspaceFile('broken.ltrun.json');
    const copy = workspaceFile('broken-copy.ltrun.json');
    await vscode.workspace.fs.copy(source, copy, { overwrite: true });
    try {
      const document = await vscode.workspace.openTextDocument(copy);
      await vscode.window.showTextDocument(document);
      const diagnostics = await waitFor(() => (ours(copy).length >= 4 ? ours(copy) : undefined), 'diagnostics');
      const codes = diagnostics.map((diagnostic) => (typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code)).sort();
      assert.deepEqual(codes, ['feature-dim-below-etf', 'imbalance-empties-class', 'learning-rate-range', 'option-has-no-effect']);
      const featureDim = diagnostics.find((diagnostic) => diagnostic.code === 'feature-dim-below-etf');
      assert.ok(featureDim);
      assert.equal(document.getText(featureDim.range), '"featureDim": 8');

      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', copy, featureDim.range);
      const fix = actions.find((action) => action.title === 'Raise featureDim to C − 1 = 19');
      assert.ok(fix?.edit, `quick fixes offered: ${actions.map((action) => action.title).join(', ')}`);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.match(document.getText(), /"featureDim": 19/);
      await waitFor(() => (ours(copy).some((diagnostic) => diagnostic.code === 'feature-dim-below-etf') ? undefined : true), 'the fixed diagnostic to go away');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.workspace.fs.delete(copy);
    }
  });

  test('schema errors are reported on the offending field as the user types', async function () {
    this.timeout(30_000);
    await activateExtension();
    const document = await vscode.workspace.openTextDocument({ language: 'jsonc', content: '{}' });
    // Untitled documents are not run configs; a real file is.
    assert.equal(ours(document.uri).length, 0);
    const uri = workspaceFile('typing.ltrun.json');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('{\n  "epochs": 3\n}\n'));
    try {
      const editor = await vscode.window.showTextDocument(uri);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(ours(uri).length, 0, 'a valid config has no diagnostics');
      await editor.edit((edit) => edit.replace(new vscode.Range(1, 12, 1, 13), '"three"'));
      const diagnostics = await waitFor(() => (ours(uri).length > 0 ? ours(uri) : undefined), 'a schema diagnostic');
      assert.equal(diagnostics[0]?.code, 'schema');
      assert.match(diagnostics[0]?.message ?? '', /^epochs: /);
      assert.equal(diagnostics[0]?.severity, vscode.DiagnosticSeverity.Error);
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      await vscode.workspace.fs.delete(uri);
    }
  });

  test('Start Long-Tail Run refuses a config with errors', async function () {
    this.timeout(30_000);
    await activateExtension();
    const result = await vscode.commands.executeCommand('ncMonitor.startRun', workspaceFile('broken.ltrun.json'));
    assert.equal(result, undefined);
  });
});

import * as vscode from 'vscode';
import { modify, applyEdits } from 'jsonc-parser';
import { dirname, relative } from 'node:path';
import { DIAGNOSTIC_SOURCE, quickFixesOf } from './configDiagnostics';
import type { QuickFix } from './semanticChecks';

export const CHOOSE_FOLDER_COMMAND = 'ncMonitor.chooseDatasetFolder';

/** Quick fixes for the semantic diagnostics: edits computed with jsonc-parser so comments and layout survive. */
export class ConfigQuickFixes implements vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
      for (const fix of quickFixesOf.get(diagnostic) ?? []) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diagnostic];
        if (fix.kind === 'chooseFolder') {
          action.command = { command: CHOOSE_FOLDER_COMMAND, title: fix.title, arguments: [document.uri, fix.path] };
        } else {
          action.edit = editFor(document, fix);
          action.isPreferred = fix.kind === 'replaceValue';
        }
        actions.push(action);
      }
    }
    return actions;
  }
}

function editFor(document: vscode.TextDocument, fix: Exclude<QuickFix, { kind: 'chooseFolder' }>): vscode.WorkspaceEdit {
  return jsonEdit(document, fix.path, fix.kind === 'replaceValue' ? fix.value : undefined);
}

/** A workspace edit that sets (or, with `undefined`, removes) the value at a JSON path. */
export function jsonEdit(document: vscode.TextDocument, path: (string | number)[], value: unknown): vscode.WorkspaceEdit {
  const text = document.getText();
  const edits = modify(text, path, value, { formattingOptions: { insertSpaces: true, tabSize: 2 } });
  const updated = applyEdits(text, edits);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(text.length)), updated);
  return edit;
}

export function registerQuickFixes(): vscode.Disposable[] {
  return [
    vscode.languages.registerCodeActionsProvider({ pattern: '**/*.ltrun.json' }, new ConfigQuickFixes(), {
      providedCodeActionKinds: ConfigQuickFixes.providedCodeActionKinds,
    }),
    vscode.commands.registerCommand(CHOOSE_FOLDER_COMMAND, async (uri: vscode.Uri, path: (string | number)[]) => {
      const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use as dataset folder' });
      const folder = picked?.[0];
      if (folder === undefined) return;
      const document = await vscode.workspace.openTextDocument(uri);
      const relativePath = relative(dirname(uri.fsPath), folder.fsPath) || '.';
      await vscode.workspace.applyEdit(jsonEdit(document, path, relativePath.startsWith('..') ? folder.fsPath : relativePath));
    }),
  ];
}

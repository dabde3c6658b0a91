import * as vscode from 'vscode';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseConfigText, locationOf } from '../../protocol/configFile';
import type { LocatedIssue } from '../../protocol/configFile';
import { semanticChecks } from './semanticChecks';
import type { FileFacts, QuickFix, SemanticIssue } from './semanticChecks';

const DEBOUNCE_MS = 300;
export const DIAGNOSTIC_SOURCE = 'NC Monitor';

/** Quick fixes travel with their diagnostic, so the code action provider needs no second analysis. */
export const quickFixesOf = new WeakMap<vscode.Diagnostic, QuickFix[]>();

export function isRunConfig(document: vscode.TextDocument): boolean {
  return document.uri.path.endsWith('.ltrun.json');
}

export function fileFactsFor(configPath: string): FileFacts {
  return {
    resolve: (path) => (isAbsolute(path) ? path : resolve(dirname(configPath), path)),
    exists: (path) => existsSync(path),
    imageFolderClassCount: (path) => {
      try {
        return readdirSync(join(path, 'train')).filter((entry) => statSync(join(path, 'train', entry)).isDirectory()).length;
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Diagnostics for `*.ltrun.json`: the same schema validation the trainer applies (so an error in the editor is an
 * error at start, and vice versa) plus cross-field semantic checks; updated as the user types, debounced.
 */
export function registerConfigDiagnostics(): vscode.Disposable[] {
  const collection = vscode.languages.createDiagnosticCollection('ncMonitor');
  const timers = new Map<string, NodeJS.Timeout>();

  const analyse = (document: vscode.TextDocument) => {
    if (!isRunConfig(document)) return;
    collection.set(document.uri, diagnose(document));
  };
  const schedule = (document: vscode.TextDocument) => {
    if (!isRunConfig(document)) return;
    const key = document.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        analyse(document);
      }, DEBOUNCE_MS),
    );
  };
  vscode.workspace.textDocuments.forEach(analyse);
  return [
    collection,
    vscode.workspace.onDidOpenTextDocument(analyse),
    vscode.workspace.onDidChangeTextDocument((event) => schedule(event.document)),
    vscode.workspace.onDidCloseTextDocument((document) => collection.delete(document.uri)),
    { dispose: () => timers.forEach((timer) => clearTimeout(timer)) },
  ];
}

export function diagnose(document: vscode.TextDocument): vscode.Diagnostic[] {
  const text = document.getText();
  const parsed = parseConfigText(text);
  if (!parsed.ok) return parsed.issues.map((issue) => schemaDiagnostic(document, issue));
  return semanticChecks(parsed.config, parsed.tree, fileFactsFor(document.uri.fsPath)).map((issue) => semanticDiagnostic(document, parsed.tree, issue));
}

function schemaDiagnostic(document: vscode.TextDocument, issue: LocatedIssue): vscode.Diagnostic {
  const range = new vscode.Range(document.positionAt(issue.offset), document.positionAt(issue.offset + issue.length));
  const diagnostic = new vscode.Diagnostic(range, `${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`, vscode.DiagnosticSeverity.Error);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = 'schema';
  return diagnostic;
}

function semanticDiagnostic(document: vscode.TextDocument, tree: Parameters<typeof locationOf>[0], issue: SemanticIssue): vscode.Diagnostic {
  const { offset, length } = locationOf(tree, issue.path);
  const range = new vscode.Range(document.positionAt(offset), document.positionAt(offset + length));
  const severity = { error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning, information: vscode.DiagnosticSeverity.Information }[issue.severity];
  const diagnostic = new vscode.Diagnostic(range, issue.message, severity);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = issue.code;
  if (issue.code === 'option-has-no-effect') diagnostic.tags = [vscode.DiagnosticTag.Unnecessary];
  quickFixesOf.set(diagnostic, issue.fixes);
  return diagnostic;
}

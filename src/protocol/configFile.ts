/**
 * Reading a run config's text (JSON with comments) into a validated config, with every problem located in the
 * text so that the trainer can print `file:line:column` and the extension can underline the field.
 */
import { parseTree, findNodeAtLocation, getNodeValue, printParseErrorCode } from 'jsonc-parser';
import type { Node, ParseError } from 'jsonc-parser';
import { parseRunConfig } from './runConfig';
import type { RunConfig } from './runConfig';

export interface LocatedIssue {
  /** Dotted path of the field, empty for the whole file. */
  path: string;
  message: string;
  /** Character offset and length of the offending text. */
  offset: number;
  length: number;
}

export type ParsedConfigText = { ok: true; config: RunConfig; tree: Node } | { ok: false; issues: LocatedIssue[]; tree: Node | undefined };

export function parseConfigText(text: string): ParsedConfigText {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || tree === undefined) {
    const issues = errors.map((error) => ({
      path: '',
      message: `JSON syntax error: ${printParseErrorCode(error.error)}`,
      offset: error.offset,
      length: Math.max(error.length, 1),
    }));
    if (issues.length === 0) issues.push({ path: '', message: 'the file is empty: a run config is a JSON object', offset: 0, length: 1 });
    return { ok: false, issues, tree };
  }
  const parsed = parseRunConfig(getNodeValue(tree));
  if (parsed.ok) return { ok: true, config: parsed.config, tree };
  return { ok: false, tree, issues: parsed.issues.map((issue) => locateIssue(tree, issue.path, issue.message)) };
}

/** Locates an issue by the dotted path of its field. */
export function locateIssue(tree: Node, path: string, message: string): LocatedIssue {
  const segments = path === '' ? [] : path.split('.').map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
  return { path, message, ...locationOf(tree, segments) };
}

/**
 * Offset and length of the deepest existing node on a path (so a missing field underlines its parent object); for
 * a property, its whole `"key": value` pair.
 */
export function locationOf(tree: Node, path: (string | number)[]): { offset: number; length: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = findNodeAtLocation(tree, path.slice(0, depth));
    if (node === undefined) continue;
    const property = node.parent?.type === 'property' ? node.parent : undefined;
    return property === undefined ? { offset: node.offset, length: node.length } : { offset: property.offset, length: property.length };
  }
  return { offset: tree.offset, length: 1 };
}

/** 1-based line and column of an offset, for terminal messages. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index++) {
    if (text.charCodeAt(index) === 10) {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

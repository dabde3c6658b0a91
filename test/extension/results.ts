/**
 * One line per in-editor test result, printed by the suite inside VS Code (test/extension/index.ts) through the
 * extension host's console and parsed by the runner outside (test/vscode/inEditorSuite.ts), which reports each one
 * as its own node:test subtest. The prefix keeps result lines apart from everything else the host logs.
 */
export const RESULT_LINE_PREFIX = 'NC_TEST_RESULT ';

export interface InEditorTestResult {
  /** Mocha's full title: suite titles and the test title, space-separated. */
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  /** For failures: the message and the first lines of the stack. */
  error?: string;
}

export function formatResultLine(result: InEditorTestResult): string {
  return `${RESULT_LINE_PREFIX}${JSON.stringify(result)}`;
}

/** The result a log line carries, or undefined for any other line. */
export function parseResultLine(line: string): InEditorTestResult | undefined {
  const start = line.indexOf(RESULT_LINE_PREFIX);
  if (start < 0) return undefined;
  try {
    const value = JSON.parse(line.slice(start + RESULT_LINE_PREFIX.length)) as Partial<InEditorTestResult>;
    if (typeof value.title !== 'string' || (value.state !== 'passed' && value.state !== 'failed' && value.state !== 'pending'))
      return undefined;
    return {
      title: value.title,
      state: value.state,
      durationMs: typeof value.durationMs === 'number' ? value.durationMs : 0,
      ...(typeof value.error === 'string' ? { error: value.error } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * End to end, as a user sees it: a real VS Code (code-server) with the extension under development opens the sample
 * workspace; the user runs "Show Output" and "Start Long-Tail Run" from the command palette, picks a run config,
 * and the "Neural Collapse Monitor" output channel shows the trainer's hello and, a few seconds later, the run's end.
 * A screenshot goes to test-results/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyEdits, modify } from 'jsonc-parser';
import { REPO_ROOT, copyWorkspace, ensureBuilt, openEditor } from '../vscode/editorSession';
import type { EditorSession } from '../vscode/editorSession';
import { outputPanel, pickQuickItem, poll, quickInputShows, runCommand, waitForWorkbench } from './workbench';

const OUTPUT_CHANNEL = 'Neural Collapse Monitor';
const SCREENSHOTS = join(REPO_ROOT, 'test-results');

/** The sample workspace starts its demo run (a 30-epoch CNN) when it opens; this test starts its own, small one. */
function withoutAutoStart(workspace: string): void {
  const settingsFile = join(workspace, '.vscode', 'settings.json');
  if (!existsSync(settingsFile)) return;
  const text = readFileSync(settingsFile, 'utf8');
  writeFileSync(
    settingsFile,
    applyEdits(text, modify(text, ['ncMonitor.autoStartConfig'], '', { formattingOptions: { insertSpaces: true, tabSize: 2 } })),
  );
}

test('Start Long-Tail Run from the command palette: the trainer says hello in the output channel', { timeout: 180_000 }, async () => {
  ensureBuilt();
  const workspace = copyWorkspace(join(REPO_ROOT, 'samples', 'workspace'));
  withoutAutoStart(workspace);
  let session: EditorSession | undefined;
  try {
    session = await openEditor({ workspace, viewport: { width: 1400, height: 900 } });
    const { page } = session;
    await waitForWorkbench(page);

    const showsChannel = async () => (await outputPanel(page)).channel.includes(OUTPUT_CHANNEL);
    // The first command also waits out the extension's activation.
    await runCommand(page, 'NC Monitor: Show Output', showsChannel, 90_000);
    // More lines on screen: the hello stays visible while the run logs its epochs below it.
    await runCommand(page, 'View: Toggle Maximized Panel', () => Promise.resolve(true));

    await runCommand(page, 'NC Monitor: Start Long-Tail Run', () => quickInputShows(page, 'Run config'));
    await pickQuickItem(page, 'quick-synthetic.ltrun.json');

    const describeOutput = async () => {
      const { channel, lines } = await outputPanel(page);
      return `the Output panel shows channel "${channel}":\n${lines.slice(-15).join('\n')}`;
    };
    // The channel appends in pieces: wait for the whole greeting, which names the run and the trainer.
    const hello = await poll(
      async () => (await outputPanel(page)).lines.find((line) => /quick-synthetic\S*: hello from nc-monitor-trainer/.test(line)),
      `a line "run …quick-synthetic…: hello from nc-monitor-trainer" in the "${OUTPUT_CHANNEL}" output channel`,
      60_000,
      describeOutput,
    );
    assert.match(hello, /\[info\] run \S+: hello/, 'the extension logged the hello of the run it started');
    assert.ok(await showsChannel(), `the Output panel still shows "${OUTPUT_CHANNEL}"`);

    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'e2e-start-run.png') });

    // Let the run finish: the trainer is its own process group and must not outlive the test's workspace.
    const ended = await poll(
      async () => (await outputPanel(page)).lines.find((line) => /quick-synthetic\S*: (ended \(|trainer exited)/.test(line)),
      'the run to end',
      90_000,
      describeOutput,
    );
    assert.match(ended, /completed|code 0/, `the run ended cleanly: ${ended}`);
  } finally {
    await session?.close();
    rmSync(workspace, { recursive: true, force: true });
  }
});

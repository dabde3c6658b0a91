/**
 * The dashboard in a real VS Code (code-server, see test/vscode/editorSession.ts): opens a finished fixture run's
 * dashboard from the command palette, reloads the window (the panel serializer must restore it), exports the CSV
 * through the save dialog, opens a Compare panel from the dashboard's button, and shows the first panel again (its
 * webview was destroyed while hidden). Screenshots go to test-results/.
 *
 *   node scripts/build.mjs && node --import tsx test/unit/webview/vscodePreview.ts [colour theme]
 *
 * Not a unit test (needs code-server and Chromium, ~1 min); a seed for the end-to-end suite. The web workbench saves
 * webview state lazily: reloading within a couple of seconds of opening a panel can restore it without its state
 * (the panel then explains how to reopen it), so this waits before reloading.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import type { RunData } from '../../../src/extension/dashboard/dashboardData';
import { poll, runCommand, waitForWorkbench } from '../../e2e/workbench';
import { openEditor, REPO_ROOT } from '../../vscode/editorSession';
import { fixtureRun } from './fixtures';

/** A run folder as the trainer leaves it: config.json and events.jsonl. */
function writeRunFolder(workspace: string, run: RunData): void {
  const folder = join(workspace, 'runs', run.id);
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'config.json'),
    JSON.stringify({ runId: run.id, runName: run.name, sourceFile: join(workspace, 'x.ltrun.json'), config: {} }),
  );
  const messages = [
    run.started,
    ...run.epochs.flatMap((epoch) => [epoch, run.evaluations.find((evaluation) => evaluation.epoch === epoch.epoch)]),
    run.ended,
  ];
  writeFileSync(
    join(folder, 'events.jsonl'),
    `${messages
      .filter((message) => message !== undefined)
      .map((message) => JSON.stringify(message))
      .join('\n')}\n`,
  );
}

const dashboardFrame = (page: Page): FrameLocator => page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');

async function main(): Promise<void> {
  const workspace = mkdtempSync(join(tmpdir(), 'nc-dashboard-workspace-'));
  writeFileSync(join(workspace, 'x.ltrun.json'), '{}');
  writeRunFolder(workspace, fixtureRun({ classCount: 10, epochs: 30, name: 'cifar10-lt-ce', id: 'run-a' }));
  writeRunFolder(workspace, fixtureRun({ classCount: 10, epochs: 30, name: 'ldam-drw', id: 'run-b', collapseSpeed: 0.5 }));
  const out = join(REPO_ROOT, 'test-results');
  mkdirSync(out, { recursive: true });

  const session = await openEditor({
    workspace,
    settings: { 'workbench.colorTheme': process.argv[2] ?? 'Default Dark Modern' },
    viewport: { width: 1600, height: 1000 },
  });
  const { page } = session;
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  const loaded = async () => (await dashboardFrame(page).locator('#dashboard[data-loaded="true"]').count()) > 0;
  const activeTab = () => page.locator('.tab.active').getAttribute('aria-label');
  try {
    await waitForWorkbench(page);
    await runCommand(page, 'NC Monitor: Open Dashboard', loaded, 90_000);
    await page.waitForTimeout(6000);
    await page.screenshot({ path: join(out, 'vscode-dashboard.png') });
    console.log(
      'opened:',
      await activeTab(),
      '·',
      await dashboardFrame(page).locator('[data-chart="nc1"] [role="img"]').getAttribute('aria-label'),
    );

    await page.reload();
    await waitForWorkbench(page);
    await poll(async () => ((await loaded()) ? true : undefined), 'the restored dashboard', 60_000);
    console.log(
      'restored after reload:',
      await activeTab(),
      '· bars',
      await dashboardFrame(page).locator('[data-chart="class-recall"]').getAttribute('data-bar-count'),
    );

    await dashboardFrame(page).locator('[data-action="export-csv"]').click();
    await page.locator('.quick-input-widget').waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.press('Enter');
    await poll(
      () => Promise.resolve(readdirSync(join(workspace, 'runs', 'run-a')).some((file) => file.endsWith('.csv')) ? true : undefined),
      'the CSV file',
      15_000,
    );
    console.log(
      'CSV written:',
      readdirSync(join(workspace, 'runs', 'run-a')).filter((file) => file.endsWith('.csv')),
    );

    await dashboardFrame(page).locator('[data-action="compare"]').click();
    const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.click();
    await page.keyboard.press('Enter');
    await poll(async () => ((await activeTab())?.startsWith('NC: Compare') ? true : undefined), 'the Compare panel', 30_000);
    await poll(async () => ((await loaded()) ? true : undefined), 'the Compare data', 30_000);
    await page.screenshot({ path: join(out, 'vscode-compare.png') });
    console.log('compare:', await activeTab());

    await page.locator('.tab', { hasText: 'NC: cifar10-lt-ce' }).first().click();
    await poll(
      async () => ((await dashboardFrame(page).locator('[data-chart="class-recall"][data-bar-count="10"]').count()) > 0 ? true : undefined),
      'the run dashboard shown again',
      30_000,
    );
    console.log('shown again:', await activeTab());
  } catch (error) {
    await page.screenshot({ path: join(out, 'vscode-dashboard-failed.png') });
    throw error;
  } finally {
    console.log(`console errors: ${errors.length === 0 ? 'none' : errors.slice(0, 10).join('\n')}`);
    await session.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

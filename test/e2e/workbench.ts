/**
 * What a user does in the VS Code workbench, as Playwright steps: open the command palette, run a command by its
 * title, pick from a quick pick, read the Output panel. Selectors are the workbench's own stable class names.
 */
import type { Page } from 'playwright-core';

const QUICK_INPUT = '.quick-input-widget';
const QUICK_INPUT_BOX = `${QUICK_INPUT} .quick-input-box input`;
const QUICK_INPUT_ROWS = `${QUICK_INPUT} .quick-input-list .monaco-list-row`;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until the workbench has rendered and its status bar is up (the window is usable). */
export async function waitForWorkbench(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Polls `probe` until it returns a value; the error names `what` and the last thing seen. */
export async function poll<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs: number,
  describe?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${describe ? `; ${await describe()}` : ''}`);
    await sleep(250);
  }
}

/** The labels of the rows the quick input shows now. */
export async function quickInputLabels(page: Page): Promise<string[]> {
  return page.locator(QUICK_INPUT_ROWS).evaluateAll((rows) => rows.map((row) => row.getAttribute('aria-label') ?? row.textContent ?? ''));
}

/**
 * F1, type the command's title, Enter on the row that carries it. Retried until `accepted` holds (e.g. the quick
 * pick the command opens is showing): right after the window opens, the palette may not list the extension's
 * commands yet, or the extension is still activating.
 */
export async function runCommand(page: Page, title: string, accepted: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  let lastSeen = '';
  await poll(
    async () => {
      try {
        return await tryCommand(page, title, accepted, (seen) => (lastSeen = seen));
      } catch (error) {
        // The workbench was still settling (the palette closed under us, focus moved): try again.
        lastSeen = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
        return undefined;
      }
    },
    `the command "${title}" to run`,
    timeoutMs,
    () => Promise.resolve(`the palette last showed: ${lastSeen || '(nothing)'}`),
  );
}

async function tryCommand(
  page: Page,
  title: string,
  accepted: () => Promise<boolean>,
  seen: (labels: string) => void,
): Promise<true | undefined> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const box = page.locator(QUICK_INPUT_BOX);
  await box.waitFor({ state: 'visible', timeout: 5000 });
  await box.fill(`>${title}`, { timeout: 2000 });
  // The list filters as one types: Enter only once the command is the first row.
  const found = await poll(
    async () => {
      const labels = await quickInputLabels(page);
      seen(labels.slice(0, 5).join(' | '));
      return labels[0]?.includes(title) === true ? true : undefined;
    },
    `"${title}" in the command palette`,
    3000,
  ).catch(() => false);
  if (!found) return undefined;
  await page.keyboard.press('Enter');
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline) {
    if (await accepted()) return true;
    await sleep(250);
  }
  return undefined;
}

/** Whether the quick input shows now, with this placeholder or title. */
export async function quickInputShows(page: Page, text: string): Promise<boolean> {
  const widget = page.locator(QUICK_INPUT);
  if (!(await widget.isVisible())) return false;
  const placeholder = (await page.locator(QUICK_INPUT_BOX).getAttribute('placeholder')) ?? '';
  const title = (await widget.locator('.quick-input-title').textContent()) ?? '';
  return placeholder.includes(text) || title.includes(text);
}

/** Types into the open quick pick and accepts the row whose label contains `label`. */
export async function pickQuickItem(page: Page, label: string): Promise<void> {
  await page.locator(QUICK_INPUT_BOX).fill(label);
  await poll(
    async () => ((await quickInputLabels(page))[0]?.includes(label) ? true : undefined),
    `"${label}" in the quick pick`,
    10_000,
    async () => `it shows: ${(await quickInputLabels(page)).join(' | ')}`,
  );
  await page.keyboard.press('Enter');
}

/** A log channel line starts with its timestamp; wrapped continuation lines do not. */
const LOG_LINE_START = /(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[)/;

/**
 * What the Output panel shows now: the selected channel and its visible log lines. The panel wraps long lines
 * over several rows; rows are joined and split again where a log line starts.
 */
export async function outputPanel(page: Page): Promise<{ channel: string; lines: string[] }> {
  const panel = page.locator('.part.panel');
  if (!(await panel.isVisible())) return { channel: '', lines: [] };
  const rows = await panel.locator('.output-view .view-lines .view-line').allTextContents();
  const lines = rows
    .join('')
    .replace(/\u00a0/g, ' ')
    .split(LOG_LINE_START)
    .filter((line) => line.trim() !== '');
  // The channel picker is a <select> in the panel's title bar.
  const channel = await panel
    .locator('select.monaco-select-box')
    .first()
    .evaluate((select) => (select instanceof HTMLSelectElement ? (select.selectedOptions[0]?.textContent ?? '') : ''))
    .catch(() => '');
  return { channel, lines };
}

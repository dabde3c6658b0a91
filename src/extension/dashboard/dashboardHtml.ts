/**
 * The dashboard page: one bundled script with a nonce, one stylesheet, and a CSP without 'unsafe-inline' or
 * 'unsafe-eval' and without connect-src (the data come by postMessage from the host; a webview that opens sockets
 * breaks over Remote-SSH). Chart.js sizes canvases through element.style (CSSOM), which style-src does not govern.
 */
import { randomBytes } from 'node:crypto';
import type { PersistedState } from '../../protocol/dashboard';

export interface DashboardPageResources {
  /** `webview.cspSource`. */
  cspSource: string;
  /** `webview.asWebviewUri(...)` of dist/webview.js and media/dashboard.css, as strings. */
  scriptUri: string;
  styleUri: string;
  title: string;
  /** Which runs and choices the page starts with, before the webview saves its own state. */
  initialState: PersistedState;
  nonce?: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function dashboardHtml(resources: DashboardPageResources): string {
  const nonce = resources.nonce ?? newNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(resources.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(resources.styleUri)}">
<title>${escapeHtml(resources.title)}</title>
</head>
<body>
<div id="dashboard" class="dashboard" data-initial="${escapeHtml(JSON.stringify(resources.initialState))}"></div>
<script nonce="${nonce}" src="${escapeHtml(resources.scriptUri)}"></script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A panel VS Code restored without the state that names its runs (closed before its first save): no script at all. */
export function unrestorableHtml(cspSource: string, styleUri: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${escapeHtml(cspSource)}">
<link rel="stylesheet" href="${escapeHtml(styleUri)}">
<title>Neural Collapse Monitor</title>
</head>
<body>
<div class="dashboard"><p class="notice">This dashboard could not be restored after the window reloaded: it did not record which run it showed. Close it and open the run again with “NC Monitor: Open Dashboard” or from the Runs view.</p></div>
</body>
</html>`;
}

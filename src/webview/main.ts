/**
 * The dashboard webview's entry point (bundled to dist/webview.js). Listens first, then says `webview/ready`; every
 * host message is validated, reduced into the state, and the page is redrawn at most once per animation frame.
 */
import './zodConfig';
import { DASHBOARD_PROTOCOL_VERSION, parseHostMessage, parsePersistedState } from '../protocol/dashboard';
import { initialState, persistedState, reduce } from './state';
import type { DashboardAction } from './state';
import { dashboardView, DetailCache } from './model/dashboardView';
import { setUpCharts } from './dom/chartSetup';
import { DashboardRenderer } from './dom/renderer';
import { readTheme } from './dom/theme';
import { vsCodeApi } from './vscodeApi';

const api = vsCodeApi();
const root = document.getElementById('dashboard') ?? document.body;
// The page names its runs (so that a reload right away still restores the panel); the saved state keeps UI choices.
const saved = parsePersistedState(api.getState());
const page = parsePersistedState(parseJson(root.dataset.initial));
let state = initialState(saved.ok ? saved.message : page.ok ? page.message : undefined);
let theme = readTheme();
setUpCharts(theme);
const detailCache = new DetailCache();
const renderer = new DashboardRenderer(root, { post: (message) => api.postMessage(message), dispatch });
let frame = 0;
let savedText = '';
persist();

function parseJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function persist(): void {
  const persisted = persistedState(state);
  const text = JSON.stringify(persisted ?? null);
  if (persisted === undefined || text === savedText) return;
  savedText = text;
  api.setState(persisted);
}

function dispatch(action: DashboardAction): void {
  const next = reduce(state, action);
  if (next === state) return;
  state = next;
  persist();
  scheduleRender();
}

function scheduleRender(): void {
  if (frame === 0) frame = requestAnimationFrame(render);
}

function render(): void {
  frame = 0;
  const started = performance.now();
  const view = dashboardView(state, detailCache);
  renderer.render(view, theme);
  root.dataset.renderMs = (performance.now() - started).toFixed(1);
  // For end-to-end tests: what was drawn, without reading canvases (and how long the last message and frame took).
  root.dataset.loaded = String(view.loaded);
  root.dataset.mode = view.mode;
  root.dataset.runs = String(state.runs.length);
  root.dataset.lastEpoch = String(state.runs[0]?.epochs.at(-1)?.epoch ?? 0);
  root.dataset.lastEvaluation = String(state.runs[0]?.evaluations.at(-1)?.epoch ?? '');
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const started = performance.now();
  const parsed = parseHostMessage(event.data);
  dispatch(parsed.ok ? parsed.message : { type: 'ui/invalidMessage', error: parsed.error });
  root.dataset.messageMs = (performance.now() - started).toFixed(1);
});

// VS Code switches themes by changing the body class and the variables on <html>.
const onThemeChange = () => {
  theme = readTheme();
  setUpCharts(theme);
  scheduleRender();
};
new MutationObserver(onThemeChange).observe(document.body, { attributes: true, attributeFilter: ['class'] });
new MutationObserver(onThemeChange).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

scheduleRender();
api.postMessage({ type: 'webview/ready', protocolVersion: DASHBOARD_PROTOCOL_VERSION });

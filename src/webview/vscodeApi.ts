/** The webview side of VS Code's API, typed for this dashboard (no @types package is installed for it). */
import type { PersistedState, WebviewMessage } from '../protocol/dashboard';

export interface DashboardVsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: PersistedState): void;
}

declare function acquireVsCodeApi(): DashboardVsCodeApi;

/** Callable once per page load: VS Code throws on a second call. */
export function vsCodeApi(): DashboardVsCodeApi {
  return acquireVsCodeApi();
}

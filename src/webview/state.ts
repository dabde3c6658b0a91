/**
 * The dashboard's state and its pure reducer. Everything the webview draws is a function of this state; the host's
 * messages and the user's choices are the only ways it changes.
 */
import { assertNever } from '../protocol/messages';
import { DEFAULT_UI_CHOICES } from '../protocol/dashboard';
import type {
  DashboardMode,
  DeltaMessage,
  EpochPoint,
  EvaluationPoint,
  HostMessage,
  LatestEvaluation,
  PersistedState,
  RunSnapshot,
  UiChoices,
} from '../protocol/dashboard';

export interface RunState extends RunSnapshot {
  /** The `seq` of the newest host message applied to this run. */
  seq: number;
}

export interface DashboardState {
  /** False until the first snapshot. */
  loaded: boolean;
  mode: DashboardMode;
  /** The runs this panel shows: from the saved state or the page until the first snapshot, then the snapshot's. */
  runIds: string[];
  runs: RunState[];
  missingRunIds: string[];
  ui: UiChoices;
  /** The last host message that failed validation, shown to the user. */
  error: string | null;
}

export type UiAction =
  | { type: 'ui/setSplit'; split: UiChoices['split'] }
  | { type: 'ui/setClassLayout'; classLayout: UiChoices['classLayout'] }
  | { type: 'ui/invalidMessage'; error: string };

export type DashboardAction = HostMessage | UiAction;

export function initialState(persisted?: Partial<PersistedState>): DashboardState {
  return {
    loaded: false,
    mode: persisted?.mode ?? 'run',
    runIds: persisted?.runIds ?? [],
    runs: [],
    missingRunIds: [],
    ui: { ...DEFAULT_UI_CHOICES, ...persisted?.ui },
    error: null,
  };
}

export function reduce(state: DashboardState, action: DashboardAction): DashboardState {
  switch (action.type) {
    case 'dashboard/snapshot':
      return {
        ...state,
        loaded: true,
        mode: action.mode,
        runIds: [...action.runs.map((run) => run.runId), ...action.missingRunIds],
        runs: action.runs.map((run) => ({
          ...run,
          epochs: mergeByEpoch([], run.epochs, true),
          evaluations: mergeByEpoch([], run.evaluations, true),
          seq: action.seq,
        })),
        missingRunIds: action.missingRunIds,
        error: null,
      };
    case 'dashboard/delta': {
      const index = state.runs.findIndex((run) => run.runId === action.runId);
      const run = state.runs[index];
      if (run === undefined) return state;
      const runs = [...state.runs];
      runs[index] = applyDelta(run, action);
      return { ...state, runs };
    }
    case 'ui/setSplit':
      return action.split === state.ui.split ? state : { ...state, ui: { ...state.ui, split: action.split } };
    case 'ui/setClassLayout':
      return action.classLayout === state.ui.classLayout ? state : { ...state, ui: { ...state.ui, classLayout: action.classLayout } };
    case 'ui/invalidMessage':
      return { ...state, error: action.error };
    default:
      return assertNever(action);
  }
}

function applyDelta(run: RunState, delta: DeltaMessage): RunState {
  // A stale delta (posted before the snapshot we hold) may only fill gaps: its status and values are older.
  const fresh = delta.seq > run.seq;
  const merged: RunState = {
    ...run,
    epochs: mergeByEpoch(run.epochs, delta.epochs, fresh),
    evaluations: mergeByEpoch(run.evaluations, delta.evaluations, fresh),
    latest: newerLatest(run.latest, delta.latest, fresh),
  };
  if (!fresh) return merged;
  return {
    ...merged,
    seq: delta.seq,
    name: delta.name,
    status: delta.status,
    info: delta.info ?? run.info,
    ended: delta.ended,
    errorTail: delta.errorTail,
  };
}

function newerLatest(held: LatestEvaluation | null, incoming: LatestEvaluation | undefined, fresh: boolean): LatestEvaluation | null {
  if (incoming === undefined) return held;
  if (held === null || fresh || incoming.epoch > held.epoch) return incoming;
  return held;
}

/**
 * Points ordered by epoch, one per epoch. `replace`: an incoming point replaces a held one with the same epoch (a
 * resumed run re-reports epochs after its checkpoint; the newer report wins). The common case, points appended
 * in order, costs one comparison per point.
 */
export function mergeByEpoch<T extends EpochPoint | EvaluationPoint>(held: readonly T[], incoming: readonly T[], replace: boolean): T[] {
  if (incoming.length === 0) return held as T[];
  const merged = [...held];
  for (const point of incoming) {
    const last = merged.at(-1);
    if (last === undefined || last.epoch < point.epoch) {
      merged.push(point);
      continue;
    }
    const at = lowerBound(merged, point.epoch);
    if (merged[at]?.epoch === point.epoch) {
      if (replace) merged[at] = point;
    } else {
      merged.splice(at, 0, point);
    }
  }
  return merged;
}

function lowerBound(points: readonly { epoch: number }[], epoch: number): number {
  let low = 0;
  let high = points.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((points[middle]?.epoch ?? Infinity) < epoch) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The part of the state `setState` keeps: UI choices and which runs, never metric history. */
export function persistedState(state: DashboardState): PersistedState | undefined {
  if (state.runIds.length === 0) return undefined;
  return { mode: state.mode, runIds: state.runIds, ui: state.ui };
}

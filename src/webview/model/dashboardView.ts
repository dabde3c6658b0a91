/** Builds the whole view model from the state: the DOM layer draws exactly this. */
import type { EvaluationReport, Split } from '../../protocol/metrics';
import type { RunStatusName } from '../../protocol/dashboard';
import type { DashboardState, RunState } from '../state';
import { classBarsView } from './classBars';
import type { ClassBarsView } from './classBars';
import { collapseBanner } from './collapseBanner';
import type { CollapseBannerView } from './collapseBanner';
import { cosineHeatmaps } from './cosineHeatmap';
import type { HeatmapView } from './cosineHeatmap';
import { compareLineCharts, RUN_COLORS, RUN_MARKERS, runLineCharts } from './lineCharts';
import { labelScoresView, multiLabelCard, multiLabelLineCharts } from './multiLabel';
import type { LabelScoresView } from './multiLabel';
import { normsView } from './normScatter';
import type { NormsView } from './normScatter';
import { summaryCards } from './summaryCards';
import type { SummaryCard } from './summaryCards';
import type { ColorToken, LineChartView, Marker } from './types';

export interface HeaderView {
  title: string;
  status: RunStatusName | null;
  statusText: string;
  meta: string[];
}

export interface CompareEntry {
  runId: string;
  name: string;
  status: RunStatusName;
  color: ColorToken;
  marker: Marker;
  detail: string;
}

/** The latest evaluation's per-class views, rebuilt only when the evaluation, split or layout changes. */
export interface DetailView {
  report: EvaluationReport;
  classBars: ClassBarsView;
  heatmaps: HeatmapView[];
  norms: NormsView;
  banner: CollapseBannerView | null;
  diagnostics: string[];
  /** Multi-label runs only: per-label recall and precision, head → tail. */
  labelScores: LabelScoresView | null;
}

export interface DashboardView {
  loaded: boolean;
  mode: DashboardState['mode'];
  header: HeaderView;
  notices: string[];
  error: string | null;
  /** The split the per-class views and Compare overlays show (the chosen one when the data has it). */
  split: Split;
  splitsAvailable: Split[];
  cards: SummaryCard[];
  lineCharts: LineChartView[];
  detail: DetailView | null;
  compare: CompareEntry[];
}

const STATUS_TEXT: Record<RunStatusName, string> = {
  starting: 'starting',
  running: 'running',
  stopping: 'stopping',
  completed: 'completed',
  stopped: 'stopped',
  failed: 'failed',
};

export function dashboardView(state: DashboardState, cache: DetailCache = new DetailCache()): DashboardView {
  const notices: string[] = [];
  if (state.missingRunIds.length > 0) {
    notices.push(
      `Waiting for ${state.missingRunIds.length === 1 ? 'run' : 'runs'} ${state.missingRunIds.join(', ')}: not loaded (yet), or deleted.`,
    );
  }
  const splitsAvailable = availableSplits(state.runs);
  const split = splitsAvailable.includes(state.ui.split) ? state.ui.split : (splitsAvailable[0] ?? state.ui.split);
  const base = { loaded: state.loaded, mode: state.mode, notices, error: state.error, split, splitsAvailable };

  if (state.mode === 'compare') {
    return {
      ...base,
      header: {
        title: `Compare ${state.runs.length} runs`,
        status: null,
        statusText: '',
        meta: [`${split} split`, 'one colour and marker per run'],
      },
      cards: [],
      lineCharts: compareLineCharts(state.runs, split),
      detail: null,
      compare: state.runs.map((run, index) => ({
        runId: run.runId,
        name: run.name,
        status: run.status,
        color: RUN_COLORS[index % RUN_COLORS.length] ?? 'blue',
        marker: RUN_MARKERS[index % RUN_MARKERS.length] ?? 'circle',
        detail: runMeta(run).join(' · '),
      })),
    };
  }

  const run = state.runs[0];
  if (run === undefined) {
    return {
      ...base,
      header: { title: 'Neural Collapse Monitor', status: null, statusText: '', meta: [] },
      cards: [],
      lineCharts: [],
      detail: null,
      compare: [],
    };
  }
  if (run.status === 'failed') {
    notices.push(
      `The run failed${run.ended?.error ? `: ${run.ended.error}` : '.'}${run.errorTail.length > 0 ? ` Last trainer output: ${run.errorTail.slice(-3).join(' ⏎ ')}` : ''}`,
    );
  }
  const detail = cache.detail(run, split, state.ui.classLayout);
  const epoch = run.epochs.at(-1)?.epoch ?? run.info?.startEpoch ?? 0;
  const labelCard = detail === null ? null : multiLabelCard(detail.report);
  return {
    ...base,
    header: {
      title: run.name,
      status: run.status,
      statusText: `${STATUS_TEXT[run.status]}${run.info ? ` · epoch ${epoch} of ${run.info.totalEpochs}` : ''}`,
      meta: runMeta(run),
    },
    cards: [...summaryCards(run, detail?.report ?? null, run.latest?.collapse ?? null), ...(labelCard === null ? [] : [labelCard])],
    lineCharts: [...runLineCharts(run, split), ...multiLabelLineCharts(run, split)],
    detail,
    compare: [],
  };
}

function runMeta(run: RunState): string[] {
  const info = run.info;
  if (info === null)
    return [run.attached === true ? 'waiting for your script to connect (Attach External Run)' : 'waiting for the trainer to start'];
  const counts = info.trainCounts;
  const imbalance = counts.length > 0 ? Math.max(...counts) / Math.max(1, Math.min(...counts)) : 1;
  return [
    info.datasetSource,
    `${counts.length} classes, imbalance ${Math.round(imbalance)}:1`,
    ...(info.model === null ? [] : [info.model]),
    ...(info.method === null ? [] : [info.method]),
    `backend ${info.backend}`,
  ];
}

function availableSplits(runs: readonly RunState[]): Split[] {
  const found = new Set<Split>();
  for (const run of runs) {
    const newest = run.evaluations.at(-1);
    if (newest?.test) found.add('test');
    if (newest?.train) found.add('train');
  }
  return (['test', 'train'] as const).filter((split) => found.has(split));
}

/**
 * Remembers the last detail view: with 1000 classes the per-class views cost a few milliseconds, and most frames
 * (a new epoch without evaluation, a status change) leave them unchanged.
 */
export class DetailCache {
  private key: { latest: object; split: Split; layout: string; names: object } | undefined;
  private value: DetailView | null = null;

  detail(run: RunState, split: Split, layout: DashboardState['ui']['classLayout']): DetailView | null {
    const latest = run.latest;
    if (latest === null) return null;
    const names = run.info?.classNames ?? [];
    const key = this.key;
    if (key !== undefined && key.latest === latest && key.split === split && key.layout === layout && key.names === names)
      return this.value;
    const report = latest.reports.find((candidate) => candidate.split === split) ?? latest.reports[0];
    if (report === undefined) return null;
    const flagged = latest.collapse.active ? latest.collapse.classes : [];
    this.value = {
      report,
      classBars: classBarsView(report, latest.collapse, names, layout),
      heatmaps: cosineHeatmaps(report, names),
      norms: normsView(report, flagged, names),
      banner: collapseBanner(latest.collapse, names),
      diagnostics: report.diagnostics,
      labelScores: labelScoresView(report, names),
    };
    this.key = { latest, split, layout, names };
    return this.value;
  }
}

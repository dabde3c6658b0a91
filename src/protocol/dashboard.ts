/**
 * Messages between the extension host and the dashboard webview (`postMessage`, never a socket).
 *
 * Flow: the webview posts `webview/ready` once its script listens (a message posted earlier is lost); the host answers
 * with `dashboard/snapshot` (everything so far) and then `dashboard/delta` messages (only what is new), coalesced to
 * `ncMonitor.dashboard.refreshIntervalMs` and only while the panel is visible. A panel that becomes visible again gets
 * a fresh snapshot. Host messages carry a per-panel `seq` that grows by one per message: a delta at or below the
 * `seq` the webview already holds for a run is stale (its epochs are only added when missing).
 *
 * The history travels as scalars (`EvaluationPoint`): the full reports (per-class arrays, cosine matrices) of the
 * latest evaluation only, so that 1000 classes × 500 evaluations stays a few hundred kilobytes.
 */
import * as z from 'zod';
import { collapseFlagSchema, evaluationReportSchema, nc2Schema, shotGroupAccuracySchema } from './metrics';
import { RUN_END_REASONS } from './messages';
import type { EvaluationReport } from './metrics';

export const DASHBOARD_VIEW_TYPE = 'ncMonitor.dashboard';
export const DASHBOARD_PROTOCOL_VERSION = 1;
/** Runs one Compare panel overlays at most: more lines than this are unreadable on one chart. */
export const MAX_COMPARED_RUNS = 8;
/** Largest PNG the host accepts from the webview (a data URL of a chart canvas at device pixel ratio 3 is < 4 MB). */
export const MAX_PNG_DATA_URL_CHARS = 24 * 1024 * 1024;

export const RUN_STATUSES = ['starting', 'running', 'stopping', 'completed', 'stopped', 'failed'] as const;
export const DASHBOARD_MODES = ['run', 'compare'] as const;

const value = z.number();
const maybe = value.nullable();
const epoch = z.number().int().nonnegative();
const seq = z.number().int().nonnegative();
const runId = z.string().min(1).max(200);

/** The scalars of one split's `EvaluationReport`: what the time-series charts draw. */
export const splitScalarsSchema = z.object({
  nc1: maybe,
  nc2: nc2Schema,
  nc3: maybe,
  nc4: maybe,
  accuracy: maybe,
  shotGroupAccuracy: shotGroupAccuracySchema,
  tailClassifierCosine: maybe,
  headClassifierCosine: maybe,
  tailClassMeanCosine: maybe,
  headClassMeanCosine: maybe,
  classifierNormSlope: maybe,
  classMeanNormSlope: maybe,
  tailToHeadClassifierNormRatio: maybe,
  etfCosine: value,
  /** Multi-label runs only (see src/protocol/multiLabel.ts). */
  multiLabel: z
    .object({
      macroRecall: maybe,
      macroPrecision: maybe,
      exactMatch: maybe,
      /** κ_m stand-in of the true labels Y (constant over a run) and of the predicted labels Ŷ. */
      kappaM: maybe,
      predictedKappaM: maybe,
      /** The prototype check's sample-weighted mean relative distances, and the share where weighted is closer. */
      meanWeightedError: maybe,
      meanUniformError: maybe,
      weightedCloserFraction: maybe,
    })
    .optional(),
});

export const collapseScalarsSchema = z.object({
  active: z.boolean(),
  flaggedCount: z.number().int().nonnegative(),
  onsetEpoch: epoch.nullable(),
  tailClassifierCosine: maybe,
  excess: maybe,
  cosineThreshold: value,
});

export const evaluationPointSchema = z.object({
  epoch,
  train: splitScalarsSchema.nullable(),
  test: splitScalarsSchema.nullable(),
  collapse: collapseScalarsSchema,
});

export const epochPointSchema = z.object({
  epoch: z.number().int().positive(),
  loss: value,
  trainAccuracy: value,
  learningRate: value,
});

export const runInfoSchema = z.object({
  classNames: z.array(z.string()),
  trainCounts: z.array(z.number().int().nonnegative()),
  totalEpochs: z.number().int().positive(),
  startEpoch: epoch,
  datasetSource: z.string(),
  /** `config.method.name`, `config.model.architecture` when the config carries them. */
  method: z.string().nullable(),
  model: z.string().nullable(),
  backend: z.string(),
  startedAt: z.string(),
});

/** The full reports of the newest evaluation: per-class recall, cosine matrices, the collapse flag. */
export const latestEvaluationSchema = z.object({
  epoch,
  reports: z.array(evaluationReportSchema),
  collapse: collapseFlagSchema,
});

export const runEndSchema = z.object({
  reason: z.enum(RUN_END_REASONS),
  epoch,
  error: z.string().optional(),
});

export const runSnapshotSchema = z.object({
  runId,
  name: z.string(),
  status: z.enum(RUN_STATUSES),
  /** Fed by the user's own script (Attach External Run) rather than a trainer the extension started. */
  attached: z.boolean().optional(),
  /** Null until the trainer's `run/didStart` arrived. */
  info: runInfoSchema.nullable(),
  epochs: z.array(epochPointSchema),
  evaluations: z.array(evaluationPointSchema),
  /** Null before the first evaluation, and in Compare panels (they draw histories only). */
  latest: latestEvaluationSchema.nullable(),
  ended: runEndSchema.nullable(),
  /** The trainer's last stderr lines when it failed. */
  errorTail: z.array(z.string()),
});

export const snapshotMessageSchema = z.object({
  type: z.literal('dashboard/snapshot'),
  protocolVersion: z.number().int(),
  seq,
  mode: z.enum(DASHBOARD_MODES),
  runs: z.array(runSnapshotSchema),
  /** Runs the panel was opened for that the host does not know (yet: after a window reload they load from disk). */
  missingRunIds: z.array(runId),
});

export const deltaMessageSchema = z.object({
  type: z.literal('dashboard/delta'),
  seq,
  runId,
  name: z.string(),
  status: z.enum(RUN_STATUSES),
  info: runInfoSchema.nullable(),
  /** New epochs and evaluations since the previous message (a resumed run re-reports epochs: the newer wins). */
  epochs: z.array(epochPointSchema),
  evaluations: z.array(evaluationPointSchema),
  /** Present when a newer evaluation arrived. */
  latest: latestEvaluationSchema.optional(),
  ended: runEndSchema.nullable(),
  errorTail: z.array(z.string()),
});

export const hostMessageSchema = z.discriminatedUnion('type', [snapshotMessageSchema, deltaMessageSchema]);

export const CHART_IDS = [
  'nc1',
  'nc2-equinorm',
  'nc2-equiangularity',
  'nc3',
  'nc4',
  'loss-accuracy',
  'shot-accuracy',
  'minority-collapse',
  'class-recall',
  'cosine-classifier',
  'cosine-class-means',
  'norms',
  'label-scores',
  'kappa-m',
  'prototype-check',
] as const;
export type ChartId = (typeof CHART_IDS)[number];

export const readyMessageSchema = z.object({ type: z.literal('webview/ready'), protocolVersion: z.number().int() });
export const exportPngMessageSchema = z.object({
  type: z.literal('webview/exportPng'),
  chart: z.enum(CHART_IDS),
  dataUrl: z
    .string()
    .max(MAX_PNG_DATA_URL_CHARS)
    .regex(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/, 'expected a base64 PNG data URL'),
});
export const exportCsvMessageSchema = z.object({ type: z.literal('webview/exportCsv') });
/** Ask the host to pick runs to overlay with this panel's runs. */
export const compareMessageSchema = z.object({ type: z.literal('webview/compare') });
/** Open one run's own dashboard (from a Compare panel's legend). */
export const openRunMessageSchema = z.object({ type: z.literal('webview/openRun'), runId });

export const webviewMessageSchema = z.discriminatedUnion('type', [
  readyMessageSchema,
  exportPngMessageSchema,
  exportCsvMessageSchema,
  compareMessageSchema,
  openRunMessageSchema,
]);

export const SPLIT_CHOICES = ['test', 'train'] as const;
export const CLASS_LAYOUTS = ['binned', 'scroll'] as const;

/** Choices a user makes in the webview; kept across reloads by `setState` (never metric history). */
export const uiChoicesSchema = z.object({
  /** Which split the per-class views and the Compare overlays show. */
  split: z.enum(SPLIT_CHOICES),
  /** Many classes: mean recall per bin, or every class in a horizontally scrolling chart. */
  classLayout: z.enum(CLASS_LAYOUTS),
});

/** What the webview keeps with `setState` and the panel serializer reads back after a window reload. */
export const persistedStateSchema = z.object({
  mode: z.enum(DASHBOARD_MODES),
  runIds: z.array(runId).min(1).max(MAX_COMPARED_RUNS),
  ui: uiChoicesSchema,
});

export type RunStatusName = (typeof RUN_STATUSES)[number];
export type DashboardMode = (typeof DASHBOARD_MODES)[number];
export type SplitScalars = z.infer<typeof splitScalarsSchema>;
export type CollapseScalars = z.infer<typeof collapseScalarsSchema>;
export type EvaluationPoint = z.infer<typeof evaluationPointSchema>;
export type EpochPoint = z.infer<typeof epochPointSchema>;
export type RunInfo = z.infer<typeof runInfoSchema>;
export type LatestEvaluation = z.infer<typeof latestEvaluationSchema>;
export type RunEnd = z.infer<typeof runEndSchema>;
export type RunSnapshot = z.infer<typeof runSnapshotSchema>;
export type SnapshotMessage = z.infer<typeof snapshotMessageSchema>;
export type DeltaMessage = z.infer<typeof deltaMessageSchema>;
export type HostMessage = z.infer<typeof hostMessageSchema>;
export type WebviewMessage = z.infer<typeof webviewMessageSchema>;
export type UiChoices = z.infer<typeof uiChoicesSchema>;
export type PersistedState = z.infer<typeof persistedStateSchema>;

export const DEFAULT_UI_CHOICES: UiChoices = { split: 'test', classLayout: 'binned' };

/** The per-class norms the norms chart plots against log n_c. */
export type PerClassNorms = Pick<EvaluationReport, 'classifierNorms' | 'classMeanNorms'>;
/** An evaluation report as the dashboard holds it: optionally with per-class norms. */
export type DashboardReport = LatestEvaluation['reports'][number];

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodType<T>, raw: unknown, what: string): Parsed<T> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, message: result.data };
  const first = result.error.issues[0];
  const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
  return { ok: false, error: `invalid ${what}${where}: ${first?.message ?? 'unknown problem'}` };
}

export function parseHostMessage(raw: unknown): Parsed<HostMessage> {
  return parseWith(hostMessageSchema, raw, 'dashboard message');
}

export function parseWebviewMessage(raw: unknown): Parsed<WebviewMessage> {
  return parseWith(webviewMessageSchema, raw, 'webview message');
}

export function parsePersistedState(raw: unknown): Parsed<PersistedState> {
  return parseWith(persistedStateSchema, raw, 'saved dashboard state');
}

/**
 * Turns a Run's data into the dashboard's snapshot and delta messages. Pure (type-only imports), so it runs in Node
 * tests without VS Code.
 */
import type { Run } from '../runs/run';
import type { EpochDidEnd, MetricsDidUpdate, RunDidStart } from '../../protocol/messages';
import type { EvaluationReport } from '../../protocol/metrics';
import type { MultiLabelReport } from '../../protocol/multiLabel';
import { DASHBOARD_PROTOCOL_VERSION } from '../../protocol/dashboard';
import type {
  DashboardMode,
  DeltaMessage,
  EpochPoint,
  EvaluationPoint,
  LatestEvaluation,
  RunInfo,
  RunSnapshot,
  SnapshotMessage,
  SplitScalars,
} from '../../protocol/dashboard';

/** What the dashboard reads of a Run. */
export type RunData = Pick<Run, 'id' | 'name' | 'status' | 'started' | 'epochs' | 'evaluations' | 'ended' | 'errorTail'> &
  Partial<Pick<Run, 'attached'>>;

/** How much of a run a panel has already been sent: indices into `run.epochs` and `run.evaluations`. */
export interface SentCursor {
  epochs: number;
  evaluations: number;
}

export function splitScalars(report: EvaluationReport): SplitScalars {
  const minority = report.minorityCollapse;
  return {
    nc1: report.nc1,
    nc2: report.nc2,
    nc3: report.nc3,
    nc4: report.nc4,
    accuracy: report.accuracy,
    shotGroupAccuracy: report.shotGroupAccuracy,
    tailClassifierCosine: minority.tailClassifierCosine,
    headClassifierCosine: minority.headClassifierCosine,
    tailClassMeanCosine: minority.tailClassMeanCosine,
    headClassMeanCosine: minority.headClassMeanCosine,
    classifierNormSlope: minority.classifierNormSlope,
    classMeanNormSlope: minority.classMeanNormSlope,
    tailToHeadClassifierNormRatio: minority.tailToHeadClassifierNormRatio,
    etfCosine: minority.etfCosine,
    ...(report.multiLabel === undefined ? {} : { multiLabel: multiLabelScalars(report.multiLabel) }),
  };
}

export function multiLabelScalars(part: MultiLabelReport): NonNullable<SplitScalars['multiLabel']> {
  return {
    macroRecall: part.macroRecall,
    macroPrecision: part.macroPrecision,
    exactMatch: part.exactMatch,
    kappaM: part.labelStatistics.kappaM,
    predictedKappaM: part.predictedKappaM,
    meanWeightedError: part.prototypes.meanWeightedError,
    meanUniformError: part.prototypes.meanUniformError,
    weightedCloserFraction: part.prototypes.weightedCloserFraction,
  };
}

export function evaluationPoint(evaluation: MetricsDidUpdate): EvaluationPoint {
  const bySplit = (split: 'train' | 'test') => {
    const report = evaluation.reports.find((candidate) => candidate.split === split);
    return report === undefined ? null : splitScalars(report);
  };
  const flag = evaluation.collapse;
  return {
    epoch: evaluation.epoch,
    train: bySplit('train'),
    test: bySplit('test'),
    collapse: {
      active: flag.active,
      flaggedCount: flag.classes.length,
      onsetEpoch: flag.onsetEpoch,
      tailClassifierCosine: flag.tailClassifierCosine,
      excess: flag.excess,
      cosineThreshold: flag.thresholds.cosine,
    },
  };
}

export function epochPoint(epoch: EpochDidEnd): EpochPoint {
  return { epoch: epoch.epoch, loss: epoch.loss, trainAccuracy: epoch.trainAccuracy, learningRate: epoch.learningRate };
}

export function latestEvaluation(evaluation: MetricsDidUpdate): LatestEvaluation {
  return { epoch: evaluation.epoch, reports: evaluation.reports, collapse: evaluation.collapse };
}

export function runInfo(started: RunDidStart): RunInfo {
  return {
    classNames: started.dataset.classNames,
    trainCounts: started.dataset.trainCounts,
    totalEpochs: started.totalEpochs,
    startEpoch: started.startEpoch,
    datasetSource: started.dataset.source,
    method: stringAt(started.config, 'method', 'name'),
    model: stringAt(started.config, 'model', 'architecture'),
    backend: started.backend.name,
    startedAt: started.startedAt,
  };
}

/** `config[section][field]` when it is a string: the config travels as an untyped record. */
function stringAt(config: Record<string, unknown>, section: string, field: string): string | null {
  const inner = config[section];
  if (typeof inner !== 'object' || inner === null) return null;
  const found = (inner as Record<string, unknown>)[field];
  return typeof found === 'string' ? found : null;
}

function runEnd(run: RunData): RunSnapshot['ended'] {
  if (run.ended === undefined) return null;
  return { reason: run.ended.reason, epoch: run.ended.epoch, ...(run.ended.error === undefined ? {} : { error: run.ended.error }) };
}

export function runSnapshot(run: RunData, withLatest: boolean): RunSnapshot {
  const newest = run.evaluations.at(-1);
  return {
    runId: run.id,
    name: run.name,
    status: run.status,
    ...(run.attached === true ? { attached: true } : {}),
    info: run.started === undefined ? null : runInfo(run.started),
    epochs: run.epochs.map(epochPoint),
    evaluations: run.evaluations.map(evaluationPoint),
    latest: withLatest && newest !== undefined ? latestEvaluation(newest) : null,
    ended: runEnd(run),
    errorTail: run.status === 'failed' ? run.errorTail : [],
  };
}

export function cursorAtEnd(run: RunData): SentCursor {
  return { epochs: run.epochs.length, evaluations: run.evaluations.length };
}

export function snapshotMessage(
  seq: number,
  mode: DashboardMode,
  runs: readonly RunData[],
  missingRunIds: readonly string[],
): SnapshotMessage {
  return {
    type: 'dashboard/snapshot',
    protocolVersion: DASHBOARD_PROTOCOL_VERSION,
    seq,
    mode,
    runs: runs.map((run) => runSnapshot(run, mode === 'run')),
    missingRunIds: [...missingRunIds],
  };
}

/**
 * What is new in `run` since `cursor`, or undefined when nothing is. Status, name, info and end state are always
 * sent whole (they are small), so a delta never depends on an earlier one having arrived.
 */
export function deltaMessage(
  seq: number,
  run: RunData,
  cursor: SentCursor,
  withLatest: boolean,
): { message: DeltaMessage; cursor: SentCursor } {
  const newEvaluations = run.evaluations.slice(cursor.evaluations);
  const newest = newEvaluations.at(-1);
  const message: DeltaMessage = {
    type: 'dashboard/delta',
    seq,
    runId: run.id,
    name: run.name,
    status: run.status,
    info: run.started === undefined ? null : runInfo(run.started),
    epochs: run.epochs.slice(cursor.epochs).map(epochPoint),
    evaluations: newEvaluations.map(evaluationPoint),
    ...(withLatest && newest !== undefined ? { latest: latestEvaluation(newest) } : {}),
    ended: runEnd(run),
    errorTail: run.status === 'failed' ? run.errorTail : [],
  };
  return { message, cursor: cursorAtEnd(run) };
}

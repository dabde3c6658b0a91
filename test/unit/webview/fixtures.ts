/**
 * Synthetic runs for the dashboard's tests, benchmark and browser preview: a long-tailed dataset whose tail classes
 * undergo minority collapse halfway through training. The numbers follow simple closed forms (not a trainer), are
 * deterministic, and every report is valid under `evaluationReportSchema`.
 */
import type { EpochDidEnd, MetricsDidUpdate, RunDidStart } from '../../../src/protocol/messages';
import type { CollapseFlag, CosineMatrices, EvaluationReport, Split } from '../../../src/protocol/metrics';
import { longTailCounts, shotGroupOf } from '../../../src/protocol/longTail';
import type { RunData } from '../../../src/extension/dashboard/dashboardData';

export interface FixtureOptions {
  classCount?: number;
  epochs?: number;
  /** Evaluate every this many epochs. */
  evaluateEvery?: number;
  maxPerClass?: number;
  imbalance?: number;
  /** Largest class count that still gets full cosine matrices (`metrics.maxHeatmapClasses`). */
  maxHeatmapClasses?: number;
  name?: string;
  id?: string;
  /** Scales how fast the tail collapses (1: flagged from about 40 % of training). */
  collapseSpeed?: number;
  status?: RunData['status'];
  /** Give the reports defined per-class norms (else null, as for a diverged classifier). */
  withNorms?: boolean;
}

const round = (value: number, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits;

export function fixtureCounts(options: FixtureOptions = {}): number[] {
  return longTailCounts('exponential', options.maxPerClass ?? 500, options.imbalance ?? 100, options.classCount ?? 10);
}

export function runDidStart(options: FixtureOptions = {}): RunDidStart {
  const counts = fixtureCounts(options);
  return {
    type: 'run/didStart',
    seq: 2,
    runName: options.name ?? 'cifar10-lt-ce',
    runFolder: `/tmp/runs/${options.id ?? 'run-a'}`,
    startedAt: '2026-01-01T00:00:00.000Z',
    config: { method: { name: 'cross-entropy' }, model: { architecture: 'resnet32' } },
    backend: { name: 'wasm', skipped: [] },
    dataset: {
      source: `synthetic-LT (${counts.length} classes, IF ${options.imbalance ?? 100})`,
      classNames: counts.map((_, c) => `class ${c}`),
      trainCounts: counts,
      testCount: counts.length * 100,
    },
    totalEpochs: options.epochs ?? 20,
    startEpoch: 0,
    diagnostics: [],
  };
}

export function epochDidEnd(epoch: number, options: FixtureOptions = {}): EpochDidEnd {
  const total = options.epochs ?? 20;
  const progress = epoch / total;
  return {
    type: 'epoch/didEnd',
    seq: 2 + 2 * epoch - 1,
    epoch,
    totalEpochs: total,
    loss: round(2.3 * Math.exp(-3 * progress) + 0.05),
    trainAccuracy: round(0.3 + 0.68 * (1 - Math.exp(-4 * progress))),
    learningRate: 0.1,
    durationMs: 1000,
    imagesPerSecond: 500,
  };
}

/** The tail: the last 30 % of classes by training count. */
function tailOf(counts: readonly number[]): number[] {
  const size = Math.max(2, Math.round(0.3 * counts.length));
  return counts.map((_, c) => c).slice(-size);
}

/** How collapsed class c is at `progress` (0: not at all, 1: fully), growing toward the tail. */
function collapseLevel(c: number, classCount: number, progress: number, speed: number): number {
  const depth = classCount <= 1 ? 0 : c / (classCount - 1);
  const onset = 0.4 / speed + 0.4 * (1 - depth);
  return depth < 0.7 ? 0 : Math.max(0, Math.min(1, (progress - onset) * 3 * speed));
}

function cosineMatrices(counts: readonly number[], progress: number, options: FixtureOptions, split: Split): CosineMatrices {
  const classCount = counts.length;
  const speed = options.collapseSpeed ?? 1;
  const etf = -1 / (classCount - 1);
  const cosine = (i: number, j: number, features: boolean) => {
    if (i === j) return 1;
    const a = collapseLevel(i, classCount, progress, speed);
    const b = collapseLevel(j, classCount, progress, speed);
    const pull = Math.sqrt(a * b) * (features ? 0.6 : 0.9);
    const noise = 0.02 * Math.sin(7 * i + 3 * j) * (1 - progress) + (split === 'test' && features ? 0.03 : 0);
    return round(etf * (1 - pull) + pull + noise);
  };
  const maxHeatmap = options.maxHeatmapClasses ?? 100;
  if (classCount <= maxHeatmap) {
    const matrix = (features: boolean) => counts.map((_, i) => counts.map((__, j) => cosine(i, j, features)));
    return { kind: 'full', classifier: matrix(false), classMeans: matrix(true) };
  }
  const order = counts.map((_, c) => c);
  const binCount = maxHeatmap;
  const bins = Array.from({ length: binCount }, (_, b) =>
    order.slice(Math.floor((b * classCount) / binCount), Math.floor(((b + 1) * classCount) / binCount)),
  );
  const groups = (['many', 'medium', 'few'] as const)
    .map((group) => ({
      label: group === 'many' ? 'Many' : group === 'medium' ? 'Medium' : 'Few',
      classes: order.filter((c) => shotGroupOf(counts[c] ?? 0) === group),
    }))
    .filter((group) => group.classes.length > 0);
  // Block means from each block's mean collapse level: O(blocks²), so 1000 classes × 500 evaluations stay fast.
  const levelOf = (list: readonly number[]) =>
    list.reduce((sum, c) => sum + collapseLevel(c, classCount, progress, speed), 0) / Math.max(1, list.length);
  const summary = (parts: { label: string; classes: number[] }[]) => {
    const levels = parts.map((part) => levelOf(part.classes));
    const block = (a: number, b: number, features: boolean) => {
      if (a === b && (parts[a]?.classes.length ?? 0) < 2) return null;
      const pull = Math.sqrt((levels[a] ?? 0) * (levels[b] ?? 0)) * (features ? 0.6 : 0.9);
      return round(etf * (1 - pull) + pull + (split === 'test' && features ? 0.03 : 0));
    };
    return {
      groups: parts,
      classifier: parts.map((_, a) => parts.map((__, b) => block(a, b, false))),
      classMeans: parts.map((_, a) => parts.map((__, b) => block(a, b, true))),
    };
  };
  return {
    kind: 'summary',
    shotGroups: summary(groups),
    bins: summary(bins.map((classes, b) => ({ label: `bin ${b + 1}`, classes }))),
  };
}

export function evaluationReport(epoch: number, split: Split, options: FixtureOptions = {}): EvaluationReport {
  const counts = fixtureCounts(options);
  const classCount = counts.length;
  const total = options.epochs ?? 20;
  const progress = epoch / total;
  const speed = options.collapseSpeed ?? 1;
  const tail = tailOf(counts);
  const tailSet = new Set(tail);
  const head = counts.map((_, c) => c).filter((c) => !tailSet.has(c));
  const levels = counts.map((_, c) => collapseLevel(c, classCount, progress, speed));
  const learned = 1 - Math.exp(-4 * progress);
  const recall = counts.map((n, c) => {
    const base = (split === 'train' ? 0.98 : 0.9) * learned * (0.55 + 0.45 * Math.min(1, Math.log(n + 1) / Math.log(500)));
    return round(Math.max(0, base * (1 - (levels[c] ?? 0))));
  });
  const groups = { many: [] as number[], medium: [] as number[], few: [] as number[] };
  counts.forEach((n, c) => groups[shotGroupOf(n)].push(c));
  const meanOf = (list: readonly number[]) =>
    list.length === 0 ? null : round(list.reduce((sum, c) => sum + (recall[c] ?? 0), 0) / list.length);
  const meanLevel = (list: readonly number[]) => list.reduce((sum, c) => sum + (levels[c] ?? 0), 0) / Math.max(1, list.length);
  const etf = -1 / (classCount - 1);
  const tailCos = round(etf + (0.9 - etf) * meanLevel(tail));
  const nc1Train = 6 * Math.exp(-5 * progress) + 0.03;
  const nc1 = split === 'train' ? nc1Train : nc1Train * 1.8 + 0.4;
  const testCounts = counts.map(() => 100);
  const classCounts = split === 'train' ? counts : testCounts;
  return {
    epoch,
    split,
    sampleCount: classCounts.reduce((sum, n) => sum + n, 0),
    classCount,
    featureDim: 64,
    centring: 'class-means',
    classCounts,
    trainCounts: counts,
    presentClassCount: classCount,
    betweenClassRank: Math.min(classCount - 1, 64),
    withinClassVariance: round(nc1 * 3),
    betweenClassVariance: 3,
    nc1: round(nc1, 6),
    nc1PerClass: counts.map((n, c) => round(nc1 * classCount * (1 + (levels[c] ?? 0)))),
    nc2: {
      classMeanNormCv: round(0.6 * Math.exp(-2 * progress) + 0.15),
      classifierNormCv: round(0.5 * Math.exp(-2 * progress) + 0.2 + 0.1 * meanLevel(tail)),
      classMeanCosineStd: round(0.3 * Math.exp(-2 * progress) + 0.05),
      classifierCosineStd: round(0.25 * Math.exp(-2 * progress) + 0.08 * meanLevel(tail) + 0.03),
      classMeanMaxAngle: round(0.4 * Math.exp(-3 * progress) + 0.06 + (split === 'test' ? 0.04 : 0)),
      classifierMaxAngle: round(0.35 * Math.exp(-3 * progress) + 0.05 + 0.1 * meanLevel(tail)),
    },
    nc3: round(0.9 * Math.exp(-3 * progress) + 0.1 + (split === 'test' ? 0.05 : 0)),
    nc4: round(0.3 * Math.exp(-4 * progress) + (split === 'test' ? 0.05 : 0.005)),
    nc4PerClass: counts.map(() => 0.05),
    nearestCentreMeans: 'own',
    accuracy: meanOf(counts.map((_, c) => c)),
    recallPerClass: recall,
    shotGroupAccuracy: { many: meanOf(groups.many), medium: meanOf(groups.medium), few: meanOf(groups.few) },
    shotGroups: groups,
    minorityCollapse: {
      tailSelection: 'fraction',
      tailClasses: tail,
      headClasses: head,
      etfCosine: etf,
      tailClassifierCosine: tailCos,
      headClassifierCosine: round(etf + 0.02),
      tailClassifierCosinePerClass: tail.map((c) => round(etf + (0.9 - etf) * (levels[c] ?? 0))),
      tailToHeadClassifierNormRatio: round(1 - 0.5 * meanLevel(tail)),
      classifierNormSlope: round(0.02 + 0.2 * progress),
      tailClassMeanCosine: round(etf + (0.6 - etf) * meanLevel(tail)),
      headClassMeanCosine: round(etf + 0.03),
      classMeanNormSlope: round(0.01 + 0.1 * progress),
      selfDualityCosine: counts.map((_, c) => round(0.5 + 0.45 * learned - 0.3 * (levels[c] ?? 0))),
    },
    cosineMatrices: cosineMatrices(counts, progress, options, split),
    diagnostics: [],
    // ‖w_c‖ grows with ln n_c as training goes on; collapsing tail rows shrink (Fang et al. 2021). Without
    // `withNorms` the norms are undefined (null), as for a diverged classifier.
    classifierNorms: counts.map((n, c) => (options.withNorms ? round(1 + 0.15 * progress * Math.log(n) - 0.3 * (levels[c] ?? 0) + 0.02 * Math.sin(5 * c)) : null)),
    classMeanNorms: counts.map((n, c) => (options.withNorms ? round(2 + 0.08 * progress * Math.log(n) - 0.2 * (levels[c] ?? 0) + 0.03 * Math.cos(3 * c)) : null)),
  };
}

/** The collapse flag as the trainer's tracker would raise it: tail classes whose row cosine exceeds 0.5. */
export function collapseFlag(epoch: number, report: EvaluationReport, previous: CollapseFlag | null): CollapseFlag {
  const minority = report.minorityCollapse;
  const classes: number[] = [];
  const cosines: number[] = [];
  minority.tailClasses.forEach((c, i) => {
    const cosine = minority.tailClassifierCosinePerClass[i] ?? null;
    if (cosine !== null && cosine > 0.5) {
      classes.push(c);
      cosines.push(cosine);
    }
  });
  classes.sort((a, b) => a - b);
  const onsets = classes.map((c) => {
    const at = previous?.classes.indexOf(c) ?? -1;
    return at >= 0 ? (previous?.classOnsetEpochs[at] ?? epoch) : epoch;
  });
  const active = classes.length > 0;
  return {
    active,
    epoch,
    classes,
    classOnsetEpochs: onsets,
    classReasons: classes.map((c) => ((report.recallPerClass[c] ?? 1) <= 0.05 ? 'cosine+recall' : 'cosine')),
    classCosines: classes.map((c) => minority.tailClassifierCosinePerClass[minority.tailClasses.indexOf(c)] ?? null),
    recalls: classes.map((c) => report.recallPerClass[c] ?? null),
    onsetEpoch: active ? Math.min(...onsets) : null,
    tailClassifierCosine: minority.tailClassifierCosine,
    etfCosine: minority.etfCosine,
    excess: minority.tailClassifierCosine === null ? null : minority.tailClassifierCosine - minority.etfCosine,
    thresholds: { cosine: 0.5, recall: 0.05 },
    message: active ? `minority collapse in ${classes.length} tail classes` : 'no minority collapse',
  };
}

/** A run with `upToEpoch` epochs done (default: all), evaluated on train and test every `evaluateEvery` epochs. */
export function fixtureRun(options: FixtureOptions = {}, upToEpoch?: number): RunData {
  const total = options.epochs ?? 20;
  const last = upToEpoch ?? total;
  const every = options.evaluateEvery ?? 1;
  const epochs: EpochDidEnd[] = [];
  const evaluations: MetricsDidUpdate[] = [];
  let flag: CollapseFlag | null = null;
  for (let epoch = 1; epoch <= last; epoch++) {
    epochs.push(epochDidEnd(epoch, options));
    if (epoch % every !== 0) continue;
    const reports = [evaluationReport(epoch, 'train', options), evaluationReport(epoch, 'test', options)];
    flag = collapseFlag(epoch, reports[1] ?? reports[0]!, flag);
    evaluations.push({ type: 'metrics/didUpdate', seq: 2 + 2 * epoch, epoch, reports, collapse: flag, evaluationMs: 20 });
  }
  return {
    id: options.id ?? 'run-a',
    name: options.name ?? 'cifar10-lt-ce',
    status: options.status ?? (last >= total ? 'completed' : 'running'),
    started: runDidStart(options),
    epochs,
    evaluations,
    ended: last >= total ? { type: 'run/didEnd', seq: 9999, reason: 'completed', epoch: total, durationMs: 1000 } : undefined,
    errorTail: [],
  };
}

/** Appends epochs `from`..`to` to a copy of the run's arrays (what a live run looks like later). */
export function advance(run: RunData, options: FixtureOptions, to: number): RunData {
  const later = fixtureRun(options, to);
  return { ...later, id: run.id, name: run.name };
}

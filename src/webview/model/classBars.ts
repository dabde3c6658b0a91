/**
 * Per-class recall as bars ordered head → tail, with each class's training count, Many/Medium/Few bands and the
 * classes flagged for minority collapse. Past `MAX_CLASS_BARS` classes the bars become bins of consecutive classes
 * (mean recall per bin; a bin never straddles two shot groups), unless the user chose to scroll through all of them.
 */
import { shotGroupOf } from '../../protocol/longTail';
import type { ShotGroup } from '../../protocol/longTail';
import type { CollapseFlag, EvaluationReport, ShotGroupsReport } from '../../protocol/metrics';
import type { UiChoices } from '../../protocol/dashboard';
import { formatCount, formatPercent, listNames } from '../format';

/** About 6 px per bar on a 1000 px wide chart: thinner bars cannot be told apart or hovered. */
export const MAX_CLASS_BARS = 160;
/** Flagged classes named in the aria-label; the rest are counted. */
const ARIA_LISTED_CLASSES = 10;
export const SHOT_GROUPS: readonly ShotGroup[] = ['many', 'medium', 'few'];
export const SHOT_GROUP_LABELS: Record<ShotGroup, string> = { many: 'Many (n > 100)', medium: 'Medium (20–100)', few: 'Few (n < 20)' };

export interface ClassBar {
  /** Axis label: the class name, or a rank range for a bin. */
  label: string;
  /** Class indices in the bar, head → tail. */
  classes: number[];
  /** Recall of the class, or the mean recall of a bin's classes with samples; null when none has any. */
  recall: number | null;
  /** The class's training count, or the mean over the bin. */
  trainCount: number;
  group: ShotGroup;
  /** The bar's classes that are flagged for minority collapse. */
  flaggedClasses: number[];
  /** One line for the tooltip. */
  detail: string;
}

export interface ShotBand {
  group: ShotGroup;
  label: string;
  /** Bar indices, inclusive. */
  first: number;
  last: number;
}

export interface ClassBarsView {
  split: EvaluationReport['split'];
  epoch: number;
  classCount: number;
  /** Classes per bar (1: one bar per class). */
  binSize: number;
  /** True when there are more classes than fit as bars, whichever layout is chosen. */
  manyClasses: boolean;
  layout: UiChoices['classLayout'];
  bars: ClassBar[];
  bands: ShotBand[];
  flaggedCount: number;
  note: string;
  ariaLabel: string;
}

/**
 * Classes from head (most training samples) to tail; ties keep class order. Grouped Many → Medium → Few first, so
 * that groups stay contiguous even when a report's groups disagree with the counts.
 */
export function headToTailOrder(trainCounts: readonly number[], groups?: ShotGroupsReport): number[] {
  const groupOf = classGroups(trainCounts, groups);
  const rank = (c: number) => SHOT_GROUPS.indexOf(groupOf[c] ?? 'few');
  return trainCounts.map((_, c) => c).sort((a, b) => rank(a) - rank(b) || (trainCounts[b] ?? 0) - (trainCounts[a] ?? 0) || a - b);
}

/** Each class's shot group: the report's partition where it names the class, else from its training count. */
export function classGroups(trainCounts: readonly number[], groups?: ShotGroupsReport): ShotGroup[] {
  const result = trainCounts.map((count) => shotGroupOf(count));
  if (groups !== undefined) for (const group of SHOT_GROUPS) for (const c of groups[group]) if (c < result.length) result[c] = group;
  return result;
}

export function classBarsView(
  report: EvaluationReport,
  collapse: CollapseFlag | null,
  classNames: readonly string[],
  layout: UiChoices['classLayout'],
): ClassBarsView {
  const trainCounts = report.trainCounts;
  const classCount = trainCounts.length;
  const order = headToTailOrder(trainCounts, report.shotGroups);
  const groupOf = classGroups(trainCounts, report.shotGroups);
  const flagged = new Set(collapse?.active ? collapse.classes : []);
  const manyClasses = classCount > MAX_CLASS_BARS;
  const binSize = manyClasses && layout === 'binned' ? Math.ceil(classCount / MAX_CLASS_BARS) : 1;
  const nameOf = (c: number) => classNames[c] ?? `class ${c}`;

  const bars: ClassBar[] = [];
  const bands: ShotBand[] = [];
  let start = 0;
  for (const group of SHOT_GROUPS) {
    let end = start;
    while (end < order.length && groupOf[order[end] ?? 0] === group) end++;
    if (end === start) continue;
    const first = bars.length;
    for (let at = start; at < end; at += binSize) {
      const classes = order.slice(at, Math.min(at + binSize, end));
      bars.push(makeBar(classes, at, report, groupOf, flagged, nameOf));
    }
    bands.push({ group, label: SHOT_GROUP_LABELS[group], first, last: bars.length - 1 });
    start = end;
  }

  const flaggedCount = flagged.size;
  const note =
    binSize > 1
      ? `${formatCount(classCount)} classes in ${bars.length} bins of up to ${binSize} consecutive classes (mean recall per bin).`
      : `${formatCount(classCount)} classes, head → tail.`;
  return {
    split: report.split,
    epoch: report.epoch,
    classCount,
    binSize,
    manyClasses,
    layout,
    bars,
    bands,
    flaggedCount,
    note,
    ariaLabel: classBarsAriaLabel(report, collapse, nameOf),
  };
}

function makeBar(
  classes: number[],
  firstRank: number,
  report: EvaluationReport,
  groupOf: readonly ShotGroup[],
  flagged: ReadonlySet<number>,
  nameOf: (c: number) => string,
): ClassBar {
  const recalls = classes.map((c) => report.recallPerClass[c]).filter((recall): recall is number => typeof recall === 'number');
  const recall = recalls.length === 0 ? null : recalls.reduce((sum, r) => sum + r, 0) / recalls.length;
  const counts = classes.map((c) => report.trainCounts[c] ?? 0);
  const trainCount = counts.reduce((sum, n) => sum + n, 0) / Math.max(1, counts.length);
  const flaggedClasses = classes.filter((c) => flagged.has(c));
  const only = classes[0] ?? 0;
  if (classes.length === 1) {
    return {
      label: nameOf(only),
      classes,
      recall,
      trainCount,
      group: groupOf[only] ?? 'few',
      flaggedClasses,
      detail: `${nameOf(only)} (#${only}): recall ${formatPercent(recall)}, n = ${formatCount(trainCount)}${flaggedClasses.length > 0 ? ' · flagged for minority collapse' : ''}`,
    };
  }
  const lastRank = firstRank + classes.length;
  const last = classes.at(-1) ?? only;
  return {
    label: `#${firstRank + 1}–${lastRank}`,
    classes,
    recall,
    trainCount,
    group: groupOf[only] ?? 'few',
    flaggedClasses,
    detail:
      `ranks ${firstRank + 1}–${lastRank} (${nameOf(only)} … ${nameOf(last)}): mean recall ${formatPercent(recall)}, ` +
      `n = ${formatCount(Math.max(...counts))}…${formatCount(Math.min(...counts))}` +
      (flaggedClasses.length > 0 ? ` · ${flaggedClasses.length} flagged: ${listNames(flaggedClasses.map(nameOf), 3)}` : ''),
  };
}

/**
 * "Per-class test recall at epoch 12 for 100 classes, head to tail (n = 500 … 5): Many-shot 81.2%, …; 2 classes
 * flagged for minority collapse: class 98 (recall 0.0%), class 99 (recall 2.0%)."
 */
export function classBarsAriaLabel(report: EvaluationReport, collapse: CollapseFlag | null, nameOf: (c: number) => string): string {
  const counts = report.trainCounts;
  const groups = report.shotGroupAccuracy;
  const groupText = SHOT_GROUPS.filter((group) => report.shotGroups[group].length > 0)
    .map(
      (group) =>
        `${group === 'many' ? 'Many' : group === 'medium' ? 'Medium' : 'Few'}-shot ${formatPercent(groups[group])} (${report.shotGroups[group].length} classes)`,
    )
    .join(', ');
  const head = `Per-class ${report.split} recall at epoch ${report.epoch} for ${formatCount(counts.length)} classes, head to tail (n = ${formatCount(Math.max(0, ...counts))} … ${formatCount(Math.min(...counts))})`;
  const flaggedText =
    collapse?.active && collapse.classes.length > 0
      ? `; ${collapse.classes.length} ${collapse.classes.length === 1 ? 'class' : 'classes'} flagged for minority collapse: ${listNames(
          // Only the listed ones are formatted: with hundreds flagged, the rest are just counted.
          collapse.classes.map((c, i) =>
            i < ARIA_LISTED_CLASSES ? `${nameOf(c)} (recall ${formatPercent(report.recallPerClass[c])})` : '',
          ),
          ARIA_LISTED_CLASSES,
        )}`
      : '; no class flagged for minority collapse';
  return `${head}: ${groupText || 'no groups'}${flaggedText}.`;
}

/**
 * Cosine matrices of the classifier rows and of the centred class means as heatmaps, rows and columns ordered head →
 * tail so that minority collapse shows as a bright tail block. A simplex ETF has −1/(C−1) off the diagonal (Papyan et
 * al. 2020): the heatmap's legend marks that value. Reports with more classes than `metrics.maxHeatmapClasses` carry
 * summaries instead: block means over bins of classes (drawn as the heatmap) and over the Many/Medium/Few groups
 * (shown as a table).
 */
import type { CosineBlockSummary, EvaluationReport } from '../../protocol/metrics';
import { formatCount, formatMetric } from '../format';
import { classGroups, headToTailOrder, SHOT_GROUP_LABELS } from './classBars';

export type HeatmapId = 'cosine-classifier' | 'cosine-class-means';

export interface HeatmapSegment {
  label: string;
  /** Row indices, inclusive. */
  first: number;
  last: number;
}

export interface BlockTable {
  labels: string[];
  values: (number | null)[][];
}

export interface HeatmapView {
  id: HeatmapId;
  title: string;
  description: string;
  kind: 'full' | 'summary';
  /** Rows (= columns). */
  size: number;
  /** Row-major, `size × size`; NaN where the cosine is undefined. */
  cells: Float64Array;
  /** Per row: a class name or a bin's label. */
  labels: string[];
  /** Many/Medium/Few ranges along the axes. */
  segments: HeatmapSegment[];
  etfCosine: number;
  /** Mean off-diagonal cosine (full) or mean over off-diagonal blocks (summary), null when there is none. */
  meanOffDiagonal: number | null;
  /** Shot-group block means, for summaries. */
  blocks: BlockTable | null;
  note: string;
  ariaLabel: string;
}

/** −1/(C − 1): the pairwise cosine of C vectors forming a simplex equiangular tight frame. */
export function simplexEtfCosine(classCount: number): number {
  return classCount > 1 ? -1 / (classCount - 1) : 0;
}

export function cosineHeatmaps(report: EvaluationReport, classNames: readonly string[]): HeatmapView[] {
  const nameOf = (c: number) => classNames[c] ?? `class ${c}`;
  const matrices = report.cosineMatrices;
  const classifierEtf = simplexEtfCosine(report.classCount);
  const meansEtf = simplexEtfCosine(report.presentClassCount);
  const titles: Record<HeatmapId, { title: string; description: string }> = {
    'cosine-classifier': {
      title: 'Classifier rows · cos(w_c, w_c′)',
      description:
        'Pairwise cosines of the last-layer weight rows, head → tail. Under minority collapse the tail block turns bright (cosines → 1).',
    },
    'cosine-class-means': {
      title: `Class means · cos(μ_c − μ_G, μ_c′ − μ_G) · ${report.split}`,
      description:
        'Pairwise cosines of the centred class means, head → tail. Imbalance distorts the features too, not only the classifier.',
    },
  };
  if (matrices.kind === 'full') {
    const order = headToTailOrder(report.trainCounts, report.shotGroups);
    const groups = classGroups(report.trainCounts, report.shotGroups);
    const segments = segmentsOf(order.map((c) => SHOT_GROUP_LABELS[groups[c] ?? 'few']));
    const build = (id: HeatmapId, matrix: (number | null)[][], etf: number): HeatmapView => {
      const size = order.length;
      const cells = new Float64Array(size * size);
      order.forEach((row, i) => {
        const source = matrix[row];
        order.forEach((column, j) => {
          cells[i * size + j] = source?.[column] ?? Number.NaN;
        });
      });
      const mean = meanOffDiagonal(cells, size);
      return {
        id,
        ...titles[id],
        kind: 'full',
        size,
        cells,
        labels: order.map(nameOf),
        segments,
        etfCosine: etf,
        meanOffDiagonal: mean,
        blocks: null,
        note: `${formatCount(size)} × ${formatCount(size)} classes, head → tail; the diagonal (cos = 1) is drawn neutral.`,
        ariaLabel: heatmapAriaLabel(titles[id].title, report.epoch, size, 'classes', mean, etf, tailBlockMean(cells, size, segments)),
      };
    };
    return [build('cosine-classifier', matrices.classifier, classifierEtf), build('cosine-class-means', matrices.classMeans, meansEtf)];
  }
  const groups = classGroups(report.trainCounts, report.shotGroups);
  const binSegments = segmentsOf(matrices.bins.groups.map((bin) => SHOT_GROUP_LABELS[groups[bin.classes[0] ?? 0] ?? 'few']));
  const build = (id: HeatmapId, which: 'classifier' | 'classMeans', etf: number): HeatmapView => {
    const summary = matrices.bins;
    const size = summary.groups.length;
    const cells = new Float64Array(size * size);
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) cells[i * size + j] = summary[which][i]?.[j] ?? Number.NaN;
    const mean = meanOffDiagonal(cells, size);
    const binSizes = summary.groups.map((group) => group.classes.length);
    return {
      id,
      ...titles[id],
      kind: 'summary',
      size,
      cells,
      labels: summary.groups.map((group) => group.label),
      segments: binSegments,
      etfCosine: etf,
      meanOffDiagonal: mean,
      blocks: blockTable(matrices.shotGroups, which),
      note: `Summary: ${formatCount(report.classCount)} classes in ${size} bins of ${Math.min(...binSizes)}–${Math.max(...binSizes)} (block means of pairwise cosines), head → tail.`,
      ariaLabel: heatmapAriaLabel(
        titles[id].title,
        report.epoch,
        size,
        'bins of classes',
        mean,
        etf,
        tailBlockMean(cells, size, binSegments),
      ),
    };
  };
  return [build('cosine-classifier', 'classifier', classifierEtf), build('cosine-class-means', 'classMeans', meansEtf)];
}

/** Consecutive runs of equal labels. */
function segmentsOf(labels: readonly string[]): HeatmapSegment[] {
  const segments: HeatmapSegment[] = [];
  labels.forEach((label, index) => {
    const last = segments.at(-1);
    if (last !== undefined && last.label === label) last.last = index;
    else segments.push({ label, first: index, last: index });
  });
  return segments;
}

function blockTable(summary: CosineBlockSummary, which: 'classifier' | 'classMeans'): BlockTable {
  return { labels: summary.groups.map((group) => `${group.label} (${group.classes.length})`), values: summary[which] };
}

function meanOffDiagonal(cells: Float64Array, size: number): number | null {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const cell = cells[i * size + j] ?? Number.NaN;
      if (i === j || Number.isNaN(cell)) continue;
      sum += cell;
      count++;
    }
  }
  return count === 0 ? null : sum / count;
}

/** Mean off-diagonal cosine inside the last (tail-most) segment. */
function tailBlockMean(
  cells: Float64Array,
  size: number,
  segments: readonly HeatmapSegment[],
): { label: string; mean: number | null } | null {
  const tail = segments.at(-1);
  if (tail === undefined || segments.length < 2) return null;
  let sum = 0;
  let count = 0;
  for (let i = tail.first; i <= tail.last; i++) {
    for (let j = tail.first; j <= tail.last; j++) {
      const cell = cells[i * size + j] ?? Number.NaN;
      if (i === j || Number.isNaN(cell)) continue;
      sum += cell;
      count++;
    }
  }
  return { label: tail.label, mean: count === 0 ? null : sum / count };
}

export function heatmapAriaLabel(
  title: string,
  epoch: number,
  size: number,
  unit: string,
  mean: number | null,
  etf: number,
  tail: { label: string; mean: number | null } | null,
): string {
  const tailText = tail === null ? '' : `; within the ${tail.label} block ${formatMetric(tail.mean)}`;
  return `${title} at epoch ${epoch}, ${size} × ${size} ${unit}: mean off-diagonal cosine ${formatMetric(mean)}${tailText}; simplex ETF value ${formatMetric(etf)}.`;
}

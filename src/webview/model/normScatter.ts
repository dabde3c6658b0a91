/**
 * ‖w_c‖ and ‖μ_c − μ_G‖ against the training count n_c (log axis). Under imbalance both grow with log n_c (the slope is
 * ≈ 0 for a simplex ETF, Fang et al. 2021); the tail rows shrink first. Reports carry `classifierNorms` and
 * `classMeanNorms`; where they are undefined (a diverged classifier) the card shows the slopes it has and says so.
 */
import type { EvaluationReport } from '../../protocol/metrics';
import type { PerClassNorms } from '../../protocol/dashboard';
import { formatMetric } from '../format';
import type { Point } from './types';

export interface NormSeries {
  key: 'classifier' | 'class-means';
  label: string;
  /** x = n_c, y = norm; flagged classes are drawn with a different marker. */
  points: (Point & { flagged: boolean; name: string })[];
  /** Least-squares fit y = intercept + slope · ln n_c, drawn between the smallest and largest n_c. */
  fit: { slope: number; intercept: number; from: number; to: number } | null;
}

export type NormsView =
  | { kind: 'chart'; epoch: number; split: EvaluationReport['split']; series: NormSeries[]; ariaLabel: string }
  | { kind: 'placeholder'; text: string; ariaLabel: string };

export function normsView(
  report: EvaluationReport & PerClassNorms,
  flaggedClasses: readonly number[],
  classNames: readonly string[],
): NormsView {
  const norms = report;
  const flagged = new Set(flaggedClasses);
  const series: NormSeries[] = [];
  const add = (key: NormSeries['key'], label: string, values: readonly (number | null)[] | undefined) => {
    if (!Array.isArray(values)) return;
    const points: NormSeries['points'] = [];
    values.forEach((norm, c) => {
      const count = report.trainCounts[c] ?? 0;
      if (typeof norm !== 'number' || !Number.isFinite(norm) || count < 1) return;
      points.push({ x: count, y: norm, flagged: flagged.has(c), name: classNames[c] ?? `class ${c}` });
    });
    if (points.length > 0) series.push({ key, label, points, fit: logFit(points) });
  };
  add('classifier', '‖w_c‖ classifier rows', norms.classifierNorms);
  add('class-means', `‖μ_c − μ_G‖ class means · ${report.split}`, norms.classMeanNorms);

  const slopes = report.minorityCollapse;
  const slopeText = `slope of ‖w_c‖ against ln n_c ${formatMetric(slopes.classifierNormSlope)}, of ‖μ_c − μ_G‖ ${formatMetric(slopes.classMeanNormSlope)}; tail/head ‖w_c‖ ratio ${formatMetric(slopes.tailToHeadClassifierNormRatio)}`;
  if (series.length === 0) {
    const text = `Per-class norms are not in this run’s reports yet, so the scatter of ‖w_c‖ and ‖μ_c − μ_G‖ against log n_c cannot be drawn. At epoch ${report.epoch}: ${slopeText} (≈ 0 for a simplex ETF, > 0 under imbalance).`;
    return { kind: 'placeholder', text, ariaLabel: `Norms against training count: ${text}` };
  }
  const fits = series.map((line) => `${line.label}: fitted slope ${formatMetric(line.fit?.slope)} per unit ln n_c`).join('; ');
  return {
    kind: 'chart',
    epoch: report.epoch,
    split: report.split,
    series,
    ariaLabel: `Norms against training count at epoch ${report.epoch}, ${series[0]?.points.length ?? 0} classes: ${fits}; reported ${slopeText}.`,
  };
}

/** Ordinary least squares of y on ln x. */
export function logFit(points: readonly Point[]): NormSeries['fit'] {
  if (points.length < 2) return null;
  let sumX = 0;
  let sumY = 0;
  for (const point of points) {
    sumX += Math.log(point.x);
    sumY += point.y;
  }
  const meanX = sumX / points.length;
  const meanY = sumY / points.length;
  let covariance = 0;
  let variance = 0;
  for (const point of points) {
    const dx = Math.log(point.x) - meanX;
    covariance += dx * (point.y - meanY);
    variance += dx * dx;
  }
  if (variance === 0) return null;
  const slope = covariance / variance;
  const xs = points.map((point) => point.x);
  return { slope, intercept: meanY - slope * meanX, from: Math.min(...xs), to: Math.max(...xs) };
}

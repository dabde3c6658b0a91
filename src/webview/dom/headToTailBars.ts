/**
 * What the head → tail bar charts share (per-class recall, per-label recall and precision): a category axis of
 * classes or bins, a 0–100 % axis on the left, the training count n_c on a log axis on the right, drawn as a dotted
 * line over the bars.
 */
import type { ChartDataset, ChartOptions } from 'chart.js';
import { formatCount, formatPercent } from '../format';
import type { LegendEntry } from './legend';
import { withAlpha } from './theme';
import type { Theme } from './theme';

export interface HeadToTailTitles {
  x: string;
  y: string;
  count: string;
}

export function headToTailScales(theme: Theme, titles: HeadToTailTitles): NonNullable<ChartOptions<'bar'>['scales']> {
  return {
    x: {
      type: 'category',
      ticks: { color: theme.muted, autoSkip: true, maxRotation: 60, minRotation: 0, font: { size: Math.max(9, theme.fontSize - 3) } },
      grid: { display: false },
      title: { display: true, text: titles.x, color: theme.muted },
    },
    y: {
      type: 'linear',
      min: 0,
      max: 1,
      title: { display: true, text: titles.y, color: theme.muted },
      ticks: { color: theme.muted, callback: (value) => formatPercent(Number(value)), maxTicksLimit: 6 },
      grid: { color: theme.grid },
    },
    yCount: {
      type: 'logarithmic',
      position: 'right',
      title: { display: true, text: titles.count, color: theme.muted },
      ticks: { color: theme.muted, callback: (value) => formatCount(Number(value)), maxTicksLimit: 6 },
      grid: { drawOnChartArea: false },
    },
  };
}

/** The training counts as a dotted line on the right axis, drawn above the bars (a line dataset in a bar chart). */
export function trainCountLine(theme: Theme, counts: readonly number[], label: string): ChartDataset<'bar', (number | null)[]> {
  const line = {
    type: 'line' as const,
    label,
    data: [...counts],
    yAxisID: 'yCount',
    borderColor: withAlpha(theme.foreground, 0.7),
    backgroundColor: theme.foreground,
    borderWidth: 1.25,
    borderDash: [2, 3],
    pointRadius: counts.length > 60 ? 0 : 2,
    order: 1,
  };
  return line as unknown as ChartDataset<'bar', (number | null)[]>;
}

/** The legend entry of `trainCountLine`. */
export function trainCountLegend(theme: Theme, label: string): LegendEntry {
  return { key: 'count', label, color: theme.colors.foreground, dash: 'dotted', marker: 'circle', hidden: false };
}

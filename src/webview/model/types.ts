/** The view model: what the DOM layer draws, built from the state by pure functions. */
import type { ChartId } from '../../protocol/dashboard';

/** A `--vscode-charts-*` colour (or the editor foreground); the DOM layer resolves it from the theme. */
export type ColorToken = 'blue' | 'red' | 'yellow' | 'orange' | 'green' | 'purple' | 'foreground' | 'lines';
/** Line styles, so that series differ by more than colour. */
export type Dash = 'solid' | 'dashed' | 'dotted' | 'dashdot';
export type Marker = 'circle' | 'triangle' | 'rect' | 'rectRot' | 'crossRot' | 'star' | 'cross' | 'rectRounded';

export interface Point {
  x: number;
  y: number;
}

export interface SeriesView {
  key: string;
  label: string;
  color: ColorToken;
  dash: Dash;
  marker: Marker;
  /** 'y2': the right-hand axis (accuracy beside loss). */
  axis: 'y' | 'y2';
  points: Point[];
}

export interface ReferenceLine {
  label: string;
  value: number;
  color: ColorToken;
  dash: Dash;
}

export interface AxisView {
  title: string;
  scale: 'linear' | 'logarithmic';
  /** Values are fractions shown as percentages. */
  percent: boolean;
}

export interface LineChartView {
  id: ChartId;
  title: string;
  /** One sentence: what the metric is and which way is good. */
  description: string;
  y: AxisView;
  y2: AxisView | null;
  series: SeriesView[];
  references: ReferenceLine[];
  /** The chart's text alternative, with current values. */
  ariaLabel: string;
  /** Shown instead of the chart when there is nothing to draw. */
  emptyText: string | null;
}

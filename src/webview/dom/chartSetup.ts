/**
 * Chart.js v4, registered piece by piece so that esbuild keeps only what the dashboard uses, with the defaults every
 * chart shares (legends are drawn in the DOM, so Chart.js's Legend plugin is left out): no animation (live data), no parsing (data arrive as {x, y}), theme colours and fonts.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Decimation,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js';
import type { Theme } from './theme';

let registered = false;

export function setUpCharts(theme: Theme): void {
  if (!registered) {
    Chart.register(
      LineController,
      BarController,
      ScatterController,
      LineElement,
      PointElement,
      BarElement,
      LinearScale,
      LogarithmicScale,
      CategoryScale,
      Decimation,
      Tooltip,
    );
    registered = true;
  }
  Chart.defaults.animation = false;
  Chart.defaults.color = theme.foreground;
  Chart.defaults.borderColor = theme.grid;
  Chart.defaults.font.family = theme.fontFamily;
  Chart.defaults.font.size = Math.max(10, theme.fontSize - 1);
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.responsive = true;
}

export { Chart };

/** ‖w_c‖ and ‖μ_c − μ_G‖ against n_c (log axis) with least-squares fits; a sentence instead when the report lacks them. */
import type { ChartDataset, ChartOptions } from 'chart.js';
import type { NormsView } from '../model/normScatter';
import type { Point } from '../model/types';
import { formatCount, formatMetric } from '../format';
import { Chart } from './chartSetup';
import { ChartCard } from './chartCard';
import type { CardOptions } from './chartCard';
import type { Theme } from './theme';

type NamedPoint = Point & { name?: string };

export class NormsCard {
  readonly card: ChartCard;
  private chart: Chart<'scatter', NamedPoint[]> | undefined;

  constructor(options: CardOptions) {
    this.card = new ChartCard('norms', options);
  }

  update(view: NormsView, theme: Theme): void {
    this.card.setHeader(
      'Norms against training count',
      '‖w_c‖ (classifier rows) and ‖μ_c − μ_G‖ (centred class means) against n_c on a log axis: flat for a simplex ETF, rising with n_c under imbalance. Triangles: flagged classes.',
    );
    this.card.setAriaLabel(view.ariaLabel);
    if (view.kind === 'placeholder') {
      this.card.setEmpty(view.text);
      this.card.setLegend([]);
      this.card.whenVisible(() => undefined);
      this.chart?.destroy();
      this.chart = undefined;
      return;
    }
    this.card.setEmpty(null);
    const colors = { classifier: theme.colors.purple, 'class-means': theme.colors.blue } as const;
    this.card.setLegend(
      view.series.flatMap((series) => [
        {
          key: series.key,
          label: series.label,
          color: colors[series.key],
          dash: 'solid' as const,
          marker: series.key === 'classifier' ? ('rect' as const) : ('circle' as const),
          hidden: false,
        },
        {
          key: `${series.key}-fit`,
          label: `fit: slope ${formatMetric(series.fit?.slope)} per ln n_c`,
          color: colors[series.key],
          dash: 'dashed' as const,
          marker: 'cross' as const,
          hidden: false,
        },
      ]),
    );
    this.card.whenVisible(() => this.draw(view, theme, colors));
  }

  private draw(view: Extract<NormsView, { kind: 'chart' }>, theme: Theme, colors: Record<'classifier' | 'class-means', string>): void {
    const datasets: ChartDataset<'scatter', NamedPoint[]>[] = view.series.flatMap((series) => {
      const color = colors[series.key];
      const points: ChartDataset<'scatter', NamedPoint[]> = {
        label: series.label,
        data: series.points,
        backgroundColor: color,
        borderColor: series.points.map((point) => (point.flagged ? theme.colors.red : color)),
        pointStyle: series.points.map((point) => (point.flagged ? 'triangle' : series.key === 'classifier' ? 'rect' : 'circle')),
        pointRadius: series.points.map((point) => (point.flagged ? 5 : 3)),
        pointBorderWidth: series.points.map((point) => (point.flagged ? 2 : 1)),
      };
      const fit = series.fit;
      if (fit === null) return [points];
      const line: ChartDataset<'scatter', NamedPoint[]> = {
        label: `${series.label} fit`,
        data: [fit.from, fit.to].map((n) => ({ x: n, y: fit.intercept + fit.slope * Math.log(n) })),
        showLine: true,
        borderColor: color,
        borderDash: [6, 4],
        borderWidth: theme.lineWidth,
        pointRadius: 0,
      };
      return [points, line];
    });
    const options: ChartOptions<'scatter'> = {
      animation: false,
      parsing: false,
      scales: {
        x: {
          type: 'logarithmic',
          title: { display: true, text: 'training count n_c (log)', color: theme.muted },
          ticks: { color: theme.muted, callback: (value) => formatCount(Number(value)) },
          grid: { color: theme.grid },
        },
        y: {
          type: 'linear',
          title: { display: true, text: 'norm', color: theme.muted },
          ticks: { color: theme.muted, callback: (value) => formatMetric(Number(value)) },
          grid: { color: theme.grid },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) =>
              ` ${(item.raw as NamedPoint).name ?? item.dataset.label ?? ''}: n = ${formatCount(item.parsed.x ?? 0)}, ${formatMetric(item.parsed.y)}`,
          },
        },
      },
    };
    if (this.chart === undefined) {
      this.chart = new Chart<'scatter', NamedPoint[]>(this.card.canvas, { type: 'scatter', data: { datasets }, options });
      return;
    }
    this.chart.data.datasets = datasets;
    this.chart.options = options;
    this.chart.update('none');
  }
}

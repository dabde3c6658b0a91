/** A time-series chart (x = epoch) drawn with Chart.js from a `LineChartView`. */
import type { ChartDataset, ChartOptions, Plugin } from 'chart.js';
import type { LineChartView, Point, ReferenceLine } from '../model/types';
import { formatMetric, formatPercent } from '../format';
import { Chart } from './chartSetup';
import { ChartCard } from './chartCard';
import type { CardOptions } from './chartCard';
import { DASH_PATTERNS, withAlpha } from './theme';
import type { Theme } from './theme';

/** Markers on every point up to this many; beyond, on about this many points per series (the dash still tells lines apart). */
const MARKED_POINTS = 24;
/** Marks the marker-only datasets, which the tooltip leaves out (the line's own point is listed). */
const MARKERS = 'ncMarkers';
const isMarkers = (dataset: object) => (dataset as Record<string, unknown>)[MARKERS] === true;

interface ReferenceOptions {
  lines: ReferenceLine[];
  theme: Theme | null;
}

/** Horizontal reference lines (simplex-ETF cosine, collapse threshold) with their label at the right end. */
const referenceLinesPlugin: Plugin<'line'> = {
  id: 'ncReferenceLines',
  afterDatasetsDraw(chart, _args, options: ReferenceOptions) {
    const theme = options.theme;
    if (theme === null || options.lines.length === 0) return;
    const { ctx, chartArea } = chart;
    const scale = chart.scales.y;
    if (scale === undefined) return;
    ctx.save();
    for (const line of options.lines) {
      const y = scale.getPixelForValue(line.value);
      if (y < chartArea.top || y > chartArea.bottom) continue;
      ctx.strokeStyle = theme.colors[line.color];
      ctx.lineWidth = 1.25;
      ctx.setLineDash(DASH_PATTERNS[line.dash]);
      ctx.beginPath();
      ctx.moveTo(chartArea.left, y);
      ctx.lineTo(chartArea.right, y);
      ctx.stroke();
      ctx.setLineDash([]);
      // The label on a backing of the page colour, so that lines crossing it do not make it unreadable.
      ctx.font = `${Math.max(10, theme.fontSize - 2)}px ${theme.fontFamily}`;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'bottom';
      const width = ctx.measureText(line.label).width;
      const above = y - 14 > chartArea.top;
      const baseline = above ? y - 2 : y + 14;
      ctx.fillStyle = withAlpha(theme.background, 0.85);
      ctx.fillRect(chartArea.right - 6 - width, baseline - 12, width + 4, 13);
      ctx.fillStyle = theme.colors[line.color];
      ctx.fillText(line.label, chartArea.right - 4, baseline);
    }
    ctx.restore();
  },
};

export class LineChartCard {
  readonly card: ChartCard;
  private chart: Chart<'line', Point[]> | undefined;
  private readonly hidden = new Set<string>();
  private view: LineChartView | undefined;
  private theme: Theme | undefined;
  private optionsKey = '';

  constructor(view: LineChartView, options: CardOptions) {
    this.card = new ChartCard(view.id, options);
  }

  update(view: LineChartView, theme: Theme): void {
    this.view = view;
    this.theme = theme;
    this.card.setHeader(view.title, view.description);
    this.card.setAriaLabel(view.ariaLabel);
    this.card.setEmpty(view.emptyText);
    this.card.setLegend(
      [
        ...view.series.map((series) => ({
          key: series.key,
          label: series.label,
          color: theme.colors[series.color],
          dash: series.dash,
          marker: series.marker,
          hidden: this.hidden.has(series.key),
        })),
        ...view.references.map((reference) => ({
          key: `ref:${reference.label}`,
          label: reference.label,
          color: theme.colors[reference.color],
          dash: reference.dash,
          marker: 'cross' as const,
          hidden: false,
        })),
      ],
      (key) => {
        if (key.startsWith('ref:')) return;
        if (this.hidden.has(key)) this.hidden.delete(key);
        else this.hidden.add(key);
        if (this.view && this.theme) this.update(this.view, this.theme);
      },
    );
    this.card.whenVisible(() => this.draw(view, theme));
  }

  private draw(view: LineChartView, theme: Theme): void {
    const datasets = view.series.flatMap((series) => this.datasets(series, theme));
    if (this.chart === undefined) {
      this.optionsKey = this.optionsSignature(view, theme);
      this.chart = new Chart<'line', Point[]>(this.card.canvas, {
        type: 'line',
        data: { datasets },
        options: this.options(view, theme),
        plugins: [referenceLinesPlugin],
      });
      return;
    }
    this.chart.data.datasets = datasets;
    // New options make Chart.js resolve every option again: only when the axes, references or theme changed.
    const key = this.optionsSignature(view, theme);
    if (key !== this.optionsKey) {
      this.optionsKey = key;
      this.chart.options = this.options(view, theme);
    }
    this.chart.update('none');
  }

  private optionsSignature(view: LineChartView, theme: Theme): string {
    return JSON.stringify([view.y, view.y2, view.references, theme]);
  }

  /**
   * Each series is two datasets: the line, and its markers on about `MARKED_POINTS` points. Per-point (scriptable or
   * array) options would make Chart.js resolve options for every point on every update (~100 ms per frame at 500
   * evaluations × 8 charts); constant options are resolved once per dataset.
   */
  private datasets(series: LineChartView['series'][number], theme: Theme): ChartDataset<'line', Point[]>[] {
    const color = theme.colors[series.color];
    const hidden = this.hidden.has(series.key);
    const step = Math.max(1, Math.ceil(series.points.length / MARKED_POINTS));
    const marked = series.points.filter((_, index) => index % step === 0 || index === series.points.length - 1);
    const common = { label: series.label, yAxisID: series.axis, borderColor: color, backgroundColor: color, hidden };
    return [
      {
        ...common,
        data: series.points,
        borderWidth: theme.lineWidth,
        borderDash: DASH_PATTERNS[series.dash],
        pointRadius: 0,
        pointHoverRadius: 4,
        pointHitRadius: 6,
        tension: 0,
        spanGaps: true,
      },
      {
        ...common,
        data: marked,
        showLine: false,
        pointStyle: series.marker,
        pointRadius: 3,
        pointHoverRadius: 3,
        pointHitRadius: 0,
        pointBorderWidth: 1,
        [MARKERS]: true,
      } as ChartDataset<'line', Point[]>,
    ];
  }

  private options(view: LineChartView, theme: Theme): ChartOptions<'line'> {
    const values = view.references.map((reference) => reference.value);
    const axisTicks = (percent: boolean) => ({
      color: theme.muted,
      callback: (value: string | number) => (percent ? formatPercent(Number(value)) : formatMetric(Number(value))),
      maxTicksLimit: 6,
    });
    const options: ChartOptions<'line'> = {
      parsing: false,
      normalized: true,
      animation: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      layout: { padding: { top: 4, right: 6 } },
      scales: {
        x: {
          type: 'linear',
          title: { display: true, text: 'epoch', color: theme.muted },
          ticks: { precision: 0, color: theme.muted, maxTicksLimit: 10 },
          grid: { color: theme.grid },
        },
        y: {
          type: view.y.scale,
          title: { display: true, text: view.y.title, color: theme.muted },
          ticks: axisTicks(view.y.percent),
          grid: { color: theme.grid },
          ...(view.y.percent ? { suggestedMin: 0, suggestedMax: 1 } : {}),
          ...(values.length > 0 ? { suggestedMin: Math.min(...values) - 0.05, suggestedMax: Math.max(...values) + 0.05 } : {}),
        },
        ...(view.y2 === null
          ? {}
          : {
              y2: {
                type: view.y2.scale,
                position: 'right' as const,
                title: { display: true, text: view.y2.title, color: theme.muted },
                ticks: axisTicks(view.y2.percent),
                grid: { drawOnChartArea: false },
                ...(view.y2.percent ? { min: 0, max: 1 } : {}),
              },
            }),
      },
      plugins: {
        legend: { display: false },
        decimation: { enabled: true, algorithm: 'lttb', samples: 300, threshold: 400 },
        tooltip: {
          filter: (item) => !isMarkers(item.dataset),
          callbacks: {
            title: (items) => `epoch ${items[0]?.parsed.x ?? ''}`,
            label: (item) => {
              const axis = item.dataset.yAxisID === 'y2' ? view.y2 : view.y;
              const y = item.parsed.y;
              return ` ${item.dataset.label ?? ''}: ${axis?.percent ? formatPercent(y) : formatMetric(y)}`;
            },
          },
        },
      },
    };
    (options.plugins as Record<string, unknown>).ncReferenceLines = { lines: view.references, theme } satisfies ReferenceOptions;
    return options;
  }
}

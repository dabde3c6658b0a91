/**
 * Per-class recall bars, head → tail, with the training count on a log axis, Many/Medium/Few bands and the classes
 * flagged for minority collapse drawn hatched, outlined, marked with ▲ and labelled ⚠ (never by colour alone).
 */
import type { ChartDataset, ChartOptions, Plugin } from 'chart.js';
import type { UiChoices } from '../../protocol/dashboard';
import type { ClassBarsView } from '../model/classBars';
import { formatCount, formatPercent } from '../format';
import { Chart } from './chartSetup';
import { headToTailScales, trainCountLegend, trainCountLine } from './headToTailBars';
import { ChartCard } from './chartCard';
import type { CardOptions } from './chartCard';
import { element, setAttribute, setText } from './elements';
import { withAlpha } from './theme';
import type { Theme } from './theme';

/** Width per bar in the scrolling layout. */
const SCROLL_BAR_PX = 7;

interface BandOptions {
  view: ClassBarsView | null;
  theme: Theme | null;
  hatch: CanvasPattern | string | null;
}

/** Shot-group bands behind the bars, each named at the top (the name, not only a shade, says which group). */
const shotBandsPlugin: Plugin<'bar'> = {
  id: 'ncShotBands',
  beforeDatasetsDraw(chart, _args, options: BandOptions) {
    const { view, theme, hatch } = options;
    const x = chart.scales.x;
    if (view === null || theme === null || x === undefined) return;
    const { ctx, chartArea } = chart;
    const half = view.bars.length > 1 ? (x.getPixelForValue(1) - x.getPixelForValue(0)) / 2 : (chartArea.right - chartArea.left) / 2;
    ctx.save();
    const labelFont = `600 ${Math.max(10, theme.fontSize - 2)}px ${theme.fontFamily}`;
    view.bands.forEach((band, index) => {
      const left = Math.max(chartArea.left, x.getPixelForValue(band.first) - half);
      const right = Math.min(chartArea.right, x.getPixelForValue(band.last) + half);
      ctx.fillStyle = withAlpha(theme.foreground, index % 2 === 0 ? 0.03 : 0.08);
      ctx.fillRect(left, chartArea.top, right - left, chartArea.bottom - chartArea.top);
      if (index > 0) {
        ctx.strokeStyle = theme.muted;
        ctx.setLineDash([3, 3]);
        ctx.beginPath();
        ctx.moveTo(left, chartArea.top - 16);
        ctx.lineTo(left, chartArea.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      // The group's name sits above the plot, clear of the bars.
      ctx.fillStyle = theme.muted;
      ctx.font = labelFont;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'bottom';
      const count = band.last - band.first + 1;
      const long = `${band.label} · ${count} ${view.binSize > 1 ? 'bins' : count === 1 ? 'class' : 'classes'}`;
      const label = right - left > ctx.measureText(long).width + 8 ? long : (band.label.split(' ')[0] ?? band.label);
      if (right - left > ctx.measureText(label).width + 8) ctx.fillText(label, left + 4, chartArea.top - 3);
    });
    // Flagged classes: a hatched column over the whole height, so that a class at zero recall still shows.
    if (hatch !== null) {
      ctx.globalAlpha = 0.35;
      ctx.fillStyle = hatch;
      view.bars.forEach((bar, index) => {
        if (bar.flaggedClasses.length === 0) return;
        const center = x.getPixelForValue(index);
        const width = Math.max(2, half * 1.6);
        ctx.fillRect(center - width / 2, chartArea.top, width, chartArea.bottom - chartArea.top);
      });
      ctx.globalAlpha = 1;
    }
    ctx.restore();
  },
  afterDatasetsDraw(chart, _args, options: BandOptions) {
    const { view, theme } = options;
    const bars = chart.getDatasetMeta(1).data;
    const y = chart.scales.y;
    if (view === null || theme === null || y === undefined) return;
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = theme.colors.red;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.font = `${Math.max(9, theme.fontSize - 3)}px ${theme.fontFamily}`;
    view.bars.forEach((bar, index) => {
      const element = bars[index];
      if (bar.flaggedClasses.length === 0 || element === undefined) return;
      const top = Math.min(element.y, y.getPixelForValue(0) - 1) - 2;
      ctx.fillText(view.binSize > 1 ? `▲${bar.flaggedClasses.length}` : '▲', element.x, top);
    });
    ctx.restore();
  },
};

export class ClassBarsCard {
  readonly card: ChartCard;
  private chart: Chart<'bar', (number | null)[], string> | undefined;
  private readonly note: HTMLParagraphElement;
  private readonly layoutButtons: HTMLDivElement;
  private readonly buttons: Record<UiChoices['classLayout'], HTMLButtonElement>;
  private hatch: { color: string; pattern: CanvasPattern | string } | undefined;

  constructor(options: CardOptions, onLayout: (layout: UiChoices['classLayout']) => void) {
    this.card = new ChartCard('class-recall', { ...options, wide: true, frameClass: 'tall' });
    this.note = element('p', { className: 'card-note' });
    const button = (layout: UiChoices['classLayout'], text: string) => {
      const node = element('button', {
        className: 'segment',
        text,
        attributes: { type: 'button', 'aria-pressed': 'false', 'data-layout': layout },
      });
      node.addEventListener('click', () => onLayout(layout));
      return node;
    };
    this.buttons = { binned: button('binned', 'Bins'), scroll: button('scroll', 'All classes (scroll)') };
    this.layoutButtons = element('div', { className: 'segmented', attributes: { role: 'group', 'aria-label': 'Per-class layout' } }, [
      this.buttons.binned,
      this.buttons.scroll,
    ]);
    this.card.footer.append(this.note, this.layoutButtons);
  }

  update(view: ClassBarsView, theme: Theme): void {
    this.card.setHeader(
      `Per-class recall · ${view.split} · epoch ${view.epoch}`,
      'Recall of each class ordered by training count, head → tail, with n_c on a log axis (line, right). Hatched bars marked ▲ and ⚠ are flagged for minority collapse.',
    );
    this.card.setAriaLabel(view.ariaLabel);
    this.card.setEmpty(view.bars.length === 0 ? 'No classes in this report.' : null);
    setAttribute(this.card.root, 'data-bar-count', String(view.bars.length));
    setAttribute(this.card.root, 'data-flagged-count', String(view.flaggedCount));
    setText(this.note, view.note);
    this.layoutButtons.hidden = !view.manyClasses;
    for (const layout of ['binned', 'scroll'] as const) setAttribute(this.buttons[layout], 'aria-pressed', String(view.layout === layout));
    const scrolling = view.layout === 'scroll' && view.manyClasses;
    this.card.frame.classList.toggle('scroll', scrolling);
    this.card.sizer.style.width = scrolling ? `${Math.max(600, view.bars.length * SCROLL_BAR_PX)}px` : '';

    this.card.setLegend([
      {
        key: 'recall',
        label: view.binSize > 1 ? 'mean recall per bin' : 'recall',
        color: theme.colors.blue,
        dash: 'solid',
        marker: 'bar',
        hidden: false,
      },
      {
        key: 'flagged',
        label: 'flagged for minority collapse (▲, ⚠)',
        color: theme.colors.red,
        dash: 'solid',
        marker: 'hatched-bar',
        hidden: false,
      },
      trainCountLegend(theme, 'training count n_c (log, right axis)'),
    ]);

    this.card.whenVisible(() => this.draw(view, theme));
  }

  /**
   * Flagged and other bars are two datasets drawn at the same positions (`grouped: false`), so that each has constant
   * options: per-bar option arrays make Chart.js resolve options bar by bar on every update.
   */
  private draw(view: ClassBarsView, theme: Theme): void {
    const hatch = this.hatchPattern(theme);
    const bars = (flagged: boolean, label: string): ChartDataset<'bar', (number | null)[]> => ({
      type: 'bar',
      label,
      data: view.bars.map((bar) => (bar.flaggedClasses.length > 0 === flagged ? bar.recall : null)),
      yAxisID: 'y',
      backgroundColor: flagged ? hatch : withAlpha(theme.colors.blue, 0.75),
      borderColor: flagged ? theme.colors.red : theme.colors.blue,
      borderWidth: flagged ? 2 : 0,
      grouped: false,
      categoryPercentage: 0.9,
      barPercentage: 0.95,
      minBarLength: flagged ? 2 : 0,
      order: 2,
    });
    const labels = view.bars.map((bar) => (bar.flaggedClasses.length > 0 ? `⚠ ${bar.label}` : bar.label));
    const options = this.options(view, theme, hatch);
    const data = {
      labels,
      datasets: [
        bars(false, 'recall'),
        bars(true, 'recall (flagged)'),
        trainCountLine(
          theme,
          view.bars.map((bar) => bar.trainCount),
          'training count',
        ),
      ],
    };
    if (this.chart === undefined) {
      this.chart = new Chart<'bar', (number | null)[], string>(this.card.canvas, {
        type: 'bar',
        data,
        options,
        plugins: [shotBandsPlugin],
      });
      return;
    }
    this.chart.data = data;
    this.chart.options = options;
    this.chart.update('none');
  }

  private options(view: ClassBarsView, theme: Theme, hatch: CanvasPattern | string): ChartOptions<'bar'> {
    const options: ChartOptions<'bar'> = {
      animation: false,
      layout: { padding: { top: 22 } },
      interaction: { mode: 'index', intersect: false },
      scales: headToTailScales(theme, {
        x: view.binSize > 1 ? 'bins of classes, head → tail (rank by training count)' : 'class, head → tail',
        y: `recall · ${view.split}`,
        count: 'training count n_c',
      }),
      plugins: {
        legend: { display: false },
        tooltip: {
          filter: (item) => item.parsed.y !== null,
          callbacks: {
            title: (items) => view.bars[items[0]?.dataIndex ?? 0]?.detail ?? '',
            label: (item) =>
              item.datasetIndex < 2 ? ` recall ${formatPercent(item.parsed.y)}` : ` n_c ${formatCount(Math.round(item.parsed.y ?? 0))}`,
          },
        },
      },
    };
    (options.plugins as Record<string, unknown>).ncShotBands = { view, theme, hatch } satisfies BandOptions;
    return options;
  }

  /** Diagonal red stripes over a faint red fill. */
  private hatchPattern(theme: Theme): CanvasPattern | string {
    const color = theme.colors.red;
    if (this.hatch?.color === color) return this.hatch.pattern;
    const tile = document.createElement('canvas');
    tile.width = 8;
    tile.height = 8;
    const context = tile.getContext('2d');
    let pattern: CanvasPattern | string = withAlpha(color, 0.5);
    if (context !== null) {
      context.fillStyle = withAlpha(color, 0.25);
      context.fillRect(0, 0, 8, 8);
      context.strokeStyle = color;
      context.lineWidth = 2;
      context.beginPath();
      context.moveTo(-2, 10);
      context.lineTo(10, -2);
      context.moveTo(-2, 2);
      context.lineTo(2, -2);
      context.moveTo(6, 10);
      context.lineTo(10, 6);
      context.stroke();
      pattern = context.createPattern(tile, 'repeat') ?? pattern;
    }
    this.hatch = { color, pattern };
    return pattern;
  }
}

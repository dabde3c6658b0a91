/**
 * A cosine matrix as a heatmap on a canvas: a diverging scale from −1 (blue) through 0 (the background) to +1 (red),
 * the simplex-ETF value −1/(C−1) marked on the colour bar, Many/Medium/Few boundaries as lines, and the cell under
 * the pointer named in a tooltip. Summaries add a table of the shot-group block means.
 */
import type { HeatmapView } from '../model/cosineHeatmap';
import { formatMetric } from '../format';
import { ChartCard } from './chartCard';
import type { CardOptions } from './chartCard';
import { element, setText } from './elements';
import { parseColor } from './theme';
import type { Theme } from './theme';

const LEFT = 74;
const TOP = 6;
const COLOR_BAR = 46;

type Rgb = [number, number, number];

export class HeatmapCard {
  readonly card: ChartCard;
  private view: HeatmapView | undefined;
  private theme: Theme | undefined;
  private image: HTMLCanvasElement | undefined;
  private imageKey: { cells: Float64Array; theme: Theme } | undefined;
  private geometry = { left: LEFT, top: TOP, side: 0 };
  private readonly tooltip: HTMLDivElement;
  private readonly table: HTMLTableElement;
  private readonly note: HTMLParagraphElement;

  constructor(id: HeatmapView['id'], options: CardOptions) {
    this.card = new ChartCard(id, { ...options, frameClass: 'square' });
    this.tooltip = element('div', { className: 'heatmap-tooltip', attributes: { 'aria-hidden': 'true', hidden: '' } });
    this.card.frame.append(this.tooltip);
    this.note = element('p', { className: 'card-note' });
    this.table = element('table', { className: 'block-table', attributes: { hidden: '' } });
    this.card.footer.append(this.note, this.table);
    this.card.legend.hidden = true;
    this.card.canvas.addEventListener('mousemove', (event) => this.hover(event));
    this.card.canvas.addEventListener('mouseleave', () => (this.tooltip.hidden = true));
    new ResizeObserver(() => this.draw()).observe(this.card.frame);
  }

  update(view: HeatmapView, theme: Theme): void {
    const changed = view !== this.view || theme !== this.theme;
    this.view = view;
    this.theme = theme;
    this.card.setHeader(view.title, view.description);
    this.card.setAriaLabel(view.ariaLabel);
    this.card.setEmpty(view.size === 0 ? 'No cosine matrix in this report.' : null);
    setText(
      this.note,
      `${view.note} Simplex ETF: ${formatMetric(view.etfCosine)}; mean off-diagonal: ${formatMetric(view.meanOffDiagonal)}.`,
    );
    if (changed) {
      this.renderTable(view, theme);
      this.card.whenVisible(() => this.draw());
    }
  }

  /** Redraws at the frame's current size and device pixel ratio. */
  draw(): void {
    const { view, theme } = this;
    const canvas = this.card.canvas;
    if (view === undefined || theme === undefined) return;
    const width = this.card.sizer.clientWidth;
    const height = this.card.sizer.clientHeight;
    if (width === 0 || height === 0) return;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const context = canvas.getContext('2d');
    if (context === null) return;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    const side = Math.max(0, Math.min(width - LEFT - 12, height - TOP - COLOR_BAR));
    const left = LEFT + Math.max(0, (width - LEFT - 12 - side) / 2);
    this.geometry = { left, top: TOP, side };
    if (view.size === 0 || side <= 0) return;

    context.imageSmoothingEnabled = false;
    context.drawImage(this.cellImage(view, theme), left, TOP, side, side);
    context.strokeStyle = theme.grid;
    context.lineWidth = 1;
    context.strokeRect(left + 0.5, TOP + 0.5, side - 1, side - 1);

    const cell = side / view.size;
    const fontSize = Math.max(10, theme.fontSize - 2);
    context.font = `${fontSize}px ${theme.fontFamily}`;
    for (const segment of view.segments) {
      const start = segment.first * cell;
      const end = (segment.last + 1) * cell;
      if (segment.first > 0) {
        context.strokeStyle = theme.foreground;
        context.setLineDash([4, 3]);
        context.beginPath();
        context.moveTo(left + start, TOP);
        context.lineTo(left + start, TOP + side);
        context.moveTo(left, TOP + start);
        context.lineTo(left + side, TOP + start);
        context.stroke();
        context.setLineDash([]);
      }
      if (end - start >= fontSize) {
        context.fillStyle = theme.muted;
        context.textAlign = 'right';
        context.textBaseline = 'middle';
        context.fillText(segment.label.split(' ')[0] ?? segment.label, left - 6, TOP + (start + end) / 2);
      }
    }
    this.drawColorBar(context, view, theme, left, TOP + side + 12, side);
  }

  private drawColorBar(context: CanvasRenderingContext2D, view: HeatmapView, theme: Theme, left: number, top: number, width: number): void {
    const barHeight = 8;
    // Three stops reproduce `colorScale`: canvas gradients interpolate linearly in RGB, as it does.
    const gradient = context.createLinearGradient(left, 0, left + width, 0);
    gradient.addColorStop(0, theme.colors.blue);
    gradient.addColorStop(0.5, theme.background);
    gradient.addColorStop(1, theme.colors.red);
    context.fillStyle = gradient;
    context.fillRect(left, top, width, barHeight);
    context.strokeStyle = theme.grid;
    context.strokeRect(left + 0.5, top + 0.5, width - 1, barHeight);
    const position = (value: number) => left + ((value + 1) / 2) * width;
    context.fillStyle = theme.muted;
    context.textBaseline = 'top';
    for (const [value, align] of [
      [-1, 'left'],
      [0, 'center'],
      [1, 'right'],
    ] as const) {
      context.textAlign = align;
      context.fillText(value === -1 ? '−1' : String(value), position(value), top + barHeight + 3);
    }
    const etf = position(view.etfCosine);
    context.fillStyle = theme.foreground;
    context.beginPath();
    context.moveTo(etf, top - 1);
    context.lineTo(etf - 4, top - 7);
    context.lineTo(etf + 4, top - 7);
    context.closePath();
    context.fill();
    context.textAlign = 'right';
    context.textBaseline = 'bottom';
    context.fillText(`ETF ${formatMetric(view.etfCosine)} ▾`, etf + 4, top - 7);
  }

  private cellImage(view: HeatmapView, theme: Theme): HTMLCanvasElement {
    if (this.image !== undefined && this.imageKey?.cells === view.cells && this.imageKey.theme === theme) return this.image;
    const image = this.image ?? document.createElement('canvas');
    image.width = view.size;
    image.height = view.size;
    const context = image.getContext('2d');
    if (context !== null) {
      const pixels = context.createImageData(view.size, view.size);
      const scale = colorScale(theme);
      const missing = parseColor(theme.grid);
      const background = parseColor(theme.background);
      const muted = parseColor(theme.muted);
      // The diagonal of a full matrix is cos = 1 by definition: drawn neutral so the off-diagonal structure stands out.
      const diagonal: Rgb = [0, 1, 2].map((k) => Math.round(0.75 * (background[k] ?? 0) + 0.25 * (muted[k] ?? 0))) as Rgb;
      for (let index = 0; index < view.cells.length; index++) {
        const value = view.cells[index] ?? Number.NaN;
        const onDiagonal = view.kind === 'full' && index % (view.size + 1) === 0;
        const [r, g, b] = onDiagonal ? diagonal : Number.isNaN(value) ? missing : scale(value);
        pixels.data.set([r, g, b, 255], index * 4);
      }
      context.putImageData(pixels, 0, 0);
    }
    this.image = image;
    this.imageKey = { cells: view.cells, theme };
    return image;
  }

  private hover(event: MouseEvent): void {
    const view = this.view;
    const { left, top, side } = this.geometry;
    if (view === undefined || side <= 0) return;
    const bounds = this.card.canvas.getBoundingClientRect();
    const x = event.clientX - bounds.left - left;
    const y = event.clientY - bounds.top - top;
    if (x < 0 || y < 0 || x >= side || y >= side) {
      this.tooltip.hidden = true;
      return;
    }
    const column = Math.floor((x / side) * view.size);
    const row = Math.floor((y / side) * view.size);
    const value = view.cells[row * view.size + column];
    this.tooltip.textContent = `${view.labels[row] ?? row} × ${view.labels[column] ?? column}: cos ${formatMetric(value === undefined || Number.isNaN(value) ? null : value)}`;
    this.tooltip.hidden = false;
    this.tooltip.style.left = `${Math.min(bounds.width - 160, event.clientX - bounds.left + 12)}px`;
    this.tooltip.style.top = `${event.clientY - bounds.top + 12}px`;
  }

  private renderTable(view: HeatmapView, theme: Theme): void {
    const blocks = view.blocks;
    this.table.hidden = blocks === null;
    if (blocks === null) return;
    const scale = colorScale(theme);
    const head = element('tr', {}, [
      element('th', { text: 'mean cos', attributes: { scope: 'col' } }),
      ...blocks.labels.map((label) => element('th', { text: label, attributes: { scope: 'col' } })),
    ]);
    const rows = blocks.values.map((values, i) =>
      element('tr', {}, [
        element('th', { text: blocks.labels[i] ?? '', attributes: { scope: 'row' } }),
        ...values.map((value) => {
          const cell = element('td', { text: formatMetric(value) });
          if (value !== null) {
            const [r, g, b] = scale(value);
            cell.style.backgroundColor = `rgb(${r}, ${g}, ${b})`;
          }
          return cell;
        }),
      ]),
    );
    this.table.replaceChildren(
      element('caption', { text: 'Block means over Many / Medium / Few classes' }),
      element('thead', {}, [head]),
      element('tbody', {}, rows),
    );
  }
}

/** Diverging −1 → blue, 0 → background, +1 → red, linear in RGB. */
export function colorScale(theme: Theme): (value: number) => Rgb {
  const background = parseColor(theme.background);
  const negative = parseColor(theme.colors.blue);
  const positive = parseColor(theme.colors.red);
  return (value) => {
    const t = Math.max(-1, Math.min(1, value));
    const end = t < 0 ? negative : positive;
    const w = Math.abs(t);
    return [0, 1, 2].map((k) => Math.round((background[k] ?? 0) * (1 - w) + (end[k] ?? 0) * w)) as Rgb;
  };
}

/**
 * The frame every chart sits in: title, one-line description, a PNG export button, a legend, and a canvas in a
 * wrapper of definite height with `position: relative` (Chart.js grows an unbounded canvas forever). The section
 * carries `data-chart="<id>"` and the canvas `role="img"` with the current aria-label, for people and for tests.
 */
import type { ChartId } from '../../protocol/dashboard';
import { element, setAttribute, setText } from './elements';
import { renderLegend } from './legend';
import type { LegendEntry } from './legend';

export interface CardOptions {
  /** Spans the whole grid row. */
  wide?: boolean;
  frameClass?: string;
  onExport: (chart: ChartId, canvas: HTMLCanvasElement, title: string, legend: readonly LegendEntry[]) => void;
}

/**
 * Charts off screen are not redrawn: with a dozen charts of 500 evaluations, redrawing all of them takes longer than
 * a frame. Their text (title, legend, aria-label) stays current; the drawing catches up when they scroll into view.
 */
const visibility = new Map<Element, ChartCard>();
let observer: IntersectionObserver | undefined;

function observe(card: ChartCard): void {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) visibility.get(entry.target)?.setVisible(entry.isIntersecting);
    },
    { rootMargin: '300px 0px' },
  );
  visibility.set(card.root, card);
  observer.observe(card.root);
}

export class ChartCard {
  readonly root: HTMLElement;
  readonly frame: HTMLDivElement;
  /** The element Chart.js sizes to; inside `frame` (a scrolling frame makes it wider than the frame). */
  readonly sizer: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  readonly legend: HTMLUListElement;
  readonly footer: HTMLDivElement;
  private readonly heading: HTMLHeadingElement;
  private readonly description: HTMLParagraphElement;
  private readonly empty: HTMLParagraphElement;
  private title = '';
  private legendEntries: readonly LegendEntry[] = [];
  private visible = false;
  /** The newest drawing not done yet because the card was off screen. */
  private pending: (() => void) | undefined;

  constructor(
    readonly id: ChartId,
    options: CardOptions,
  ) {
    this.heading = element('h2', { className: 'card-title' });
    const exportButton = element('button', {
      className: 'icon-button',
      text: 'PNG',
      attributes: { type: 'button', title: 'Save this chart as a PNG image', 'data-action': 'export-png' },
    });
    exportButton.addEventListener('click', () =>
      options.onExport(
        id,
        this.canvas,
        this.title,
        this.legendEntries.filter((entry) => !entry.hidden),
      ),
    );
    this.description = element('p', { className: 'card-description' });
    this.canvas = element('canvas', { attributes: { role: 'img' } });
    this.sizer = element('div', { className: 'chart-sizer' }, [this.canvas]);
    this.empty = element('p', { className: 'chart-empty', attributes: { hidden: '' } });
    this.frame = element('div', { className: `chart-frame ${options.frameClass ?? ''}`.trim() }, [this.sizer, this.empty]);
    this.legend = element('ul', { className: 'legend', attributes: { 'aria-label': 'Series' } });
    this.footer = element('div', { className: 'card-footer' });
    this.root = element('section', { className: `card chart-card${options.wide ? ' wide' : ''}`, attributes: { 'data-chart': id } }, [
      element('header', { className: 'card-header' }, [this.heading, exportButton]),
      this.description,
      this.legend,
      this.frame,
      this.footer,
    ]);
    exportButton.setAttribute('aria-label', `Save the ${id} chart as PNG`);
    observe(this);
  }

  /** Draws now when the card is on screen (or near it), else when it gets there; only the newest drawing is kept. */
  whenVisible(draw: () => void): void {
    if (this.visible) {
      this.pending = undefined;
      draw();
    } else {
      this.pending = draw;
    }
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    const draw = this.pending;
    if (!visible || draw === undefined) return;
    // In the next frame, unless a newer update drew first.
    requestAnimationFrame(() => {
      if (this.pending !== draw) return;
      this.pending = undefined;
      draw();
    });
  }

  setHeader(title: string, description: string): void {
    this.title = title;
    setText(this.heading, title);
    setText(this.description, description);
  }

  /** The legend under the title; exported PNGs repeat it. */
  setLegend(entries: readonly LegendEntry[], onToggle?: (key: string) => void): void {
    this.legendEntries = entries;
    renderLegend(this.legend, entries, onToggle);
  }

  setAriaLabel(label: string): void {
    setAttribute(this.canvas, 'aria-label', label);
  }

  /** Shows a sentence instead of the chart (the canvas stays, for its size and label). */
  setEmpty(text: string | null): void {
    this.empty.hidden = text === null;
    this.sizer.classList.toggle('is-empty', text !== null);
    if (text !== null) setText(this.empty, text);
  }
}

/**
 * Draws a `DashboardView` into the page: header and toolbar, notices, the collapse banner, summary cards, the chart
 * grid, the per-class views. Elements are created once and updated in place; charts are never re-created per frame.
 */
import type { ChartId, WebviewMessage } from '../../protocol/dashboard';
import type { DashboardView } from '../model/dashboardView';
import type { UiAction } from '../state';
import { BannerElement } from './bannerElement';
import type { CardOptions } from './chartCard';
import { ClassBarsCard } from './classBarsCard';
import { element, setAttribute, setText } from './elements';
import { HeatmapCard } from './heatmapCard';
import { LabelScoresCard } from './labelScoresCard';
import { swatch } from './legend';
import { LineChartCard } from './lineChartCard';
import { NormsCard } from './normsCard';
import { chartPng } from './pngExport';
import type { Theme } from './theme';

export interface RendererHooks {
  post(message: WebviewMessage): void;
  dispatch(action: UiAction): void;
}

export class DashboardRenderer {
  private readonly title = element('h1', { className: 'run-title' });
  private readonly status = element('span', { className: 'status-badge' });
  private readonly meta = element('p', { className: 'run-meta' });
  private readonly splitButtons: Record<'test' | 'train', HTMLButtonElement>;
  private readonly splitGroup: HTMLDivElement;
  private readonly compareButton: HTMLButtonElement;
  private readonly notices = element('div', { className: 'notices' });
  private readonly waiting = element('p', { className: 'waiting', text: 'Waiting for the run’s data from the extension…' });
  private readonly banner = new BannerElement();
  private readonly cards = element('div', { className: 'summary-cards', attributes: { role: 'list', 'aria-label': 'Latest values' } });
  private readonly compareLegend = element('ul', { className: 'compare-legend', attributes: { 'aria-label': 'Compared runs' } });
  private readonly lineGrid = element('div', { className: 'chart-grid' });
  private readonly detailGrid = element('div', { className: 'chart-grid detail-grid' });
  private readonly lineCards = new Map<ChartId, LineChartCard>();
  private readonly heatmapCards = new Map<string, HeatmapCard>();
  private classBars: ClassBarsCard | undefined;
  private norms: NormsCard | undefined;
  private labelScores: LabelScoresCard | undefined;
  private readonly cardOptions: CardOptions;
  private theme: Theme | undefined;
  private cardsSignature = '';
  private compareSignature = '';

  constructor(
    root: HTMLElement,
    private readonly hooks: RendererHooks,
  ) {
    this.cardOptions = {
      onExport: (chart, canvas, title, legend) => {
        if (this.theme === undefined) return;
        hooks.post({ type: 'webview/exportPng', chart, dataUrl: chartPng(canvas, title, legend, this.theme) });
      },
    };
    const splitButton = (split: 'test' | 'train', text: string) => {
      const button = element('button', {
        className: 'segment',
        text,
        attributes: { type: 'button', 'aria-pressed': 'false', 'data-split': split },
      });
      button.addEventListener('click', () => hooks.dispatch({ type: 'ui/setSplit', split }));
      return button;
    };
    this.splitButtons = { test: splitButton('test', 'Test'), train: splitButton('train', 'Train') };
    this.splitGroup = element(
      'div',
      { className: 'segmented', attributes: { role: 'group', 'aria-label': 'Split shown by per-class views' } },
      [
        element('span', { className: 'segmented-label', text: 'Split', attributes: { 'aria-hidden': 'true' } }),
        this.splitButtons.test,
        this.splitButtons.train,
      ],
    );
    this.compareButton = element('button', {
      className: 'button secondary',
      text: 'Compare with…',
      attributes: { type: 'button', 'data-action': 'compare' },
    });
    this.compareButton.addEventListener('click', () => hooks.post({ type: 'webview/compare' }));
    const csvButton = element('button', {
      className: 'button secondary',
      text: 'Export CSV',
      attributes: { type: 'button', 'data-action': 'export-csv' },
    });
    csvButton.addEventListener('click', () => hooks.post({ type: 'webview/exportCsv' }));
    const header = element('header', { className: 'dashboard-header' }, [
      element('div', { className: 'title-block' }, [element('div', { className: 'title-row' }, [this.title, this.status]), this.meta]),
      element('div', { className: 'toolbar', attributes: { role: 'toolbar', 'aria-label': 'Dashboard' } }, [
        this.splitGroup,
        this.compareButton,
        csvButton,
      ]),
    ]);
    root.replaceChildren(
      header,
      this.waiting,
      this.notices,
      this.banner.root,
      this.cards,
      this.compareLegend,
      this.lineGrid,
      this.detailGrid,
    );
  }

  render(view: DashboardView, theme: Theme): void {
    this.theme = theme;
    this.waiting.hidden = view.loaded;
    setText(this.title, view.header.title);
    this.status.hidden = view.header.status === null;
    setText(this.status, view.header.statusText);
    setAttribute(this.status, 'data-status', view.header.status ?? '');
    setText(this.meta, view.header.meta.join(' · '));
    for (const split of ['test', 'train'] as const) {
      const button = this.splitButtons[split];
      setAttribute(button, 'aria-pressed', String(view.split === split));
      button.disabled = !view.splitsAvailable.includes(split);
    }
    this.splitGroup.hidden = view.splitsAvailable.length === 0;
    this.compareButton.textContent = view.mode === 'compare' ? 'Add runs…' : 'Compare with…';

    const notices = [
      ...(view.error === null ? [] : [`Could not read a message from the extension: ${view.error}`]),
      ...view.notices,
      ...(view.detail?.diagnostics ?? []),
    ];
    const noticeText = notices.join('\n');
    if (this.notices.dataset.text !== noticeText) {
      this.notices.dataset.text = noticeText;
      this.notices.replaceChildren(...notices.map((text) => element('p', { className: 'notice', text })));
    }
    this.banner.update(view.detail?.banner ?? null);
    this.renderCards(view);
    this.renderCompareLegend(view, theme);

    const wanted = view.lineCharts.map((chart) => {
      let card = this.lineCards.get(chart.id);
      if (card === undefined) {
        card = new LineChartCard(chart, this.cardOptions);
        this.lineCards.set(chart.id, card);
      }
      return { card, chart };
    });
    syncChildren(
      this.lineGrid,
      wanted.map(({ card }) => card.card.root),
    );
    for (const { card, chart } of wanted) card.update(chart, theme);
    this.renderDetail(view, theme);
  }

  private renderCards(view: DashboardView): void {
    const signature = JSON.stringify(view.cards);
    if (signature === this.cardsSignature) return;
    this.cardsSignature = signature;
    this.cards.hidden = view.cards.length === 0;
    this.cards.replaceChildren(
      ...view.cards.map((card) =>
        element(
          'div',
          {
            className: `summary-card${card.tone === 'warning' ? ' warning' : ''}`,
            attributes: { role: 'listitem', 'data-card': card.key },
          },
          [
            element('span', { className: 'summary-label', text: card.label }),
            element('span', { className: 'summary-value', text: `${card.tone === 'warning' ? '⚠ ' : ''}${card.value}` }),
            element('span', { className: 'summary-detail', text: card.detail }),
          ],
        ),
      ),
    );
  }

  private renderCompareLegend(view: DashboardView, theme: Theme): void {
    const signature = JSON.stringify([view.compare, theme.colors]);
    if (signature === this.compareSignature) return;
    this.compareSignature = signature;
    this.compareLegend.hidden = view.compare.length === 0;
    this.compareLegend.replaceChildren(
      ...view.compare.map((entry) => {
        const button = element(
          'button',
          { className: 'link-button', attributes: { type: 'button', title: `Open the dashboard of ${entry.name}` } },
          [
            swatch({ color: theme.colors[entry.color], dash: 'solid', marker: entry.marker }),
            element('strong', { text: entry.name }),
            element('span', { className: 'compare-detail', text: ` ${entry.status} · ${entry.detail}` }),
          ],
        );
        button.addEventListener('click', () => this.hooks.post({ type: 'webview/openRun', runId: entry.runId }));
        return element('li', {}, [button]);
      }),
    );
  }

  private renderDetail(view: DashboardView, theme: Theme): void {
    const detail = view.detail;
    if (detail === null) {
      syncChildren(this.detailGrid, []);
      return;
    }
    this.classBars ??= new ClassBarsCard(this.cardOptions, (classLayout) =>
      this.hooks.dispatch({ type: 'ui/setClassLayout', classLayout }),
    );
    this.norms ??= new NormsCard(this.cardOptions);
    const heatmaps = detail.heatmaps.map((heatmap) => {
      let card = this.heatmapCards.get(heatmap.id);
      if (card === undefined) {
        card = new HeatmapCard(heatmap.id, this.cardOptions);
        this.heatmapCards.set(heatmap.id, card);
      }
      return { card, heatmap };
    });
    // Multi-label runs: per-label scores first, above the single-label views.
    const labelScores = detail.labelScores === null ? undefined : (this.labelScores ??= new LabelScoresCard(this.cardOptions));
    syncChildren(this.detailGrid, [
      ...(labelScores === undefined ? [] : [labelScores.card.root]),
      this.classBars.card.root,
      ...heatmaps.map(({ card }) => card.card.root),
      this.norms.card.root,
    ]);
    if (labelScores !== undefined && detail.labelScores !== null) labelScores.update(detail.labelScores, theme);
    this.classBars.update(detail.classBars, theme);
    for (const { card, heatmap } of heatmaps) card.update(heatmap, theme);
    this.norms.update(detail.norms, theme);
  }
}

/** Makes `parent`'s children exactly `children`, in order, moving only what is out of place. */
function syncChildren(parent: HTMLElement, children: readonly HTMLElement[]): void {
  children.forEach((child, index) => {
    if (parent.children[index] !== child) parent.insertBefore(child, parent.children[index] ?? null);
  });
  while (parent.children.length > children.length) parent.lastElementChild?.remove();
}

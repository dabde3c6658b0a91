/** The minority-collapse banner: a live region that speaks when it appears or its headline changes. */
import type { CollapseBannerView } from '../model/collapseBanner';
import { formatMetric, formatPercent } from '../format';
import { element, setText } from './elements';

export class BannerElement {
  readonly root: HTMLElement;
  private readonly headline: HTMLElement;
  private readonly measurement: HTMLParagraphElement;
  private readonly meaning: HTMLParagraphElement;
  private readonly remedies: HTMLParagraphElement;
  private readonly table: HTMLTableElement;
  private readonly summary: HTMLElement;
  private rowsSignature = '';

  constructor() {
    this.headline = element('strong', { className: 'banner-headline' });
    this.measurement = element('p');
    this.meaning = element('p', { className: 'banner-meaning' });
    this.remedies = element('p', { className: 'banner-remedies' });
    this.table = element('table', { className: 'flagged-table' });
    this.summary = element('summary');
    this.root = element(
      'section',
      { className: 'banner', attributes: { role: 'status', 'aria-live': 'polite', 'data-banner': 'collapse', hidden: '' } },
      [
        element('div', { className: 'banner-icon', text: '⚠', attributes: { 'aria-hidden': 'true' } }),
        element('div', { className: 'banner-body' }, [
          this.headline,
          this.measurement,
          this.meaning,
          this.remedies,
          element('details', {}, [this.summary, this.table]),
        ]),
      ],
    );
  }

  update(view: CollapseBannerView | null): void {
    this.root.hidden = view === null;
    if (view === null) return;
    setText(this.headline, view.headline);
    setText(this.measurement, view.measurement);
    setText(this.meaning, view.meaning);
    setText(this.remedies, view.remedies);
    setText(this.summary, `Flagged classes${view.moreCount > 0 ? ` (first ${view.rows.length}; ${view.moreCount} more)` : ''}`);
    const signature = JSON.stringify(view.rows);
    if (signature === this.rowsSignature) return;
    this.rowsSignature = signature;
    const head = element(
      'tr',
      {},
      ['class', 'since epoch', 'why', 'mean cos to other tail rows', 'recall'].map((text) =>
        element('th', { text, attributes: { scope: 'col' } }),
      ),
    );
    const rows = view.rows.map((row) =>
      element('tr', {}, [
        element('th', { text: `${row.name} (#${row.index})`, attributes: { scope: 'row' } }),
        element('td', { text: row.onsetEpoch === null ? '—' : String(row.onsetEpoch) }),
        element('td', { text: row.reason }),
        element('td', { text: formatMetric(row.cosine) }),
        element('td', { text: formatPercent(row.recall) }),
      ]),
    );
    this.table.replaceChildren(element('thead', {}, [head]), element('tbody', {}, rows));
  }
}

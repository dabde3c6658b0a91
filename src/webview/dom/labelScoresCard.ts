/**
 * Per-label recall and precision of a multi-label run, head → tail by training positives: recall as filled bars,
 * precision as light outlined bars beside them (told apart by fill and outline, not by colour alone), and the
 * training label count n_c on a log axis (dotted line, right).
 */
import type { ChartDataset, ChartOptions } from 'chart.js';
import type { LabelScoresView } from '../model/multiLabel';
import { formatCount, formatPercent } from '../format';
import { Chart } from './chartSetup';
import { headToTailScales, trainCountLegend, trainCountLine } from './headToTailBars';
import { ChartCard } from './chartCard';
import type { CardOptions } from './chartCard';
import { element, setAttribute, setText } from './elements';
import { withAlpha } from './theme';
import type { Theme } from './theme';

export class LabelScoresCard {
  readonly card: ChartCard;
  private chart: Chart<'bar', (number | null)[], string> | undefined;
  private readonly note: HTMLParagraphElement;

  constructor(options: CardOptions) {
    this.card = new ChartCard('label-scores', { ...options, wide: true, frameClass: 'tall' });
    this.note = element('p', { className: 'card-note' });
    this.card.footer.append(this.note);
  }

  update(view: LabelScoresView, theme: Theme): void {
    this.card.setHeader(
      `Per-label recall and precision · ${view.split} · epoch ${view.epoch}`,
      `Multi-label: each label scored on every sample, a label predicted where σ(z) > ${view.threshold}. Recall TP/(TP + FN), precision TP/(TP + FP); labels ordered by training positives n_c, head → tail.`,
    );
    this.card.setAriaLabel(view.ariaLabel);
    this.card.setEmpty(view.bars.length === 0 ? 'No labels in this report.' : null);
    setAttribute(this.card.root, 'data-bar-count', String(view.bars.length));
    setText(this.note, view.note);
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
        key: 'precision',
        label: view.binSize > 1 ? 'mean precision per bin' : 'precision',
        color: theme.colors.orange,
        dash: 'solid',
        marker: 'hatched-bar',
        hidden: false,
      },
      trainCountLegend(theme, 'training positives n_c (log, right axis)'),
    ]);
    this.card.whenVisible(() => this.draw(view, theme));
  }

  private draw(view: LabelScoresView, theme: Theme): void {
    // Recall filled, precision light with an outline: the two read apart without colour.
    const bars = (label: string, data: (number | null)[], color: string, filled: boolean): ChartDataset<'bar', (number | null)[]> => ({
      type: 'bar',
      label,
      data,
      yAxisID: 'y',
      backgroundColor: withAlpha(color, filled ? 0.75 : 0.3),
      borderColor: color,
      borderWidth: filled ? 0 : 1.5,
      categoryPercentage: 0.85,
      barPercentage: 0.95,
      order: 2,
    });
    const recall = bars(
      'recall',
      view.bars.map((bar) => bar.recall),
      theme.colors.blue,
      true,
    );
    const precision = bars(
      'precision',
      view.bars.map((bar) => bar.precision),
      theme.colors.orange,
      false,
    );
    const data = {
      labels: view.bars.map((bar) => bar.text),
      datasets: [
        recall,
        precision,
        trainCountLine(
          theme,
          view.bars.map((bar) => bar.trainCount),
          'training positives',
        ),
      ],
    };
    const options = this.options(view, theme);
    if (this.chart === undefined) {
      this.chart = new Chart<'bar', (number | null)[], string>(this.card.canvas, { type: 'bar', data, options });
      return;
    }
    this.chart.data = data;
    this.chart.options = options;
    this.chart.update('none');
  }

  private options(view: LabelScoresView, theme: Theme): ChartOptions<'bar'> {
    return {
      animation: false,
      interaction: { mode: 'index', intersect: false },
      scales: headToTailScales(theme, {
        x: view.binSize > 1 ? 'bins of labels, head → tail' : 'label, head → tail',
        y: `recall / precision · ${view.split}`,
        count: 'training positives n_c',
      }),
      plugins: {
        legend: { display: false },
        tooltip: {
          filter: (item) => item.parsed.y !== null,
          callbacks: {
            title: (items) => view.bars[items[0]?.dataIndex ?? 0]?.detail ?? '',
            label: (item) =>
              item.datasetIndex === 0
                ? ` recall ${formatPercent(item.parsed.y)}`
                : item.datasetIndex === 1
                  ? ` precision ${formatPercent(item.parsed.y)}`
                  : ` n_c ${formatCount(Math.round(item.parsed.y ?? 0))}`,
          },
        },
      },
    };
  }
}

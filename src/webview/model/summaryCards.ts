/** The row of headline numbers above the charts of a run's dashboard. */
import type { CollapseFlag, EvaluationReport } from '../../protocol/metrics';
import type { RunState } from '../state';
import { formatMetric, formatPercent } from '../format';

export interface SummaryCard {
  key: string;
  label: string;
  value: string;
  detail: string;
  tone: 'normal' | 'warning';
}

export function summaryCards(run: RunState, report: EvaluationReport | null, flag: CollapseFlag | null): SummaryCard[] {
  const total = run.info?.totalEpochs;
  const epoch = run.epochs.at(-1)?.epoch ?? run.info?.startEpoch ?? 0;
  const cards: SummaryCard[] = [
    {
      key: 'epoch',
      label: 'Epoch',
      value: total === undefined ? String(epoch) : `${epoch} / ${total}`,
      detail: `loss ${formatMetric(run.epochs.at(-1)?.loss)}`,
      tone: 'normal',
    },
  ];
  if (report === null) return cards;
  const groups = report.shotGroupAccuracy;
  const trainScalars = run.evaluations.at(-1)?.train;
  cards.push(
    {
      key: 'accuracy',
      label: `Accuracy · ${report.split}`,
      value: formatPercent(report.accuracy),
      detail: `Many ${formatPercent(groups.many)} · Medium ${formatPercent(groups.medium)} · Few ${formatPercent(groups.few)}`,
      tone: 'normal',
    },
    {
      key: 'nc1',
      label: 'NC1',
      value: formatMetric(trainScalars?.nc1 ?? report.nc1),
      detail: trainScalars ? `train · test ${formatMetric(run.evaluations.at(-1)?.test?.nc1)}` : report.split,
      tone: 'normal',
    },
    {
      key: 'nc2',
      label: 'NC2 classifier',
      value: formatMetric(report.nc2.classifierMaxAngle),
      detail: `|cos + 1/(C−1)| · norm CV ${formatMetric(report.nc2.classifierNormCv)}`,
      tone: 'normal',
    },
    {
      key: 'tail-cosine',
      label: 'Tail classifier cosine',
      value: formatMetric(report.minorityCollapse.tailClassifierCosine),
      detail: `ETF ${formatMetric(report.minorityCollapse.etfCosine)} · head ${formatMetric(report.minorityCollapse.headClassifierCosine)}`,
      tone: flag?.active ? 'warning' : 'normal',
    },
    {
      key: 'flagged',
      label: 'Minority collapse',
      value: flag?.active ? `${flag.classes.length} flagged` : 'none',
      detail:
        flag?.active && flag.onsetEpoch !== null
          ? `since epoch ${flag.onsetEpoch}`
          : `${report.minorityCollapse.tailClasses.length} tail classes watched`,
      tone: flag?.active ? 'warning' : 'normal',
    },
  );
  return cards;
}

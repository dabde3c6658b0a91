import * as vscode from 'vscode';
import { SelectedRunTreeProvider } from './selectedRunTree';
import type { EvaluationReport } from '../../protocol/metrics';
import type { Run } from '../runs/run';
import { formatMetric, formatPercent } from './format';

interface MetricRow {
  label: string;
  value: string;
  /** Previous evaluation's value, for the direction of change. */
  trend: 'up' | 'down' | 'flat' | undefined;
  /** Lower is better for NC metrics, higher for accuracies: decides whether a change is good news. */
  better: 'lower' | 'higher' | undefined;
  flagged?: boolean;
  tooltip: string;
}

type Extract = (report: EvaluationReport) => number | null | undefined;

const ROWS: { label: string; extract: Extract; percent?: boolean; better: 'lower' | 'higher'; tooltip: string }[] = [
  { label: 'Accuracy', extract: (r) => r.accuracy, percent: true, better: 'higher', tooltip: 'Top-1 accuracy (balanced test set: mean per-class recall)' },
  { label: 'Many-shot', extract: (r) => r.shotGroupAccuracy.many, percent: true, better: 'higher', tooltip: 'Mean recall of classes with > 100 training samples' },
  { label: 'Medium-shot', extract: (r) => r.shotGroupAccuracy.medium, percent: true, better: 'higher', tooltip: 'Mean recall of classes with 20–100 training samples' },
  { label: 'Few-shot', extract: (r) => r.shotGroupAccuracy.few, percent: true, better: 'higher', tooltip: 'Mean recall of classes with < 20 training samples' },
  { label: 'NC1', extract: (r) => r.nc1, better: 'lower', tooltip: 'tr(Σ_W Σ_B†)/C: within-class variability relative to between-class (→ 0)' },
  { label: 'NC2 means', extract: (r) => r.nc2.classMeanMaxAngle, better: 'lower', tooltip: 'mean |cos(μ_c, μ_c′) + 1/(C−1)| of centred class means (→ 0 at a simplex ETF)' },
  { label: 'NC2 classifier', extract: (r) => r.nc2.classifierMaxAngle, better: 'lower', tooltip: 'mean |cos(w_c, w_c′) + 1/(C−1)| of classifier rows (→ 0)' },
  { label: 'NC2 equinorm', extract: (r) => r.nc2.classMeanNormCv, better: 'lower', tooltip: 'std/mean of ‖μ_c − μ_G‖ (→ 0)' },
  { label: 'NC3', extract: (r) => r.nc3, better: 'lower', tooltip: '‖Wᵀ/‖W‖ − M/‖M‖‖²_F: classifier–class-mean self-duality (→ 0)' },
  { label: 'NC4', extract: (r) => r.nc4, better: 'lower', tooltip: 'fraction of samples where the network and the nearest class centre disagree (→ 0)' },
  { label: 'Tail classifier cosine', extract: (r) => r.minorityCollapse.tailClassifierCosine, better: 'lower', tooltip: 'mean pairwise cos(w_i, w_j) of tail classes: → 1 under minority collapse; the ETF value is −1/(C−1)' },
  { label: 'Classifier norm slope', extract: (r) => r.minorityCollapse.classifierNormSlope, better: 'lower', tooltip: 'slope of ‖w_c‖ against ln n_c: ≈ 0 for an ETF, > 0 under imbalance' },
];

/** The Live Metrics view: latest value of each metric of the selected run, with its direction of change. */
export class MetricsTreeProvider extends SelectedRunTreeProvider<MetricRow> {
  protected rowsOf(run: Run | undefined): MetricRow[] {
    return metricRows(run);
  }

  override getTreeItem(row: MetricRow): vscode.TreeItem {
    const item = new vscode.TreeItem(row.label);
    const arrow = row.trend === 'up' ? '↑' : row.trend === 'down' ? '↓' : row.trend === 'flat' ? '→' : '';
    item.description = `${row.value} ${arrow}`.trim();
    const improving = row.trend === undefined || row.trend === 'flat' ? undefined : (row.trend === 'down') === (row.better === 'lower');
    item.iconPath = row.flagged
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
      : improving === undefined
        ? new vscode.ThemeIcon('circle-small')
        : new vscode.ThemeIcon(row.trend === 'up' ? 'arrow-up' : 'arrow-down', new vscode.ThemeColor(improving ? 'charts.green' : 'charts.orange'));
    item.tooltip = row.tooltip;
    item.accessibilityInformation = { label: `${row.label} ${row.value}${row.trend ? `, ${row.trend === 'flat' ? 'unchanged' : row.trend === 'up' ? 'rising' : 'falling'}` : ''}` };
    return item;
  }
}

export function metricRows(run: Run | undefined): MetricRow[] {
  if (run === undefined) return [];
  const latest = run.evaluations.at(-1);
  const epoch = run.epochs.at(-1);
  const rows: MetricRow[] = [];
  if (epoch !== undefined) {
    rows.push({ label: 'Epoch', value: `${epoch.epoch}/${epoch.totalEpochs}`, trend: undefined, better: undefined, tooltip: 'Last finished epoch' });
    rows.push({ label: 'Loss', value: formatMetric(epoch.loss), trend: trendOf(run.epochs.at(-2)?.loss, epoch.loss), better: 'lower', tooltip: 'Mean training loss of the last epoch' });
  }
  if (latest === undefined) return rows;
  const previous = run.evaluations.at(-2);
  const pick = (message: typeof latest | undefined) => message?.reports.find((report) => report.split === 'test') ?? message?.reports[0];
  const report = pick(latest);
  const before = pick(previous);
  if (report === undefined) return rows;
  for (const spec of ROWS) {
    const value = spec.extract(report);
    rows.push({
      label: `${spec.label} (${report.split})`,
      value: spec.percent ? formatPercent(value) : formatMetric(value),
      trend: before === undefined ? undefined : trendOf(spec.extract(before), value),
      better: spec.better,
      flagged: spec.label === 'Tail classifier cosine' && latest.collapse.active,
      tooltip: spec.tooltip,
    });
  }
  rows.push({
    label: 'Minority collapse',
    value: latest.collapse.active ? latest.collapse.message : 'not flagged',
    trend: undefined,
    better: undefined,
    flagged: latest.collapse.active,
    tooltip: latest.collapse.message,
  });
  return rows;
}

function trendOf(before: number | null | undefined, now: number | null | undefined): MetricRow['trend'] {
  if (before === null || before === undefined || now === null || now === undefined) return undefined;
  const scale = Math.max(Math.abs(before), Math.abs(now), 1e-12);
  if (Math.abs(now - before) / scale < 1e-3) return 'flat';
  return now > before ? 'up' : 'down';
}

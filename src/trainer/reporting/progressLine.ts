import type { EpochDidEnd, MetricsDidUpdate, TrainerMessage } from '../../protocol/messages';

const fixed = (value: number | null | undefined, digits = 3) => (value === null || value === undefined ? '—' : value.toPrecision(digits));
const percent = (value: number | null | undefined) => (value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`);

/**
 * The terminal's view of a run: one compact line per epoch (epoch, loss, accuracy, and at evaluations NC1–NC4,
 * Many/Medium/Few accuracy and the collapse flag), plus the start, logs and the end.
 */
export class ProgressPrinter {
  private pendingEpoch: EpochDidEnd | undefined;

  constructor(private readonly write: (line: string) => void) {}

  accept(message: TrainerMessage): void {
    switch (message.type) {
      case 'epoch/didEnd':
        this.flush();
        this.pendingEpoch = message;
        return;
      case 'metrics/didUpdate':
        this.write(formatEpochLine(this.pendingEpoch, message));
        this.pendingEpoch = undefined;
        return;
      case 'run/didStart':
        this.write(
          `run ${message.runName}: ${message.dataset.source}, ${message.dataset.classNames.length} classes, ` +
            `train counts ${message.dataset.trainCounts.join('/')}, backend ${message.backend.name}, folder ${message.runFolder}`,
        );
        for (const diagnostic of message.diagnostics) this.write(`note: ${diagnostic}`);
        return;
      case 'log':
        this.write(message.level === 'info' ? message.message : `${message.level}: ${message.message}`);
        return;
      case 'run/didEnd':
        this.flush();
        this.write(
          `run ${message.reason} at epoch ${message.epoch} after ${(message.durationMs / 1000).toFixed(1)} s${message.error === undefined ? '' : `: ${message.error}`}`,
        );
        return;
      case 'hello':
        return;
    }
  }

  /** An epoch without an evaluation prints when the next message shows none is coming. */
  private flush(): void {
    if (this.pendingEpoch !== undefined) this.write(formatEpochLine(this.pendingEpoch, undefined));
    this.pendingEpoch = undefined;
  }
}

export function formatEpochLine(epoch: EpochDidEnd | undefined, metrics: MetricsDidUpdate | undefined): string {
  const parts: string[] = [];
  if (epoch !== undefined) {
    parts.push(
      `epoch ${String(epoch.epoch).padStart(String(epoch.totalEpochs).length)}/${epoch.totalEpochs}`,
      `loss ${epoch.loss.toFixed(4)}`,
      `train ${percent(epoch.trainAccuracy)}`,
      `${Math.round(epoch.imagesPerSecond)} img/s`,
    );
  } else if (metrics !== undefined) {
    parts.push(`epoch ${metrics.epoch}`);
  }
  const report = metrics?.reports.find((candidate) => candidate.split === 'test') ?? metrics?.reports[0];
  if (report !== undefined) {
    const groups = report.shotGroupAccuracy;
    const labels = report.multiLabel;
    if (labels !== undefined) {
      parts.push(
        `${report.split} labels recall ${percent(labels.macroRecall)} / precision ${percent(labels.macroPrecision)} / exact ${percent(labels.exactMatch)}`,
        `κ_m Ŷ ${fixed(labels.predictedKappaM)} (Y ${fixed(labels.labelStatistics.kappaM)})`,
      );
    }
    parts.push(
      // Multi-label runs: top-1 accuracy and the NC metrics are on the single-label samples.
      `${report.split}${labels === undefined ? '' : ' single-label'} ${percent(report.accuracy)} (many ${percent(groups.many)} / medium ${percent(groups.medium)} / few ${percent(groups.few)})`,
      `NC1 ${fixed(report.nc1)}`,
      `NC2 ${fixed(report.nc2.classMeanMaxAngle)}/${fixed(report.nc2.classifierMaxAngle)}`,
      `NC3 ${fixed(report.nc3)}`,
      `NC4 ${fixed(report.nc4)}`,
      `tail cos ${fixed(report.minorityCollapse.tailClassifierCosine)}`,
    );
  }
  const flag = metrics?.collapse;
  if (flag?.active === true) parts.push(`⚠ collapse: classes ${flag.classes.join(',')} since epoch ${flag.onsetEpoch ?? '?'}`);
  return parts.join('  ');
}

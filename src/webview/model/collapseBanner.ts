/**
 * The banner shown while minority collapse is flagged: which classes, since which epoch, how far the tail classifier
 * rows are from the simplex ETF, what it means and which methods counter it (DOMAIN.md, Fang et al. PNAS 2021).
 */
import type { CollapseFlag, CollapseReason } from '../../protocol/metrics';
import { formatMetric, formatPercent, formatSigned, listNames } from '../format';

export interface FlaggedClassRow {
  index: number;
  name: string;
  onsetEpoch: number | null;
  reason: string;
  cosine: number | null;
  recall: number | null;
}

export interface CollapseBannerView {
  headline: string;
  /** How far from the ETF, in numbers. */
  measurement: string;
  meaning: string;
  remedies: string;
  rows: FlaggedClassRow[];
  /** Flagged classes not listed in `rows`. */
  moreCount: number;
}

/** Rows listed in the banner's table; the rest are counted. */
export const BANNER_ROWS = 12;

const REASONS: Record<CollapseReason, string> = {
  cosine: 'classifier row converging',
  recall: 'recall at or below threshold',
  'cosine+recall': 'row converging and recall lost',
};

export const COLLAPSE_MEANING =
  'The classifier rows of the rarest classes are converging to one direction and shrinking, so these classes lose their ' +
  'decision regions and are predicted less and less (minority collapse, Fang et al., PNAS 2021). It does not undo itself by training longer.';

export const COLLAPSE_REMEDIES =
  'Methods that counter it: a fixed simplex-ETF classifier (Yang et al., NeurIPS 2022); logit adjustment or Balanced Softmax; ' +
  'LDAM with deferred re-weighting (LDAM-DRW); class-balanced re-weighting (effective number of samples); decoupled classifier re-training (cRT).';

export function collapseBanner(flag: CollapseFlag | null, classNames: readonly string[]): CollapseBannerView | null {
  if (flag === null || !flag.active || flag.classes.length === 0) return null;
  const nameOf = (c: number) => classNames[c] ?? `class ${c}`;
  const count = flag.classes.length;
  const since = flag.onsetEpoch === null ? '' : ` since epoch ${flag.onsetEpoch}`;
  const headline = `Minority collapse${since}: ${count} tail ${count === 1 ? 'class' : 'classes'} flagged (${listNames(flag.classes.map(nameOf), 6)}).`;
  const measurement =
    flag.tailClassifierCosine === null
      ? `At epoch ${flag.epoch ?? '?'} the tail classifier cosine is undefined (fewer than two tail classes); flagged by recall ≤ ${formatPercent(flag.thresholds.recall)}.`
      : `At epoch ${flag.epoch ?? '?'} the tail classifier rows have mean pairwise cosine ${formatMetric(flag.tailClassifierCosine)}, ` +
        `${formatSigned(flag.excess)} from the simplex-ETF value ${formatMetric(flag.etfCosine)} (threshold ${formatMetric(flag.thresholds.cosine)}; recall threshold ${formatPercent(flag.thresholds.recall)}).`;
  const rows = flag.classes.slice(0, BANNER_ROWS).map((c, i) => ({
    index: c,
    name: nameOf(c),
    onsetEpoch: flag.classOnsetEpochs[i] ?? null,
    reason: REASONS[flag.classReasons[i] ?? 'cosine'],
    cosine: flag.classCosines[i] ?? null,
    recall: flag.recalls[i] ?? null,
  }));
  return { headline, measurement, meaning: COLLAPSE_MEANING, remedies: COLLAPSE_REMEDIES, rows, moreCount: count - rows.length };
}

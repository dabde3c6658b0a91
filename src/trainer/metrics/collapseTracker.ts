/**
 * Follows minority collapse across evaluations and keeps a flag that says which classes, since which epoch and by
 * how much (DOMAIN.md: "not only collapse: yes").
 *
 * A tail class is flagged at an evaluation when
 * - its classifier row's mean cosine to the other tail rows exceeds `collapseCosine` (the rows converge to one
 *   direction, Fang et al. 2021; the mean of these per-class values is the tail classifier cosine, so the config's
 *   "mean pairwise tail cosine > threshold" always flags at least one class), or
 * - its recall is at or below `collapseRecall` (recall from the report passed in: the test report when the test split
 *   is evaluated) and either it has FALLEN there after being above it at an earlier evaluation, or the network has
 *   fitted the class on the training split (train recall ≥ FITTED_TRAIN_RECALL) yet does not recognise it on test:
 *   the tail that dies silently, memorised but never generalised (at R = 500 on Fashion-MNIST such classes stay at
 *   2–20 % test recall from the first evaluation on, while their rows never fold; see the README's methods table).
 *   A class that is neither is not yet learned rather than collapsed: early in training every tail class has recall
 *   0 on both splits, and flagging them all at epoch 1 would make the flag meaningless. Its geometry (the cosine
 *   rule) still flags it.
 * Its onset is the first epoch of its current uninterrupted flagged streak: a class that recovers and collapses
 * again gets a new onset.
 */
import type { CollapseFlag, CollapseReason, EvaluationReport, MinorityCollapseReport } from '../../protocol/metrics';

export interface CollapseThresholds {
  /** `metrics.collapseCosine`. */
  collapseCosine: number;
  /** `metrics.collapseRecall`. */
  collapseRecall: number;
}

/** What the tracker needs of one evaluation; an `EvaluationReport` fits. */
export interface CollapseEvaluation {
  epoch: number;
  minorityCollapse: Pick<MinorityCollapseReport, 'tailClasses' | 'tailClassifierCosine' | 'tailClassifierCosinePerClass' | 'etfCosine'>;
  recallPerClass?: readonly (number | null)[] | null;
  /** Recall of each class on the training split, when this evaluation also measured it (the fitted-class rule). */
  trainRecallPerClass?: readonly (number | null)[] | null;
}

const LISTED_CLASSES = 10;
/** Train recall from which a class counts as fitted: most of its training samples are classified right. */
export const FITTED_TRAIN_RECALL = 0.5;

/** What the tracker reads from one evaluation's reports: the test report (else the first), with train recall beside. */
export function collapseEvaluationOf(reports: readonly EvaluationReport[]): CollapseEvaluation | undefined {
  const test = reports.find((report) => report.split === 'test');
  const train = reports.find((report) => report.split === 'train');
  const source = test ?? reports[0];
  if (source === undefined) return undefined;
  return test !== undefined && train !== undefined ? { ...source, trainRecallPerClass: train.recallPerClass } : source;
}

export class CollapseTracker {
  private readonly onsets = new Map<number, number>();
  /** Best recall each class has reached so far: the recall rule needs a fall from above the threshold. */
  private readonly peakRecall = new Map<number, number>();
  private current: CollapseFlag;

  constructor(
    private readonly thresholds: CollapseThresholds,
    private readonly classNames?: readonly string[],
  ) {
    this.current = inactiveCollapseFlag(thresholds);
  }

  get flag(): CollapseFlag {
    return this.current;
  }

  update(evaluation: CollapseEvaluation): CollapseFlag {
    const { epoch, minorityCollapse: indicators } = evaluation;
    const { collapseCosine, collapseRecall } = this.thresholds;
    const flagged: { c: number; reason: CollapseReason; cosine: number | null; recall: number | null }[] = [];
    // Train recall of the classes flagged by the fitted-class rule: the message names it.
    const fittedTrainRecall = new Map<number, number>();
    indicators.tailClasses.forEach((c, index) => {
      const cosine = indicators.tailClassifierCosinePerClass[index] ?? null;
      const recall = evaluation.recallPerClass?.[c] ?? null;
      const trainRecall = evaluation.trainRecallPerClass?.[c] ?? null;
      const byCosine = cosine !== null && cosine > collapseCosine;
      const fell = (this.peakRecall.get(c) ?? 0) > collapseRecall;
      const fitted = trainRecall !== null && trainRecall >= FITTED_TRAIN_RECALL;
      const byRecall = recall !== null && recall <= collapseRecall && (fell || fitted);
      if (byRecall && !fell && trainRecall !== null) fittedTrainRecall.set(c, trainRecall);
      if (recall !== null) this.peakRecall.set(c, Math.max(this.peakRecall.get(c) ?? 0, recall));
      if (!byCosine && !byRecall) return;
      flagged.push({ c, reason: byCosine && byRecall ? 'cosine+recall' : byCosine ? 'cosine' : 'recall', cosine, recall });
    });
    const flaggedSet = new Set(flagged.map(({ c }) => c));
    for (const c of [...this.onsets.keys()]) if (!flaggedSet.has(c)) this.onsets.delete(c);
    for (const { c } of flagged) if (!this.onsets.has(c)) this.onsets.set(c, epoch);
    flagged.sort((a, b) => a.c - b.c);

    const classOnsetEpochs = flagged.map(({ c }) => this.onsets.get(c)!);
    const onsetEpoch = classOnsetEpochs.length > 0 ? Math.min(...classOnsetEpochs) : null;
    const tailClassifierCosine = indicators.tailClassifierCosine;
    const excess = tailClassifierCosine === null ? null : tailClassifierCosine - indicators.etfCosine;
    const tailRecalls = indicators.tailClasses.map((c) => evaluation.recallPerClass?.[c] ?? null).filter((r): r is number => r !== null);
    const flag: CollapseFlag = {
      active: flagged.length > 0,
      epoch,
      classes: flagged.map(({ c }) => c),
      classOnsetEpochs,
      classReasons: flagged.map(({ reason }) => reason),
      classCosines: flagged.map(({ cosine }) => cosine),
      recalls: flagged.map(({ recall }) => recall),
      onsetEpoch,
      tailClassifierCosine,
      etfCosine: indicators.etfCosine,
      excess,
      thresholds: { cosine: collapseCosine, recall: collapseRecall },
      message: '',
    };
    flag.message = flag.active
      ? this.activeMessage(flag, fittedTrainRecall)
      : `No minority collapse at epoch ${epoch}: tail classifier cosine ${format(tailClassifierCosine)} ` +
        `(ETF ${format(indicators.etfCosine)}, threshold ${format(collapseCosine)})` +
        (tailRecalls.length > 0 ? `, lowest tail recall ${format(Math.min(...tailRecalls))} (threshold ${format(collapseRecall)})` : '');
    this.current = flag;
    return flag;
  }

  private activeMessage(flag: CollapseFlag, fittedTrainRecall: ReadonlyMap<number, number>): string {
    const listed = flag.classes.slice(0, LISTED_CLASSES).map((c, i) => {
      const parts = [`since epoch ${flag.classOnsetEpochs[i]}`];
      const cosine = flag.classCosines[i];
      const recall = flag.recalls[i];
      if (cosine !== null && cosine !== undefined) parts.push(`cos ${format(cosine)}`);
      if (recall !== null && recall !== undefined) parts.push(`recall ${format(recall)}`);
      const trainRecall = fittedTrainRecall.get(c);
      if (trainRecall !== undefined) parts.push(`train recall ${format(trainRecall)}`);
      return `${this.className(c)} (${parts.join(', ')})`;
    });
    const more = flag.classes.length > LISTED_CLASSES ? ` and ${flag.classes.length - LISTED_CLASSES} more` : '';
    const excess =
      flag.excess === null ? '' : `, ${flag.excess >= 0 ? '+' : ''}${format(flag.excess)} above the ETF value ${format(flag.etfCosine)}`;
    return (
      `Minority collapse since epoch ${flag.onsetEpoch}: ${flag.classes.length} tail class${flag.classes.length === 1 ? '' : 'es'}; ` +
      `tail classifier cosine ${format(flag.tailClassifierCosine)}${excess}. ${listed.join('; ')}${more}`
    );
  }

  private className(c: number): string {
    const name = this.classNames?.[c];
    return name === undefined ? `class ${c}` : `${name} (#${c})`;
  }
}

export function inactiveCollapseFlag(thresholds: CollapseThresholds): CollapseFlag {
  return {
    active: false,
    epoch: null,
    classes: [],
    classOnsetEpochs: [],
    classReasons: [],
    classCosines: [],
    recalls: [],
    onsetEpoch: null,
    tailClassifierCosine: null,
    etfCosine: null,
    excess: null,
    thresholds: { cosine: thresholds.collapseCosine, recall: thresholds.collapseRecall },
    message: 'No evaluation yet',
  };
}

function format(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : value.toFixed(2);
}

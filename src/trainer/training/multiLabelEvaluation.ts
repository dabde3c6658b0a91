/**
 * How the run loop evaluates a multi-label split. NC1–NC4, accuracy, per-class recall and minority collapse need one
 * class per sample (class means, nearest-centre and argmax predictions), so they are computed on the split's
 * single-label samples; the multi-label part of the report (per-label scores, label statistics, κ_m, the prototype
 * check) covers every sample. The latest logits and labels are kept in the run folder, so that anyone can recompute
 * the per-label scores.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EvaluationReport, Split } from '../../protocol/metrics';
import { writeNpy } from '../io/npy';
import { cachedLabelStatistics, multiLabelReport, singleLabelRows } from '../methods/multiLabel';
import type { LabelMatrix } from '../methods/multiLabel';
import type { CollectedFeatures } from './evaluate';

/** Run-folder sub-folder with `<split>-logits.npy` (float32 N × C) and `<split>-labels.npy` (uint8 N × C). */
export const PREDICTIONS_FOLDER = 'predictions';

/** The features, labels and predictions of the samples with exactly one label. */
export function singleLabelSamples(collected: CollectedFeatures, labels: LabelMatrix): CollectedFeatures {
  if (labels.rows * collected.featureDim !== collected.features.length)
    throw new RangeError(`${labels.rows} label rows for ${collected.features.length / collected.featureDim} samples`);
  const single = singleLabelRows(labels);
  const d = collected.featureDim;
  const features = new Float32Array(single.rows.length * d);
  const predictions = new Int32Array(single.rows.length);
  single.rows.forEach((row, i) => {
    features.set(collected.features.subarray(row * d, (row + 1) * d), i * d);
    predictions[i] = collected.predictions[row] as number;
  });
  return { features, predictions, labels: single.labels, featureDim: d };
}

/** Adds the multi-label part and says on which samples the rest of the report was computed. */
export function addMultiLabelPart(
  report: EvaluationReport,
  collected: CollectedFeatures,
  labels: LabelMatrix,
  trainLabels: LabelMatrix,
  maxMatrixClasses: number,
): EvaluationReport {
  if (collected.logits === undefined) throw new Error('a multi-label evaluation needs the logits of every sample');
  const part = multiLabelReport({
    logits: collected.logits,
    features: collected.features,
    featureDim: collected.featureDim,
    labels,
    trainFrequencies: cachedLabelStatistics(trainLabels).frequencies,
    maxMatrixClasses,
  });
  const diagnostics = [
    ...report.diagnostics,
    `multi-label: NC1–NC4, accuracy, per-class recall, shot groups and minority collapse are computed on the ${part.singleLabelCount} single-label samples of ${part.sampleCount} (${part.multiLabelCount} have several labels, ${part.unlabelledCount} none); per-label recall and precision (label predicted where σ(z) > ${part.threshold}) on all of them. n_c are training label counts.`,
  ];
  if (part.prototypes.labelsWithoutPrototype.length > 0) {
    diagnostics.push(
      `multi-label prototype check: ${part.prototypes.labelsWithoutPrototype.length} label(s) have no single-label sample in the ${report.split} split (${part.prototypes.labelsWithoutPrototype.slice(0, 10).join(', ')}), so label sets containing them are skipped`,
    );
  }
  return { ...report, diagnostics, multiLabel: part };
}

/** Overwrites the split's saved logits and labels with this evaluation's. */
export async function saveMultiLabelPredictions(runFolder: string, split: Split, logits: Float32Array, labels: LabelMatrix): Promise<void> {
  const folder = join(runFolder, PREDICTIONS_FOLDER);
  mkdirSync(folder, { recursive: true });
  const shape = [labels.rows, labels.classCount];
  await writeNpy(join(folder, `${split}-logits.npy`), { shape, data: logits });
  await writeNpy(join(folder, `${split}-labels.npy`), { shape, data: labels.values });
}

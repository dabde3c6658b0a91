/**
 * Cosine heatmaps of the classifier rows and of the centred class means. Up to `metrics.maxHeatmapClasses` classes
 * the whole C × C matrices are sent (rounded to 1e-4: a heatmap needs no more, and it halves the JSON); above it, a
 * summary: mean cosine per pair of shot groups, and per pair of bins of classes ordered by training count.
 */
import type { CosineBlockSummary, CosineMatrices } from '../../protocol/metrics';
import type { VectorSetGeometry } from './neuralCollapse';
import { shotGroups, SHOT_GROUP_NAMES } from './shotGroups';

const HEATMAP_PRECISION = 1e4;

export function cosineMatrices(
  classifier: VectorSetGeometry,
  classMeans: VectorSetGeometry,
  trainCounts: ArrayLike<number>,
  maxHeatmapClasses: number,
): CosineMatrices {
  const classCount = classifier.norms.length;
  if (classCount <= maxHeatmapClasses) {
    return { kind: 'full', classifier: toRows(classifier.cosines, classCount), classMeans: toRows(classMeans.cosines, classCount) };
  }
  const groups = shotGroups(trainCounts);
  const shotGroupBlocks = SHOT_GROUP_NAMES.filter((name) => groups[name].length > 0).map((name) => ({
    label: name,
    classes: groups[name],
  }));
  return {
    kind: 'summary',
    shotGroups: blockSummary(shotGroupBlocks, classifier, classMeans),
    bins: blockSummary(countBins(trainCounts, maxHeatmapClasses), classifier, classMeans),
  };
}

function toRows(matrix: Float64Array, size: number): (number | null)[][] {
  return Array.from({ length: size }, (_, i) =>
    Array.from({ length: size }, (_, j) => {
      const value = matrix[i * size + j]!;
      return Number.isFinite(value) ? Math.round(value * HEATMAP_PRECISION) / HEATMAP_PRECISION : null;
    }),
  );
}

/** Classes sorted by training count (largest first, then by index), cut into `binCount` contiguous near-equal bins. */
function countBins(trainCounts: ArrayLike<number>, binCount: number): CosineBlockSummary['groups'] {
  const classCount = trainCounts.length;
  const order = Array.from({ length: classCount }, (_, c) => c).sort((a, b) => trainCounts[b]! - trainCounts[a]! || a - b);
  const bins = Math.min(binCount, classCount);
  return Array.from({ length: bins }, (_, bin) => {
    const classes = order.slice(Math.floor((bin * classCount) / bins), Math.floor(((bin + 1) * classCount) / bins));
    const first = trainCounts[classes[0]!]!;
    const last = trainCounts[classes[classes.length - 1]!]!;
    return { label: first === last ? `n=${first}` : `n=${first}–${last}`, classes };
  });
}

function blockSummary(groups: CosineBlockSummary['groups'], classifier: VectorSetGeometry, classMeans: VectorSetGeometry): CosineBlockSummary {
  return { groups, classifier: blockMeans(groups, classifier), classMeans: blockMeans(groups, classMeans) };
}

/** Mean cosine over pairs of distinct classes (a in group g, b in group h); null when no pair is defined. */
function blockMeans(groups: CosineBlockSummary['groups'], set: VectorSetGeometry): (number | null)[][] {
  const size = set.norms.length;
  return groups.map((rowGroup) =>
    groups.map((columnGroup) => {
      let sum = 0;
      let pairs = 0;
      for (const a of rowGroup.classes) {
        for (const b of columnGroup.classes) {
          if (a === b) continue;
          const value = set.cosines[a * size + b]!;
          if (Number.isNaN(value)) continue;
          sum += value;
          pairs++;
        }
      }
      return pairs > 0 ? Math.round((sum / pairs) * HEATMAP_PRECISION) / HEATMAP_PRECISION : null;
    }),
  );
}

/**
 * Shot groups by training-set count, the long-tail convention (Liu et al., OLTR, CVPR 2019; DOMAIN.md):
 * Many > 100, Medium 20–100, Few < 20 training samples.
 */
export const SHOT_GROUP_NAMES = ['many', 'medium', 'few'] as const;
export type ShotGroupName = (typeof SHOT_GROUP_NAMES)[number];
export type ShotGroups = Record<ShotGroupName, number[]>;

export const MANY_SHOT_ABOVE = 100;
export const FEW_SHOT_BELOW = 20;

export function shotGroupOf(trainCount: number): ShotGroupName {
  if (trainCount > MANY_SHOT_ABOVE) return 'many';
  if (trainCount >= FEW_SHOT_BELOW) return 'medium';
  return 'few';
}

/** Class indices of each group, ascending. */
export function shotGroups(trainCounts: ArrayLike<number>): ShotGroups {
  const groups: ShotGroups = { many: [], medium: [], few: [] };
  for (let c = 0; c < trainCounts.length; c++) groups[shotGroupOf(trainCounts[c]!)].push(c);
  return groups;
}

/**
 * Class-balanced sampling (Kang et al., "Decoupling Representation and Classifier for Long-Tailed Recognition",
 * ICLR 2020, arXiv 1910.09217, §3): each draw picks a class uniformly among the classes that have samples, then a
 * sample of that class uniformly, with replacement. An epoch draws as many samples as the training set holds.
 */
import type { SeededRandom } from '../random';

export function classBalancedOrder(labels: ArrayLike<number>, classCount: number, draws: number, random: SeededRandom): Int32Array {
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i] as number]?.push(i);
  const present = byClass.filter((indices) => indices.length > 0);
  if (present.length === 0) throw new RangeError('class-balanced sampling needs at least one training sample');
  const order = new Int32Array(draws);
  for (let i = 0; i < draws; i++) {
    const indices = present[random.nextInt(present.length)] as number[];
    order[i] = indices[random.nextInt(indices.length)] as number;
  }
  return order;
}

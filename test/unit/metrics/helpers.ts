/**
 * Test helpers: a seeded generator, simplex-ETF construction, and a naive reference implementation of the metrics
 * written from the textbook definitions (full d × d covariances, ml-matrix pseudoInverse on Σ_B, nearest centre by
 * full distances), independent of the streaming two-pass code under test.
 */
import { Matrix, pseudoInverse } from 'ml-matrix';
import type { MetricsConfig } from '../../../src/protocol/runConfig';

export const DEFAULT_METRICS: Pick<MetricsConfig, 'centring' | 'tail' | 'maxHeatmapClasses'> = {
  centring: 'class-means',
  tail: { by: 'shot', fraction: 0.3, classes: [] },
  maxHeatmapClasses: 100,
};

export function seededRandom(seed: number): { uniform: () => number; gaussian: () => number } {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, gaussian };
}

/** `count` orthonormal vectors of length d (Gram–Schmidt on Gaussian vectors), as rows. */
export function orthonormalRows(count: number, d: number, gaussian: () => number): number[][] {
  const rows: number[][] = [];
  while (rows.length < count) {
    const v = Array.from({ length: d }, gaussian);
    for (const u of rows) {
      const dot = u.reduce((sum, value, k) => sum + value * v[k]!, 0);
      for (let k = 0; k < d; k++) v[k]! -= dot * u[k]!;
    }
    const norm = Math.hypot(...v);
    if (norm > 1e-6) rows.push(v.map((value) => value / norm));
  }
  return rows;
}

/**
 * Simplex ETF rows m_c = √(C/(C−1)) P (e_c − 1/C) with P (d × C) orthonormal columns, plus one extra unit vector
 * orthogonal to all of them (to offset features without changing logits).
 */
export function simplexEtf(classCount: number, d: number, seed: number): { rows: number[][]; orthogonal: number[] } {
  const { gaussian } = seededRandom(seed);
  const basis = orthonormalRows(classCount + 1, d, gaussian);
  const scale = Math.sqrt(classCount / (classCount - 1));
  const rows = Array.from({ length: classCount }, (_, c) =>
    Array.from({ length: d }, (_, k) => {
      let value = 0;
      for (let j = 0; j < classCount; j++) value += basis[j]![k]! * ((j === c ? 1 : 0) - 1 / classCount);
      return scale * value;
    }),
  );
  return { rows, orthogonal: basis[classCount]! };
}

export interface ReferenceInput {
  features: ArrayLike<number>;
  labels: ArrayLike<number>;
  classCount: number;
  d: number;
  weights: ArrayLike<number>;
  bias?: ArrayLike<number>;
  centring: 'class-means' | 'sample';
  /** Centres for the nearest-centre rule (C × d rows), with the classes that have one; default the split's own. */
  centres?: { means: number[][]; classes: number[] };
}

export interface ReferenceMetrics {
  nc1: number;
  nc1PerClass: (number | null)[];
  withinClassVariance: number;
  betweenClassVariance: number;
  classMeanNormCv: number;
  classifierNormCv: number;
  classMeanCosineStd: number;
  classifierCosineStd: number;
  classMeanMaxAngle: number;
  classifierMaxAngle: number;
  nc3: number;
  nc4: number;
  nc4PerClass: (number | null)[];
  accuracy: number;
  recallPerClass: (number | null)[];
  classMeans: number[][];
  presentClasses: number[];
}

export function naiveReference(input: ReferenceInput): ReferenceMetrics {
  const { features, labels, classCount: C, d, weights } = input;
  const N = labels.length;
  const row = (i: number) => Array.from({ length: d }, (_, k) => features[i * d + k]!);
  const w = (c: number) => Array.from({ length: d }, (_, k) => weights[c * d + k]!);
  const counts = new Array<number>(C).fill(0);
  const means = Array.from({ length: C }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < N; i++) {
    counts[labels[i]!]!++;
    const h = row(i);
    for (let k = 0; k < d; k++) means[labels[i]!]![k]! += h[k]!;
  }
  const present = counts.map((n, c) => (n > 0 ? c : -1)).filter((c) => c >= 0);
  for (const c of present) for (let k = 0; k < d; k++) means[c]![k]! /= counts[c]!;
  const global = new Array<number>(d).fill(0);
  if (input.centring === 'sample') {
    for (let i = 0; i < N; i++) row(i).forEach((value, k) => (global[k]! += value / N));
  } else {
    for (const c of present) for (let k = 0; k < d; k++) global[k]! += means[c]![k]! / present.length;
  }
  const centred = means.map((mean) => mean.map((value, k) => value - global[k]!));

  const sigmaB = Matrix.zeros(d, d);
  for (const c of present) sigmaB.add(outer(centred[c]!, centred[c]!).div(present.length));
  const sigmaW = Matrix.zeros(d, d);
  const perClass = means.map(() => Matrix.zeros(d, d));
  for (let i = 0; i < N; i++) {
    const c = labels[i]!;
    const diff = row(i).map((value, k) => value - means[c]![k]!);
    const o = outer(diff, diff);
    sigmaW.add(Matrix.div(o, N));
    perClass[c]!.add(Matrix.div(o, counts[c]!));
  }
  const sigmaBInverse = pseudoInverse(sigmaB, 1e-10);
  const trace = (m: Matrix) => m.trace();
  const nc1 = trace(sigmaW.mmul(sigmaBInverse)) / present.length;
  const nc1PerClass = means.map((_, c) => (counts[c]! > 0 ? trace(perClass[c]!.mmul(sigmaBInverse)) : null));

  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const cosine = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k]!, 0) / (norm(a) * norm(b));
  const populationStd = (values: number[]) => {
    const m = values.reduce((s, x) => s + x, 0) / values.length;
    return Math.sqrt(values.reduce((s, x) => s + (x - m) ** 2, 0) / values.length);
  };
  const cv = (values: number[]) => populationStd(values) / (values.reduce((s, x) => s + x, 0) / values.length);
  const pairs = (classes: number[], vector: (c: number) => number[]) => {
    const values: number[] = [];
    for (let a = 0; a < classes.length; a++) for (let b = a + 1; b < classes.length; b++) values.push(cosine(vector(classes[a]!), vector(classes[b]!)));
    return values;
  };
  const all = Array.from({ length: C }, (_, c) => c);
  const meanPairs = pairs(present, (c) => centred[c]!);
  const weightPairs = pairs(all, w);
  const maxAngle = (values: number[], size: number) => values.reduce((s, x) => s + Math.abs(x + 1 / (size - 1)), 0) / values.length;

  let weightFrobenius = 0;
  let meanFrobenius = 0;
  for (const c of present) {
    weightFrobenius += norm(w(c)) ** 2;
    meanFrobenius += norm(centred[c]!) ** 2;
  }
  let nc3 = 0;
  for (const c of present) for (let k = 0; k < d; k++) nc3 += (w(c)[k]! / Math.sqrt(weightFrobenius) - centred[c]![k]! / Math.sqrt(meanFrobenius)) ** 2;

  const centres = input.centres ?? { means, classes: present };
  const mismatches = new Array<number>(C).fill(0);
  const correct = new Array<number>(C).fill(0);
  let within = 0;
  for (let i = 0; i < N; i++) {
    const h = row(i);
    const c = labels[i]!;
    within += h.reduce((s, x, k) => s + (x - means[c]![k]!) ** 2, 0);
    let prediction = 0;
    let best = -Infinity;
    for (let j = 0; j < C; j++) {
      const logit = cosineFree(w(j), h) + (input.bias ? input.bias[j]! : 0);
      if (logit > best) {
        best = logit;
        prediction = j;
      }
    }
    let nearest = -1;
    let nearestDistance = Infinity;
    for (const j of centres.classes) {
      const distance = h.reduce((s, x, k) => s + (x - centres.means[j]![k]!) ** 2, 0);
      if (distance < nearestDistance) {
        nearestDistance = distance;
        nearest = j;
      }
    }
    if (prediction !== nearest) mismatches[c]!++;
    if (prediction === c) correct[c]!++;
  }
  return {
    nc1,
    nc1PerClass,
    withinClassVariance: within / N,
    betweenClassVariance: sigmaB.trace(),
    classMeanNormCv: cv(present.map((c) => norm(centred[c]!))),
    classifierNormCv: cv(all.map((c) => norm(w(c)))),
    classMeanCosineStd: populationStd(meanPairs),
    classifierCosineStd: populationStd(weightPairs),
    classMeanMaxAngle: maxAngle(meanPairs, present.length),
    classifierMaxAngle: maxAngle(weightPairs, C),
    nc3,
    nc4: mismatches.reduce((s, x) => s + x, 0) / N,
    nc4PerClass: counts.map((n, c) => (n > 0 ? mismatches[c]! / n : null)),
    accuracy: correct.reduce((s, x) => s + x, 0) / N,
    recallPerClass: counts.map((n, c) => (n > 0 ? correct[c]! / n : null)),
    classMeans: means,
    presentClasses: present,
  };
}

function cosineFree(a: number[], b: number[]): number {
  return a.reduce((s, x, k) => s + x * b[k]!, 0);
}

function outer(a: number[], b: number[]): Matrix {
  return new Matrix(a.map((x) => b.map((y) => x * y)));
}

/** |actual − expected| ≤ tolerance · max(1, |expected|). */
export function assertClose(actual: number | null | undefined, expected: number, tolerance: number, what: string): void {
  if (actual === null || actual === undefined || !Number.isFinite(actual)) throw new Error(`${what}: expected ${expected}, got ${actual}`);
  const scale = Math.max(1, Math.abs(expected));
  if (Math.abs(actual - expected) > tolerance * scale) throw new Error(`${what}: expected ${expected}, got ${actual} (tolerance ${tolerance})`);
}

/** Relative agreement: |actual − expected| ≤ tolerance · |expected| (absolute below 1e-12). */
export function assertRelative(actual: number | null | undefined, expected: number, tolerance: number, what: string): void {
  if (actual === null || actual === undefined || !Number.isFinite(actual)) throw new Error(`${what}: expected ${expected}, got ${actual}`);
  if (Math.abs(actual - expected) > tolerance * Math.max(Math.abs(expected), 1e-12)) {
    throw new Error(`${what}: expected ${expected}, got ${actual} (relative tolerance ${tolerance})`);
  }
}

/** Row-major Float64Array from rows. */
export function flatten(rows: number[][]): Float64Array {
  return Float64Array.from(rows.flat());
}

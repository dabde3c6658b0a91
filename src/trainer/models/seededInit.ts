/**
 * Seeded weight initialisation, independent of tfjs's own random ops so that a seed gives the same
 * weights on every backend and tfjs version. Each weight draws from its own stream, derived from the run
 * seed and the weight's name, so adding a layer does not shift the values of the others.
 */

/** FNV-1a over the UTF-16 code units of `text`, mixed with `seed`: a 32-bit stream key. */
function streamKey(seed: number, text: string): number {
  let hash = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** mulberry32: a small 32-bit generator with full period, plenty for initialisation. Returns [0, 1). */
export function uniformStream(seed: number, name: string): () => number {
  let state = streamKey(seed, name);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by the Box–Muller transform. */
function normalSamples(count: number, uniform: () => number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = 1 - uniform(); // (0, 1]: log(u1) is finite
    const u2 = uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    values[i] = radius * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) values[i + 1] = radius * Math.sin(2 * Math.PI * u2);
  }
  return values;
}

/**
 * He (Kaiming) normal, N(0, 2/fanIn): keeps activation variance constant through ReLU layers
 * (He et al., ICCV 2015). Used for every conv and dense layer followed by a ReLU.
 */
export function heNormal(seed: number, name: string, count: number, fanIn: number): Float32Array {
  const values = normalSamples(count, uniformStream(seed, name));
  const std = Math.sqrt(2 / fanIn);
  for (let i = 0; i < count; i++) values[i] = (values[i] as number) * std;
  return values;
}

/**
 * Glorot (Xavier) uniform, U(−a, a) with a = √(6/(fanIn+fanOut)) (Glorot & Bengio, AISTATS 2010).
 * Used for the last linear layer (the classifier), which has no ReLU after it.
 */
export function glorotUniform(seed: number, name: string, count: number, fanIn: number, fanOut: number): Float32Array {
  const uniform = uniformStream(seed, name);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = (2 * uniform() - 1) * limit;
  return values;
}

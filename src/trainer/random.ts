/**
 * Seeded pseudo-random numbers for subsampling, shuffling, augmentation and the synthetic dataset.
 *
 * Generator: xoshiro128** 1.1 (Blackman & Vigna, "Scrambled linear pseudorandom number generators", ACM TOMS 2021),
 * 128-bit state, period 2^128 − 1, seeded as its authors recommend by two outputs of SplitMix64 (low word first).
 * Only 32-bit integer arithmetic (Math.imul, shifts) is used after seeding, so a seed gives the same integers and
 * uniform floats on every platform and Node version. `normal()` also calls Math.log/sqrt/cos/sin; V8 implements these
 * with its own fdlibm port, so they agree across platforms for a given Node major version.
 */

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;
const MASK_64 = (1n << 64n) - 1n;

function splitMix64(state: bigint): { state: bigint; value: bigint } {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK_64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  return { state: next, value: z ^ (z >> 31n) };
}

/** FNV-1a (64-bit) over the UTF-8 bytes of a label: turns a stream name into a seed offset. */
function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & MASK_64;
  }
  return hash;
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be an integer in [0, 2^53 − 1], got ${seed}`);
}

export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    checkSeed(seed);
    this.s0 = this.s1 = this.s2 = this.s3 = 0;
    this.seedFrom(BigInt(seed));
  }

  /**
   * An independent stream for one purpose, e.g. `SeededRandom.derive(seed, 'subsample', classIndex)`: the same
   * (seed, labels) always give the same stream, and adding a new stream elsewhere never shifts this one.
   */
  static derive(seed: number, ...labels: (string | number)[]): SeededRandom {
    checkSeed(seed);
    let key = BigInt(seed);
    for (const label of labels) {
      key = splitMix64(key ^ fnv1a64(String(label))).value;
    }
    const random = new SeededRandom(0);
    random.seedFrom(key);
    return random;
  }

  private seedFrom(seed: bigint): void {
    const first = splitMix64(seed & MASK_64);
    const second = splitMix64(first.state);
    this.s0 = Number(first.value & 0xffffffffn);
    this.s1 = Number(first.value >> 32n);
    this.s2 = Number(second.value & 0xffffffffn);
    this.s3 = Number(second.value >> 32n);
    // The all-zero state is the one fixed point of xoshiro; SplitMix64 practically never yields it, but be sure.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = undefined;
  }

  /** Next 32-bit output of xoshiro128**, as an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotateLeft(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits (two outputs), so every float64 multiple of 2^−53 is reachable. */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / TWO_POW_53;
  }

  /** Uniform integer in [0, n), unbiased: rejection of the top partial block of 2^32 (n ≤ 2^32). */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) throw new RangeError(`nextInt(n) needs an integer 1 ≤ n ≤ 2^32, got ${n}`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const value = this.nextUint32();
      if (value < limit) return value % n;
    }
  }

  /** Standard normal (or N(mean, std²)) by the Box–Muller transform; the second value of each pair is kept for the next call. */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * spare;
    }
    const u1 = 1 - this.nextFloat(); // (0, 1]: log stays finite
    const u2 = this.nextFloat();
    const radius = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = radius * Math.sin(2 * Math.PI * u2);
    return mean + std * radius * Math.cos(2 * Math.PI * u2);
  }

  /** Fisher–Yates (Durstenfeld) shuffle in place; returns the same array. */
  shuffle<T extends { length: number; [index: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const held = items[i];
      items[i] = items[j];
      items[j] = held;
    }
    return items;
  }

  /** A uniformly random permutation of 0 … n−1. */
  permutation(n: number): Int32Array {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return this.shuffle(order);
  }
}

function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

/**
 * Seeded pseudo-random numbers for everything that must repeat run to run: shuffling,
 * augmentation, weight init, dropout. The generator is xoshiro128** (Blackman and Vigna,
 * 2018): 128 bits of state, 32-bit outputs, period 2^128 - 1, and it needs only 32-bit
 * integer arithmetic, which JavaScript does exactly through `Math.imul` and `>>> 0`.
 * Seeds are spread over the state with a 32-bit splitmix-style mixer, because xoshiro
 * must not start from an all-zero state and nearby seeds (0, 1, 2, …) should not give
 * nearby streams.
 */

const TWO_POW_32 = 4294967296;

/** One round of a 32-bit integer hash (splitmix32 finaliser); a bijection on uint32. */
function mix32(x: number): number {
  let z = x | 0;
  z ^= z >>> 16;
  z = Math.imul(z, 0x21f0aaad);
  z ^= z >>> 15;
  z = Math.imul(z, 0x735a2d97);
  z ^= z >>> 15;
  return z >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function checkSeed(seed: number, where: string): void {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`${where}: seed must be a safe integer, got ${String(seed)}`);
  }
}

/**
 * Combines a seed with salts (an epoch, a stream id) into a new uint32 seed, so that
 * `(seed 1, epoch 0)` and `(seed 0, epoch 1)` give unrelated streams, which `seed + epoch`
 * would not.
 */
export function deriveSeed(seed: number, ...salts: number[]): number {
  checkSeed(seed, 'deriveSeed');
  let h = mix32((seed >>> 0) ^ mix32(Math.floor(seed / TWO_POW_32) >>> 0));
  for (const salt of salts) {
    checkSeed(salt, 'deriveSeed');
    h = mix32((h + 0x9e3779b9) ^ mix32((salt >>> 0) + Math.floor(salt / TWO_POW_32)));
  }
  return h;
}

/** A seeded xoshiro128** generator. Create it with `createRng(seed)`. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Box–Muller makes normals in pairs; the second one waits here. */
  private spareNormal: number | undefined;

  constructor(seed: number) {
    checkSeed(seed, 'createRng');
    let x = deriveSeed(seed);
    const step = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      return mix32(x);
    };
    this.s0 = step();
    this.s1 = step();
    this.s2 = step();
    this.s3 = step();
    // mix32 is a bijection of consecutive counters, so four zero outputs cannot happen;
    // the guard keeps the invariant explicit.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next raw 32-bit output, an integer in [0, 2^32). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float in [0, 1) with 32 random bits (never exactly 1). */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** An integer uniform in [0, n), for an integer 1 <= n <= 2^32, without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${String(n)}`);
    }
    // Reject the top sliver of the 2^32 range that does not divide evenly by n.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const u = this.nextUint32();
      if (u < limit) return u % n;
    }
  }

  /** A float uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A normal sample with the given mean and standard deviation (Box–Muller). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * z;
    }
    const u1 = 1 - this.next(); // in (0, 1], so the log is finite
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spareNormal = r * Math.sin(theta);
    return mean + std * r * Math.cos(theta);
  }

  /** Shuffles `values` in place (Fisher–Yates, from the end) and returns it. */
  shuffle<T extends { length: number; [index: number]: unknown }>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = values[i];
      values[i] = values[j];
      values[j] = tmp;
    }
    return values;
  }
}

/** A generator for `seed` (any safe integer); the same seed gives the same stream. */
export function createRng(seed: number): Rng {
  return new Rng(seed);
}

/** A small seeded generator (xorshift128+ on doubles' worth of bits): the same seed gives the same fuzz run. */
export class Random {
  private a: number;
  private b: number;

  constructor(seed: number) {
    // SplitMix32 twice, so that small seeds (1, 2, 3) still start far apart.
    this.a = splitMix(seed >>> 0) || 1;
    this.b = splitMix(this.a ^ 0x9e3779b9) || 2;
  }

  /** A uniformly random 32-bit unsigned integer. */
  u32(): number {
    let x = this.a;
    const y = this.b;
    this.a = y;
    x ^= x << 23;
    x ^= x >>> 17;
    x ^= y ^ (y >>> 26);
    this.b = x >>> 0;
    return (this.a + this.b) >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  /**
   * A size skewed hard towards small values: mostly under 16, rarely near `max` (large inputs are slow to run,
   * and a few of them find what many would).
   */
  size(max: number): number {
    const top = Math.max(1, Math.floor(Math.log2(max + 1)));
    const bits = this.below(this.below(this.below(top + 1) + 1) + 1);
    return Math.min(max, this.below(2 ** bits) + 1);
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

function splitMix(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** A small seeded PRNG and input generator for property tests (no dependency; replayable by seed). */
import { SUPPORTED_VERSIONS } from '../../cni/version';

/** mulberry32: a tiny seeded PRNG, good enough to pick test inputs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Gen {
  constructor(readonly rand: () => number) {}
  int(n: number): number {
    return Math.floor(this.rand() * n);
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  string(max = 12): string {
    const alphabet = 'abcXYZ019_.-/: \t\n;=ü€"\\{}[]\u0000\u2028';
    let s = '';
    for (let i = this.int(max + 1); i > 0; i--) s += alphabet[this.int(alphabet.length)];
    return s;
  }
  value(depth = 0): unknown {
    switch (this.int(depth > 2 ? 6 : 9)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1.5, 1e308, 2 ** 53, NaN]);
      case 3:
        return this.string();
      case 4:
        return this.pick([...SUPPORTED_VERSIONS, '0.1.0', '0.2.0', '1.2.0', '', '1', 'latest']);
      case 5:
        return undefined;
      case 6:
        return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = this.int(4); i > 0; i--)
          o[this.pick(['name', 'type', 'ips', 'address', 'interfaces', 'cniVersion', '__proto__', this.string(5)])] = this.value(depth + 1);
        return o;
      }
    }
  }
}

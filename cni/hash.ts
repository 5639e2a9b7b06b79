/**
 * A stable 64-bit FNV-1a hash as 16 hex digits, for names derived from IDs (veth
 * names). Not for security. Why not node:crypto: loading it would slow every plugin's start-up.
 * In four 16-bit limbs, not BigInt, and an indexed loop, not a Buffer iterator: both cost a
 * plugin's first call ~0.3-1 ms of CPU on Bun (docs/internals/speed.md).
 */
export function stableHash(text: string): string {
  // offset basis 0xcbf29ce484222325; prime 0x100000001b3 = limbs [0x1b3, 0, 0x100, 0]
  let h0 = 0x2325,
    h1 = 0x8422,
    h2 = 0x9ce4,
    h3 = 0xcbf2;
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i];
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
    const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  const hex = (hi: number, lo: number) => (hi * 0x10000 + lo).toString(16).padStart(8, '0');
  return hex(h3, h2) + hex(h1, h0);
}

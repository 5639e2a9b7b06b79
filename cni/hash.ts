/**
 * A stable 64-bit FNV-1a hash as 16 hex digits, for names derived from IDs (veth
 * names). Not for security. Why not node:crypto: loading it would slow every plugin's start-up.
 */
export function stableHash(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

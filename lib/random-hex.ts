/**
 * Random hex and SHA-256 without loading node:crypto at module load: on Bun, `require('node:crypto')`
 * costs a compiled `berth run` on a network 2-4 ms of CPU (docs/internals/speed.md), and most calls
 * need only the global Web Crypto's randomness.
 */

/** `bytes` random bytes as hex, from the global Web Crypto. */
export const randomHex = (bytes: number): string => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');

/** SHA-256 of `text` as hex; node:crypto is loaded on the first call only. */
export function sha256Hex(text: string): string {
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}

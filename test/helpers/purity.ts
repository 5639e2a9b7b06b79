/** What the purity tests (STYLE.md section 1) read of a source file. */
import { readFileSync } from 'node:fs';

/**
 * The file's text without its type-only imports: those vanish at build and cannot bring a side
 * effect in, so a pure module may take a type from kernel/ (e.g. firewall/render.ts the element
 * shapes of kernel/nft.ts) without declaring its own copy.
 */
export function runtimeCode(path: string): string {
  return readFileSync(path, 'utf8').split('\n').filter((line) => !/^import type /.test(line)).join('\n');
}

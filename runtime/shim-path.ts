/** Where berth-shim, the C supervisor and helper, lives. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** berth-shim beside the bundle (dist/lib) or beside the compiled executable's lib dir; BERTH_SHIM overrides. */
export function shimPath(): string {
  const candidates = [
    process.env.BERTH_SHIM,
    join(__dirname, 'berth-shim'),
    join(dirname(process.execPath), '../lib/berth-shim'),
    join(__dirname, '../dist/lib/berth-shim'),
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error('cannot find berth-shim (run `make build`)');
}

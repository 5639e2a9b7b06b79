/** `--network container:CTR`: the network namespace of another, running container. */
import { existsSync } from 'node:fs';
import { liveState } from '../live.js';
import type { Dirs } from '../paths.js';
import { findRecord } from '../store.js';
import { netnsFileOf } from './setup.js';

/**
 * The netns path of the running container `ref`: its netns file, else its PID 1's namespace.
 * @throws {Error} when there is no such container or it is not running
 */
export function containerNetns(d: Dirs, ref: string): string {
  const rec = findRecord(d, ref);
  const live = liveState(d, rec);
  if (live.status !== 'running' && live.status !== 'paused') throw new Error(`cannot join network of a non running container: ${rec.Id}`);
  const file = netnsFileOf(d, rec.Id);
  return existsSync(file) ? file : `/proc/${live.pid}/ns/net`;
}

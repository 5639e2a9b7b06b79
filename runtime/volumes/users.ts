/**
 * Which containers name a volume: `berth volume rm` refuses it while any does, in any state,
 * as dockerd does (volume/service: `volume is in use - [IDs]`).
 */
import { resolve } from 'node:path';
import type { Dirs } from '../paths.js';
import { listRecords } from '../store.js';

/** The IDs of the containers whose mounts name volume `name` on the plugin at `socket`. */
export function containersNaming(d: Dirs, name: string, socket: string): string[] {
  const wanted = resolve(socket);
  return listRecords(d)
    .filter((rec) =>
      (rec.Mounts ?? []).some((m) => m.Type === 'volume' && m.Name === name && m.Socket !== undefined && resolve(m.Socket) === wanted),
    )
    .map((rec) => rec.Id);
}

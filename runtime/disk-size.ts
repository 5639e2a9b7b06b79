/** The disk sizes `ps -s` shows: a container layer's, and with the image below it (`virtual`). */
import { humanSize } from '../lib/go-units.js';

/** docker ps's SIZE cell: `RW (virtual ROOTFS)`, the second left out when it is 0. Pure. */
export function renderSize(rw: number, rootfs: number): string {
  return rootfs > 0 ? `${humanSize(rw)} (virtual ${humanSize(rootfs)})` : humanSize(rw);
}

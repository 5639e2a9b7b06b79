/**
 * `-u UID[:GID]|NAME[:GROUP]` resolved in the container's /etc/passwd and /etc/group, in the shape
 * the runtime's process record keeps. The resolution itself is image/config.ts's (runc's rules). Pure.
 */
import { resolveUser as resolveExecUser } from '../image/config.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Additional groups, the primary one left out. */
  groups: number[];
  home: string;
}

/**
 * Resolves `spec` ("" = root) against the files' texts (undefined when the image has none).
 * @throws {Error} with runc's wording when a name is unknown or an ID is out of range
 */
export function resolveUser(spec: string, passwd: string | undefined, group: string | undefined): ResolvedUser {
  const user = resolveExecUser(spec, { passwd, group });
  return { uid: user.uid, gid: user.gid, groups: user.additionalGids.filter((g) => g !== user.gid), home: user.home };
}

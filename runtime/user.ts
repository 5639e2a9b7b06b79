/**
 * `-u UID[:GID]|NAME[:GROUP]` resolved in the container's /etc/passwd and /etc/group, in the shape
 * the runtime's process record keeps. The resolution itself is image/config.ts's (runc's rules). Pure.
 */
import { resolveUser as resolveExecUser } from '../image/config.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  /**
   * The supplementary groups: the user's groups in /etc/group, then the primary one, as Docker
   * 20.10.18 and later set them (CVE-2022-36109: a primary group left out let a process shed it).
   */
  groups: number[];
  home: string;
}

/**
 * Resolves `spec` ("" = root) against the files' texts (undefined when the image has none).
 * @throws {Error} with runc's wording when a name is unknown or an ID is out of range
 */
export function resolveUser(spec: string, passwd: string | undefined, group: string | undefined): ResolvedUser {
  const user = resolveExecUser(spec, { passwd, group });
  return { uid: user.uid, gid: user.gid, groups: [...user.additionalGids.filter((g) => g !== user.gid), user.gid], home: user.home };
}

/** Which cgroup layout the host has, read from /proc/self/mountinfo. Pure. */

/** One cgroup v1 hierarchy: where it is mounted and what it controls ("cpu", "name=systemd"). */
export interface V1Hierarchy {
  mountPoint: string;
  controllers: string[];
}

/**
 * v2: one unified tree. v1: a tree per hierarchy, and on "hybrid" hosts also a cgroup2 (usually
 * /sys/fs/cgroup/unified) that holds no controllers the container needs; runc joins it anyway.
 */
export type CgroupLayout = { version: 2; unified: string } | { version: 1; hierarchies: V1Hierarchy[]; unified?: string };

/** Mount options of a v1 cgroup mount that are not controllers. */
const NOT_CONTROLLERS = new Set(['rw', 'ro', 'noprefix', 'clone_children', 'xattr', 'cpuset_v2_mode', 'favordynmods', 'none']);

/** mountinfo escapes space, tab, newline and backslash as octal (\040). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * Finds the cgroup filesystems mounted at or under `fsRoot`.
 * @throws {Error} when there are none
 * @example parseCgroupLayout('40 30 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw', '/sys/fs/cgroup') // { version: 2, unified: '/sys/fs/cgroup' }
 */
export function parseCgroupLayout(mountinfo: string, fsRoot: string): CgroupLayout {
  const root = fsRoot.replace(/\/+$/, '') || '/';
  const byDevice = new Map<string, { mountPoint: string; type: string; options: string[] }>();
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const fields = left.split(' ');
    const [type, , superOptions = ''] = right.split(' ');
    const mountPoint = unescape(fields[4] ?? '');
    if (type !== 'cgroup' && type !== 'cgroup2') continue;
    if (mountPoint !== root && !mountPoint.startsWith(`${root}/`)) continue;
    // A hierarchy mounted twice (a bind mount) is one hierarchy: keep its first mount point.
    if (!byDevice.has(fields[2])) byDevice.set(fields[2], { mountPoint, type, options: superOptions.split(',') });
  }
  const mounts = [...byDevice.values()];
  const unified = mounts.find((m) => m.type === 'cgroup2');
  if (unified && unified.mountPoint === root) return { version: 2, unified: root };
  const hierarchies = mounts
    .filter((m) => m.type === 'cgroup')
    .map((m) => ({
      mountPoint: m.mountPoint,
      controllers: m.options.filter((o) => !NOT_CONTROLLERS.has(o) && !o.startsWith('release_agent=')),
    }))
    .filter((h) => h.controllers.length > 0);
  if (hierarchies.length === 0) {
    if (unified) return { version: 2, unified: unified.mountPoint };
    throw new Error(`no cgroup filesystem is mounted under ${JSON.stringify(root)}`);
  }
  return { version: 1, hierarchies, ...(unified && { unified: unified.mountPoint }) };
}

/** The v1 hierarchy that has `controller`, if mounted. */
export function hierarchyOf(layout: Extract<CgroupLayout, { version: 1 }>, controller: string): V1Hierarchy | undefined {
  return layout.hierarchies.find((h) => h.controllers.includes(controller));
}

/**
 * Normalizes a `--cgroup-parent` ("berth/x/" -> "/berth/x"; "/" -> ""), refusing "." and ".."
 * segments so that a cgroup can never be made outside the hierarchy.
 * @throws {Error}
 */
export function parseCgroupParent(parent: string): string {
  const segments = parent.split('/').filter(Boolean);
  if (segments.some((s) => s === '.' || s === '..' || s.includes('\0')))
    throw new Error(`invalid cgroup parent ${JSON.stringify(parent)}: no segment may be "." or ".."`);
  return segments.map((s) => `/${s}`).join('');
}

/**
 * Joins a cgroup parent and a container's cgroup name (one plain path segment).
 * @throws {Error}
 */
export function joinCgroupPath(parent: string, name: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0'))
    throw new Error(`invalid cgroup name ${JSON.stringify(name)}: want one plain path segment`);
  return `${parseCgroupParent(parent)}/${name}`;
}

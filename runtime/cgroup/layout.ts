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
  // A replace with a callback costs ~15 µs a call in the interpreter, and hardly a field has an escape.
  if (!field.includes('\\')) return field;
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * Finds the cgroup filesystems mounted at or under `fsRoot`. Index loops, no destructuring or
 * array callbacks: each builtin a process calls the first time costs it tens of µs in the
 * interpreter, and this runs in every `berth run`.
 * @throws {Error} when there are none
 * @example parseCgroupLayout('40 30 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw', '/sys/fs/cgroup') // { version: 2, unified: '/sys/fs/cgroup' }
 */
export function parseCgroupLayout(mountinfo: string, fsRoot: string): CgroupLayout {
  let root = fsRoot;
  while (root.length > 1 && root.endsWith('/')) root = root.slice(0, -1);
  if (root === '') root = '/';
  const devices = new Set<string>();
  const hierarchies: V1Hierarchy[] = [];
  let unified: string | undefined;
  const lines = mountinfo.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const right = line.slice(dash + 3).split(' ');
    const type = right[0];
    if (type !== 'cgroup' && type !== 'cgroup2') continue;
    const fields = line.slice(0, dash).split(' ');
    const mountPoint = unescape(fields[4] ?? '');
    if (mountPoint !== root && !mountPoint.startsWith(`${root}/`)) continue;
    // A hierarchy mounted twice (a bind mount) is one hierarchy: keep its first mount point.
    if (devices.has(fields[2])) continue;
    devices.add(fields[2]);
    if (type === 'cgroup2') {
      unified ??= mountPoint;
      continue;
    }
    const controllers: string[] = [];
    const options = (right[2] ?? '').split(',');
    for (let j = 0; j < options.length; j++)
      if (!NOT_CONTROLLERS.has(options[j]) && !options[j].startsWith('release_agent=')) controllers.push(options[j]);
    if (controllers.length > 0) hierarchies.push({ mountPoint, controllers });
  }
  if (unified === root) return { version: 2, unified: root };
  if (hierarchies.length === 0) {
    if (unified !== undefined) return { version: 2, unified };
    throw new Error(`no cgroup filesystem is mounted under ${JSON.stringify(root)}`);
  }
  return unified === undefined ? { version: 1, hierarchies } : { version: 1, hierarchies, unified };
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

/**
 * Where the daemon listens: a socket systemd passed (LISTEN_FDS, sd_listen_fds(3)), or a unix socket
 * it creates itself with mode 0600 (0660 and group-owned with --group), replacing a stale socket file
 * left by a previous run but never a live one nor a file that is not a socket.
 */
import { connect } from 'node:net';
import type { Server } from 'node:http';
import { chmod, chown, lstat, mkdir, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { VolumeError, describeCause } from './errors.js';

/** The first fd systemd passes (SD_LISTEN_FDS_START). */
export const SD_LISTEN_FDS_START = 3;

/** The socket fd passed by systemd for this process, or undefined (sd_listen_fds semantics). */
export function listenFdFromEnv(env: Readonly<Record<string, string | undefined>>, pid: number): number | undefined {
  if (env.LISTEN_PID !== String(pid)) return undefined;
  const n = Number(env.LISTEN_FDS);
  return Number.isInteger(n) && n >= 1 ? SD_LISTEN_FDS_START : undefined;
}

/** A group name or number to a gid, from the text of /etc/group. */
export function parseGroup(group: string, etcGroup: string): number | undefined {
  if (/^[0-9]+$/.test(group)) return Number(group);
  for (const line of etcGroup.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && /^[0-9]+$/.test(gid ?? '')) return Number(gid);
  }
  return undefined;
}

function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface Listening {
  /** How it listens, for the start-up log line. */
  description: string;
  /** Removes the socket file when this process created it. */
  cleanup(): Promise<void>;
}

function listenOn(server: Server, options: { fd: number } | { path: string; backlog: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Starts `server` on the systemd socket when one was passed, else on `path`.
 * @throws {VolumeError} for a live daemon on `path`, a non-socket file there, an unknown group
 */
export async function listen(
  server: Server,
  path: string,
  group: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Listening> {
  const fd = listenFdFromEnv(env, process.pid);
  if (fd !== undefined) {
    await listenOn(server, { fd });
    return { description: `socket passed by systemd (fd ${fd})`, cleanup: async () => undefined };
  }
  let gid: number | undefined;
  if (group !== undefined) {
    gid = parseGroup(group, await readFile('/etc/group', 'utf8').catch(() => ''));
    if (gid === undefined) throw new VolumeError(`cannot use --group ${JSON.stringify(group)}: no such group`);
  }
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    const st = await lstat(path).catch(() => undefined);
    if (st) {
      if (!st.isSocket()) throw new VolumeError(`${JSON.stringify(path)} exists and is not a socket: move it away`);
      if (await isLive(path)) throw new VolumeError(`another process is serving ${JSON.stringify(path)}`);
      await unlink(path);
    }
    // The socket appears with the umask's mode; 0177 keeps it private until chmod sets the final mode.
    const umask = process.umask(0o177);
    try {
      await listenOn(server, { path, backlog: 511 });
    } finally {
      process.umask(umask);
    }
    if (gid !== undefined) await chown(path, 0, gid);
    await chmod(path, gid === undefined ? 0o600 : 0o660);
  } catch (err) {
    throw new VolumeError(`cannot listen on ${JSON.stringify(path)}: ${describeCause(err)}`);
  }
  const { ino } = await lstat(path);
  return {
    description: `${path} (mode ${gid === undefined ? '0600' : `0660, group ${group}`})`,
    async cleanup() {
      // Only our own socket: a successor may already have replaced it.
      const now = await lstat(path).catch(() => undefined);
      if (now?.ino === ino) await unlink(path).catch(() => undefined);
    },
  };
}

/** Where a container's files live. Pure. */
import { join } from 'node:path';

export interface Dirs {
  root: string;
  stateDir: string;
}

export const containersDir = (d: Dirs) => join(d.root, 'containers');
export const containerDir = (d: Dirs, id: string) => join(d.root, 'containers', id);
export const configFile = (d: Dirs, id: string) => join(d.root, 'containers', id, 'config.json');
export const namesDir = (d: Dirs) => join(d.root, 'names');
export const nameFile = (d: Dirs, name: string) => join(namesDir(d), name);
export const logFile = (d: Dirs, id: string) => join(d.root, 'containers', id, 'container.log');
export const upperDir = (d: Dirs, id: string) => join(d.root, 'containers', id, 'diff');
/** The supervisor's dir: shim.json, shim.lock, the `stopped` and `paused` markers. */
export const runDir = (d: Dirs, id: string) => join(d.stateDir, 'containers', id);
/** The attach socket: short, as a unix socket's path must fit in 108 bytes. */
export const attachSocket = (d: Dirs, id: string) => join(d.stateDir, 'sockets', `${id.slice(0, 20)}.sock`);
export const lockPath = (d: Dirs, id: string) => join(d.stateDir, 'locks', id);

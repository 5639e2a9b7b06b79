/**
 * The table of `berth` commands. Each entry loads its module only when it runs. A command module
 * exports functions `(globals, args) => exit code`: they get the global options (--root,
 * --state-dir) and their own arguments.
 */
import type { Globals } from './globals.js';

export interface CommandEntry {
  name: string;
  aliases?: string[];
  describe: string;
  hidden?: boolean;
  run(globals: Globals, args: string[]): Promise<number>;
}

type Run = (globals: Globals, args: string[]) => Promise<number>;
const lazy =
  <M>(load: () => Promise<M>, pick: (m: M) => Run): Run =>
  async (g, a) =>
    pick(await load())(g, a);

const runCreate = () => import('./run.js');
const lifecycle = () => import('./lifecycle.js');
const info = () => import('./info.js');
const more = () => import('./more.js');
const logs = () => import('./logs.js');
const exec = () => import('./exec.js');
const files = () => import('./files.js');
const yargsModules = () => import('./volume.js');
const netConnect = () => import('./network-connect.js');

export const COMMANDS: CommandEntry[] = [
  { name: 'run', describe: 'run a command in a new container', run: lazy(runCreate, (m) => m.run) },
  { name: 'create', describe: 'create a new container', run: lazy(runCreate, (m) => m.create) },
  { name: 'start', describe: 'start stopped containers', run: lazy(lifecycle, (m) => m.start) },
  { name: 'stop', describe: 'stop running containers (stop signal, then SIGKILL)', run: lazy(lifecycle, (m) => m.stop) },
  { name: 'restart', describe: 'restart containers', run: lazy(lifecycle, (m) => m.restart) },
  { name: 'kill', describe: 'send a signal to running containers', run: lazy(lifecycle, (m) => m.kill) },
  { name: 'rm', describe: 'remove containers', run: lazy(lifecycle, (m) => m.rm) },
  { name: 'wait', describe: 'wait for containers to stop, print their exit codes', run: lazy(lifecycle, (m) => m.wait) },
  { name: 'ps', describe: 'list containers', run: lazy(info, (m) => m.ps) },
  { name: 'inspect', describe: 'show containers as JSON', run: lazy(info, (m) => m.inspect) },
  { name: 'logs', describe: "show a container's logs", run: lazy(logs, (m) => m.logs) },
  { name: 'exec', describe: 'run a command in a running container', run: lazy(exec, (m) => m.exec) },
  { name: 'pause', describe: 'freeze every process of containers', run: lazy(more, (m) => m.pause) },
  { name: 'unpause', describe: 'thaw paused containers', run: lazy(more, (m) => m.unpause) },
  { name: 'rename', describe: 'rename a container', run: lazy(more, (m) => m.rename) },
  { name: 'top', describe: "list a container's processes", run: lazy(more, (m) => m.top) },
  { name: 'stats', describe: 'CPU, memory, block I/O and PIDs of containers', run: lazy(more, (m) => m.stats) },
  { name: 'attach', describe: "attach to a running container's output (and stdin)", run: lazy(more, (m) => m.attach) },
  { name: 'diff', describe: "list the changes in a container's layer (A, C, D)", run: lazy(files, (m) => m.diff) },
  { name: 'cp', describe: 'copy files between a container and the host', run: lazy(files, (m) => m.cp) },
  { name: 'gc', describe: 'clean up after crashed supervisors: cgroups, state dirs', run: lazy(lifecycle, (m) => m.gc) },
  { name: 'boot', describe: 'at boot: start the containers whose restart policy asks for it', run: lazy(lifecycle, (m) => m.boot) },
  {
    name: 'cleanup',
    describe: "record a container's exit and release its resources (run by its supervisor)",
    hidden: true,
    run: lazy(lifecycle, (m) => m.cleanup),
  },
  {
    name: 'network',
    describe: "manage networks (netctl's): create, ls, inspect, rm, prune, connect",
    run: lazy(
      () => import('./network.js'),
      (m) => m.network,
    ),
  },
  { name: 'image', describe: 'manage images: load, import, ls, inspect, tag, rm', run: lazy(yargsModules, (m) => m.image) },
  { name: 'images', describe: 'list images (berth image ls)', run: lazy(yargsModules, (m) => m.images) },
  { name: 'rmi', describe: 'remove images (berth image rm)', run: lazy(yargsModules, (m) => m.rmi) },
  {
    name: 'history',
    describe: "show an image's history (berth image history)",
    run: lazy(yargsModules, (m) => m.imageAlias('history')),
  },
  {
    name: 'save',
    describe: 'write images as a docker-save archive (berth image save)',
    run: lazy(yargsModules, (m) => m.imageAlias('save')),
  },
  { name: 'tag', describe: 'name an image (berth image tag)', run: lazy(yargsModules, (m) => m.imageAlias('tag')) },
  { name: 'load', describe: 'load images from an archive (berth image load)', run: lazy(yargsModules, (m) => m.imageAlias('load')) },
  {
    name: 'import',
    describe: 'an image from a root file system tar (berth image import)',
    run: lazy(yargsModules, (m) => m.imageAlias('import')),
  },
  { name: 'volume', describe: 'manage volumes served by berth-volumed', run: lazy(yargsModules, (m) => m.volume) },
  { name: 'port', describe: "list a container's published ports", run: lazy(netConnect, (m) => m.port) },
];

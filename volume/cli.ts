/**
 * `berth volume create|ls|inspect|rm|prune|release`: the volume store for people, over the daemon's
 * socket. A yargs command module; berth/main.ts loads it only for `berth volume ...`.
 */
import { randomBytes } from 'node:crypto';
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../cli/errors.js';
import { requireValues } from '../cli/yargs.js';
import { formatRows } from '../lib/format-rows.js';
import { renderTypedTemplate } from '../lib/go-template.js';
import { VOLUME } from '../lib/docker-api-types.js';
import { humanSize } from '../lib/go-units.js';
import { treeSize } from '../kernel/tree-size.js';
import { callDaemon, driverSocket } from './client.js';
import { confirm, eachName } from './cli-io.js';
import { DEFAULT_BERTH_ROOT, parseLabels, readLabels, removeLabels, renderLabels, writeLabels } from './labels.js';
import { describeBadNewName } from './names.js';
import {
  describeFailure,
  describeMounts,
  inspectShape,
  parseOptionPairs,
  pruneFilter,
  renderTable,
  selectPrunable,
  templateData,
  volumeFilter,
  type VolumeInfo,
} from './cli-format.js';

export const DEFAULT_SOCKET = '/run/docker/plugins/berth.sock';

interface Common {
  socket: string;
  format?: string;
}

// berth's global --root reaches every subcommand (berth/yargs-command.ts declares it).
const labelRoot = (a: object) => (a as { root?: string }).root ?? DEFAULT_BERTH_ROOT;
const plural = (n: number) => `${n} volume${n === 1 ? '' : 's'}`;
const out = (text: string) => process.stdout.write(`${text}\n`);

async function getAll(socket: string, names: readonly string[]): Promise<VolumeInfo[]> {
  return Promise.all(names.map(async (Name) => (await callDaemon(socket, '/VolumeDriver.Get', { Name })).Volume as VolumeInfo));
}

const format = { type: 'string', describe: 'table, json, or a Go template ("{{.Name}} {{.Mountpoint}}")' } as const;

const LS_HEADERS = { Name: 'VOLUME NAME', Driver: 'DRIVER', Mountpoint: 'MOUNTPOINT', Scope: 'SCOPE', Labels: 'LABELS' };

/**
 * The IDs of the containers that name volume `name` on `socket`; `rm` refuses a volume while any
 * does, as dockerd does. berth passes its container store's; without it only the daemon's mount
 * IDs refuse.
 */
export type VolumeUsers = (name: string, socket: string) => string[];

export const command = volumeCommand();

export function volumeCommand(usersOf: VolumeUsers = () => []): CommandModule<object, Common> {
  return {
    command: 'volume',
    describe: 'manage volumes served by berth-volumed',
    builder: (y: Argv) =>
      requireValues(
        y
          .option('socket', {
            type: 'string',
            default: process.env.BERTH_VOLUME_SOCKET ?? DEFAULT_SOCKET,
            describe: 'berth-volumed socket (env BERTH_VOLUME_SOCKET)',
          })
          .command(
            'create [name]',
            'create a volume (a random name when none is given)',
            (c) =>
              requireValues(
                c
                  .positional('name', { type: 'string' })
                  .option('opt', {
                    alias: 'o',
                    type: 'string',
                    nargs: 1,
                    describe: 'KEY=VALUE: type=none,o=bind,device=PATH (bind) or uid, gid, mode, size (managed)',
                  })
                  .option('driver', {
                    alias: 'd',
                    type: 'string',
                    describe: 'volume plugin: DRIVER.sock beside the berth-volumed socket (local and berth: berth-volumed)',
                  })
                  .option('label', { type: 'string', nargs: 1, describe: 'KEY[=VALUE], repeatable: kept by berth under --root' }),
              ),
            async (a) => {
              const name = (a.name as string | undefined) ?? randomBytes(32).toString('hex');
              const bad = describeBadNewName(name);
              if (bad !== undefined) throw new UsageError(`invalid volume name ${JSON.stringify(name)}: ${bad}`);
              const listOf = (v: unknown) => ([] as string[]).concat((v as string | string[] | undefined) ?? []);
              const labels = parseLabels(listOf(a.label));
              const socket = driverSocket(a.socket as string, a.driver as string | undefined, name);
              await callDaemon(socket, '/VolumeDriver.Create', { Name: name, Opts: parseOptionPairs(listOf(a.opt)) });
              writeLabels(labelRoot(a), name, labels);
              out(name);
            },
          )
          .command(
            ['ls', 'list'],
            'list volumes',
            (c) =>
              requireValues(
                c
                  .option('format', { ...format, default: 'table' })
                  .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'names only' })
                  .option('filter', {
                    alias: 'f',
                    type: 'string',
                    nargs: 1,
                    describe: 'KEY=VALUE: dangling=true|false, driver=berth, name=REGEXP, label=KEY[=VALUE]',
                  }),
              ),
            async (a) => {
              const socket = a.socket as string;
              const filters = ([] as string[]).concat((a.filter as string | string[] | undefined) ?? []);
              const wanted = filters.length > 0 ? volumeFilter(filters) : undefined;
              const labelsOf = (name: string) => readLabels(labelRoot(a), name);
              const { Volumes } = await callDaemon(socket, '/VolumeDriver.List');
              // Whether a container or a mount uses a volume: asked only for a dangling filter.
              const askUse = filters.some((f) => f.toLowerCase().startsWith('dangling='));
              const inUse = async (name: string) =>
                askUse &&
                (usersOf(name, socket).length > 0 || Object.keys((await getAll(socket, [name]))[0].Status?.mounts ?? {}).length > 0);
              const vols: Array<{ Name: string; Mountpoint: string }> = [];
              for (const v of (Volumes as Array<{ Name: string; Mountpoint: string }>).sort((x, y) =>
                x.Name < y.Name ? -1 : x.Name > y.Name ? 1 : 0,
              )) {
                const used = await inUse(v.Name);
                if (!wanted || wanted({ name: v.Name, inUse: () => used, labels: () => labelsOf(v.Name) })) vols.push(v);
              }
              if (a.quiet) for (const v of vols) out(v.Name);
              else if (a.format === 'json') out(JSON.stringify(vols, null, 2));
              else
                process.stdout.write(
                  formatRows(
                    a.format as string,
                    vols.map((v) => ({
                      ...templateData(v as VolumeInfo),
                      Labels: (a.format as string).includes('Labels') ? renderLabels(labelsOf(v.Name)) : '',
                    })),
                    LS_HEADERS,
                    'table {{.Driver}}\t{{.Name}}',
                  ),
                );
            },
          )
          .command(
            'inspect <names..>',
            'show volumes in detail',
            (c) =>
              requireValues(
                c
                  .positional('names', { type: 'string', array: true, demandOption: true })
                  .option('format', { ...format, alias: 'f', default: 'json' }),
              ),
            async (a) => {
              const found: VolumeInfo[] = [];
              await eachName(a.names as string[], async (Name) => {
                found.push((await callDaemon(a.socket as string, '/VolumeDriver.Get', { Name })).Volume);
              });
              if (a.format === 'json')
                out(
                  JSON.stringify(
                    found.map((v) => inspectShape(v, readLabels(labelRoot(a), v.Name))),
                    null,
                    2,
                  ),
                );
              else if (a.format !== 'table')
                // Seen as docker's types.Volume first (zero values for what the daemon leaves out).
                for (const v of found)
                  out(renderTypedTemplate(a.format as string, VOLUME, templateData(v, readLabels(labelRoot(a), v.Name))));
              else
                out(
                  renderTable(
                    ['NAME', 'KIND', 'CREATED', 'MOUNTS', 'MOUNTPOINT'],
                    found.map((v) => [v.Name, v.Status?.kind ?? '', v.CreatedAt, describeMounts(v.Status?.mounts), v.Mountpoint]),
                  ),
                );
            },
          )
          .command(
            ['rm <names..>', 'remove'],
            "remove volumes (a bind volume's host directory is never deleted)",
            (c) =>
              requireValues(
                c
                  .positional('names', { type: 'string', array: true, demandOption: true })
                  .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'a missing volume is no error' }),
              ),
            async (a) => {
              await eachName(a.names as string[], async (Name) => {
                const users = usersOf(Name, a.socket as string);
                if (users.length > 0) throw new Error(`remove ${Name}: volume is in use - [${users.join(', ')}]`);
                try {
                  await callDaemon(a.socket as string, '/VolumeDriver.Remove', { Name });
                } catch (err) {
                  // docker volume rm -f: dockerd ignores a missing volume and the CLI prints its name.
                  if (!(a.force && describeFailure((err as Error).message).startsWith('Error: No such volume'))) throw err;
                }
                removeLabels(labelRoot(a), Name);
                out(Name);
              });
            },
          )
          .command(
            'prune',
            'remove every managed volume that no mount ID holds',
            (c) =>
              requireValues(
                c
                  .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'do not ask' })
                  .option('all', {
                    alias: 'a',
                    type: 'boolean',
                    default: false,
                    describe: 'bind volumes too (their host directories stay)',
                  })
                  .option('filter', { type: 'string', nargs: 1, describe: 'label=KEY[=VALUE] or label!=KEY[=VALUE] (repeatable)' }),
              ),
            async (a) => {
              const socket = a.socket as string;
              const keep = pruneFilter(([] as string[]).concat((a.filter as string | string[] | undefined) ?? []));
              const { Volumes } = await callDaemon(socket, '/VolumeDriver.List');
              const names = selectPrunable(
                await getAll(
                  socket,
                  (Volumes as Array<{ Name: string }>).map((v) => v.Name),
                ),
                a.all as boolean,
              ).filter((name) => usersOf(name, socket).length === 0 && keep(readLabels(labelRoot(a), name)));
              if (names.length > 0 && !a.force) {
                if (!process.stdin.isTTY)
                  throw new Error(`refusing to prune ${plural(names.length)} without --force (not a terminal to ask on)`);
                if (!(await confirm(`This removes ${plural(names.length)}: ${names.join(', ')}. Are you sure? [y/N] `))) names.length = 0;
              }
              // docker's report: the names under a heading, a blank line, the space the removed data held.
              const volumes = new Map((await getAll(socket, names)).map((v) => [v.Name, v]));
              const deleted: string[] = [];
              let reclaimed = 0;
              await eachName(names, async (Name) => {
                const v = volumes.get(Name);
                const size = v?.Status?.kind === 'managed' ? treeSize(v.Mountpoint) : 0; // a bind volume's data stays
                await callDaemon(socket, '/VolumeDriver.Remove', { Name });
                removeLabels(labelRoot(a), Name);
                deleted.push(Name);
                reclaimed += size;
              });
              if (deleted.length) out(`Deleted Volumes:\n${deleted.join('\n')}\n`);
              out(`Total reclaimed space: ${humanSize(reclaimed)}`);
            },
          )
          .command(
            'release <name> [ids..]',
            'drop mount IDs whose container is gone (all IDs when none is given), so the volume can be removed',
            (c) =>
              requireValues(
                c.positional('name', { type: 'string', demandOption: true }).positional('ids', { type: 'string', array: true }),
              ),
            async (a) => {
              const { Released } = await callDaemon(a.socket as string, '/Berth.Release', {
                Name: a.name,
                IDs: (a.ids as string[] | undefined) ?? [],
              });
              const released = Released as string[];
              if (released.length === 0) out(`no mount ID released on ${JSON.stringify(a.name)}`);
              else released.forEach((id) => out(id));
            },
          )
          .demandCommand(1, 'name a volume command: create, ls, inspect, rm, prune, release'),
      ),
    handler: () => undefined,
  };
}

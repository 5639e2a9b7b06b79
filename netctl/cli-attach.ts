/** netctl's commands over attachments: attach, detach, check (CNI ADD, DEL, CHECK), gc and status. */
import type { Argv } from 'yargs';
import { stringList } from '../cli/args.js';
import { requireValues } from '../cli/yargs.js';
import type { CommandContext } from '../network/context.js';

/** The options every netctl command takes. */
export interface GlobalArgs {
  configDir?: string;
  cacheDir?: string;
  cniPath?: string;
}

/** The attachment a command names: its <network> <netns> operands (required) and --id, --ifname. */
function attachmentOf(argv: { network?: string; netns?: string; id?: string; ifname?: string }) {
  return { network: argv.network!, netns: argv.netns!, id: argv.id, ifname: argv.ifname };
}

/** detach's and check's operands and options: both act on every interface of the attachment unless one is named. */
function attachmentOperands<T>(y: Argv<T>) {
  return y
    .positional('network', { type: 'string' })
    .positional('netns', { type: 'string' })
    .option('id', { type: 'string', describe: 'container ID [default: as attach]' })
    .option('ifname', { type: 'string', describe: 'only this interface [default: every one on the network]' });
}

/** Adds the attachment commands to `y`; each handler imports commands/runtime-verbs.ts when it runs. */
export function attachmentCommands<T extends GlobalArgs>(y: Argv<T>, ctx: (argv: GlobalArgs) => CommandContext): Argv<T> {
  return y
    .command(
      ['attach <network> <netns>', 'connect'],
      'attach a network namespace to a network (CNI ADD)',
      (y) =>
        requireValues(
          y
            .positional('network', { type: 'string' })
            .positional('netns', { type: 'string', describe: 'a name under /run/netns, or a path' })
            .option('id', { type: 'string', describe: 'container ID [default: netctl-<12 hex of the netns path>]' })
            .option('ifname', { type: 'string', describe: 'interface name in the netns [default: the first free ethN]' })
            .option('ip', { type: 'string', array: true, describe: 'static address, one per family' })
            .option('mac', { type: 'string', describe: 'MAC address of the interface' })
            .option('name', { type: 'string', describe: 'container name that dnsname resolves (CNI_ARGS K8S_POD_NAME)' })
            .option('alias', {
              type: 'string',
              array: true,
              describe: 'another name on this network (the "aliases" capability), repeatable',
            })
            .option('publish', {
              alias: 'p',
              type: 'string',
              array: true,
              describe: '[[HOSTIP:]HOSTPORT:]CONTAINERPORT[/tcp|udp|sctp]; without HOSTPORT a free one is picked and printed',
            })
            .option('format', { type: 'string', default: 'text', describe: '"text" or "json" (the CNI result)' })
            .example('$0 attach web c1 -p 8080:80 -p 53/udp', 'attach /run/netns/c1, publish two ports'),
        ),
      async (argv) =>
        (await import('./commands/runtime-verbs.js')).attach(
          {
            ...attachmentOf(argv),
            ip: stringList(argv.ip),
            mac: argv.mac,
            name: argv.name,
            alias: stringList(argv.alias),
            publish: stringList(argv.publish),
            format: argv.format,
          },
          ctx(argv),
        ),
    )
    .command(
      ['detach <network> <netns>', 'disconnect'],
      'detach a network namespace from a network (CNI DEL)',
      (y) => requireValues(attachmentOperands(y).example('$0 detach web c1', 'undo `netctl attach web c1`')),
      async (argv) => (await import('./commands/runtime-verbs.js')).detach(attachmentOf(argv), ctx(argv)),
    )
    .command(
      'check <network> <netns>',
      'verify an attachment (CNI CHECK)',
      (y) => requireValues(attachmentOperands(y).example('$0 check web c1', "exit 0 when c1's attachment is intact")),
      async (argv) => (await import('./commands/runtime-verbs.js')).check(attachmentOf(argv), ctx(argv)),
    )
    .command(
      'gc [networks..]',
      'detach attachments whose netns is gone, then CNI GC (every network when none named)',
      (y) =>
        requireValues(
          y
            .positional('networks', { type: 'string', array: true })
            .example('$0 gc web', 'clean up after containers that died without a detach'),
        ),
      async (argv) => (await import('./commands/gc-status.js')).gc({ networks: stringList(argv.networks) }, ctx(argv)),
    )
    .command(
      'status <network>',
      'ask the plugins whether the network is ready (CNI STATUS)',
      (y) =>
        requireValues(y.positional('network', { type: 'string' }).example('$0 status web', 'exit 0 and "web  ready" when ADD can work')),
      async (argv) => (await import('./commands/gc-status.js')).status({ network: argv.network! }, ctx(argv)),
    );
}

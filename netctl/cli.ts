/**
 * netctl's command line (yargs). Each command's handler imports its module when it runs, so a
 * command loads only what it needs: `netctl ls` never loads netlink, `attach` never loads `create`.
 */
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Argv } from 'yargs';
import { createCli, parseCli, requireValues } from '../cli/yargs.js';
import { stringList } from '../cli/args.js';
import { attachmentCommands, type GlobalArgs } from './cli-attach.js';
import type { CommandContext, GlobalOptions } from '../network/context.js';
import { describeError, exitCodeOf, UsageError } from '../network/errors.js';
import { debugSetting } from '../lib/debug.js';

export const VERSION = '0.1.0';

export interface CliIO {
  env: Readonly<Record<string, string | undefined>>;
  /** The running executable, to find the plugins shipped beside it. */
  self?: string;
  stdout(text: string): void;
  stderr(text: string): void;
  /** The terminal's width, for help; undefined without a terminal. */
  columns?: number;
}

function dirnameReal(path: string): string | undefined {
  try {
    return dirname(realpathSync(path));
  } catch {
    return undefined;
  }
}

/** CNI_PATH, else the directory of the netctl executable (dist/bin) and then /opt/cni/bin. */
function defaultCniPath(io: CliIO): string[] {
  if (io.env.CNI_PATH) return io.env.CNI_PATH.split(':').filter((p) => p !== '');
  const dirs: string[] = [];
  if (io.self) {
    try {
      dirs.push(dirname(realpathSync(io.self)));
    } catch {
      /* not a file */
    }
  }
  if (!dirs.includes('/opt/cni/bin')) dirs.push('/opt/cni/bin');
  return dirs;
}

function contextOf(argv: GlobalArgs, io: CliIO): CommandContext {
  const opts: GlobalOptions = {
    configDir: argv.configDir ?? (io.env.CNI_CONF_DIR || '/etc/cni/net.d'),
    cacheDir: argv.cacheDir ?? '/var/lib/cni',
    cniPath: argv.cniPath !== undefined ? argv.cniPath.split(':').filter((p) => p !== '') : defaultCniPath(io),
  };
  const pluginDebug = debugSetting(io.env, 'BERTH_LOG');
  return {
    opts,
    out: (text) => io.stdout(`${text}\n`),
    warn: (text) => io.stderr(`netctl: warning: ${text}\n`),
    pluginEnv: pluginDebug ? { BERTH_DEBUG: pluginDebug } : {},
    // NETCTL_EXEC_PLUGINS=1 execs every plugin, Berth's own included (for comparison and debugging).
    ...(io.self && io.env.NETCTL_EXEC_PLUGINS !== '1' && { selfDir: dirnameReal(io.self) }),
  };
}

/** A whole non-negative integer option given as text. @throws {UsageError} */
function intOption(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`invalid ${what} ${JSON.stringify(text)}: not a whole number`);
  return Number(text);
}

function build(args: readonly string[], io: CliIO): Argv {
  const ctx = (argv: GlobalArgs) => contextOf(argv, io);
  const y = createCli('netctl', args);
  const networkCommands = requireValues(
    y
      .version(VERSION)
      .usage('$0 <command> [options]\n\nCreate, inspect and remove CNI networks; attach network namespaces to them.')
      .option('config-dir', { type: 'string', global: true, describe: 'CNI config dir [default: $CNI_CONF_DIR or /etc/cni/net.d]' })
      .option('cache-dir', {
        type: 'string',
        global: true,
        describe: 'runtime cache dir (results in its "results" subdir) [default: /var/lib/cni]',
      })
      .option('cni-path', {
        type: 'string',
        global: true,
        describe: 'plugin dirs, ":"-separated [default: $CNI_PATH, else netctl\'s own dir then /opt/cni/bin]',
      }),
  )
    .command(
      'create <name>',
      'create a network: write NAME.conflist (bridge + host-local + portmap)',
      (y) =>
        requireValues(
          y
            .positional('name', { type: 'string', describe: 'network name, ^[A-Za-z0-9][A-Za-z0-9_.-]*$' })
            .option('subnet', {
              type: 'string',
              array: true,
              describe: 'subnet CIDR, one IPv4 and/or one IPv6 [default: a free /24 of --subnet-pool]',
            })
            .option('gateway', { type: 'string', array: true, describe: 'gateway address per subnet [default: the first address]' })
            .option('ip-range', { type: 'string', array: true, describe: 'allocate container addresses from this CIDR inside the subnet' })
            .option('bridge', { type: 'string', describe: 'bridge name [default: br-<12 hex of the network ID>]' })
            .option('mtu', { type: 'string', describe: "MTU of the bridge and the veths [default: the kernel's]" })
            .option('internal', {
              type: 'boolean',
              default: false,
              describe: 'no default route and no masquerade: containers reach only the network and the host',
            })
            .option('isolate', {
              type: 'boolean',
              default: false,
              describe: 'drop forwarding between this network and other isolated networks',
            })
            .option('masquerade', {
              type: 'boolean',
              default: true,
              describe: 'masquerade container traffic leaving the subnet (--no-masquerade to turn off)',
            })
            .option('dns', {
              type: 'boolean',
              default: false,
              describe: 'add the dnsname plugin: containers resolve each other by name (netctl attach --name) and alias, under dns.podman',
            })
            .option('label', { type: 'string', array: true, describe: 'KEY=VALUE label, repeatable' })
            .option('lease-dir', { type: 'string', describe: 'host-local dataDir [default: /var/lib/cni/networks]' })
            .option('firewall-dir', {
              type: 'string',
              describe: "Berth's firewall records (bridge and portmap firewallDir) [default: /run/berth/firewall]",
            })
            .option('subnet-pool', { type: 'string', default: '10.89.0.0/16', describe: 'where a subnet is picked without --subnet' })
            .option('subnet-size', { type: 'string', default: '24', describe: 'prefix length of a picked subnet' })
            .option('ipv6', {
              type: 'boolean',
              default: false,
              describe: 'also an IPv6 subnet: a free /64 of --subnet-pool6 unless an IPv6 --subnet is given',
            })
            .option('subnet-pool6', { type: 'string', default: 'fd89:b3e7:4a00::/48', describe: 'where --ipv6 picks its /64' })
            .example('$0 create web --subnet 10.90.0.0/24 --subnet fd00:90::/64 --label team=web', 'a dual-stack network')
            .example('$0 create backend --internal --isolate', 'a free /24 of 10.89.0.0/16, no way out, isolated'),
        ),
      async (argv) => {
        const { create } = await import('./commands/create.js');
        await create(
          {
            name: argv.name!,
            subnets: stringList(argv.subnet),
            gateways: stringList(argv.gateway),
            ipRanges: stringList(argv.ipRange),
            bridge: argv.bridge,
            mtu: intOption(argv.mtu, 'mtu'),
            internal: argv.internal,
            isolate: argv.isolate,
            masquerade: argv.masquerade,
            dns: argv.dns,
            labels: stringList(argv.label),
            leaseDir: argv.leaseDir,
            firewallDir: argv.firewallDir,
            subnetPool: argv.subnetPool,
            subnetSize: intOption(argv.subnetSize, 'subnet size')!,
            ipv6: argv.ipv6,
            subnetPool6: argv.subnetPool6,
          },
          ctx(argv),
        );
      },
    )
    .command(
      ['ls', 'list'],
      'list networks',
      (y) =>
        requireValues(
          y
            .option('format', { type: 'string', default: 'table', describe: '"table" or "json"' })
            .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'names only' })
            .example('$0 ls --format json', 'every network as JSON'),
        ),
      async (argv) => (await import('./commands/ls.js')).ls({ format: argv.format, quiet: argv.quiet }, ctx(argv)),
    )
    .command(
      'inspect <names..>',
      'show networks as JSON: config, bridge, attached containers, leases',
      (y) =>
        requireValues(
          y.positional('names', { type: 'string', array: true }).example('$0 inspect web', 'the network "web" and who is attached to it'),
        ),
      async (argv) => (await import('./commands/inspect.js')).inspect({ names: stringList(argv.names) }, ctx(argv)),
    )
    .command(
      ['rm <names..>', 'remove'],
      'remove networks (refused while containers are attached)',
      (y) =>
        requireValues(
          y
            .positional('names', { type: 'string', array: true })
            .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'detach attached containers first (CNI DEL)' })
            .example('$0 rm web --force', 'detach everything from "web", then remove it'),
        ),
      async (argv) => (await import('../network/remove.js')).rm({ names: stringList(argv.names), force: argv.force }, ctx(argv)),
    )
    .command(
      'prune',
      'remove every network netctl created that has nothing attached',
      (y) => requireValues(y.example('$0 prune', 'remove unused networks')),
      async (argv) => (await import('../network/remove.js')).prune({}, ctx(argv)),
    );
  return attachmentCommands(networkCommands, ctx)
    .example('$0 create web && $0 attach web c1 -p 8080:80', 'a network, and /run/netns/c1 on it with host port 8080 published')
    .epilog('Exit codes: 0 ok, 1 failure, 2 usage. Errors are one line on stderr: "netctl: <message>".')
    .demandCommand(1, 'a command is required (see netctl --help)')
    .help()
    .alias('help', 'h')
    .middleware((argv) => {
      // yargs renders the whole help text after starting a command's handler, "in case" it is
      // needed later, which costs every run. netctl never shows help after a handler ran.
      if (!argv.help)
        (y as unknown as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } } })
          .getInternalMethods()
          .getUsageInstance().cacheHelpMessage = () => {};
    });
}

/** Runs one netctl command line; returns the exit code. Never throws. */
export async function runCli(args: readonly string[], io: CliIO): Promise<number> {
  try {
    await parseCli(build(args, io), args, io.stdout, io.columns);
    return 0;
  } catch (err) {
    io.stderr(`netctl: ${describeError(err)}\n`);
    if (debugSetting(io.env, 'NETCTL_DEBUG') && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    return exitCodeOf(err);
  }
}

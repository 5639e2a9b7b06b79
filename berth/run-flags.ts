/** The flags of `berth run` and `berth create`, as Docker's, and their values as RunOptions. Pure. */
import { list, str, type FlagDef, type FlagValues } from './flags.js';
import type { RunOptions } from '../runtime/spec.js';
import type { NetworkFlags } from '../runtime/network/plan.js';

/** Resource flags, handed as given to the cgroup driver's parseResources. */
const RESOURCE_FLAGS: FlagDef[] = [
  { name: 'memory', short: 'm', type: 'string', describe: 'memory limit (e.g. 32m)' },
  { name: 'memory-swap', type: 'string', describe: 'memory plus swap limit; -1 unlimited' },
  { name: 'memory-reservation', type: 'string', describe: 'memory soft limit' },
  { name: 'cpu-shares', short: 'c', type: 'string', describe: 'CPU shares (relative weight)' },
  { name: 'cpus', type: 'string', describe: 'number of CPUs (e.g. 0.5)' },
  { name: 'cpuset-cpus', type: 'string', describe: 'CPUs allowed (0-3, 0,1)' },
  { name: 'pids-limit', type: 'string', describe: 'process limit (-1 unlimited)' },
  { name: 'blkio-weight', type: 'string', describe: 'block IO weight (10-1000)' },
  { name: 'device-read-bps', type: 'list', describe: 'read rate limit of a device (DEVICE:RATE)' },
  { name: 'device-write-bps', type: 'list', describe: 'write rate limit of a device (DEVICE:RATE)' },
  { name: 'device-read-iops', type: 'list', describe: 'read IO/s limit of a device (DEVICE:RATE)' },
  { name: 'device-write-iops', type: 'list', describe: 'write IO/s limit of a device (DEVICE:RATE)' },
];

/** Mounts besides -v (runtime/volumes/). */
const STORAGE_FLAGS: FlagDef[] = [
  { name: 'mount', type: 'list', describe: 'attach a mount: type=bind|volume|tmpfs,source=,target=,readonly,...' },
  { name: 'tmpfs', type: 'list', describe: 'mount a tmpfs: DST[:OPTIONS]' },
  { name: 'volume-driver', type: 'string', describe: 'volume plugin of the volumes that name none (default berth)' },
  { name: 'volumes-from', type: 'list', describe: "mount another container's volumes: CTR[:ro|:rw]" },
];

/** Networks and ports (docs/berth-networks.md). */
const NETWORK_FLAGS: FlagDef[] = [
  { name: 'network', type: 'list', describe: 'bridge (default), NAME, none, host or container:CTR; repeatable' },
  { name: 'net', type: 'list', describe: 'alias of --network' },
  { name: 'ip', type: 'string', describe: 'IPv4 address on the first network' },
  { name: 'ip6', type: 'string', describe: 'IPv6 address on the first network' },
  { name: 'mac-address', type: 'string', describe: 'MAC address on the first network' },
  { name: 'network-alias', type: 'list', describe: 'more names on the first network' },
  { name: 'publish', short: 'p', type: 'list', describe: 'publish a port: [[IP:][HOSTPORT]:]PORT[/PROTO], ranges too' },
  { name: 'publish-all', short: 'P', type: 'bool', describe: 'publish every exposed port to a free host port' },
  { name: 'expose', type: 'list', describe: 'expose a port or a range: PORT[/PROTO], START-END[/PROTO]' },
];

/** The network flags as RunOptions.net. */
function networkFlagsOf(f: FlagValues): NetworkFlags {
  return {
    networks: [...list(f.network), ...list(f.net)],
    ip: str(f.ip),
    ip6: str(f.ip6),
    mac: str(f['mac-address']),
    aliases: list(f['network-alias']),
    publish: list(f.publish),
    publishAll: f['publish-all'] === true,
  };
}

/** The container's /etc/hosts and /etc/resolv.conf (runtime/etc-files.ts). */
const ETC_FLAGS: FlagDef[] = [
  { name: 'dns', type: 'list', describe: 'set custom DNS servers' },
  { name: 'dns-search', type: 'list', describe: 'set custom DNS search domains' },
  { name: 'dns-option', type: 'list', describe: 'set DNS options' },
  { name: 'add-host', type: 'list', describe: 'add a custom host-to-IP mapping (host:ip)' },
];

export const CREATE_FLAGS: FlagDef[] = [
  { name: 'name', type: 'string', describe: 'assign a name to the container' },
  { name: 'rootfs', type: 'string', describe: 'run a plain directory instead of an image (never written)' },
  { name: 'interactive', short: 'i', type: 'bool', describe: 'keep stdin open' },
  { name: 'tty', short: 't', type: 'bool', describe: 'allocate a pseudo-terminal' },
  { name: 'rm', type: 'bool', describe: 'remove the container when it exits' },
  { name: 'env', short: 'e', type: 'list', describe: 'set environment variables' },
  { name: 'env-file', type: 'list', describe: 'read environment variables from a file' },
  { name: 'entrypoint', type: 'string', describe: "overwrite the image's entrypoint" },
  { name: 'workdir', short: 'w', type: 'string', describe: 'working directory inside the container' },
  { name: 'user', short: 'u', type: 'string', describe: 'UID[:GID] or NAME[:GROUP]' },
  { name: 'hostname', short: 'h', type: 'string', describe: 'container host name' },
  { name: 'cap-add', type: 'list', describe: 'add Linux capabilities' },
  { name: 'cap-drop', type: 'list', describe: 'drop Linux capabilities' },
  { name: 'privileged', type: 'bool', describe: 'every capability, /sys writable, no masked paths, no seccomp' },
  {
    name: 'security-opt',
    type: 'list',
    describe: 'seccomp=unconfined (no seccomp filter), seccomp=PROFILE.json (a Docker-format profile), no-new-privileges',
  },
  { name: 'read-only', type: 'bool', describe: "mount the container's root read-only" },
  { name: 'init', type: 'bool', describe: 'run tini as PID 1 (forwards signals, reaps zombies)' },
  { name: 'restart', type: 'string', describe: 'no, on-failure[:N], always, unless-stopped' },
  { name: 'stop-signal', type: 'string', describe: 'signal to stop the container (default SIGTERM)' },
  { name: 'stop-timeout', type: 'string', describe: 'seconds to wait before SIGKILL on stop (default 10)' },
  { name: 'volume', short: 'v', type: 'list', describe: 'bind mount or volume: SRC|NAME:DST[:MODE], or DST (anonymous volume)' },
  { name: 'label', short: 'l', type: 'list', describe: 'set metadata' },
  { name: 'log-opt', type: 'list', describe: 'max-size (default 10m), max-file (default 3)' },
  { name: 'cgroup-parent', type: 'string', describe: 'parent cgroup (default /berth)' },
  { name: 'userns', type: 'string', describe: 'user namespace: host (default) or private (root is an unprivileged host ID range)' },
  ...RESOURCE_FLAGS,
  ...STORAGE_FLAGS,
  ...NETWORK_FLAGS,
  ...ETC_FLAGS,
];

export const RUN_FLAGS: FlagDef[] = [
  { name: 'detach', short: 'd', type: 'bool', describe: 'run in the background and print the ID' },
  ...CREATE_FLAGS,
];

/** RunOptions from parsed flags; `rest` is IMAGE [CMD...] (or CMD... with --rootfs). */
export function runOptionsOf(
  f: FlagValues,
  rest: string[],
  callerEnv: Record<string, string | undefined>,
  envFileLines: string[],
): RunOptions {
  const resourceFlags: Record<string, string | string[]> = {};
  for (const def of RESOURCE_FLAGS) if (f[def.name] !== undefined) resourceFlags[def.name] = f[def.name] as string | string[];
  const withRootfs = str(f.rootfs) !== undefined;
  return {
    imageRef: withRootfs ? '' : rest[0],
    command: withRootfs ? rest : rest.slice(1),
    entrypoint: str(f.entrypoint),
    env: list(f.env),
    envFileLines,
    callerEnv,
    workdir: str(f.workdir),
    user: str(f.user),
    hostname: str(f.hostname),
    expose: list(f.expose),
    net: networkFlagsOf(f),
    capAdd: list(f['cap-add']),
    capDrop: list(f['cap-drop']),
    privileged: f.privileged === true,
    securityOpt: list(f['security-opt']),
    readOnly: f['read-only'] === true,
    init: f.init === true,
    tty: f.tty === true,
    interactive: f.interactive === true,
    detach: f.detach === true,
    autoRemove: f.rm === true,
    restart: str(f.restart),
    stopSignal: str(f['stop-signal']),
    stopTimeout: str(f['stop-timeout']),
    volumes: list(f.volume),
    labels: list(f.label),
    logOpts: list(f['log-opt']),
    cgroupParent: str(f['cgroup-parent']),
    userns: str(f.userns) ?? '',
    resourceFlags,
    storage: {
      mounts: list(f.mount),
      tmpfs: list(f.tmpfs),
      volumeDriver: str(f['volume-driver']) ?? '',
      volumesFrom: list(f['volumes-from']),
    },
    etc: { dns: list(f.dns), dnsSearch: list(f['dns-search']), dnsOptions: list(f['dns-option']), addHost: list(f['add-host']) },
  };
}

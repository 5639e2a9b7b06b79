/**
 * What `berth COMMAND --help` prints above the options: the usage line and the one-line summary,
 * Docker 20.10's for the commands Docker has. Pure.
 */

export interface CommandHelp {
  usage: string;
  describe: string;
}

const CTRS = 'CONTAINER [CONTAINER...]';

export const COMMAND_HELP: Record<string, CommandHelp> = {
  run: { usage: 'run [OPTIONS] IMAGE|--rootfs DIR [COMMAND] [ARG...]', describe: 'Run a command in a new container' },
  create: { usage: 'create [OPTIONS] IMAGE|--rootfs DIR [COMMAND] [ARG...]', describe: 'Create a new container' },
  start: { usage: `start [OPTIONS] ${CTRS}`, describe: 'Start one or more stopped containers' },
  stop: { usage: `stop [OPTIONS] ${CTRS}`, describe: 'Stop one or more running containers' },
  restart: { usage: `restart [OPTIONS] ${CTRS}`, describe: 'Restart one or more containers' },
  kill: { usage: `kill [OPTIONS] ${CTRS}`, describe: 'Kill one or more running containers' },
  rm: { usage: `rm [OPTIONS] ${CTRS}`, describe: 'Remove one or more containers' },
  wait: { usage: `wait ${CTRS}`, describe: 'Block until one or more containers stop, then print their exit codes' },
  ps: { usage: 'ps [OPTIONS]', describe: 'List containers' },
  inspect: { usage: 'inspect [OPTIONS] NAME|ID [NAME|ID...]', describe: 'Return low-level information on containers and images' },
  logs: { usage: 'logs [OPTIONS] CONTAINER', describe: 'Fetch the logs of a container' },
  exec: { usage: 'exec [OPTIONS] CONTAINER COMMAND [ARG...]', describe: 'Run a command in a running container' },
  pause: { usage: `pause ${CTRS}`, describe: 'Pause all processes within one or more containers' },
  unpause: { usage: `unpause ${CTRS}`, describe: 'Unpause all processes within one or more containers' },
  rename: { usage: 'rename CONTAINER NEW_NAME', describe: 'Rename a container' },
  top: { usage: 'top CONTAINER [ps OPTIONS]', describe: 'Display the running processes of a container' },
  stats: { usage: 'stats [OPTIONS] [CONTAINER...]', describe: 'Display a live stream of container(s) resource usage statistics' },
  attach: {
    usage: 'attach [OPTIONS] CONTAINER',
    describe: 'Attach local standard input, output, and error streams to a running container',
  },
  diff: { usage: 'diff CONTAINER', describe: "Inspect changes to files or directories on a container's filesystem" },
  cp: {
    usage: 'cp CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp SRC_PATH|- CONTAINER:DEST_PATH',
    describe: 'Copy files/folders between a container and the local filesystem',
  },
  port: { usage: 'port CONTAINER [PRIVATE_PORT[/PROTO]]', describe: 'List port mappings or a specific mapping for the container' },
  gc: { usage: 'gc', describe: 'Clean up after crashed supervisors: cgroups, state dirs, networks, volume mounts' },
  boot: { usage: 'boot', describe: 'Start the containers whose restart policy asks for it after a reboot' },
  'network create': { usage: 'network create [OPTIONS] NETWORK', describe: 'Create a network' },
  'network ls': { usage: 'network ls [OPTIONS]', describe: 'List networks' },
  'network inspect': {
    usage: 'network inspect [OPTIONS] NETWORK [NETWORK...]',
    describe: 'Display detailed information on one or more networks',
  },
  'network rm': { usage: 'network rm NETWORK [NETWORK...]', describe: 'Remove one or more networks' },
  'network prune': { usage: 'network prune [OPTIONS]', describe: 'Remove all unused networks' },
  'network connect': { usage: 'network connect [OPTIONS] NETWORK CONTAINER', describe: 'Connect a container to a network' },
  'network disconnect': { usage: 'network disconnect [OPTIONS] NETWORK CONTAINER', describe: 'Disconnect a container from a network' },
};

/**
 * `--help` (or `-h` where the command has no `-h` of its own) was asked for: main prints `text` to
 * stdout and exits 0, as Docker's CLI.
 */
export class HelpRequest extends Error {
  constructor(readonly text: string) {
    super('help requested');
  }
}

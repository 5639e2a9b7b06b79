/**
 * berth-volumed: the Docker volume plugin daemon. `berth-volumed --help` lists the options; the
 * docs/berth-volumed.md describes them.
 */
import { exitCodeOf } from '../cli/errors.js';
import { createCli, parseCli, requireValues } from '../cli/yargs.js';
import { LOG_LEVELS, createLog, type LogLevel } from './log.js';
import { debugSetting } from '../lib/debug.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const DEFAULT_SOCKET = '/run/docker/plugins/berth.sock';
export const DEFAULT_ROOT = '/var/lib/berth/volumes';

async function main(argv: string[]): Promise<number> {
  const cli = requireValues(
    createCli('berth-volumed', argv)
      .usage('$0 [options]\n\nServes bind and managed volumes to dockerd and berth over the Docker volume plugin protocol.')
      .option('socket', { type: 'string', default: DEFAULT_SOCKET, describe: 'unix socket to listen on (ignored when systemd passes one)' })
      .option('root', { type: 'string', default: DEFAULT_ROOT, describe: 'directory holding the volumes and their metadata' })
      .option('group', { type: 'string', describe: 'group (name or gid) that may use the socket: mode 0660 instead of 0600' })
      .option('allow-bind', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'directory bind volumes may point into (repeatable); default: anywhere',
      })
      .option('log-level', { type: 'string', choices: LOG_LEVELS, default: 'info' as LogLevel, describe: 'least severe level logged' })
      .demandCommand(0, 0, '', 'unexpected argument: berth-volumed takes options only')
      .version(false)
      .help(),
  );
  const parsed = await parseCli(cli, argv, (text) => process.stdout.write(text), process.stdout.isTTY ? process.stdout.columns : undefined);
  if (parsed === undefined) return 0; // --help
  const args = parsed as { socket: string; root: string; group?: string; 'allow-bind': string[]; 'log-level': string };

  // A closed stderr (journald restarting) must not take the daemon down with an EPIPE.
  process.stderr.on('error', () => undefined);
  const log = createLog(args['log-level'] as LogLevel, (line) => process.stderr.write(line), Boolean(process.env.JOURNAL_STREAM));
  const [{ openDriver }, { openQuotas }, { createVolumeServer }, { listen }, { IdleCollector }] = await Promise.all([
    import('./open-driver.js'),
    import('./quota.js'),
    import('./server.js'),
    import('./listen.js'),
    import('./idle-gc.js'),
  ]);
  const root = args.root;
  const driver = await openDriver({ root, allowBind: args['allow-bind'], quotas: (resolved) => openQuotas(resolved), warn: log.warn });
  const gc = openGc();
  const collector = gc
    ? new IdleCollector({
        collect: gc,
        setTimer: (fn, ms) => {
          const timer = setTimeout(fn, ms);
          timer.unref();
          return () => clearTimeout(timer);
        },
        onCollect: (requests) => log.debug(`idle after ${requests} requests: full garbage collection`),
      })
    : undefined;
  const server = createVolumeServer(driver, log, collector);
  const listening = await listen(server, args.socket, args.group, process.env);
  delete process.env.LISTEN_FDS;
  delete process.env.LISTEN_PID;
  delete process.env.LISTEN_FDNAMES;
  log.info(`serving ${driver.size} volumes from ${JSON.stringify(driver.root)} on ${listening.description}`);

  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      collector?.stop();
      log.info(`${signal}: shutting down`);
      // Finish the requests in flight (each is durable when answered), then leave.
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      force.unref();
      // Keep-alive connections become idle as their last reply goes out; close them as they do.
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      idle.unref();
      server.close(async () => {
        clearTimeout(force);
        clearInterval(idle);
        await listening.cleanup();
        await driver.close();
        log.info('stopped');
        resolve(0);
      });
      server.closeIdleConnections();
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

/**
 * V8's gc(), which Node only exposes with --expose-gc: the flag applies to contexts made after it is
 * set, so a new context hands the function over. Undefined when this Node refuses.
 */
function openGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`berth-volumed: ${err instanceof Error ? err.message : String(err)}\n`);
    if (debugSetting(process.env)) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    process.exitCode = exitCodeOf(err);
  },
);

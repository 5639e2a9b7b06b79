/**
 * Runs the built dist/bin/berth-volumed on a socket in a temp dir and talks to it over HTTP/1.1,
 * as dockerd does: POST, JSON body with a trailing newline, no Content-Type, keep-alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_DIR, withTempDir } from './sandbox';
import { withBerth, type Berth } from './berth';

export const VOLUMED = join(BIN_DIR, 'berth-volumed');

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  text: string;
}

/** One POST over the unix socket; resolves with the parsed JSON body (or the raw text). */
export function post(socket: string, endpoint: string, body: unknown = {}, agent?: Agent): Promise<Reply> {
  const text = body === undefined ? '' : typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: socket,
        path: endpoint,
        method: 'POST',
        agent: agent ?? false,
        headers: { Accept: 'application/vnd.docker.plugins.v1.2+json', 'Content-Length': Buffer.byteLength(text) },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (data += c));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(data);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: json, text: data });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

export interface Daemon {
  proc: ChildProcess;
  pid: number;
  socket: string;
  root: string;
  /** Everything written on stderr so far. */
  stderr(): string;
  call(endpoint: string, body?: unknown): Promise<Reply>;
  /** SIGTERM and wait for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

/** Starts the daemon and waits until its socket answers. `prefix` runs it under another program (systemd-socket-activate). */
export async function startDaemon(opts: {
  socket: string;
  root: string;
  args?: string[];
  prefix?: string[];
  env?: Record<string, string>;
}): Promise<Daemon> {
  const argv = [...(opts.prefix ?? []), VOLUMED, '--socket', opts.socket, '--root', opts.root, ...(opts.args ?? [])];
  const proc = spawn(argv[0], argv.slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...opts.env },
  });
  let err = '';
  proc.stderr!.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const daemon: Daemon = {
    proc,
    pid: proc.pid!,
    socket: opts.socket,
    root: opts.root,
    stderr: () => err,
    call: (endpoint, body) => post(opts.socket, endpoint, body, agent),
    async stop() {
      agent.destroy();
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
    async kill() {
      agent.destroy();
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
    exited,
  };
  const deadline = Date.now() + 10_000;
  // Ready means: the daemon has logged "serving ..." (it does so after setting the socket's mode, and
  // a request it answers before that would be logged first), or, when it logs no info lines, its
  // socket answers.
  const levelAt = opts.args?.indexOf('--log-level') ?? -1;
  const logsInfo = levelAt < 0 || ['info', 'debug'].includes(opts.args![levelAt + 1]);
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`berth-volumed exited ${proc.exitCode}: ${err}`);
    if (logsInfo) {
      if (/ serving \d+ volumes /.test(err)) {
        await post(opts.socket, '/Plugin.Activate', '');
        return daemon;
      }
    } else if (existsSync(opts.socket)) {
      try {
        await post(opts.socket, '/Plugin.Activate', '');
        return daemon;
      } catch {
        /* not listening yet */
      }
    }
    if (Date.now() > deadline) {
      await daemon.kill();
      throw new Error(`berth-volumed did not answer within 10 s: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs the daemon in `fn` and always stops it (SIGKILL if SIGTERM is not enough). */
export async function withDaemon<T>(opts: Parameters<typeof startDaemon>[0], fn: (d: Daemon) => Promise<T>): Promise<T> {
  const d = await startDaemon(opts);
  try {
    return await fn(d);
  } finally {
    const timer = setTimeout(() => d.proc.kill('SIGKILL'), 5000);
    await d.stop();
    clearTimeout(timer);
  }
}

/**
 * berth with its own plugin dir, where berth-volumed serves berth.sock; both gone afterwards.
 * `dir`: a temp dir of the test's own (bind sources, files to copy).
 */
export function withBerthVolumes(fn: (b: Berth, d: Daemon, dir: string) => Promise<void>): Promise<void> {
  return withTempDir(async (dir) => {
    const plugins = join(dir, 'plugins');
    mkdirSync(plugins);
    await withDaemon({ socket: join(plugins, 'berth.sock'), root: join(dir, 'volumes') }, (d) =>
      withBerth((b) => fn(b, d, dir), { globals: ['--volume-plugin-dir', plugins] }),
    );
  });
}

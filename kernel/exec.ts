/**
 * Runs helper programs (nft, conntrack) without a shell. Every spawn is counted, because every
 * CNI call is a fresh process and each child costs milliseconds.
 */
import type { spawn as Spawn } from 'node:child_process';

/** A helper program that exited non-zero or could not start (zx's ProcessOutput). */
export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderrLine: string,
    readonly stderr = '',
  ) {
    super(
      `command ${JSON.stringify(argv.join(' '))} failed${exitCode === null ? '' : ` with exit code ${exitCode}`}${stderrLine ? `: ${stderrLine}` : ''}`,
    );
    this.name = 'CommandError';
  }
}

let spawned = 0;

/** How many child processes this process has started through run(). */
export function spawnCount(): number {
  return spawned;
}

/** The last non-empty line of a text. */
export function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines[lines.length - 1] ?? '';
}

/**
 * Runs `cmd args` with `input` on stdin and resolves with its stdout.
 * @throws {CommandError} on a non-zero exit or when the program cannot be started
 */
export function run(cmd: string, args: readonly string[], input = ''): Promise<string> {
  spawned += 1;
  // Bun's async spawn was seen to miss a child's exit under heavy load (a DEL waiting forever);
  // Bun runs only the one-shot CNI plugins, which lose nothing by waiting in place.
  if (process.versions.bun) return runSync(cmd, args, input);
  return new Promise((resolve, reject) => {
    const argv = [cmd, ...args];
    // Loaded on first use: most calls spawn nothing.
    const { spawn } = require('node:child_process') as { spawn: typeof Spawn };
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => reject(new CommandError(argv, null, e.code ?? e.message)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else {
        const stderr = Buffer.concat(err).toString('utf8');
        reject(new CommandError(argv, code, lastLine(stderr), stderr));
      }
    });
    child.stdin.on('error', () => {}); // EPIPE when the program exits without reading; its exit code tells
    child.stdin.end(input);
  });
}

/** The part of Bun's API runSync uses (this module is type-checked without Bun's types). */
interface BunSpawnSync {
  spawnSync(
    cmd: string[],
    opts: { stdin: Buffer; stdout: 'pipe'; stderr: 'pipe' },
  ): { exitCode: number | null; stdout: Buffer; stderr: Buffer };
}

function runSync(cmd: string, args: readonly string[], input: string): Promise<string> {
  const argv = [cmd, ...args];
  // Bun.spawnSync, where there is Bun: node:child_process costs 2-5 ms to load.
  const bun = (globalThis as { Bun?: BunSpawnSync }).Bun;
  let r: { status: number | null; stdout: Buffer; stderr: Buffer };
  try {
    if (bun) {
      const b = bun.spawnSync(argv, { stdin: Buffer.from(input), stdout: 'pipe', stderr: 'pipe' });
      r = { status: b.exitCode, stdout: b.stdout, stderr: b.stderr };
    } else {
      const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
      const n = spawnSync(cmd, args, { input, maxBuffer: 256 * 1024 * 1024 });
      if (n.error) throw n.error;
      r = n;
    }
  } catch (e) {
    return Promise.reject(new CommandError(argv, null, (e as NodeJS.ErrnoException).code ?? (e as Error).message));
  }
  if (r.status === 0) return Promise.resolve(r.stdout.toString('utf8'));
  const stderr = r.stderr?.toString('utf8') ?? '';
  return Promise.reject(new CommandError(argv, r.status, lastLine(stderr), stderr));
}

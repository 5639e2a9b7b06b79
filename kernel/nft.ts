/**
 * nftables: one transaction per call, through libnftables in this process (koffi) or, when the
 * library cannot be loaded, through the `nft` program (`nft -f -`, script on stdin).
 *
 * Why libnftables: a transaction in process costs a small fraction of spawning the `nft` program
 * (`node --import tsx bench/nft.ts`; figures in docs/internals/speed.md). A CNI call also reads a few elements back (ownership checks by comment) before it writes: in
 * process those reads cost microseconds, with the program each one would be another process.
 * libnftables1 is what `nft` itself links to, so wherever `nft` is installed the library is too.
 */
import { NftError } from './errors.js';
import { CommandError, run } from './exec.js';
import { loadKoffi, socketCalls } from './libc.js';
import { inNetnsSync } from './netns.js';
import { NFPROTO, openNfNetlink } from './nf-netlink.js';

export { NftError };

export interface Nft {
  readonly backend: 'libnftables' | 'program';
  /** Applies a script of nft commands as one transaction: all or nothing. @throws {NftError} */
  apply(script: string, action?: string): Promise<void>;
  /** Applies a JSON command document (libnftables JSON schema) as one transaction. @throws {NftError} */
  applyJson(doc: unknown, action?: string): Promise<void>;
  /** Runs a read command (`get element ...`) and returns nft's text output; undefined when the object is absent. */
  read(command: string): Promise<string | undefined>;
  /** Runs a read command (`list set ...`) with JSON output; undefined when the object is absent. */
  readJson(command: string): Promise<any | undefined>;
  /**
   * The comment of each set element ('' without one), undefined when it (or its set) does not
   * exist, in the order asked. O(1) each: netlink lookups in one send with libnftables' backend;
   * one `nft get element` each otherwise.
   */
  elementComments(qs: readonly ElementQuery[]): Promise<Array<string | undefined>>;
  /**
   * Deletes, then adds, elements in one transaction straight over netlink (libnftables' backend
   * only): no libnftables parse and no cache of the whole ruleset, whose size (other tables, e.g.
   * iptables-nft's) would otherwise be paid by every call. `guard` is a set that must exist.
   * @throws {NftError} (isNotFound, isExists as for scripts)
   */
  applyElements?(
    ops: { guard?: { family: 'inet' | 'bridge'; table: string; set: string }; del: readonly ElementWrite[]; add: readonly ElementWrite[] },
    action?: string,
  ): Promise<void>;
}

/** An element to write: its query, and for additions its map value and comment. */
export interface ElementWrite extends ElementQuery {
  data?: Buffer | { jump: string };
  comment?: string;
  /** Adding only: fail the transaction (isExists) when the key is already in the set, even with the same value. */
  mustBeNew?: boolean;
}

/** One element by key, as text (for `nft get element`) and as the kernel's key bytes. */
export interface ElementQuery {
  family: 'inet' | 'bridge';
  table: string;
  set: string;
  keyText: string;
  keyBytes: Buffer;
}

/**
 * The comment of the element in `get element` output (nft 1.0.6 prints text there even with -j),
 * '' when it has none, undefined when the output holds no element.
 */
export function parseElementComment(output: string): string | undefined {
  const at = output.indexOf('elements = {');
  if (at < 0) return undefined;
  const m = /comment "([^"]*)"/.exec(output.slice(at));
  return m ? m[1] : '';
}

const getElementCommand = (q: ElementQuery) => `get element ${q.family} ${q.table} ${q.set} { ${q.keyText} }`;

/** The first "Error: ..." line of nft's error output, without the prefix. */
export function nftReason(text: string): string {
  const line = text.split('\n').find((l) => l.startsWith('Error:')) ?? text.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  return line
    .replace(/^Error:\s*/, '')
    .replace(/^Could not process rule:\s*/, '')
    .trim();
}

const NFT_CTX_OUTPUT_JSON = 1 << 4;

/**
 * libnftables (nft_run_cmd_from_buffer) in this process, and a netfilter netlink socket for
 * element reads and writes. The library (dlopen + nft_ctx_new) is loaded on first need
 * only, unless `eager` (a handle for another netns must bind both there): a steady-state ADD or
 * DEL needs only the socket. If the library then fails to load, scripts go to the `nft` program.
 * @throws when koffi or the netlink socket is not available
 */
function openLibnftables(eager = false): Nft {
  const nf = openNfNetlink(socketCalls()); // bound to the netns it is opened in
  type Exec = (text: string, json: boolean) => { ok: boolean; out: string; err: string };
  let exec: Exec | undefined;
  let program: Nft | undefined;
  const init = (): Exec | undefined => {
    if (exec || program) return exec;
    try {
      const lib = loadKoffi().load('libnftables.so.1');
      const ctxNew = lib.func('void *nft_ctx_new(uint32_t flags)');
      const runCmd = lib.func('int nft_run_cmd_from_buffer(void *ctx, const char *buf)');
      const bufferOutput = lib.func('int nft_ctx_buffer_output(void *ctx)');
      const bufferError = lib.func('int nft_ctx_buffer_error(void *ctx)');
      const outputBuffer = lib.func('const char *nft_ctx_get_output_buffer(void *ctx)');
      const errorBuffer = lib.func('const char *nft_ctx_get_error_buffer(void *ctx)');
      const setFlags = lib.func('void nft_ctx_output_set_flags(void *ctx, uint32_t flags)');
      const ctx = ctxNew(0);
      if (!ctx) throw new Error('nft_ctx_new failed');
      bufferOutput(ctx);
      bufferError(ctx);
      // Each nft_run_cmd_from_buffer call is one netlink batch, i.e. one transaction.
      exec = (text, json) => {
        setFlags(ctx, json ? NFT_CTX_OUTPUT_JSON : 0);
        const rc = runCmd(ctx, text);
        // Reading a buffer resets it, so read both every time.
        const out = (outputBuffer(ctx) as string | null) ?? '';
        const err = (errorBuffer(ctx) as string | null) ?? '';
        return { ok: rc === 0, out, err };
      };
    } catch (err) {
      if (eager) throw err;
      program = openNftProgram();
    }
    return exec;
  };
  if (eager) init();
  const runText = (text: string, json: boolean) => init()!(text, json);
  return {
    backend: 'libnftables',
    async apply(script, action = 'apply the nftables transaction') {
      if (!init()) return program!.apply(script, action);
      const r = runText(script, false);
      if (!r.ok) throw new NftError(action, nftReason(r.err));
    },
    async applyJson(doc, action = 'apply the nftables transaction') {
      if (!init()) return program!.applyJson(doc, action);
      const r = runText(JSON.stringify(doc), true);
      if (!r.ok) throw new NftError(action, nftReason(r.err));
    },
    async read(command) {
      if (!init()) return program!.read(command);
      const r = runText(command, false);
      if (r.ok) return r.out;
      const e = new NftError(`run ${JSON.stringify(command)}`, nftReason(r.err));
      if (e.isNotFound) return undefined;
      throw e;
    },
    async elementComments(qs) {
      return nf.elementComments(qs.map((q) => ({ family: NFPROTO[q.family], table: q.table, set: q.set, key: q.keyBytes })));
    },
    async applyElements(ops, action = 'apply the nftables transaction') {
      const op = (w: ElementWrite) => ({
        family: NFPROTO[w.family],
        table: w.table,
        set: w.set,
        key: w.keyBytes,
        data: w.data,
        comment: w.comment,
        mustBeNew: w.mustBeNew,
      });
      try {
        nf.elementBatch({
          guard: ops.guard && { family: NFPROTO[ops.guard.family], table: ops.guard.table, set: ops.guard.set },
          del: ops.del.map(op),
          add: ops.add.map(op),
        });
      } catch (err) {
        // The same reasons nft prints, so callers test isNotFound / isExists either way.
        const errno = (err as { errno?: string }).errno;
        const reason = errno === 'ENOENT' ? 'No such file or directory' : errno === 'EEXIST' ? 'File exists' : (err as Error).message;
        throw new NftError(action, reason);
      }
    },
    async readJson(command) {
      if (!init()) return program!.readJson(command);
      const r = runText(command, true);
      if (r.ok) return JSON.parse(r.out);
      const e = new NftError(`run ${JSON.stringify(command)}`, nftReason(r.err));
      if (e.isNotFound) return undefined;
      throw e;
    },
  };
}

/**
 * The `nft` program, one process per call: scripts on stdin (`nft -f -`). JSON goes on the command
 * line instead: nft reads JSON input by opening /dev/stdin, which fails (ENXIO) on the socket Node
 * gives a child as stdin.
 */
export function openNftProgram(program = 'nft'): Nft {
  const call = async (args: string[], input: string, action: string): Promise<string> => {
    try {
      return await run(program, args, input);
    } catch (err) {
      if (err instanceof CommandError) throw new NftError(action, nftReason(err.stderr || err.stderrLine));
      throw err;
    }
  };
  const tolerant = async (args: string[], input: string, command: string): Promise<string | undefined> => {
    try {
      return await call(args, input, `run ${JSON.stringify(command)}`);
    } catch (err) {
      if (err instanceof NftError && err.isNotFound) return undefined;
      throw err;
    }
  };
  return {
    backend: 'program',
    async apply(script, action = 'apply the nftables transaction') {
      await call(['-f', '-'], script, action);
    },
    async applyJson(doc, action = 'apply the nftables transaction') {
      // One argument is limited to 128 KiB (MAX_ARG_STRLEN): split large documents (GC only).
      const commands = (doc as { nftables: unknown[] }).nftables;
      for (let at = 0, size = 200; at < commands.length; at += size)
        await call(['-j', JSON.stringify({ nftables: commands.slice(at, at + size) })], '', action);
    },
    read: (command) => tolerant(['-f', '-'], command, command),
    async elementComments(qs) {
      const comments: Array<string | undefined> = [];
      for (const q of qs) {
        const command = getElementCommand(q);
        const out = await tolerant(['-f', '-'], command, command);
        comments.push(out === undefined ? undefined : parseElementComment(out));
      }
      return comments;
    },
    async readJson(command) {
      const out = await tolerant(['-j', ...command.split(' ')], '', command);
      return out === undefined ? undefined : JSON.parse(out);
    },
  };
}

let shared: Nft | undefined;

/** Which way to reach nftables: "auto" (libnftables, else the program) or "program". */
export type NftBackendChoice = 'auto' | 'program';

/**
 * The process's nftables handle: libnftables when it loads, else the `nft` program. Plugins pass
 * BERTH_NFT=program through to force the program (comparisons, hosts without libnftables1).
 */
export function openNft(choice: NftBackendChoice = 'auto'): Nft {
  if (shared && (choice === 'auto' || shared.backend === 'program')) return shared;
  if (choice !== 'program') {
    try {
      shared = openLibnftables();
      return shared;
    } catch {
      // fall through: no libnftables (or no koffi for this platform)
    }
  }
  shared = openNftProgram();
  return shared;
}

/**
 * A libnftables handle bound to the network namespace at `path`: the context's netlink socket is
 * opened while the main thread is inside that namespace and stays bound to it (as with rtnetlink,
 * STYLE.md §5). For tools and tests that work on a namespace other than their own.
 */
export function openNftIn(path: string): Nft {
  return inNetnsSync(path, () => openLibnftables(true));
}

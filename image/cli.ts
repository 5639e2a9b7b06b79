/**
 * `berth image load|import|ls|inspect|history|tag|rm`, with `berth images` and `berth rmi` as docker's
 * aliases. yargs command modules; the dispatcher loads this file only for these commands.
 */
import { createInterface } from 'node:readline';
import type { Argv, CommandModule } from 'yargs';
import { applyChanges } from './config.js';
import { IMAGE_DEFAULT_FORMAT, IMAGE_HEADERS, imageRowData, imageRowJson, imageRows, inspectImage, renderImageTable } from './format.js';
import { formatRows } from '../lib/format-rows.js';
import { renderTypedTemplate } from '../lib/go-template.js';
import { IMAGE_INSPECT } from '../lib/docker-api-types.js';
import { importImage, loadImages } from './load.js';
import { parseTag, splitTag } from './reference.js';
import { removeImage, tagImage } from './remove.js';
import { historyOptions, showHistory } from './history-command.js';
import { saveArchive } from './save.js';
import { type ImageRecord, openImageStore } from './store.js';

export const DEFAULT_ROOT = '/var/lib/berth';

const out = (text: string) => process.stdout.write(`${text}\n`);
const rootOf = (a: { root?: unknown }) => (typeof a.root === 'string' && a.root ? a.root : DEFAULT_ROOT);
const list = (v: unknown): string[] => ([] as string[]).concat((v as string | string[] | undefined) ?? []);

/** Runs `fn` for each name; failures go to stderr and make the exit code 1 at the end. */
async function eachRef(refs: readonly string[], fn: (ref: string) => Promise<void>): Promise<void> {
  for (const ref of refs)
    await fn(ref).catch((err: Error) => {
      // A missing image in the docker CLI's words (`image rm`, `image inspect`); other errors as berth's.
      process.stderr.write(`${err.message.startsWith('No such image: ') ? 'Error' : 'berth'}: ${err.message}\n`);
      process.exitCode = 1;
    });
}

/** `docker images [REPOSITORY[:TAG]]`: a repository (a `*` matches within a path component) and tag to keep. */
function matchesFilter(filter: string | undefined): (repoTag: string) => boolean {
  if (!filter) return () => true;
  const colon = filter.lastIndexOf(':');
  const [repo, tag] = colon > filter.lastIndexOf('/') ? [filter.slice(0, colon), filter.slice(colon + 1)] : [filter, undefined];
  const pattern = new RegExp(`^${repo.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
  return (repoTag) => {
    const t = splitTag(repoTag);
    return pattern.test(t.repository) && (tag === undefined || t.tag === tag);
  };
}

function listOptions(y: Argv): Argv {
  return (
    y
      .positional('reference', { type: 'string', describe: 'only images of this REPOSITORY[:TAG] (`*` matches within a path component)' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'only image IDs' })
      // `--no-trunc` is docker's name; yargs reads "--no-X" as X=false.
      .option('trunc', { type: 'boolean', default: true, describe: 'with --no-trunc: full image IDs (sha256:...)' })
      .option('digests', { type: 'boolean', default: false, describe: 'a DIGEST column (<none>: loaded images have no registry digest)' })
      .option('all', {
        alias: 'a',
        type: 'boolean',
        default: false,
        describe: 'accepted for docker compatibility (there are no intermediate images)',
      })
      .option('format', {
        type: 'string',
        describe: '"table" (default), "json" (one JSON object per line) or a Go template ("{{.Repository}}:{{.Tag}}")',
      })
      .option('filter', {
        alias: 'f',
        type: 'string',
        array: true,
        describe: 'dangling=true|false, reference=REPOSITORY[:TAG], label=KEY[=VALUE] (repeatable)',
      })
  );
}

/**
 * docker's `images --filter`: `dangling` (untagged or not), `reference` (as the positional one; several
 * are alternatives), `label`. @throws {Error} `Invalid filter '...'` (docker's words) on another key or value
 */
function imageFilter(filters: readonly string[], positional: string | undefined): (img: ImageRecord) => ImageRecord | undefined {
  const refs = positional ? [positional] : [];
  const labels: string[] = [];
  let dangling: boolean | undefined;
  for (const f of filters) {
    const eq = f.indexOf('=');
    const [key, value] = eq < 0 ? [f, ''] : [f.slice(0, eq), f.slice(eq + 1)];
    if (key === 'reference') refs.push(value);
    else if (key === 'label') labels.push(value);
    else if (key === 'dangling' && ['true', '1', 'false', '0'].includes(value)) dangling = value === 'true' || value === '1';
    else throw new Error(key === 'dangling' ? `Invalid filter 'dangling=[${value}]'` : `Invalid filter '${key}'`);
  }
  const tests = refs.map(matchesFilter);
  return (img) => {
    if (dangling !== undefined && (img.repoTags.length === 0) !== dangling) return undefined;
    const own = img.config.Labels ?? {};
    for (const l of labels) {
      const [k, v] = l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, undefined];
      if (!(k in own) || (v !== undefined && own[k] !== v)) return undefined;
    }
    if (tests.length === 0) return img;
    const repoTags = img.repoTags.filter((t) => tests.some((test) => test(t)));
    return repoTags.length > 0 ? { ...img, repoTags } : undefined;
  };
}

/** docker's question: stdout, one line of stdin; only y or yes goes on. */
async function confirm(question: string): Promise<boolean> {
  process.stdout.write(question);
  const rl = createInterface({ input: process.stdin });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** docker's table with --digests. */
const DIGESTS_FORMAT = 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';

async function listImages(a: Record<string, unknown>): Promise<void> {
  const keep = imageFilter((a.filter as string[] | undefined) ?? [], a.reference as string | undefined);
  const images = (await openImageStore(rootOf(a)).list()).flatMap((img) => keep(img) ?? []);
  const rows = imageRows(images, Date.now(), a.trunc === false);
  const format = a.format as string | undefined;
  if (a.quiet) {
    for (const r of rows) out(r.ID);
    return;
  }
  if (format === 'json') {
    for (const r of rows) out(imageRowJson(r));
    return;
  }
  if (a.digests === true && (format === undefined || format === 'table'))
    process.stdout.write(formatRows(DIGESTS_FORMAT, rows.map(imageRowData), IMAGE_HEADERS, IMAGE_DEFAULT_FORMAT));
  else if (format === undefined || format === 'table') out(renderImageTable(rows));
  else process.stdout.write(formatRows(format, rows.map(imageRowData), IMAGE_HEADERS, IMAGE_DEFAULT_FORMAT));
}

const rootOption = { type: 'string', default: DEFAULT_ROOT, describe: 'persistent state: images, layers, containers' } as const;

export const command: CommandModule = {
  command: 'image',
  describe: 'manage images: load, import, ls, inspect, tag, rm',
  builder: (y: Argv) =>
    y
      .option('root', rootOption)
      .command(
        'load',
        'load images from a docker-save or OCI archive or layout (stdin without -i)',
        (c) =>
          c
            .option('input', { alias: 'i', type: 'string', describe: "archive file or OCI layout directory (plain or gzip'ed tar)" })
            .option('quiet', {
              alias: 'q',
              type: 'boolean',
              default: false,
              describe: 'accepted for docker compatibility (there is no progress output)',
            }),
        async (a) => {
          if (!a.input && process.stdin.isTTY) throw new Error('requested load from stdin, but stdin is empty');
          for (const line of await loadImages(openImageStore(rootOf(a)), (a.input as string | undefined) ?? process.stdin)) out(line);
        },
      )
      .command(
        'import <file> [reference]',
        'make a one-layer image from a root file system tar (- for stdin), as docker import',
        (c) =>
          c
            .positional('file', { type: 'string', demandOption: true })
            .positional('reference', { type: 'string', describe: 'NAME[:TAG] to tag it with' })
            .option('change', {
              alias: 'c',
              type: 'string',
              describe:
                'Dockerfile instruction for the config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR); repeatable',
            })
            .option('message', { alias: 'm', type: 'string', describe: 'comment for the history entry' }),
        async (a) => {
          const tag = a.reference ? parseTag(a.reference as string) : undefined;
          const config = applyChanges({}, list(a.change));
          const file = a.file as string;
          // yargs hands a lone "-" over as an empty string.
          out(
            await importImage(openImageStore(rootOf(a)), file === '-' || file === '' ? process.stdin : file, {
              tag,
              config,
              message: a.message as string | undefined,
            }),
          );
        },
      )
      .command(['ls [reference]', 'list'], 'list images', listOptions, listImages)
      .command(
        'prune',
        'remove dangling images (-a: every image no container names)',
        (c) =>
          c
            .option('all', {
              alias: 'a',
              type: 'boolean',
              default: false,
              describe: 'every image no container names, not only untagged ones',
            })
            .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'do not ask' }),
        async (a) => {
          const { pruneImages, pruneWarning } = await import('./prune.js');
          if (!a.force && !(await confirm(pruneWarning(a.all as boolean)))) return;
          for (const line of await pruneImages(openImageStore(rootOf(a)), a.all as boolean)) out(line);
        },
      )
      .command(
        'inspect <images..>',
        "show images in detail (docker's JSON)",
        (c) =>
          c
            .positional('images', { type: 'string', array: true, demandOption: true })
            .option('format', { alias: 'f', type: 'string', describe: 'a Go template, e.g. "{{.Id}}" (default: the JSON)' }),
        async (a) => {
          const store = openImageStore(rootOf(a));
          const found: unknown[] = [];
          await eachRef(a.images as string[], async (ref) => {
            const img = await store.resolve(ref);
            found.push(inspectImage(img, store.rawConfig(img.id)));
          });
          const format = a.format as string | undefined;
          // A template sees the image as Docker's CLI does: its Go type first, the decoded JSON if that fails.
          if (format === undefined) out(JSON.stringify(found, null, 4));
          else for (const o of found) out(renderTypedTemplate(format, IMAGE_INSPECT, JSON.parse(JSON.stringify(o))));
        },
      )
      .command(
        'save [images..]',
        'write images as a docker-save archive (to stdout without -o)',
        (c) =>
          c
            .positional('images', { type: 'string', array: true })
            .option('output', { alias: 'o', type: 'string', describe: 'write to this file (made aside, then renamed in)' }),
        (a) => saveArchive(openImageStore(rootOf(a)), (a.images as string[] | undefined) ?? [], a.output as string | undefined),
      )
      .command('history <image>', "show an image's history, newest first", historyOptions, (a: Record<string, unknown>) =>
        showHistory(openImageStore(rootOf(a)), a.image as string, {
          human: a.human !== false,
          noTrunc: a.trunc === false,
          quiet: a.quiet === true,
          format: a.format as string | undefined,
        }),
      )
      .command(
        'tag <source> <target>',
        'name an image: TARGET_IMAGE[:TAG] refers to SOURCE_IMAGE[:TAG]',
        (c) => c.positional('source', { type: 'string', demandOption: true }).positional('target', { type: 'string', demandOption: true }),
        async (a) => {
          await tagImage(openImageStore(rootOf(a)), a.source as string, a.target as string);
        },
      )
      .command(
        ['rm <images..>', 'remove', 'rmi'],
        'remove images (untag when several tags; layers no image uses go too)',
        rmOptions,
        removeImages,
      )
      .demandCommand(1, 'name an image command: load, import, ls, inspect, tag, rm'),
  handler: () => undefined,
};

function rmOptions(y: Argv): Argv {
  return y.positional('images', { type: 'string', array: true, demandOption: true }).option('force', {
    alias: 'f',
    type: 'boolean',
    default: false,
    describe: 'untag even when a container uses the image or it has tags in several repositories',
  });
}

async function removeImages(a: Record<string, unknown>): Promise<void> {
  const store = openImageStore(rootOf(a));
  await eachRef(a.images as string[], async (ref) => {
    for (const line of await removeImage(store, ref, a.force as boolean)) out(line);
  });
}

/** `berth images`: `berth image ls`. */
export const imagesCommand: CommandModule = {
  command: 'images [reference]',
  describe: 'list images (berth image ls)',
  builder: (y: Argv) => listOptions(y.option('root', rootOption)),
  handler: listImages,
};

/** `berth rmi`: `berth image rm`. */
export const rmiCommand: CommandModule = {
  command: 'rmi <images..>',
  describe: 'remove images (berth image rm)',
  builder: (y: Argv) => rmOptions(y.option('root', rootOption)),
  handler: removeImages,
};

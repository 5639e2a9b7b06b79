/**
 * Hand-made tar archives and docker-save archives for tests, byte by byte, so a test can write
 * what no well-behaved tool would: absolute names, `..`, links out of the layer, bad digests.
 */
import { createHash } from 'node:crypto';

export interface Entry {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'link' | 'char' | 'fifo';
  data?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  devmajor?: number;
  devminor?: number;
  /** pax records (path, SCHILY.xattr.NAME, ...) written in an extended header before the entry. */
  pax?: Record<string, string>;
}

const FLAGS = { file: '0', link: '1', symlink: '2', char: '3', dir: '5', fifo: '6' } as const;

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

function header(name: string, flag: string, size: number, e: Partial<Entry>): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(e.mode ?? (flag === '5' ? 0o755 : 0o644), 8), 100, 'latin1');
  block.write(octal(e.uid ?? 0, 8), 108, 'latin1');
  block.write(octal(e.gid ?? 0, 8), 116, 'latin1');
  block.write(octal(size, 12), 124, 'latin1');
  block.write(octal(e.mtime ?? 1_700_000_000, 12), 136, 'latin1');
  block.write(flag, 156, 'latin1');
  block.write(e.linkname ?? '', 157, 100, 'utf8');
  block.write('ustar\x0000', 257, 'latin1');
  block.write(octal(e.devmajor ?? 0, 8), 329, 'latin1');
  block.write(octal(e.devminor ?? 0, 8), 337, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

const pad = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);

function paxRecords(records: Record<string, string>): Buffer {
  const parts = Object.entries(records).map(([k, v]) => {
    const body = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(body) + 1;
    while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
    return `${len}${body}`;
  });
  return Buffer.from(parts.join(''));
}

/** A tar archive of `entries`, ended by two zero blocks. */
export function makeTar(entries: readonly Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    if (e.pax) {
      const data = paxRecords(e.pax);
      blocks.push(header('PaxHeaders/x', 'x', data.length, {}), pad(data));
    }
    const type = e.type ?? 'file';
    const data = type === 'file' ? Buffer.from(e.data ?? '') : Buffer.alloc(0);
    blocks.push(header(e.name, FLAGS[type], data.length, e), pad(data));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/**
 * A docker-save archive of one image with `layers` (tar bytes, lowest first). `diffIds` overrides
 * the config's diff IDs (to make one wrong); `config` adds to the config blob.
 */
export function dockerArchive(
  layers: readonly Buffer[],
  opts: { repoTags?: string[]; diffIds?: string[]; config?: Record<string, unknown> } = {},
): Buffer {
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-02T03:04:05Z',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: opts.diffIds ?? layers.map((l) => sha256(l)) },
      ...opts.config,
    }),
  );
  const configName = `${sha256(config).slice(7)}.json`;
  const layerNames = layers.map((_, i) => `layer${i}/layer.tar`);
  const manifest = JSON.stringify([{ Config: configName, RepoTags: opts.repoTags ?? ['hostile/test:1'], Layers: layerNames }]);
  return makeTar([
    ...layers.map((l, i) => ({ name: layerNames[i], data: l })),
    { name: configName, data: config },
    { name: 'manifest.json', data: manifest },
  ]);
}

/** `berth image history` (and `berth history`): the options and the printing; the rows are history.ts's. */
import type { Argv } from 'yargs';
import { formatRows } from '../lib/format-rows.js';
import { HISTORY_HEADERS, historyFormat, historyRows, type HistoryEntry } from './history.js';
import { type ImageStore, layerSizeOf } from './store.js';

export function historyOptions(y: Argv): Argv {
  return (
    y
      .positional('image', { type: 'string', demandOption: true })
      .option('human', { alias: 'H', type: 'boolean', default: true, describe: 'sizes and dates for people (-H=false: bytes, RFC 3339)' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'only image IDs' })
      // `--no-trunc` is docker's name; yargs reads "--no-X" as X=false.
      .option('trunc', { type: 'boolean', default: true, describe: 'with --no-trunc: full IDs and CREATED BY' })
      .option('format', { type: 'string', describe: '"table" (default) or a Go template ("{{.CreatedBy}}")' })
  );
}

export async function showHistory(
  store: ImageStore,
  ref: string,
  o: { human: boolean; noTrunc: boolean; quiet: boolean; format?: string },
): Promise<void> {
  const img = await store.resolve(ref);
  const history = (store.rawConfig(img.id).history ?? []) as HistoryEntry[];
  const rows = historyRows(img, history, (diffId) => layerSizeOf(store.paths, diffId), Date.now(), o);
  if (o.quiet) process.stdout.write(rows.map((r) => `${r.ID}\n`).join(''));
  else process.stdout.write(formatRows(o.format ?? 'table', rows, HISTORY_HEADERS, historyFormat(o.human)));
}

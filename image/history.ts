/** `docker history`'s rows (pure): the image config's history, newest first, as dockerd and its CLI print it. */
import { ellipsis } from '../lib/format-rows.js';
import { humanSize } from '../lib/go-units.js';
import { createdSince, shortId } from './format.js';

/** One entry of the image config's `history`. */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** In the order of the keys, so that `{{json .}}` prints them as docker does (a Go map's). */
export interface HistoryRow {
  Comment: string;
  CreatedAt: string;
  CreatedBy: string;
  CreatedSince: string;
  ID: string;
  Size: string;
}

export const HISTORY_HEADERS: Record<string, string> = {
  ID: 'IMAGE',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  CreatedBy: 'CREATED BY',
  Size: 'SIZE',
  Comment: 'COMMENT',
};

/** The default table: CREATED AT instead of CREATED without `--human`, as the docker CLI. */
export const historyFormat = (human: boolean) =>
  `table {{.ID}}\t{{${human ? '.CreatedSince' : '.CreatedAt'}}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}`;

/** RFC 3339 in whole seconds, as Go's time.Unix(created).Format(time.RFC3339) in UTC. */
const rfc3339 = (created: string | undefined) => {
  const t = Date.parse(created ?? '');
  return Number.isNaN(t) ? '' : new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
};

/**
 * The rows of `history IMAGE`: one per history entry, newest first; a non-empty entry takes the
 * next layer's size (`layerSize` of its diff ID). Only the newest names the image: a loaded image
 * has no parent images, so the others are `<missing>`, as dockerd shows a pulled or loaded image.
 */
export function historyRows(
  img: { id: string; diffIds: readonly string[] },
  history: readonly HistoryEntry[],
  layerSize: (diffId: string) => number,
  now: number,
  o: { human: boolean; noTrunc: boolean },
): HistoryRow[] {
  let layer = 0;
  const rows = history.map((h) => {
    const size = h.empty_layer ? 0 : layerSize(img.diffIds[layer++] ?? '');
    const createdBy = (h.created_by ?? '').replace(/\t/g, ' ');
    return {
      Comment: h.comment ?? '',
      CreatedAt: rfc3339(h.created),
      CreatedBy: o.noTrunc ? createdBy : ellipsis(createdBy, 45),
      CreatedSince: o.human ? createdSince(h.created, now) : rfc3339(h.created),
      ID: '<missing>',
      Size: o.human ? humanSize(size) : String(size),
    };
  });
  rows.reverse();
  if (rows.length > 0) rows[0].ID = o.noTrunc ? img.id : shortId(img.id);
  return rows;
}

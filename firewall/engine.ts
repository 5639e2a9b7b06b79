/**
 * Applies per-attachment element changes: keep Berth's record on disk, change nftables in one
 * transaction, and read ownership back from the kernel where it decides (every DEL; an ADD only
 * when the kernel refuses a key that exists). All under one flock per state directory, so
 * concurrent plugin processes (bridge and portmap, many containers) never interleave.
 */
import { CniError, ErrCode } from '../cni/errors.js';
import { lockFileIn } from '../kernel/flock.js';
import { NftError, type ElementWrite, type Nft } from '../kernel/nft.js';
import { LAYOUT_GUARD, LAYOUT_SET, TABLE, type Feature } from './layout.js';
import {
  attachmentTag,
  elementId,
  elementQuery,
  elementWrite,
  parseTag,
  renderAddElement,
  renderTransaction,
  type Element,
} from './render.js';
import { deleteRecord, parseRecord, readRecord, readRecordText, recordPath, writeRecord, type AttachmentRecord } from './records.js';

export interface AttachmentRef {
  network: string;
  containerId: string;
  ifName: string;
  stateDir: string;
}

/** Runs `fn` holding the flock of the records' directory `stateDir` (made if missing). */
export async function withLock<T>(stateDir: string, fn: () => Promise<T>): Promise<T> {
  // A dot file: a network named "lock" would collide with "lock", and network names start alphanumeric.
  const lock = lockFileIn(stateDir, '.lock', 0o777);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** The tag (comment) of each element's key in the kernel, undefined where there is none; read in one go. */
export function ownersOf(nft: Nft, els: ReadonlyArray<Pick<Element, 'set' | 'key' | 'parts'>>): Promise<Array<string | undefined>> {
  return els.length === 0 ? Promise.resolve([]) : nft.elementComments(els.map(elementQuery));
}

/** 'container "c1" (interface "eth0" on network "web")' for a tag, for conflict messages. */
export function describeOwner(tag: string): string {
  const t = parseTag(tag);
  return t
    ? `container ${JSON.stringify(t.containerId)} (interface ${JSON.stringify(t.ifName)} on network ${JSON.stringify(t.network)})`
    : `owner ${JSON.stringify(tag)}`;
}

export interface AddRequest {
  /** The features this call sets; the attachment's elements of other features stay as they are. */
  features: readonly Feature[];
  elements: readonly Element[];
  data?: Partial<Record<Feature, unknown>>;
  /** The schema to ensure in the same transaction (layout.ts renderSchema): made only when the kernel lacks it. */
  schema: () => string;
  /** Network-owned elements (isolation) to add in the same transaction, with their own tag; `add` leaves existing ones as they are. */
  shared?: ReadonlyArray<{ el: Element; tag: string }>;
}

/** The layout guard as the netlink writer takes it (see layout.ts LAYOUT_SET). */
const GUARD = { family: 'inet' as const, table: TABLE, set: LAYOUT_SET };

/**
 * Sets an attachment's elements of `req.features` to exactly `req.elements`, in one transaction.
 * An element of the same key owned by another attachment is taken over (its address was reused
 * after a leak), unless it is `exclusive` (host ports): then ADD fails with code 106.
 * @throws {CniError} 106 on a conflict; {NftError} 107 when nftables refuses the transaction
 */
export async function addAttachment(nft: Nft, ref: AttachmentRef, req: AddRequest): Promise<void> {
  await withLock(ref.stateDir, async () => {
    const old = readRecord(ref.stateDir, ref.network, ref.containerId, ref.ifName);
    const tag = old?.tag ?? attachmentTag(ref.network, ref.containerId, ref.ifName);
    const touched = (e: Element) => req.features.includes(e.feature);
    // By set and key, so a port range of 1000 mappings costs no 2000 x 2000 comparisons.
    const requested = new Set<string>();
    for (const el of req.elements) {
      const id = elementId(el);
      if (el.exclusive && requested.has(id))
        throw new CniError(ErrCode.PortConflict, `cannot map ${el.what ?? el.key}: it appears twice in the request`);
      requested.add(id);
    }
    const stale = old?.elements.filter((e) => touched(e) && !requested.has(elementId(e))) ?? [];
    const rec: AttachmentRecord = {
      version: 1,
      network: ref.network,
      containerId: ref.containerId,
      ifName: ref.ifName,
      tag,
      // concat and assign, not spreads: those are cold builtins on this path
      elements: (old?.elements.filter((e) => !touched(e)) ?? []).concat(req.elements),
      data: Object.assign({}, old?.data, req.data),
    };
    // Record first: a crash between the two leaves a record of elements that may not exist, which
    // DEL handles (it deletes only elements it finds with this tag); never elements without a record.
    writeRecord(ref.stateDir, rec);
    const action = `apply the firewall of container ${JSON.stringify(ref.containerId)}`;
    try {
      if (stale.length > 0 || !(await addAllNew(nft, req, tag, action))) await replaceElements(nft, req, { tag, stale, action });
    } catch (err) {
      if (old) writeRecord(ref.stateDir, old);
      else deleteRecord(ref.stateDir, ref.network, ref.containerId, ref.ifName);
      if (err instanceof NftError && err.isExists && req.elements.some((e) => e.exclusive))
        throw new CniError(ErrCode.PortConflict, `cannot map host ports of container ${JSON.stringify(ref.containerId)}: ${err.reason}`);
      throw err;
    }
  });
}

/**
 * The common ADD, where none of the keys is in the kernel yet: the attachment's elements added as
 * new (the kernel refuses a key that exists), without reading any owner first. False when the
 * kernel refuses (a key exists: an owner to compare; no table or layout: the schema to make).
 */
async function addAllNew(nft: Nft, req: AddRequest, tag: string, action: string): Promise<boolean> {
  if (!nft.applyElements) return false;
  try {
    await nft.applyElements(
      {
        guard: GUARD,
        del: [],
        add: addsOf(req, tag, true),
      },
      action,
    );
    return true;
  } catch (err) {
    if (err instanceof NftError && (err.isExists || err.isNotFound)) return false;
    throw err;
  }
}

/** The writes that add the attachment's elements (new-only if `mustBeNew`) and the network's shared ones. */
function addsOf(req: AddRequest, tag: string, mustBeNew: boolean): ElementWrite[] {
  const writes: ElementWrite[] = [];
  for (const e of req.elements) {
    const write = elementWrite(e, tag);
    write.mustBeNew = mustBeNew;
    writes.push(write);
  }
  for (const { el, tag: t } of req.shared ?? []) writes.push(elementWrite(el, t));
  return writes;
}

/**
 * The general ADD: reads the owner of each key, refuses another attachment's exclusive element,
 * and deletes then adds in one transaction: `stale` (the attachment's elements it no longer asks
 * for) if still its own, and every requested key that exists (its own, or a leaked owner's).
 */
async function replaceElements(nft: Nft, req: AddRequest, opts: { tag: string; stale: readonly Element[]; action: string }): Promise<void> {
  const { tag, action } = opts;
  const owners = await ownersOf(nft, [...opts.stale, ...req.elements]);
  // dropped from this attachment since the last ADD
  const deletes = opts.stale.filter((_, i) => owners[i] === tag);
  for (const [i, el] of req.elements.entries()) {
    const owner = owners[opts.stale.length + i];
    if (owner === undefined) continue;
    if (owner !== tag && el.exclusive)
      throw new CniError(ErrCode.PortConflict, `cannot map ${el.what ?? el.key}: already mapped for ${describeOwner(owner)}`);
    deletes.push(el); // ours (refresh, a map value may have changed) or a leaked owner's: replace
  }
  const shared = (req.shared ?? []).map(({ el, tag: t }) => renderAddElement(el, t) + '\n').join('');
  try {
    if (nft.applyElements)
      await nft.applyElements(
        {
          guard: GUARD,
          del: deletes.map((e) => elementWrite(e)),
          add: addsOf(req, tag, false),
        },
        action,
      );
    else await nft.apply(renderTransaction({ deletes, adds: req.elements, tag }) + shared + LAYOUT_GUARD, action);
  } catch (err) {
    if (!(err instanceof NftError && err.isNotFound)) throw err;
    // no table yet, a subnet chain missing, or another layout version: the same with the schema
    await nft.apply(renderTransaction({ schema: req.schema(), deletes, adds: req.elements, tag }) + shared, action);
  }
}

/**
 * Removes the attachment's elements of `features` (all when undefined) that still carry its tag,
 * in one transaction, and returns the record as it was (undefined when there was none). Works from
 * the record only: no netns, no interface, no prevResult needed. Idempotent.
 */
export async function deleteAttachment(
  nft: () => Nft,
  ref: AttachmentRef,
  features?: readonly Feature[],
): Promise<AttachmentRecord | undefined> {
  // Nothing to do (no record, the common DEL of a plain attachment; or a record that keeps other
  // features' elements and holds nothing of these): skip the lock and nftables entirely. A record
  // left with no element at all (ipMasq with no address) must still go, or it leaks.
  const touched = (e: Element) => !features || features.includes(e.feature);
  const path = recordPath(ref.stateDir, ref.network, ref.containerId, ref.ifName);
  const firstText = readRecordText(path);
  const first = parseRecord(firstText);
  if (!first) {
    deleteRecord(ref.stateDir, ref.network, ref.containerId, ref.ifName); // a temporary file left by a killed ADD
    return undefined;
  }
  const holdsOthersOnly =
    !first.elements.some(touched) && first.elements.length > 0 && !(features ?? []).some((f) => first.data?.[f] !== undefined);
  if (holdsOthersOnly) return first;
  return withLock(ref.stateDir, async () => {
    const text = readRecordText(path);
    // Unchanged since the read before the lock (the common case): that parse stands.
    const rec = text === firstText ? first : parseRecord(text);
    if (!rec) return undefined;
    const handle = nft();
    const mine = rec.elements.filter(touched);
    const queries = mine.map(elementQuery); // key bytes encoded once, for the reads and the deletes
    const owners = queries.length === 0 ? [] : await handle.elementComments(queries);
    const deletes = mine.filter((_, i) => owners[i] === rec.tag);
    const action = `delete the firewall of container ${JSON.stringify(ref.containerId)}`;
    if (deletes.length > 0 && handle.applyElements)
      await handle.applyElements({ del: queries.filter((_, i) => owners[i] === rec.tag), add: [] }, action);
    else if (deletes.length > 0) await handle.apply(renderTransaction({ deletes, tag: rec.tag }), action);
    const remaining = rec.elements.filter((e) => !touched(e));
    if (remaining.length === 0) deleteRecord(ref.stateDir, ref.network, ref.containerId, ref.ifName);
    else {
      const data = { ...rec.data };
      for (const f of features ?? []) delete data[f];
      writeRecord(ref.stateDir, { ...rec, elements: remaining, data });
    }
    return rec;
  });
}

/**
 * Verifies that every expected element exists with the attachment's tag.
 * @throws {CniError} 108 naming the first missing or foreign element
 */
export async function checkAttachment(nft: Nft, ref: AttachmentRef, expected: readonly Element[]): Promise<void> {
  const rec = readRecord(ref.stateDir, ref.network, ref.containerId, ref.ifName);
  const tag = rec?.tag ?? attachmentTag(ref.network, ref.containerId, ref.ifName);
  const owners = await ownersOf(nft, expected);
  for (const [i, el] of expected.entries()) {
    const owner = owners[i];
    if (owner === undefined)
      throw new CniError(
        ErrCode.CheckFailed,
        `firewall check of container ${JSON.stringify(ref.containerId)} failed: element ${JSON.stringify(el.key)} is missing from set ${JSON.stringify(el.set)}`,
      );
    if (owner !== tag)
      throw new CniError(
        ErrCode.CheckFailed,
        `firewall check of container ${JSON.stringify(ref.containerId)} failed: element ${JSON.stringify(el.key)} of set ${JSON.stringify(el.set)} belongs to ${describeOwner(owner)}`,
      );
  }
}

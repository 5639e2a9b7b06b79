/**
 * nftables set element messages, pure: the GETSETELEM request that reads one element back, the
 * batch (one transaction) that deletes and adds elements, and the comment in a GETSETELEM reply.
 * nf-netlink.ts sends them.
 */
import { nlmsg } from './rtnl-codec.js';

const NFNL_SUBSYS_NFTABLES = 10;
const NFT_MSG_NEWSETELEM = 12;
const NFT_MSG_GETSETELEM = 13;
const NFT_MSG_DELSETELEM = 14;
const NFNL_MSG_BATCH_BEGIN = 0x10;
const NFNL_MSG_BATCH_END = 0x11;
const NLM_F_REQUEST = 1;
const NLM_F_ACK = 4;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const NFTA_SET_ELEM_DATA = 2;
const NFTA_DATA_VERDICT = 2;
const NFTA_VERDICT_CODE = 1;
const NFTA_VERDICT_CHAIN = 2;
const NFT_JUMP = -3;
const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;
// include/uapi/linux/netfilter/nf_tables.h
const NFTA_SET_ELEM_LIST_TABLE = 1;
const NFTA_SET_ELEM_LIST_SET = 2;
const NFTA_SET_ELEM_LIST_ELEMENTS = 3;
const NFTA_LIST_ELEM = 1;
const NFTA_SET_ELEM_KEY = 1;
const NFTA_SET_ELEM_USERDATA = 6;
const NFTA_DATA_VALUE = 1;
// libnftnl udata.h: element userdata is TLVs {u8 type, u8 len, value}; type 0 is the comment.
const NFTNL_UDATA_SET_ELEM_COMMENT = 0;

function attr(type: number, value: Buffer): Buffer {
  const len = 4 + value.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  value.copy(out, 4);
  return out;
}
const nest = (type: number, ...parts: Buffer[]) => attr(type | NLA_F_NESTED, Buffer.concat(parts));
const cstr = (s: string) => Buffer.from(`${s}\0`);

/** struct nfgenmsg: family, version 0 (NFNETLINK_V0), resource id (big endian). Index writes: Buffer.from(array) is a cold builtin. */
function nfgenmsg(family: number, resId = 0): Buffer {
  const out = Buffer.alloc(4);
  out[0] = family;
  out[2] = resId >> 8;
  out[3] = resId & 0xff;
  return out;
}

/** Encodes the GETSETELEM request for one key (pure; exported for tests). */
export function encodeGetSetElem(family: number, table: string, set: string, key: Buffer, seq: number): Buffer {
  const payload = Buffer.concat([
    nfgenmsg(family),
    attr(NFTA_SET_ELEM_LIST_TABLE, cstr(table)),
    attr(NFTA_SET_ELEM_LIST_SET, cstr(set)),
    nest(NFTA_SET_ELEM_LIST_ELEMENTS, nest(NFTA_LIST_ELEM, nest(NFTA_SET_ELEM_KEY, attr(NFTA_DATA_VALUE, key)))),
  ]);
  return nlmsg((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETSETELEM, NLM_F_REQUEST, seq, payload);
}

/** One element to add or delete: key bytes, and for maps the value bytes or a jump to a chain. */
export interface SetElemOp {
  family: number;
  table: string;
  set: string;
  key: Buffer;
  data?: Buffer | { jump: string };
  comment?: string;
  /** Adding only: the kernel refuses the batch (EEXIST) when the key is already there, whatever its value and comment. */
  mustBeNew?: boolean;
}

/** A nfnetlink message: the nfgenmsg (family, version 0, resource id) before the attributes. */
function nfMsg(type: number, flags: number, seq: number, family: number, attrsBuf: Buffer, resId = 0): Buffer {
  return nlmsg(type, flags, seq, Buffer.concat([nfgenmsg(family, resId), attrsBuf]));
}

function elemAttrs(op: SetElemOp, withData: boolean): Buffer {
  const parts = [nest(NFTA_SET_ELEM_KEY, attr(NFTA_DATA_VALUE, op.key))];
  if (withData && op.data !== undefined) {
    if (!('jump' in op.data)) parts.push(nest(NFTA_SET_ELEM_DATA, attr(NFTA_DATA_VALUE, op.data)));
    else {
      const code = Buffer.alloc(4); // big endian, by index writes (writeInt32BE is a cold builtin here)
      for (let i = 0; i < 4; i++) code[i] = (NFT_JUMP >>> (24 - 8 * i)) & 0xff;
      parts.push(
        nest(NFTA_SET_ELEM_DATA, nest(NFTA_DATA_VERDICT, attr(NFTA_VERDICT_CODE, code), attr(NFTA_VERDICT_CHAIN, cstr(op.data.jump)))),
      );
    }
  }
  if (withData && op.comment !== undefined) {
    const text = cstr(op.comment);
    const udata = Buffer.alloc(2 + text.length); // one TLV: type, length, value
    udata[0] = NFTNL_UDATA_SET_ELEM_COMMENT;
    udata[1] = text.length;
    text.copy(udata, 2);
    parts.push(attr(NFTA_SET_ELEM_USERDATA, udata));
  }
  return nest(NFTA_LIST_ELEM, ...parts);
}

/** A netlink attribute's length is 16 bits: the elements of one message stay below it (headers included). */
const MAX_ELEMENTS_BYTES = 0xffff - 4;

/**
 * The element lists of one batch: the ops on one (family, table, set), new-only or not, share one message, split
 * only where its NFTA_SET_ELEM_LIST_ELEMENTS attribute would pass 64 KiB. One message per element
 * made a 1000-port mapping 2000 messages, and as many acks, which overflowed the sockets.
 */
function groupBySet(ops: readonly SetElemOp[], withData: boolean): { op: SetElemOp; elems: Buffer[] }[] {
  const groups: { op: SetElemOp; elems: Buffer[]; bytes: number }[] = [];
  const open = new Map<string, (typeof groups)[number]>();
  for (const op of ops) {
    const elem = elemAttrs(op, withData);
    const id = `${op.family}\0${op.table}\0${op.set}\0${!!op.mustBeNew}`;
    let group = open.get(id);
    if (!group || group.bytes + elem.length > MAX_ELEMENTS_BYTES) {
      group = { op, elems: [], bytes: 0 };
      groups.push(group);
      open.set(id, group);
    }
    group.elems.push(elem);
    group.bytes += elem.length;
  }
  return groups;
}

/**
 * One nftables transaction (a netlink batch) that deletes, then adds, set elements, and flushes
 * the `guard` set first when given (it fails with ENOENT when that set does not exist). The elements
 * of one set travel in one message (see groupBySet); every message asks for an ack, so the reply
 * holds one ack or error per message. Pure; exported for tests.
 */
export function encodeElementBatch(
  ops: { guard?: { family: number; table: string; set: string }; del: readonly SetElemOp[]; add: readonly SetElemOp[] },
  firstSeq: number,
): { msg: Buffer; acks: number } {
  const msgs: Buffer[] = [nfMsg(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, firstSeq, 0, Buffer.alloc(0), NFNL_SUBSYS_NFTABLES)];
  let seq = firstSeq;
  const header = (o: { table: string; set: string }) =>
    Buffer.concat([attr(NFTA_SET_ELEM_LIST_TABLE, cstr(o.table)), attr(NFTA_SET_ELEM_LIST_SET, cstr(o.set))]);
  if (ops.guard)
    msgs.push(
      nfMsg((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELSETELEM, NLM_F_REQUEST | NLM_F_ACK, ++seq, ops.guard.family, header(ops.guard)),
    );
  for (const { op, elems } of groupBySet(ops.del, false))
    msgs.push(
      nfMsg(
        (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELSETELEM,
        NLM_F_REQUEST | NLM_F_ACK,
        ++seq,
        op.family,
        Buffer.concat([header(op), nest(NFTA_SET_ELEM_LIST_ELEMENTS, ...elems)]),
      ),
    );
  for (const { op, elems } of groupBySet(ops.add, true))
    msgs.push(
      nfMsg(
        (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM,
        NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | (op.mustBeNew ? NLM_F_EXCL : 0),
        ++seq,
        op.family,
        Buffer.concat([header(op), nest(NFTA_SET_ELEM_LIST_ELEMENTS, ...elems)]),
      ),
    );
  msgs.push(nfMsg(NFNL_MSG_BATCH_END, NLM_F_REQUEST, ++seq, 0, Buffer.alloc(0), NFNL_SUBSYS_NFTABLES));
  return { msg: Buffer.concat(msgs), acks: msgs.length - 2 };
}

/**
 * The value offset of the first attribute of `type` in `buf[from, to)`, or -1. Offsets, not
 * subarrays or a generator: this runs once per owner read, cold, where each allocation shows.
 */
function findAttr(buf: Buffer, from: number, to: number, type: number): number {
  for (let at = from; at + 4 <= to;) {
    const len = buf[at] | (buf[at + 1] << 8);
    if (len < 4 || at + len > to) return -1;
    if (((buf[at + 2] | (buf[at + 3] << 8)) & NLA_TYPE_MASK) === type) return at + 4;
    at += (len + 3) & ~3;
  }
  return -1;
}
/** The end of the attribute whose value starts at `value`. */
const attrEnd = (buf: Buffer, value: number) => value - 4 + (buf[value - 4] | (buf[value - 3] << 8));

/** The comment in a NEWSETELEM reply's payload, after its netlink header ('' when the element has none). Pure; exported for tests. */
export function commentOfReply(payload: Buffer): string {
  const list = findAttr(payload, 4, payload.length, NFTA_SET_ELEM_LIST_ELEMENTS);
  const elem = list < 0 ? -1 : findAttr(payload, list, attrEnd(payload, list), NFTA_LIST_ELEM);
  const data = elem < 0 ? -1 : findAttr(payload, elem, attrEnd(payload, elem), NFTA_SET_ELEM_USERDATA);
  if (data < 0) return '';
  for (let at = data, end = attrEnd(payload, data); at + 2 <= end; at += 2 + payload[at + 1]) {
    if (payload[at] !== NFTNL_UDATA_SET_ELEM_COMMENT) continue;
    let stop = Math.min(at + 2 + payload[at + 1], end);
    if (stop > at + 2 && payload[stop - 1] === 0) stop -= 1;
    return payload.toString('utf8', at + 2, stop);
  }
  return '';
}

/** One element of one set, by key. */
export interface ElementKey {
  family: number;
  table: string;
  set: string;
  key: Buffer;
}

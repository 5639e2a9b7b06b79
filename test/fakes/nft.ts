/**
 * A fake nftables handle for unit tests of the firewall engine: it keeps elements in a map keyed
 * by "set key", understands the element commands Berth renders, and records every call.
 */
import { NftError, type ElementQuery, type ElementWrite, type Nft } from '../../kernel/nft';

export class FakeNft implements Nft {
  readonly backend = 'program' as const;
  /** "set key" → comment */
  readonly elements = new Map<string, { set: string; key: string; comment: string; value?: string }>();
  readonly calls: string[] = [];
  /** When set, the next apply fails with this reason. */
  failNext?: string;
  /** Whether Berth's tables exist (a script with "add table" makes them). */
  hasSchema = false;
  /** The scripts applied, in order. */
  readonly scripts: string[] = [];

  async apply(script: string, action = 'apply the nftables transaction'): Promise<void> {
    this.calls.push('apply');
    if (this.failNext) {
      const reason = this.failNext;
      this.failNext = undefined;
      throw new NftError(action, reason);
    }
    if (script.includes('flush set inet berth layout_v4') && !this.hasSchema && !script.includes('add table inet berth'))
      throw new NftError(action, 'No such file or directory');
    this.scripts.push(script);
    if (script.includes('add table inet berth')) this.hasSchema = true;
    const next = new Map(this.elements);
    for (const line of script.split('\n')) {
      let m = /^add element \S+ berth (\S+) \{ (.*) comment "([^"]*)"(?: : (.*))? \}$/.exec(line);
      if (m) {
        const id = `${m[1]} ${m[2]}`;
        const old = next.get(id);
        if (old && old.value !== m[4]) throw new NftError('apply the nftables transaction', 'File exists');
        if (!old) next.set(id, { set: m[1], key: m[2], comment: m[3], value: m[4] });
        continue;
      }
      m = /^delete element \S+ berth (\S+) \{ (.*) \}$/.exec(line);
      if (m) {
        if (!next.delete(`${m[1]} ${m[2]}`)) throw new NftError('apply the nftables transaction', 'No such file or directory');
      }
    }
    this.elements.clear();
    for (const [k, v] of next) this.elements.set(k, v);
  }

  async applyJson(doc: any): Promise<void> {
    this.calls.push('applyJson');
    for (const cmd of doc.nftables) {
      const d = cmd.delete?.element;
      for (const key of d?.elem ?? []) this.elements.delete(`${d.name} ${key}`);
    }
  }

  async read(): Promise<string | undefined> {
    this.calls.push('read');
    return undefined;
  }

  async readJson(command: string): Promise<any> {
    this.calls.push('readJson');
    const set = command.split(' ').pop()!;
    const elem = [...this.elements.values()].filter((e) => e.set === set).map((e) => ({ elem: { val: e.key, comment: e.comment } }));
    return { nftables: [{ metainfo: {} }, { set: { name: set, elem } }] };
  }

  async elementComments(qs: readonly ElementQuery[]): Promise<Array<string | undefined>> {
    return qs.map((q) => {
      this.calls.push('get');
      return this.elements.get(`${q.set} ${q.keyText}`)?.comment;
    });
  }

  /** Comments of the elements whose comment contains `needle`. */
  count(needle: string): number {
    return [...this.elements.values()].filter((e) => e.comment.includes(needle)).length;
  }
}

/**
 * FakeNft with the netlink writer of libnftables' backend (applyElements): all or nothing, ENOENT
 * without the schema or for a missing element, EEXIST for a `mustBeNew` key that exists or a map
 * key that holds another value, as the kernel answers.
 */
export class FakeNetlinkNft extends FakeNft {
  async applyElements(
    ops: { guard?: unknown; del: readonly ElementWrite[]; add: readonly ElementWrite[] },
    action = 'apply',
  ): Promise<void> {
    this.calls.push('applyElements');
    if (!this.hasSchema) throw new NftError(action, 'No such file or directory');
    const next = new Map(this.elements);
    for (const w of ops.del) if (!next.delete(`${w.set} ${w.keyText}`)) throw new NftError(action, 'No such file or directory');
    for (const w of ops.add) {
      const id = `${w.set} ${w.keyText}`;
      const value = w.data === undefined ? undefined : Buffer.isBuffer(w.data) ? w.data.toString('hex') : w.data.jump;
      const old = next.get(id);
      if (old && (w.mustBeNew || old.value !== value)) throw new NftError(action, 'File exists');
      if (!old) next.set(id, { set: w.set, key: w.keyText, comment: w.comment ?? '', value });
    }
    this.elements.clear();
    for (const [k, v] of next) this.elements.set(k, v);
  }
}

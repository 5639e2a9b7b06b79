import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runOptionsOf } from '../../../berth/run-flags';
import { planContainer } from '../../../runtime/spec';
import { DEFAULT_RANGE, parseSubIds, pickRange, planIdMapping, renderIdMap } from '../../../runtime/userns';

const test = suite('--userns private: subid parsing, the range, the maps');

test('parseSubIds() reads NAME:START:COUNT lines, skipping blanks and comments', () => {
  assert.equal(parseSubIds('# subordinate ids\nalice:100000:65536\n\nberth:200000:65536\n', '/etc/subuid'), [
    { owner: 'alice', hostId: 100000, size: 65536 },
    { owner: 'berth', hostId: 200000, size: 65536 },
  ]);
  assert.equal(parseSubIds('', '/etc/subuid'), []);
});

const malformed: Array<[text: string, message: RegExp]> = [
  ['berth:100000', /^\/etc\/subuid line 1: "berth:100000" is not NAME:START:COUNT$/],
  ['ok:1:2\nberth:-5:65536', /^\/etc\/subuid line 2: "berth:-5:65536" is not NAME:START:COUNT$/],
  ['berth:0x10:65536', /line 1: "berth:0x10:65536" is not NAME:START:COUNT$/],
  ['berth:100000:65536:extra', /line 1: .* is not NAME:START:COUNT$/],
  [':100000:65536', /line 1: .* is not NAME:START:COUNT$/],
];
for (const [text, message] of malformed)
  test(`parseSubIds() rejects ${JSON.stringify(text)}`, () => assert.throws(() => parseSubIds(text, '/etc/subuid'), message));

test("pickRange() takes berth's first entry, else the default 100000:65536", () => {
  const entries = parseSubIds('alice:300000:65536\nberth:500000:70000\nberth:900000:65536\n', '/f');
  assert.equal(pickRange(entries, '/f'), { hostId: 500000, size: 70000 });
  assert.equal(pickRange([], '/f'), { hostId: 100000, size: 65536 });
  assert.equal(DEFAULT_RANGE, { hostId: 100000, size: 65536 });
});

const refused: Array<[text: string, message: RegExp]> = [
  ['berth:0:65536', /^\/f: "berth:0:65536" includes host ID 0 \(root\): container root would be host root$/],
  ['berth:100000:1000', /^\/f: "berth:100000:1000" has fewer than 65536 IDs$/],
  ['berth:4294950000:65536', /runs past the last host ID 4294967294$/],
  ['alice:100000:65536', /^\/f has no "berth" entry and the default range 100000:65536 overlaps "alice"'s 100000:65536: add a line/],
  ['alice:165535:10', /overlaps "alice"'s 165535:10/],
];
for (const [text, message] of refused)
  test(`pickRange() refuses ${JSON.stringify(text)}`, () => assert.throws(() => pickRange(parseSubIds(text, '/f'), '/f'), message));

test('pickRange() takes the default beside entries that do not overlap it', () => {
  assert.equal(pickRange(parseSubIds('alice:165536:65536\nbob:1000:99000', '/f'), '/f'), DEFAULT_RANGE);
});

test('planIdMapping() reads each file for its own IDs; a missing file is empty', () => {
  assert.equal(planIdMapping({ text: 'berth:200000:65536\n', file: '/etc/subuid' }, { text: undefined, file: '/etc/subgid' }), {
    uid: { hostId: 200000, size: 65536 },
    gid: DEFAULT_RANGE,
  });
  assert.throws(
    () => planIdMapping({ text: '', file: '/etc/subuid' }, { text: 'berth 1 2', file: '/etc/subgid' }),
    /^\/etc\/subgid line 1/,
  );
});

test("renderIdMap() is the one line of /proc/PID/uid_map: inside 0 is the range's first host ID", () => {
  assert.is(renderIdMap({ hostId: 100000, size: 65536 }), '0 100000 65536');
});

const opts = (flags: Record<string, unknown>) => runOptionsOf(flags as never, ['img', 'true'], {}, []);

test('planContainer() takes --userns host and private, and refuses others and --privileged with private', () => {
  assert.is(planContainer(opts({}), {}, 'a'.repeat(64)).hostConfig.UsernsMode, '');
  assert.is(planContainer(opts({ userns: 'private' }), {}, 'a'.repeat(64)).hostConfig.UsernsMode, 'private');
  assert.is(planContainer(opts({ userns: 'host', privileged: true }), {}, 'a'.repeat(64)).hostConfig.UsernsMode, 'host');
  assert.throws(
    () => planContainer(opts({ userns: 'auto' }), {}, 'a'.repeat(64)),
    /^invalid user namespace mode "auto" \(berth supports host and private\)$/,
  );
  assert.throws(
    () => planContainer(opts({ userns: 'private', privileged: true }), {}, 'a'.repeat(64)),
    /^privileged mode is incompatible with user namespaces: use --userns host with --privileged \(as Docker\)$/,
  );
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { helpWidth, wrapHelp } from '../../../cli/wrap';

const words = (text: string) => text.split(/\s+/).filter((w) => w !== '');

test('wrapHelp() keeps lines that fit', () => {
  assert.is(wrapHelp('  --id  container ID  [string]\n\nExamples:', 80), '  --id  container ID  [string]\n\nExamples:');
});

test('wrapHelp() continues the second column under itself, at spaces', () => {
  assert.is(
    wrapHelp('  netctl attach <network> <netns>  attach a network namespace to a network (CNI ADD)', 70),
    '  netctl attach <network> <netns>  attach a network namespace to a\n                                   network (CNI ADD)',
  );
});

test('wrapHelp() never cuts a path, an example or a word longer than the room', () => {
  const line = '      --cni-path    plugin dirs [default: /opt/cni/bin/a-very-long-directory-name-that-does-not-fit]';
  const out = wrapHelp(line, 60);
  assert.equal(words(out), words(line));
  assert.ok(out.split('\n').includes('                    /opt/cni/bin/a-very-long-directory-name-that-does-not-fit]'));
});

test('wrapHelp() gives a first column too wide for a second its own line', () => {
  assert.is(
    wrapHelp('  netctl create web && netctl attach web c1 -p 8080:80  a network, and /run/netns/c1 on it', 60),
    '  netctl create web && netctl attach web c1 -p 8080:80\n      a network, and /run/netns/c1 on it',
  );
});

test('wrapHelp() wraps a paragraph at its indentation', () => {
  assert.is(
    wrapHelp('Exit codes: 0 ok, 1 failure, 2 usage. Errors are one line on stderr', 40),
    'Exit codes: 0 ok, 1 failure, 2 usage.\nErrors are one line on stderr',
  );
});

test('wrapHelp() keeps the words and their order at any width', () => {
  const text = '  -p, --publish  [[HOSTIP:]HOSTPORT:]CONTAINERPORT[/tcp|udp|sctp]; without HOSTPORT a free one is picked  [array]';
  for (const width of [30, 50, 80, 100]) {
    const out = wrapHelp(text, width);
    assert.equal(words(out), words(text), String(width));
    // Only the one word wider than any room may make a line longer.
    for (const line of out.split('\n'))
      assert.ok(line.length <= width || line.endsWith('CONTAINERPORT[/tcp|udp|sctp];'), `${width}: ${line}`);
  }
});

test("helpWidth() is the terminal's up to 100 columns, 80 without one", () => {
  assert.is(helpWidth(undefined), 80);
  assert.is(helpWidth(60), 60);
  assert.is(helpWidth(200), 100);
});

test.run();

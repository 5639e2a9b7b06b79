import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isRoot, run } from '../../helpers/sandbox';
import { BERTH, CGROUP_PARENT, withBerth } from '../../helpers/berth';

const test = suite("berth run -t and exec -t: a real terminal inside (script(1) plays the caller's terminal)");
const it = isRoot ? test : test.skip;
// script(1) passes the end of its own (empty) input on as a NUL, which the container's terminal echoes as ^@
// wherever the output has got to by then.
const lines = (out: string) =>
  out
    .replace(/\^@|\0/g, '')
    .split(/\r*\n/)
    .filter(Boolean);

it("the container's own /dev/pts terminal, the caller's window size, the exit code, no added \\r", async () => {
  await withBerth(async (b) => {
    const berth = `${BERTH} --root ${b.root} --state-dir ${b.stateDir}`;
    const r = await run('script', [
      '-qec',
      `stty rows 30 cols 100; ${berth} run -it --rm --cgroup-parent ${CGROUP_PARENT} --network none --rootfs ${b.rootfs} sh -c 'tty; stty size; echo $TERM; exit 5'`,
      '/dev/null',
    ]);
    assert.is(r.code, 5);
    assert.equal(lines(r.stdout), ['/dev/pts/0', '30 100', 'xterm']);
    // Lines end in \r\n as the container's terminal writes them: the caller's raw terminal adds no second \r.
    assert.match(r.stdout.replace(/\^@|\0/g, ''), /^\/dev\/pts\/0\r\n30 100\r\nxterm\r\n/);
    await b('run', '-d', '-it', '--name', 'term', '--rootfs', b.rootfs, 'sh');
    const e = await run('script', ['-qec', `stty rows 12 cols 34; ${berth} exec -it term sh -c 'tty; stty size; exit 6'`, '/dev/null']);
    assert.is(e.code, 6);
    assert.equal(lines(e.stdout), ['/dev/pts/1', '12 34']);
  });
});

test.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isRoot, run } from '../../helpers/sandbox';
import { BERTH, CGROUP_PARENT, withBerth } from '../../helpers/berth';

const test = suite('berth rm -f and stop of a container that exits at once (built executables, real kernel)');
const it = isRoot ? test : test.skip;

// A stop whose SIGKILL timer fires as the container exits used to read the exited container's pid,
// 0, and kill(0, SIGKILL) took down the caller's whole process group. Each round runs in a process
// group of its own (setsid), which must live on to print its line.
it("the caller's process group lives on, whatever the race", async () => {
  await withBerth(async (b) => {
    const berth = `${BERTH} --root ${b.root} --state-dir ${b.stateDir}`;
    const busy = `'trap "exit 0" TERM; while :; do :; done'`;
    for (let i = 0; i < 20; i++) {
      for (const stop of [`rm -f r${i}`, `stop -t 0 r${i}`]) {
        const script = `${berth} run -d --name r${i} --cgroup-parent ${CGROUP_PARENT} --network none --rootfs ${b.rootfs} sh -c ${busy} >/dev/null && ${berth} ${stop} >/dev/null; echo alive`;
        const r = await run('setsid', ['--wait', 'sh', '-c', script]);
        assert.equal([r.code, r.stdout], [0, 'alive\n'], `${stop}: ${r.stderr}`);
        await b('rm', '-f', `r${i}`);
      }
    }
  });
});

test.run();

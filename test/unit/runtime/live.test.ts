import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idsWithRunDir, liveState } from '../../../runtime/live';
import { NEVER, type ContainerRecord } from '../../../runtime/record';

const test = suite('runtime/live');

const record = (id: string) =>
  ({
    Id: id,
    RestartCount: 0,
    State: { Status: 'created', ExitCode: 0, Error: '', StartedAt: NEVER, FinishedAt: NEVER, OOMKilled: false },
  }) as unknown as ContainerRecord;

test('liveState() reads shim.json only for the ids idsWithRunDir() listed, when given them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-live-'));
  try {
    const d = { root: join(dir, 'root'), stateDir: join(dir, 'state') };
    assert.equal([...idsWithRunDir(d)], []);
    const id = 'a'.repeat(64);
    mkdirSync(join(d.stateDir, 'containers', id), { recursive: true });
    const shim = { shimPid: 0, status: 'exited', pid: 9, exitCode: 3, startedAt: '', finishedAt: '', restartCount: 0, error: '' };
    writeFileSync(join(d.stateDir, 'containers', id, 'shim.json'), JSON.stringify(shim));
    const listed = idsWithRunDir(d);
    assert.equal([...listed], [id]);
    assert.is(liveState(d, record(id), listed).exitCode, 3);
    assert.is(liveState(d, record(id)).exitCode, 3);
    // Listed before the dir was made: the record's state, as it was at the listing.
    assert.is(liveState(d, record(id), new Set()).status, 'created');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

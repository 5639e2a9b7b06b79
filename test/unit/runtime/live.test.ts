import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withTempDir } from '../../helpers/sandbox';
import { idsWithRunDir, liveState } from '../../../runtime/live';
import { NEVER, type ContainerRecord } from '../../../runtime/record';

const test = suite('runtime/live');

const record = (id: string) =>
  ({
    Id: id,
    RestartCount: 0,
    State: { Status: 'created', ExitCode: 0, Error: '', StartedAt: NEVER, FinishedAt: NEVER, OOMKilled: false },
  }) as unknown as ContainerRecord;

test('liveState() reads shim.json only for the ids idsWithRunDir() listed, when given them', async () => {
  await withTempDir(async (dir) => {
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
  });
});

test('liveState() shows a first start created until its supervisor writes shim.json, exited once its state dir is gone', async () => {
  await withTempDir(async (dir) => {
    const d = { root: join(dir, 'root'), stateDir: join(dir, 'state') };
    const id = 'b'.repeat(64);
    // Saved as exited by the start, before the supervisor ran anything.
    const starting = record(id);
    starting.State.Status = 'exited';
    assert.is(liveState(d, starting).status, 'exited', 'no state dir: the state a reboot left');
    mkdirSync(join(d.stateDir, 'containers', id), { recursive: true });
    assert.is(liveState(d, starting).status, 'created');
    assert.is(liveState(d, starting, idsWithRunDir(d)).status, 'created');
    const ranBefore = record(id);
    ranBefore.State = { ...ranBefore.State, Status: 'exited', ExitCode: 4, StartedAt: '2026-12-06T08:00:00Z' };
    assert.is(liveState(d, ranBefore).status, 'exited', 'a restart shows the last run until the new one is up');
  });
});

test.run();

/**
 * Real image files for tests, made offline with real tools (no registry): a throwaway dockerd
 * (overlay2, so `docker build` writes opaque whiteouts) imports and builds images and saves them;
 * skopeo turns a docker archive into an OCI archive and an OCI layout. Built once per test process
 * (`buildImages()` caches its promise) in a temp dir removed when the process exits; dockerd is
 * stopped as soon as the files are written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDockerPackages, startDockerd, type Dockerd } from './dockerd';
import { busyboxRootfs, tarDirectory } from './rootfs';
import { RUN_PREFIX, ensurePackages } from './sandbox';

export { busyboxRootfs, tarDirectory } from './rootfs';

/** What docker itself says about an image, to compare Berth's store with. */
export interface DockerImageFacts {
  id: string;
  diffIds: string[];
  size: number;
  config: Record<string, any>;
  /** `docker history -H=false --no-trunc` as `CREATED BY<tab>SIZE<tab>COMMENT` lines, newest first. */
  history: string;
}

export interface TestImages {
  dir: string;
  /** A busybox root file system tar (`docker import`'s input). */
  rootfsTar: string;
  /** docker save of `docker import rootfsTar berth-test/busybox:latest`. */
  imported: string;
  /** docker save of berth-test/app:1.0: FROM scratch, ADD the rootfs, three RUN layers (adds, changes, deletes, an opaque dir). */
  app: string;
  /** docker save of berth-test/child:1.0, FROM berth-test/app:1.0 plus one RUN layer. */
  child: string;
  /** `skopeo copy docker-archive:app oci-archive:...:berth-test/app:1.0` (layers as docker saved them). */
  appOciArchive: string;
  /** `skopeo copy --dest-compress docker-archive:app oci:DIR:berth-test/app:1.0` (gzip'ed layers). */
  appOciLayout: string;
  docker: Record<'imported' | 'app' | 'child', DockerImageFacts>;
}

export const APP_DOCKERFILE = `FROM scratch
ADD rootfs.tar /
RUN mkdir -p /data/sub /owned && echo one > /data/sub/a && echo gone > /gone.txt && chown 1000:1000 /owned \\
 && echo keep > /keep && ln /keep /keep.hard && ln -s keep /keep.soft && chmod 4711 /keep && mknod /null2 c 1 3 \\
 && echo 'app:x:1000:1000:app:/home/app:/bin/sh' >> /etc/passwd && echo 'app:x:1000:' >> /etc/group \\
 && echo 'extra:x:2000:app' >> /etc/group
RUN rm /gone.txt && rm -rf /data && mkdir /data && echo two > /data/b && echo changed > /keep.soft
RUN echo three > /data/c
ENV GREETING=hello PATH=/usr/local/bin:/usr/bin:/bin
WORKDIR /data
USER app
STOPSIGNAL SIGUSR1
LABEL org.example.test=berth
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["echo hi"]
`;

const CHILD_DOCKERFILE = `FROM berth-test/app:1.0
USER root
RUN echo child > /child.txt && rm /data/b
`;

export const HISTORY_FORMAT = '{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';

async function facts(d: Dockerd, ref: string): Promise<DockerImageFacts> {
  const [img] = JSON.parse(await d.dockerOk(['image', 'inspect', ref]));
  const history = await d.dockerOk(['history', '-H=false', '--no-trunc', '--format', HISTORY_FORMAT, ref]);
  return { id: img.Id, diffIds: img.RootFS.Layers, size: img.Size, config: img.Config, history };
}

function skopeo(args: string[], tmp: string): void {
  const r = spawnSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8', env: { ...process.env, TMPDIR: tmp } });
  if (r.status !== 0) throw new Error(`skopeo ${args.join(' ')} failed: ${r.stderr}`);
}

async function build(): Promise<TestImages> {
  ensureDockerPackages();
  ensurePackages('skopeo');
  const dir = mkdtempSync(join(tmpdir(), `${RUN_PREFIX}-images-`));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const rootfsTar = tarDirectory(busyboxRootfs(join(dir, 'rootfs')), join(dir, 'rootfs.tar'));
  rmSync(join(dir, 'rootfs'), { recursive: true, force: true });
  const ctx = join(dir, 'context');
  mkdirSync(ctx);
  spawnSync('cp', [rootfsTar, join(ctx, 'rootfs.tar')]);
  writeFileSync(join(ctx, 'Dockerfile'), APP_DOCKERFILE);
  writeFileSync(join(ctx, 'Dockerfile.child'), CHILD_DOCKERFILE);
  const d = await startDockerd({ storageDriver: 'overlay2' });
  const out = (name: string) => join(dir, name);
  try {
    await d.dockerOk(['import', '--change', 'CMD ["/bin/sh"]', rootfsTar, 'berth-test/busybox:latest']);
    await d.dockerOk(['build', '--network', 'none', '-q', '-t', 'berth-test/app:1.0', ctx]);
    await d.dockerOk(['build', '--network', 'none', '-q', '-t', 'berth-test/child:1.0', '-f', join(ctx, 'Dockerfile.child'), ctx]);
    await d.dockerOk(['save', '-o', out('imported.tar'), 'berth-test/busybox:latest']);
    await d.dockerOk(['save', '-o', out('app.tar'), 'berth-test/app:1.0']);
    await d.dockerOk(['save', '-o', out('child.tar'), 'berth-test/child:1.0']);
    const docker = {
      imported: await facts(d, 'berth-test/busybox:latest'),
      app: await facts(d, 'berth-test/app:1.0'),
      child: await facts(d, 'berth-test/child:1.0'),
    };
    skopeo(['copy', `docker-archive:${out('app.tar')}`, `oci-archive:${out('app-oci.tar')}:berth-test/app:1.0`], dir);
    skopeo(
      [
        'copy',
        '--dest-compress',
        '--dest-compress-format',
        'gzip',
        `docker-archive:${out('app.tar')}`,
        `oci:${out('app-layout')}:berth-test/app:1.0`,
      ],
      dir,
    );
    return {
      dir,
      rootfsTar,
      imported: out('imported.tar'),
      app: out('app.tar'),
      child: out('child.tar'),
      appOciArchive: out('app-oci.tar'),
      appOciLayout: out('app-layout'),
      docker,
    };
  } finally {
    await d.stop();
  }
}

let images: Promise<TestImages> | undefined;

/**
 * The test images, built on the first call of this process and shared by every later call. With
 * BERTH_TEST_IMAGE_CACHE=DIR (while working on a test), they are kept in DIR and reused from there.
 */
export function buildImages(): Promise<TestImages> {
  const cache = process.env.BERTH_TEST_IMAGE_CACHE;
  if (!cache) return (images ??= build());
  return (images ??= (async () => {
    const index = join(cache, 'images.json');
    if (existsSync(index)) return JSON.parse(readFileSync(index, 'utf8')) as TestImages;
    const built = await build();
    rmSync(cache, { recursive: true, force: true });
    spawnSync('cp', ['-a', built.dir, cache]);
    const moved = JSON.parse(JSON.stringify(built).split(built.dir).join(cache)) as TestImages;
    writeFileSync(index, JSON.stringify(moved));
    return moved;
  })());
}

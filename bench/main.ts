/**
 * `make bench`: every benchmark, side by side with the reference where there is one, in one run.
 * Select some with arguments: `node --import tsx bench/main.ts loopback bridge`.
 */
/** In run order; each is bench/<name>.ts exporting `run(): Promise<string>` (a markdown section). */
const BENCHES = ['loopback', 'bridge', 'chain', 'volume', 'netctl', 'cri', 'podman', 'image', 'runtime', 'berth-net'];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  for (const name of BENCHES) {
    if (wanted.length && !wanted.includes(name)) continue;
    let mod;
    try {
      mod = (await import(`./${name}.js`)) as { run(): Promise<string> };
    } catch (err) {
      console.log(`### ${name}\n\nnot built yet: ${(err as Error).message.split('\n')[0]}\n`);
      continue;
    }
    console.log(await mod.run());
  }
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

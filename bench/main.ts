/**
 * `make bench`: every benchmark, side by side with the reference where there is one, in one run.
 * Select some with arguments: `node --import tsx bench/main.ts loopback bridge`.
 */
const BENCHES: Record<string, () => Promise<{ run(): Promise<string> }>> = {
  loopback: () => import('./loopback'),
  bridge: () => import('./bridge'),
  chain: () => import('./chain'),
  volume: () => import('./volume'),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  for (const [name, load] of Object.entries(BENCHES)) {
    if (wanted.length && !wanted.includes(name)) continue;
    let mod;
    try {
      mod = await load();
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

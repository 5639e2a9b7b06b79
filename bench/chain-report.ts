/** The chain bench's markdown section, from the worker's measurements (bench/chain.ts). */
import { REFERENCE_BIN, fmt, median, ratio, referenceVersion, table } from './util';
import { LEVELS, OTHER_BIN, PARALLEL, SAMPLES, type Output } from './chain-setup';

export function report(o: Output, seconds: number): string {
  const parallel = { berth: median(o.parallelRounds.berth), reference: median(o.parallelRounds.reference) };
  const rows: string[][] = [];
  for (const level of LEVELS)
    for (const op of ['add', 'del'] as const) {
      const b = median(o.levels.berth[level].map((s) => s[op]));
      const r = median(o.levels.reference[level].map((s) => s[op]));
      rows.push([`${op.toUpperCase()} at ${level} attached`, fmt(b), fmt(r), ratio(b, r)]);
    }
  rows.push([
    `parallel ADD throughput (${PARALLEL.containers} containers, ${PARALLEL.concurrency} at a time, median of ${PARALLEL.rounds} rounds)`,
    `${parallel.berth.toFixed(1)} /s`,
    `${parallel.reference.toFixed(1)} /s`,
    ratio(parallel.berth, parallel.reference),
  ]);
  rows.push([
    'peak RSS, one portmap ADD process',
    `${(o.rss.berth.portmap / 1024).toFixed(1)} MiB`,
    `${(o.rss.reference.portmap / 1024).toFixed(1)} MiB`,
    ratio(o.rss.berth.portmap, o.rss.reference.portmap),
  ]);
  rows.push([
    'peak RSS, one bridge ADD process',
    `${(o.rss.berth.bridge / 1024).toFixed(1)} MiB`,
    `${(o.rss.reference.bridge / 1024).toFixed(1)} MiB`,
    ratio(o.rss.berth.bridge, o.rss.reference.bridge),
  ]);
  for (const op of ['add', 'del'] as const)
    rows.push([
      `CPU (user+sys, all processes) per chain ${op.toUpperCase()} at ${LEVELS[LEVELS.length - 1]}`,
      fmt(median(o.cpu.berth[op])),
      fmt(median(o.cpu.reference[op])),
      ratio(median(o.cpu.berth[op]), median(o.cpu.reference[op])),
    ]);
  rows.push([
    `floor: two \`${o.floor.command}\` (the plugins' runtime, as bare as it starts; a Berth chain operation starts two processes), wall`,
    fmt(median(o.floor.ms)),
    '',
    '',
  ]);
  rows.push([`floor: two \`${o.floor.command}\`, CPU (user+sys)`, fmt(median(o.floor.cpu)), '', '']);
  rows.push([
    'processes started by one chain ADD',
    String(o.procs.berth),
    String(o.procs.reference),
    ratio(o.procs.berth, o.procs.reference),
  ]);
  const addAt = (impl: string, level: number) => median(o.levels[impl][level].map((s) => s.add));
  const delAt = (impl: string, level: number) => median(o.levels[impl][level].map((s) => s.del));
  const first = LEVELS[0],
    last = LEVELS[LEVELS.length - 1];
  const goals: string[] = [
    `ADD at ${last} within 1.2x of ADD at ${first}: ${ratio(addAt('berth', last), addAt('berth', first))} ${addAt('berth', last) <= 1.2 * addAt('berth', first) ? 'met' : 'NOT met'}`,
  ];
  if (LEVELS.includes(500))
    goals.push(
      `ADD at 500 at least 4x faster than the reference: ${(addAt('reference', 500) / addAt('berth', 500)).toFixed(2)}x ${addAt('reference', 500) >= 4 * addAt('berth', 500) ? 'met' : 'NOT met'}`,
    );
  goals.push(
    `DEL at most half the reference's at every level: ${LEVELS.map((l) => ratio(delAt('berth', l), delAt('reference', l))).join(', ')} ${LEVELS.every((l) => delAt('berth', l) <= 0.5 * delAt('reference', l)) ? 'met' : 'NOT met'}`,
  );
  goals.push(
    `parallel throughput at least 2x the reference: ${ratio(parallel.berth, parallel.reference)} ${parallel.berth >= 2 * parallel.reference ? 'met' : 'NOT met'}`,
  );
  goals.push(
    `ADD at 1 no slower than the reference (stretch): ${ratio(addAt('berth', first), addAt('reference', first))} ${addAt('berth', first) <= addAt('reference', first) ? 'met' : 'NOT met'}`,
  );
  // What the runtime's start-up alone allows: no Berth code at all would still cost the floor.
  const floorMs = median(o.floor.ms),
    floorCpu = median(o.floor.cpu);
  const bounds = [
    `DEL at ${first}: the floor alone is ${ratio(floorMs, delAt('reference', first))} of the reference's DEL; Berth's own part (DEL minus the floor) ${fmt(delAt('berth', first) - floorMs)}, against ${fmt(0.5 * delAt('reference', first) - floorMs)} the goal leaves it`,
    `ADD at ${first}: Berth's own part ${fmt(addAt('berth', first) - floorMs)}, against ${fmt(addAt('reference', first) - floorMs)} the stretch goal leaves it`,
    `parallel rounds (ADDs/s): Berth ${o.parallelRounds.berth.map((x) => x.toFixed(1)).join(', ')}; reference ${o.parallelRounds.reference.map((x) => x.toFixed(1)).join(', ')}`,
    `parallel: ${o.cores} cores / the floor's CPU = at most ${(o.cores / (floorCpu / 1000)).toFixed(1)} chain ADDs/s with no Berth code at all, against the goal's ${(2 * parallel.reference).toFixed(1)} /s`,
  ];
  // Each plugin's own median, so a change between levels shows which process it comes from.
  // And the floor timed beside that level's samples: what the machine itself did meanwhile.
  const partRows: string[][] = [];
  LEVELS.forEach((level, at) =>
    partRows.push([
      String(level),
      ...(['berth', 'reference'] as const).flatMap((impl) =>
        (['bridgeAdd', 'portmapAdd', 'portmapDel', 'bridgeDel'] as const).map((k) =>
          median(o.levels[impl][level].map((s) => s.parts[k])).toFixed(1),
        ),
      ),
      median(o.floor.ms.slice(at * SAMPLES, (at + 1) * SAMPLES)).toFixed(1),
    ]),
  );
  return [
    `### CNI chain bridge + host-local + portmap (ipMasq, hairpin, one port mapping per container)`,
    '',
    `Median of ${SAMPLES} per level (ADD = bridge + portmap process times, DEL = portmap + bridge), Berth and the reference taking turns to go first, clean env, a throwaway host netns for each (since run 37; one shared before); reference = ${OTHER_BIN === REFERENCE_BIN ? `Debian containernetworking-plugins ${referenceVersion()}` : OTHER_BIN}. Run took ${seconds.toFixed(0)} s on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    table(['measure', 'Berth', 'reference', 'Berth/reference'], rows),
    '',
    'Each plugin process alone (median ms; ADD = bridge + portmap, DEL = portmap + bridge):',
    '',
    table(
      [
        'attached',
        'Berth bridge ADD',
        'Berth portmap ADD',
        'Berth portmap DEL',
        'Berth bridge DEL',
        'ref bridge ADD',
        'ref portmap ADD',
        'ref portmap DEL',
        'ref bridge DEL',
        `floor (two \`${o.floor.command}\`)`,
      ],
      partRows,
    ),
    '',
    'Goals:',
    '',
    ...goals.map((g) => `- ${g}`),
    '',
    'What the floor (two bare start-ups of the runtime, timed beside the samples) leaves:',
    '',
    ...bounds.map((b) => `- ${b}`),
    '',
  ].join('\n');
}

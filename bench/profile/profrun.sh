#!/bin/bash
# profrun.sh net|none N OUTDIR   (env: LAB, NS, B as lab-up.sh printed; INT sampling µs, default 100)
# N runs of `berth run --rm` (net: --network bench -p 8080:80; none: --network none), each with
# Bun's --cpu-prof into OUTDIR. Aggregate with agg.py / incl.py.
for i in $(seq $2); do
 if [ "$1" = net ]; then a="--network bench -p 8080:80"; else a="--network none"; fi
 env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin BUN_OPTIONS="--cpu-prof --cpu-prof-dir=$3 --cpu-prof-interval=${INT:-100}" \
   nsenter --net=/run/netns/$NS $B/berth --root $LAB/root --state-dir $LAB/state --cni-config-dir $LAB/net.d \
   --cni-cache-dir $LAB/cni run --rm --cgroup-parent /berth-$NS $a lab/bb true
 sleep 0.03
done

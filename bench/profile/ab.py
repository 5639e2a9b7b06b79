#!/usr/bin/env python3
# ab.py ROUNDS BIN_A BIN_B   (env: LAB, NS from lab-up.sh; CPU=1 also counts CPU in a cpuacct cgroup)
# Interleaved A/B of `berth run --rm` in the lab: each round runs A-net, A-none, B-net, B-none
# (order alternating per round), 25 ms pause after each. Prints medians, ratios and paired diffs.
import os, subprocess, sys, time, statistics as st
rounds, A, B = int(sys.argv[1]), sys.argv[2], sys.argv[3]
LAB, NS = os.environ['LAB'], os.environ['NS']
CPU = os.environ.get('CPU') == '1'
cg = f'/sys/fs/cgroup/cpuacct/berth-ab-{os.getpid()}'
if CPU: os.makedirs(cg, exist_ok=True)
def argv(b, net):
    a = ['--network', 'bench', '-p', '8080:80'] if net else ['--network', 'none']
    cmd = ['nsenter', f'--net=/run/netns/{NS}', f'{b}/berth', '--root', f'{LAB}/root', '--state-dir', f'{LAB}/state',
           '--cni-config-dir', f'{LAB}/net.d', '--cni-cache-dir', f'{LAB}/cni', 'run', '--rm', '--cgroup-parent', f'/berth-{NS}', *a, 'lab/bb', 'true']
    if CPU: cmd = ['sh', '-c', f'echo $$ > {cg}/cgroup.procs && exec "$@"', 'sh', *cmd]
    return cmd
env = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin'}
def one(b, net):
    u0 = int(open(f'{cg}/cpuacct.usage').read()) if CPU else 0
    t = time.perf_counter(); r = subprocess.run(argv(b, net), env=env, capture_output=True); w = (time.perf_counter() - t) * 1000
    if r.returncode: sys.exit(f'failed: {r.stderr.decode()[:300]}')
    time.sleep(0.025)
    c = (int(open(f'{cg}/cpuacct.usage').read()) - u0) / 1e6 if CPU else 0
    return w, c
res = {k: [] for k in ['A-net', 'A-none', 'B-net', 'B-none']}
cpu = {k: [] for k in res}
try:
    for k in res: one(A if k[0] == 'A' else B, k.endswith('net'))  # warm-up
    for i in range(rounds):
        keys = list(res) if i % 2 == 0 else ['B-net', 'B-none', 'A-net', 'A-none']
        for k in keys:
            w, c = one(A if k[0] == 'A' else B, k.endswith('net')); res[k].append(w); cpu[k].append(c)
finally:
    if CPU:
        try: os.rmdir(cg)
        except OSError: pass
m = {k: st.median(v) for k, v in res.items()}
print(f'load {os.getloadavg()[0]:.2f}; {rounds} rounds; medians (ms):')
for k in res: print(f'  {k:7} wall {m[k]:6.1f}' + (f'  cpu {st.median(cpu[k]):6.1f}' if CPU else ''))
print(f'  ratio net/none: A {m["A-net"]/m["A-none"]:.2f}x  B {m["B-net"]/m["B-none"]:.2f}x')
print(f'  paired net B-A: {st.median([b-a for a,b in zip(res["A-net"],res["B-net"])]):+.2f} ms; none B-A: {st.median([b-a for a,b in zip(res["A-none"],res["B-none"])]):+.2f} ms')
print(f'  paired net-none: A {st.median([n-o for n,o in zip(res["A-net"],res["A-none"])]):.2f}  B {st.median([n-o for n,o in zip(res["B-net"],res["B-none"])]):.2f} ms')
if CPU: print(f'  cpu paired net B-A: {st.median([b-a for a,b in zip(cpu["A-net"],cpu["B-net"])]):+.2f} ms')

#!/bin/bash
# lab-up.sh NAME DISTBIN: a throwaway netns NAME-lab, dirs under /tmp/NAME-lab, network "bench"
# (10.93.0.0/24), image lab/bb:latest (busybox-static). Then: LAB=/tmp/NAME-lab NS=NAME-lab B=DISTBIN
set -e
NAME=$1; B=$2; LAB=/tmp/$NAME-lab; NS=$NAME-lab
mkdir -p $LAB/rootfs/bin
cp /bin/busybox $LAB/rootfs/bin/
for a in sh true sleep cat echo; do ln -sf busybox $LAB/rootfs/bin/$a; done
tar -C $LAB/rootfs -cf $LAB/rootfs.tar .
ip netns add $NS; ip -n $NS link set lo up
E="env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin nsenter --net=/run/netns/$NS"
$E $B/netctl --config-dir $LAB/net.d --cache-dir $LAB/cni create bench --subnet 10.93.0.0/24 --firewall-dir $LAB/state/firewall --lease-dir $LAB/cni/networks
$E $B/berth --root $LAB/root --state-dir $LAB/state --cni-config-dir $LAB/net.d --cni-cache-dir $LAB/cni image import $LAB/rootfs.tar lab/bb:latest
echo "lab ready: LAB=$LAB NS=$NS"

#!/bin/bash
# lab-down.sh NAME DISTBIN: removes what lab-up.sh and the runs made.
NAME=$1; B=$2; LAB=/tmp/$NAME-lab; NS=$NAME-lab
E="env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin nsenter --net=/run/netns/$NS"
ids=$($E $B/berth --root $LAB/root --state-dir $LAB/state --cni-config-dir $LAB/net.d --cni-cache-dir $LAB/cni ps -aq --no-trunc)
[ -n "$ids" ] && $E $B/berth --root $LAB/root --state-dir $LAB/state --cni-config-dir $LAB/net.d --cni-cache-dir $LAB/cni rm -f $ids
$E $B/berth --root $LAB/root --state-dir $LAB/state --cni-config-dir $LAB/net.d --cni-cache-dir $LAB/cni gc
ip netns del $NS
for m in $(awk -v d=$LAB '$2 ~ "^"d {print $2}' /proc/mounts | sort -r); do umount -l $m; done
rm -rf $LAB
for h in /sys/fs/cgroup/*/; do [ -d $h/berth-$NAME-lab ] && find $h/berth-$NAME-lab -depth -type d -exec rmdir {} \; ; done
true

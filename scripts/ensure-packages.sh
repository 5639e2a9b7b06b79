#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are not installed yet (as root, via apt-get).
set -euo pipefail
missing() {
  local p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"; done
}
todo=($(missing "$@"))
[ ${#todo[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then echo "missing Debian packages: ${todo[*]} (run as root to install them)" >&2; exit 0; fi
# Two of these at once (two makes, a test suite beside a build) take turns, and the second installs
# only what the first did not; an apt of the machine's own holding its locks is waited for. The
# lock is this script's own file: nothing is left behind.
exec 9<"${BASH_SOURCE[0]}"
flock 9
todo=($(missing "$@"))
[ ${#todo[@]} -eq 0 ] && exit 0
echo "installing ${todo[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
lock=(-o DPkg::Lock::Timeout=300)
for try in 1 2 3 4 5 6 7 8 9 10; do # `apt-get update` does not wait for the lists lock itself
  apt-get "${lock[@]}" update -qq >/dev/null && break
  [ "$try" -eq 10 ] && exit 1
  sleep 3
done
apt-get "${lock[@]}" install -y -qq --no-install-recommends "${todo[@]}" >/dev/null

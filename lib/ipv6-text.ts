/** The IPv6 text form, shared by the CNI side (cni/ip.ts) and the netlink codec (kernel/rtnl-codec.ts). */

/** RFC 5952 text of eight 16-bit groups: lower case, the longest run of two or more zero groups compressed. */
export function formatIPv6Groups(groups: readonly number[]): string {
  let bestStart = -1,
    bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

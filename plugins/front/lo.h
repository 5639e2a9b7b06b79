/* `lo` of a network namespace over rtnetlink, for the front's loopback answers (loopback.c). */
#ifndef BERTH_FRONT_LO_H
#define BERTH_FRONT_LO_H
#include <stddef.h>

/* An rtnetlink socket bound to the namespace at `path`, the caller's own namespace kept; -1 on failure. */
int lo_open(const char *path);
/* lo's index and whether it is up; 0 on failure. */
int lo_get(int fd, int *index, int *is_up);
/* Brings lo up or down; 0 on failure. */
int lo_set_up(int fd, int index, int up);

struct lo_addr {
  int family; /* 4 or 6 */
  char cidr[64];
};
/* lo's addresses in the kernel's order, as the plugin's listAddrs reads them; -1 on failure or on an
   address the front does not write as the plugin does (an IPv6 one other than ::1). */
int lo_addrs(int fd, int index, struct lo_addr *out, int max);

#endif

/*
 * loopback ADD, DEL and CHECK answered by the front, as the compiled plugin answers them
 * (loopback/loopback.ts through cni/skel.ts): lo up with its result, lo down, lo checked up.
 * Everything the plugin reads is checked before anything is done, at least as strictly as the
 * plugin checks it; whatever the front cannot prove the plugin would answer the same way (a refusal,
 * a log, a result it would write otherwise, a kernel call that fails) goes to the plugin, which
 * then does the same idempotent work itself. Every answer here is a success: exit 0.
 */
#define _GNU_SOURCE
#include "front-table.h"
#include "front.h"
#include "lo.h"
#include "tree.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int is_loopback_candidate(const char *name, const char *command) {
  if (strcmp(name, "loopback") != 0) return 0;
  int add = strcmp(command, "ADD") == 0, check = strcmp(command, "CHECK") == 0;
  if (!add && !check && strcmp(command, "DEL") != 0) return 0;
  /* ADD writes the namespace's path into its result: only text JSON.stringify writes as it is. */
  return is_call_candidate(add || check) && (!add || is_printable(getenv("CNI_NETNS")));
}

/* The ADD result without a prevResult: lo and its addresses (renderResult020 before 0.3.0); 0 when the plugin fails it. */
static int write_own(struct out *o, const char *version, const char *netns, const struct lo_addr *addrs, int count) {
  out_str(o, "{\"cniVersion\":"), out_json_string(o, version, strlen(version));
  if (strverscmp(version, "0.3.0") < 0) {
    int seen[2] = {0, 0};
    out_str(o, ",\"dns\":{}");
    for (int i = 0; i < count; i++) {
      if (seen[addrs[i].family == 6]++) continue;
      out_str(o, addrs[i].family == 6 ? ",\"ip6\":{\"ip\":\"" : ",\"ip4\":{\"ip\":\""), out_str(o, addrs[i].cidr), out_str(o, "\"}");
    }
    out_str(o, "}\n");
    return count > 0; /* 0.2.0 needs an address */
  }
  out_str(o, ",\"interfaces\":[{\"name\":\"lo\",\"mac\":\"00:00:00:00:00:00\",\"sandbox\":"), out_json_string(o, netns, strlen(netns));
  out_str(o, "}],\"ips\":[");
  for (int i = 0; i < count; i++) {
    out_str(o, i ? ",{\"address\":\"" : "{\"address\":\""), out_str(o, addrs[i].cidr), out_str(o, "\",\"interface\":0");
    if (strverscmp(version, "1.0.0") < 0) out_str(o, addrs[i].family == 6 ? ",\"version\":\"6\"" : ",\"version\":\"4\"");
    out_str(o, "}");
  }
  out_str(o, "]}\n");
  return 1;
}

int answer_loopback(const char *command, const char *text, size_t len, struct out *o) {
  struct conf c;
  if (!scan_conf(command, text, len, &c)) return 0;
  int add = strcmp(command, "ADD") == 0, del = strcmp(command, "DEL") == 0;
  const struct jnode *prev = NULL;
  if (c.has_prev) {
    prev = tree_member(tree_parse(text, len), "prevResult");
    if (!is_plain_result(prev) || (add && strverscmp(c.version, "0.3.0") < 0)) return 0;
  }
  const char *netns = getenv("CNI_NETNS");
  struct stat st;
  if (del && (is_empty(netns) || (stat(netns, &st) != 0 && errno == ENOENT))) return 1; /* nothing to undo: lo went with its namespace */
  int fd = lo_open(netns), index, is_up;
  if (fd < 0 || !lo_get(fd, &index, &is_up)) return 0;
  if (!add) return del ? lo_set_up(fd, index, 0) : is_up;
  if (!lo_set_up(fd, index, 1)) return 0;
  if (prev) {
    write_passed(o, prev, c.version);
    return !o->failed;
  }
  struct lo_addr addrs[16];
  int count = lo_addrs(fd, index, addrs, 16);
  return count >= 0 && write_own(o, c.version, netns, addrs, count) && !o->failed;
}

/* prevResult, read as cni/version.ts's parseResult reads it and written back as convertResult writes it. */
#define _GNU_SOURCE
#include "front.h"
#include <string.h>

/* Whether every entry of the result's list `key` (if any) is an object with the string `field`, as parseResult demands. */
static int is_list_of(const struct jnode *prev, const char *key, const char *field) {
  const struct jnode *list = tree_member(prev, key);
  if (!list) return 1;
  if (list->type != J_ARRAY) return 0;
  for (const struct jnode *e = list->child; e; e = e->next) {
    const struct jnode *f = tree_member(e, field);
    if (e->type != J_OBJECT || !f || f->type != J_STRING) return 0;
  }
  return 1;
}

/* A prevResult cni/version.ts's parseResult takes, in the 0.3.0+ shape, that the front writes back as the plugin does. */
int is_plain_result(const struct jnode *prev) {
  const struct jnode *dns = tree_member(prev, "dns");
  return prev && prev->type == J_OBJECT && tree_is_plain(prev) && !tree_member(prev, "ip4") && !tree_member(prev, "ip6") &&
         is_list_of(prev, "interfaces", "name") && is_list_of(prev, "ips", "address") && is_list_of(prev, "routes", "dst") &&
         (!dns || dns->type == J_OBJECT);
}

static int is_one_of(const struct jstr *key, const char *const *names) {
  for (; *names; names++)
    if (tree_is(key, *names)) return 1;
  return 0;
}

static const char *const IFACE_11[] = {"mtu", "socketPath", "pciID", NULL};
static const char *const ROUTE_11[] = {"mtu", "advmss", "priority", "table", "scope", NULL};
static const char *const IP_LEGACY[] = {"version", NULL};

/* One entry as convertResult writes it: `moved` keys taken out and, from 1.1.0 on, put back at the end in that order. */
static void write_entry(struct out *o, const struct jnode *e, const char *const *moved, int put_back) {
  int first = 1;
  for (const struct jnode *m = e->child; m; m = m->next) {
    if (is_one_of(&m->key, moved)) continue;
    out_str(o, first ? "{" : ","), first = 0;
    out_json_string(o, m->key.text, m->key.len), out_str(o, ":"), tree_write(o, m);
  }
  for (const char *const *k = moved; put_back && *k; k++) {
    const struct jnode *m = tree_member(e, *k);
    if (!m) continue;
    out_str(o, first ? "{" : ","), first = 0;
    out_json_string(o, *k, strlen(*k)), out_str(o, ":"), tree_write(o, m);
  }
  if (first) out_str(o, "{");
}

/* The ADD result with a prevResult: prevResult passed through, in the config's version (convertResult). */
void write_passed(struct out *o, const struct jnode *prev, const char *version) {
  int legacy = strverscmp(version, "1.0.0") < 0, has11 = strverscmp(version, "1.1.0") >= 0;
  out_str(o, "{\"cniVersion\":"), out_json_string(o, version, strlen(version));
  const char *lists[] = {"interfaces", "ips", "routes"};
  const char *const *moved[] = {IFACE_11, IP_LEGACY, ROUTE_11};
  for (int i = 0; i < 3; i++) {
    const struct jnode *list = tree_member(prev, lists[i]);
    if (!list) continue;
    out_str(o, ",\""), out_str(o, lists[i]), out_str(o, "\":[");
    for (const struct jnode *e = list->child; e; e = e->next) {
      if (e != list->child) out_str(o, ",");
      write_entry(o, e, moved[i], i != 1 && has11);
      if (i == 1 && legacy) out_str(o, strchr(tree_member(e, "address")->str.text, ':') ? ",\"version\":\"6\"" : ",\"version\":\"4\"");
      out_str(o, "}");
    }
    out_str(o, "]");
  }
  const struct jnode *dns = tree_member(prev, "dns");
  if (dns) out_str(o, ",\"dns\":"), tree_write(o, dns);
  out_str(o, "}\n");
}


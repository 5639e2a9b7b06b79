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
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* A container ID or network name: [A-Za-z0-9][A-Za-z0-9_.-]* (cni/env.ts, cni/skel.ts). */
static int is_id(const char *s, size_t len) {
  if (len == 0) return 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) return 0;
  }
  return 1;
}

/* An interface name the plugin accepts: 1-15 bytes, not "." or "..", no "/", ":" or whitespace; ASCII only here. */
static int is_ifname(const char *s) {
  size_t len = strlen(s);
  if (len == 0 || len > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) return 0;
  for (const unsigned char *c = (const unsigned char *)s; *c; c++)
    if (*c <= ' ' || *c >= 0x7f || *c == '/' || *c == ':') return 0;
  return 1;
}

static int is_empty(const char *s) { return !s || !*s; }

static int is_printable(const char *s) {
  for (; *s; s++)
    if (*s < 0x20 || *s > 0x7e) return 0;
  return 1;
}

int is_loopback_candidate(const char *name, const char *command) {
  if (strcmp(name, "loopback") != 0) return 0;
  int add = strcmp(command, "ADD") == 0, check = strcmp(command, "CHECK") == 0;
  if (!add && !check && strcmp(command, "DEL") != 0) return 0;
  if (getenv("BERTH_DEBUG") || getenv("BERTH_LOG")) return 0; /* the plugin logs the call */
  const char *id = getenv("CNI_CONTAINERID"), *ifname = getenv("CNI_IFNAME"), *netns = getenv("CNI_NETNS");
  if (is_empty(id) || !is_id(id, strlen(id)) || is_empty(ifname) || !is_ifname(ifname)) return 0;
  /* ADD writes the namespace's path into its result: only text JSON.stringify writes as it is. */
  return !(add || check) || (!is_empty(netns) && is_printable(netns));
}

/* The top-level members the skeleton reads before loopback's handlers. */
struct conf {
  const char *version; /* the last cniVersion when it is a supported one, else NULL */
  int name_ok, doubtful, has_prev;
};

static int is_key(const struct json_str *key, const char *name) { return key->len == strlen(name) && memcmp(key->text, name, key->len) == 0; }

static void conf_member(void *ctx, const struct json_str *key, enum json_type type, const struct json_str *value) {
  struct conf *c = ctx;
  /* Keys matched case-insensitively (cni/keys.ts) are the plugin's to judge. */
  if (!key->ascii || key->truncated) c->doubtful = 1;
  for (const char *const *k = FRONT_NETCONF_KEYS; *k; k++)
    if (key->len == strlen(*k) && strncasecmp(key->text, *k, key->len) == 0 && memcmp(key->text, *k, key->len) != 0) c->doubtful = 1;
  int is_string = type == JSON_STRING && !value->truncated;
  if (is_key(key, "prevResult")) c->has_prev = 1;
  if (is_key(key, "name")) c->name_ok = is_string && is_id(value->text, value->len);
  if (is_key(key, "cniVersion")) {
    c->version = NULL;
    for (const char *const *v = FRONT_VERSIONS; is_string && *v; v++)
      if (value->len == strlen(*v) && memcmp(value->text, *v, value->len) == 0) c->version = *v;
  }
}

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
static int is_plain_result(const struct jnode *prev) {
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
static void write_passed(struct out *o, const struct jnode *prev, const char *version) {
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
  struct conf c = {NULL, 0, 0, 0};
  struct json_scan s = json_scan(text, len, conf_member, &c);
  if (!s.valid || !s.is_object || s.depth > FRONT_MAX_DEPTH || !c.version || !c.name_ok || c.doubtful) return 0;
  int add = strcmp(command, "ADD") == 0, del = strcmp(command, "DEL") == 0;
  if (!add && !del && (strverscmp(c.version, "0.4.0") < 0 || !c.has_prev)) return 0; /* CHECK: 0.4.0 on, with a prevResult */
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

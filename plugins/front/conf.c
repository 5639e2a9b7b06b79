/*
 * What every call the front answers must pass before it acts, checked at least as strictly as
 * cni/skel.ts and cni/env.ts check it: the environment, and the config's top-level members.
 */
#define _GNU_SOURCE
#include "front-table.h"
#include "front.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A container ID or network name: [A-Za-z0-9][A-Za-z0-9_.-]* (cni/env.ts, cni/skel.ts). */
int is_id(const char *s, size_t len) {
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

int is_empty(const char *s) { return !s || !*s; }

int is_printable(const char *s) {
  for (; *s; s++)
    if (*s < 0x20 || *s > 0x7e) return 0;
  return 1;
}

int is_call_candidate(int need_netns) {
  if (getenv("BERTH_DEBUG") || getenv("BERTH_LOG")) return 0; /* the plugin logs the call */
  const char *id = getenv("CNI_CONTAINERID"), *ifname = getenv("CNI_IFNAME");
  return !is_empty(id) && is_id(id, strlen(id)) && !is_empty(ifname) && is_ifname(ifname) && (!need_netns || !is_empty(getenv("CNI_NETNS")));
}

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

int scan_conf(const char *command, const char *text, size_t len, struct conf *c) {
  *c = (struct conf){NULL, 0, 0, 0};
  struct json_scan s = json_scan(text, len, conf_member, c);
  if (!s.valid || !s.is_object || s.depth > FRONT_MAX_DEPTH || !c->version || !c->name_ok || c->doubtful) return 0;
  /* CHECK: from 0.4.0 on, and with a prevResult */
  return strcmp(command, "CHECK") != 0 || (strverscmp(c->version, "0.4.0") >= 0 && c->has_prev);
}

/*
 * Calls the front answers itself because they provably change nothing: loopback DEL when CNI_NETNS
 * is empty or names no file (the reference's semantics; loopback keeps no state outside the
 * namespace). Each check is at least as strict as the plugin's own (cni/skel.ts, cni/env.ts,
 * loopback/loopback.ts): whatever the plugin would refuse, log or do goes to the plugin.
 */
#define _GNU_SOURCE
#include "front-table.h"
#include "front.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

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

int is_noop_candidate(const char *name, const char *command) {
  if (strcmp(name, "loopback") != 0 || strcmp(command, "DEL") != 0) return 0;
  if (getenv("BERTH_DEBUG") || getenv("BERTH_LOG")) return 0; /* the plugin logs the call */
  const char *id = getenv("CNI_CONTAINERID"), *ifname = getenv("CNI_IFNAME"), *netns = getenv("CNI_NETNS");
  if (is_empty(id) || !is_id(id, strlen(id)) || is_empty(ifname) || !is_ifname(ifname)) return 0;
  struct stat st;
  return is_empty(netns) || (stat(netns, &st) != 0 && errno == ENOENT);
}

/* The top-level members the skeleton reads before loopback's DEL. */
struct conf {
  const char *version; /* the last cniVersion when it is a supported one, else NULL */
  int name_ok, doubtful;
};

static void conf_member(void *ctx, const struct json_str *key, enum json_type type, const struct json_str *value) {
  struct conf *c = ctx;
  /* Keys matched case-insensitively (cni/keys.ts) and prevResult are the plugin's to judge. */
  if (!key->ascii || key->truncated || (key->len == strlen("prevResult") && memcmp(key->text, "prevResult", key->len) == 0)) {
    c->doubtful = 1;
    return;
  }
  for (const char *const *k = FRONT_NETCONF_KEYS; *k; k++)
    if (key->len == strlen(*k) && strncasecmp(key->text, *k, key->len) == 0 && memcmp(key->text, *k, key->len) != 0) c->doubtful = 1;
  int is_string = type == JSON_STRING && !value->truncated;
  if (key->len == strlen("name") && memcmp(key->text, "name", key->len) == 0) c->name_ok = is_string && is_id(value->text, value->len);
  if (key->len == strlen("cniVersion") && memcmp(key->text, "cniVersion", key->len) == 0) {
    c->version = NULL;
    for (const char *const *v = FRONT_VERSIONS; is_string && *v; v++)
      if (value->len == strlen(*v) && memcmp(value->text, *v, value->len) == 0) c->version = *v;
  }
}

int is_noop(const char *name, const char *command, const char *text, size_t len) {
  if (!is_noop_candidate(name, command)) return 0;
  struct conf c = {NULL, 0, 0};
  struct json_scan s = json_scan(text, len, conf_member, &c);
  return s.valid && s.is_object && s.depth <= FRONT_MAX_DEPTH && c.version && c.name_ok && !c.doubtful;
}

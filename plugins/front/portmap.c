/*
 * portmap ADD and CHECK with no port mappings, answered by the front as the compiled plugin answers
 * them (portmap/portmap.ts): its config validated, nothing to map, prevResult passed through. That is
 * every pod without a hostPort, most of a Kubernetes node's. A mapping, a key the plugin's schema
 * could refuse or would match ignoring case, or a prevResult the front cannot write back goes to
 * the plugin. DEL is always the plugin's: it looks up what an earlier ADD recorded.
 */
#define _GNU_SOURCE
#include "front-table.h"
#include "front.h"
#include <string.h>
#include <strings.h>

int is_portmap_candidate(const char *name, const char *command) {
  return strcmp(name, "portmap") == 0 && (strcmp(command, "ADD") == 0 || strcmp(command, "CHECK") == 0) && is_call_candidate(1);
}

/* Whether a key of `obj` equals one of `names` ignoring case but not exactly (cni/keys.ts would rename it). */
static int has_folded_key(const struct jnode *obj, const char *const *names) {
  for (const struct jnode *m = obj->child; m; m = m->next)
    for (const char *const *k = names; *k; k++)
      if (!m->key.plain || (m->key.len == strlen(*k) && strncasecmp(m->key.text, *k, m->key.len) == 0 && !tree_is(&m->key, *k)))
        return 1;
  return 0;
}

static int is_literal(const struct jnode *n, const char *word) {
  return n->type == J_LITERAL && n->raw_len == strlen(word) && memcmp(n->raw, word, n->raw_len) == 0;
}

/* The config portmap/portmap.schema.json takes with certainty, and no port mapping in it. */
static int is_unmapped_conf(const struct jnode *root) {
  if (has_folded_key(root, FRONT_PORTMAP_KEYS)) return 0;
  const struct jnode *type = tree_member(root, "type"), *snat = tree_member(root, "snat"), *dir = tree_member(root, "firewallDir");
  const struct jnode *caps = tree_member(root, "capabilities"), *rc = tree_member(root, "runtimeConfig");
  if (tree_member(root, "markMasqBit") || tree_member(root, "externalSetMarkChain") || tree_member(root, "conditionsV4") ||
      tree_member(root, "conditionsV6"))
    return 0;
  if ((type && type->type != J_STRING) || (snat && !is_literal(snat, "true") && !is_literal(snat, "false")) ||
      (dir && (dir->type != J_STRING || dir->str.len == 0)) || (caps && caps->type != J_OBJECT))
    return 0;
  if (!rc) return 1;
  if (rc->type != J_OBJECT || has_folded_key(rc, FRONT_PORTMAP_RUNTIME_KEYS)) return 0;
  const struct jnode *maps = tree_member(rc, "portMappings");
  return !maps || (maps->type == J_ARRAY && !maps->child); /* null is no array to the schema */
}

int answer_portmap(const char *command, const char *text, size_t len, struct out *o) {
  struct conf c;
  if (!scan_conf(command, text, len, &c) || !c.has_prev || strverscmp(c.version, "0.3.0") < 0) return 0;
  const struct jnode *root = tree_parse(text, len), *prev = tree_member(root, "prevResult");
  if (!root || !is_plain_result(prev) || !is_unmapped_conf(root)) return 0;
  if (strcmp(command, "ADD") == 0) write_passed(o, prev, c.version);
  return !o->failed;
}

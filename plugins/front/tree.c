/* See tree.h. Recursive: json_scan has bounded the depth (FRONT_MAX_DEPTH) before any tree is made. */
#include "tree.h"
#include <stdlib.h>
#include <string.h>

struct cur {
  const char *p, *end;
};

static void skip_space(struct cur *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int hex4(const char *p) {
  int code = 0;
  for (int i = 0; i < 4; i++) {
    char ch = p[i];
    code = code * 16 + (ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch - 'A' + 10);
  }
  return code;
}

/* A string from its opening quote. Characters outside printable ASCII are kept as 0xff and clear `plain`. */
static int parse_string(struct cur *c, struct jstr *s) {
  const char *start = ++c->p;
  while (*c->p != '"') c->p += *c->p == '\\' ? 2 : 1;
  s->text = malloc((size_t)(c->p - start) + 1);
  if (!s->text) return 0;
  s->len = 0, s->plain = 1;
  for (const char *p = start; p < c->p; p++) {
    unsigned code = (unsigned char)*p;
    if (*p == '\\') {
      p++;
      const char *simple = strchr("\"\\/bfnrt", *p), *meaning = "\"\\/\b\f\n\r\t";
      if (*p == 'u') code = (unsigned)hex4(p + 1), p += 4;
      else code = (unsigned char)meaning[simple - "\"\\/bfnrt"];
    }
    if (code < 0x20 || code > 0x7e) s->plain = 0, code = 0xff;
    s->text[s->len++] = (char)code;
  }
  s->text[s->len] = 0;
  c->p++;
  return 1;
}

static struct jnode *parse_value(struct cur *c) {
  skip_space(c);
  struct jnode *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  char open = *c->p;
  if (open == '{' || open == '[') {
    n->type = open == '{' ? J_OBJECT : J_ARRAY;
    c->p++;
    struct jnode **tail = &n->child;
    for (skip_space(c); *c->p != (open == '{' ? '}' : ']');) {
      struct jstr key = {NULL, 0, 1};
      if (open == '{') {
        if (!parse_string(c, &key)) return NULL;
        skip_space(c);
        c->p++; /* ':' */
      }
      struct jnode *item = parse_value(c);
      if (!item) return NULL;
      item->key = key;
      *tail = item, tail = &item->next;
      skip_space(c);
      if (*c->p == ',') c->p++, skip_space(c);
    }
    c->p++;
  } else if (open == '"') {
    n->type = J_STRING;
    if (!parse_string(c, &n->str)) return NULL;
  } else {
    n->type = open == '-' || (open >= '0' && open <= '9') ? J_NUMBER : J_LITERAL;
    n->raw = c->p;
    while (c->p < c->end && strchr(" \t\n\r,]}", *c->p) == NULL) c->p++;
    n->raw_len = (size_t)(c->p - n->raw);
  }
  return n;
}

struct jnode *tree_parse(const char *text, size_t len) {
  struct cur c = {text, text + len};
  return parse_value(&c);
}

int tree_is(const struct jstr *s, const char *text) { return s->len == strlen(text) && memcmp(s->text, text, s->len) == 0; }

const struct jnode *tree_member(const struct jnode *obj, const char *key) {
  const struct jnode *found = NULL;
  if (obj && obj->type == J_OBJECT)
    for (const struct jnode *m = obj->child; m; m = m->next)
      if (tree_is(&m->key, key)) found = m;
  return found;
}

/* -?(0|[1-9][0-9]{0,14}), not -0: a safe integer, which JavaScript writes back as it was written. */
static int is_plain_number(const char *raw, size_t len) {
  size_t i = raw[0] == '-';
  if (len == i || len - i > 15 || (raw[i] == '0' && len - i > 1) || (i && raw[i] == '0')) return 0;
  for (; i < len; i++)
    if (raw[i] < '0' || raw[i] > '9') return 0;
  return 1;
}

int tree_is_plain(const struct jnode *n) {
  switch (n->type) {
  case J_STRING:
    return n->str.plain;
  case J_NUMBER:
    return is_plain_number(n->raw, n->raw_len);
  case J_LITERAL:
    return 1;
  case J_ARRAY:
  case J_OBJECT:
    for (const struct jnode *m = n->child; m; m = m->next) {
      if (n->type == J_OBJECT) {
        if (!m->key.plain || tree_is(&m->key, "__proto__") || (m->key.len > 0 && m->key.text[0] >= '0' && m->key.text[0] <= '9'))
          return 0;
        for (const struct jnode *o = n->child; o != m; o = o->next)
          if (o->key.len == m->key.len && memcmp(o->key.text, m->key.text, m->key.len) == 0) return 0;
      }
      if (!tree_is_plain(m)) return 0;
    }
    return 1;
  }
  return 0;
}

void out_raw(struct out *o, const char *text, size_t len) {
  if (o->failed) return;
  if (o->cap - o->len < len + 1) {
    size_t cap = (o->cap + len) * 2 + 256;
    char *grown = realloc(o->text, cap);
    if (!grown) {
      o->failed = 1;
      return;
    }
    o->text = grown, o->cap = cap;
  }
  memcpy(o->text + o->len, text, len);
  o->len += len;
  o->text[o->len] = 0;
}

void out_str(struct out *o, const char *s) { out_raw(o, s, strlen(s)); }

void out_json_string(struct out *o, const char *text, size_t len) {
  out_str(o, "\"");
  for (size_t i = 0; i < len; i++) {
    if (text[i] == '"' || text[i] == '\\') out_str(o, "\\");
    out_raw(o, text + i, 1);
  }
  out_str(o, "\"");
}

void tree_write(struct out *o, const struct jnode *n) {
  switch (n->type) {
  case J_STRING:
    out_json_string(o, n->str.text, n->str.len);
    return;
  case J_NUMBER:
  case J_LITERAL:
    out_raw(o, n->raw, n->raw_len);
    return;
  case J_ARRAY:
  case J_OBJECT:
    out_str(o, n->type == J_OBJECT ? "{" : "[");
    for (const struct jnode *m = n->child; m; m = m->next) {
      if (m != n->child) out_str(o, ",");
      if (n->type == J_OBJECT) out_json_string(o, m->key.text, m->key.len), out_str(o, ":");
      tree_write(o, m);
    }
    out_str(o, n->type == J_OBJECT ? "}" : "]");
  }
}

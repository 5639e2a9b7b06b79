/*
 * A JSON document as a tree, for the front's loopback answers (loopback.c): parsed from text that
 * json_scan has already found valid and not too deep, and written back compactly, as JSON.stringify
 * writes what JSON.parse read, for the part of JSON where the two agree byte for byte (is_plain).
 */
#ifndef BERTH_FRONT_TREE_H
#define BERTH_FRONT_TREE_H
#include <stddef.h>

enum jtype { J_OBJECT, J_ARRAY, J_STRING, J_NUMBER, J_LITERAL };

/* A decoded string; `plain` when every character is printable ASCII (U+0020-U+007E). */
struct jstr {
  char *text;
  size_t len;
  int plain;
};

struct jnode {
  enum jtype type;
  struct jstr key;       /* as a member of an object */
  struct jstr str;       /* J_STRING */
  const char *raw;       /* J_NUMBER, J_LITERAL: the text as written */
  size_t raw_len;
  struct jnode *child;   /* J_OBJECT, J_ARRAY: the first member or element */
  struct jnode *next;    /* the next sibling */
};

/* The tree of `text`, which json_scan found valid; NULL when out of memory. */
struct jnode *tree_parse(const char *text, size_t len);
/* The last member of object `obj` named `key` (the one JSON.parse keeps), or NULL. */
const struct jnode *tree_member(const struct jnode *obj, const char *key);
int tree_is(const struct jstr *s, const char *text);
/*
 * Whether JSON.stringify(JSON.parse(x)) writes `n` back as tree_write does: every string and key
 * printable ASCII, every number an integer of at most 15 digits (not -0), no key twice in an object,
 * no key that JavaScript orders first (one starting with a digit) and no "__proto__".
 */
int tree_is_plain(const struct jnode *n);

struct out {
  char *text;
  size_t len, cap;
  int failed;
};

void out_raw(struct out *o, const char *text, size_t len);
void out_str(struct out *o, const char *s);
/* A printable-ASCII string as JSON.stringify writes it. */
void out_json_string(struct out *o, const char *text, size_t len);
/* `n`, a plain tree, compactly. */
void tree_write(struct out *o, const struct jnode *n);

#endif

/*
 * ydoc: a YAML document as a small tree with positions, read under limits.
 *
 * Definitions are parsed with libyaml's event API into this tree; every node
 * keeps the 1-based line and column (in characters) where it starts, so each
 * later check can say `file:line:col: message`. Loading refuses what a
 * definition language has no use for and what makes files hard to review:
 * anchors, aliases, explicit tags, duplicate keys, non-scalar keys, several
 * documents in one file, invalid UTF-8, and files that are too large or
 * nested too deep.
 *
 * A ydoc owns all its nodes; ydoc_release() frees them.
 */
#ifndef DOCKET_YDOC_H
#define DOCKET_YDOC_H

#include <stddef.h>

struct diags;

enum ytype { Y_SCALAR, Y_SEQ, Y_MAP };

struct ypair;

struct ynode {
	enum ytype type;
	int line, col;          /* where the node starts, 1-based */
	/* Y_SCALAR */
	char *value;            /* NUL-terminated text */
	size_t len;             /* bytes in value */
	int plain;              /* 1 if unquoted (may be a number, bool or null) */
	char style;             /* 'p' plain, '\'' or '"' quoted, '|' literal, '>' folded */
	/* Y_SEQ: items; Y_MAP: pairs */
	struct ynode **items;
	struct ypair *pairs;
	size_t n;               /* number of items or pairs */
	size_t alloc;
};

struct ypair {
	struct ynode *key;      /* always a scalar */
	struct ynode *value;
};

/* Limits; the defaults are generous for hand-written files. */
#define YDOC_MAX_BYTES (1024 * 1024)
#define YDOC_MAX_DEPTH 32
#define YDOC_MAX_NODES 200000

struct ydoc {
	char *file;             /* the name used in messages; owned */
	struct ynode *root;     /* NULL for an empty file */
	size_t nodes;           /* node count (bounded by YDOC_MAX_NODES) */
};

#define YDOC_INIT { NULL, NULL, 0 }

/*
 * Load a file (or an in-memory buffer named `file`). On any problem a
 * diagnostic is added and -1 returned; the doc is then empty but must
 * still be released.
 */
int ydoc_load_file(struct ydoc *doc, const char *path, struct diags *d);
int ydoc_load_buf(struct ydoc *doc, const char *file, const char *data, size_t len,
		  struct diags *d);
void ydoc_release(struct ydoc *doc);

/* Map lookup by key; NULL if `map` is not a map or the key is absent. */
struct ynode *ymap_get(const struct ynode *map, const char *key);
/* The key node of `key` in `map` (for positions), or NULL. */
struct ynode *ymap_key(const struct ynode *map, const char *key);
/* Scalar text, or NULL when `n` is not a scalar. */
const char *yscalar(const struct ynode *n);
/* 1 if n is a plain scalar null (~, null, or empty) */
int yis_null(const struct ynode *n);
const char *ytype_name(enum ytype t);

/*
 * Checking helpers for definition modules. Each reports problems as errors
 * at the node's position and returns 0 when the node was acceptable.
 */
void y_error(struct diags *d, const struct ydoc *doc, const struct ynode *n,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void y_warning(struct diags *d, const struct ydoc *doc, const struct ynode *n,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Report any key of `map` not in the NULL-terminated `allowed` list,
 * suggesting the nearest allowed key when one is close. */
int y_check_keys(struct diags *d, const struct ydoc *doc, const struct ynode *map,
		 const char *const *allowed);
/* Require node type; `what` names it in the message ("steps"). */
int y_expect(struct diags *d, const struct ydoc *doc, const struct ynode *n,
	     enum ytype t, const char *what);
/*
 * Fetch `key` from `map` as a string / integer / boolean. If absent and
 * `required`, report it at the map; if present with the wrong type, report
 * it at the value. Return the value, or the default when absent or wrong.
 */
const char *y_str(struct diags *d, const struct ydoc *doc, const struct ynode *map,
		  const char *key, int required);
long long y_int(struct diags *d, const struct ydoc *doc, const struct ynode *map,
		const char *key, int required, long long dflt, int *present);
int y_bool(struct diags *d, const struct ydoc *doc, const struct ynode *map,
	   const char *key, int dflt);
/* Parse a scalar as an integer / boolean; return 0 on success. */
int yparse_int(const struct ynode *n, long long *out);
int yparse_bool(const struct ynode *n, int *out);

/* 1 if id is a slug, the rule for every definition id: [a-z0-9][a-z0-9._-]* */
int y_is_slug(const char *id);
/* 1 if s holds only spaces (ASCII or the ideographic space U+3000) */
int y_is_blank(const char *s);

/* The edit distance between two short strings (for "did you mean"). */
size_t y_edit_distance(const char *a, const char *b);
/* The nearest candidate within distance 2 (or a third of the length), or NULL. */
const char *y_nearest(const char *word, const char *const *candidates, size_t n);

#endif

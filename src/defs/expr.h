/*
 * expr: the small, safe condition language of forms and workflows.
 *
 * Used by `when:` on branches, `visible_when:` and `compute:` on form
 * fields. Expressions read form fields and applicant attributes and cannot
 * do anything else: no assignment, loops, calls out, or recursion. Source
 * is limited to EXPR_MAX_SOURCE bytes, EXPR_MAX_NODES nodes and
 * EXPR_MAX_DEPTH nesting, so evaluation is bounded by construction.
 *
 * Grammar (lowest precedence first):
 *   expr    := or
 *   or      := and { ("||" | "or") and }
 *   and     := not { ("&&" | "and") not }
 *   not     := ("!" | "not") not | cmp
 *   cmp     := sum [ ("==" | "!=" | "<" | "<=" | ">" | ">=" | "in") sum ]
 *   sum     := prod { ("+" | "-") prod }
 *   prod    := unary { ("*" | "/") unary }
 *   unary   := "-" unary | primary
 *   primary := NUMBER | STRING | "true" | "false" | "null"
 *            | IDENT [ "(" [ expr { "," expr } ] ")" ]     (function call)
 *            | "[" [ expr { "," expr } ] "]"                (list literal)
 *            | "(" expr ")"
 *   IDENT   := [A-Za-z_][A-Za-z0-9_]* { "." [A-Za-z_][A-Za-z0-9_]* }
 *   STRING  := "..." or '...' (UTF-8, \" \' \\ \n escapes)
 *
 * Functions: days(from, to) whole days between two dates (to - from, +1 not
 * added); len(x) characters of a string or items of a list; empty(x);
 * contains(string, part); date("YYYY-MM-DD"); money("123.45").
 *
 * Types are checked before anything runs (expr_check): comparing money with
 * text, adding dates, or an unknown field is a lint error at its column. A
 * number literal next to money is read exactly as yuan (5000 = ¥5000.00).
 * At run time a comparison or arithmetic with an unfilled (null) field is
 * false / null, never an error; test with empty(x).
 */
#ifndef DOCKET_EXPR_H
#define DOCKET_EXPR_H

#include "value.h"

struct diags;
struct ydoc;
struct ynode;

#define EXPR_MAX_SOURCE 2048
#define EXPR_MAX_NODES 512
#define EXPR_MAX_DEPTH 32

struct expr; /* opaque syntax tree; owns its source text */

/* Type environment used by expr_check: the type of each readable name. */
struct expr_env {
	/* Set *type for `name` ("amount", "applicant.department"); 0 if known, -1 if not. */
	int (*lookup_type)(void *ctx, const char *name, enum vtype *type);
	/* Optional: the known names, NULL-terminated, for "did you mean" hints. */
	const char *const *(*names)(void *ctx);
	void *ctx;
};

/* Value environment used by expr_eval. */
struct expr_scope {
	/* Fill *out (caller releases) for `name`; 0 if known, -1 if not. */
	int (*lookup)(void *ctx, const char *name, struct value *out);
	void *ctx;
};

/*
 * Parse text that starts at file:line:col (column of its first character).
 * Returns NULL after adding diagnostics.
 */
struct expr *expr_parse(const char *src, const char *file, int line, int col,
			struct diags *d);
/* Parse a YAML scalar, positioning errors inside it (quotes accounted for). */
struct expr *expr_parse_node(const struct ydoc *doc, const struct ynode *n,
			     struct diags *d);
/*
 * Type-check against env. `want` is the required result type (V_BOOL for
 * conditions) or V_ANY. Stores the result type. Returns 0 or -1 (with
 * diagnostics at the offending sub-expression).
 */
int expr_check(struct expr *e, const struct expr_env *env, enum vtype want,
	       enum vtype *result, struct diags *d);
/*
 * Evaluate. Returns 0 with *out set (caller releases), or -1 with *err set
 * to a message (caller frees) for a run-time failure such as division by zero.
 */
int expr_eval(const struct expr *e, const struct expr_scope *scope, struct value *out,
	      char **err);
/* Convenience: evaluate a condition; null counts as false. -1 on error. */
int expr_eval_bool(const struct expr *e, const struct expr_scope *scope, int *out,
		   char **err);
/* Call fn for each distinct identifier the expression reads. */
void expr_foreach_ident(const struct expr *e, void (*fn)(void *ctx, const char *name),
			void *ctx);
const char *expr_source(const struct expr *e);
void expr_free(struct expr *e);

#endif

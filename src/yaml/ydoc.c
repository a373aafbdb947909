#include "ydoc.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "../util/buf.h"
#include "../util/diag.h"
#include "../util/fsutil.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

static struct ynode *node_new(struct ydoc *doc, enum ytype t, const yaml_mark_t *m)
{
	struct ynode *n = xcalloc(1, sizeof(*n));
	n->type = t;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	doc->nodes++;
	return n;
}

static void node_free(struct ynode *n)
{
	if (!n)
		return;
	free(n->value);
	for (size_t i = 0; i < n->n; i++) {
		if (n->type == Y_SEQ) {
			node_free(n->items[i]);
		} else if (n->type == Y_MAP) {
			node_free(n->pairs[i].key);
			node_free(n->pairs[i].value);
		}
	}
	free(n->items);
	free(n->pairs);
	free(n);
}

void ydoc_release(struct ydoc *doc)
{
	node_free(doc->root);
	free(doc->file);
	doc->root = NULL;
	doc->file = NULL;
	doc->nodes = 0;
}

/* Line and column (in characters) of byte offset `off`. */
static void offset_position(const char *data, size_t off, int *line, int *col)
{
	int l = 1;
	size_t start = 0;
	for (size_t i = 0; i < off; i++) {
		if (data[i] == '\n') {
			l++;
			start = i + 1;
		}
	}
	*line = l;
	*col = (int)utf8_chars(data + start, off - start) + 1;
}

/* One open collection while building the tree. */
struct frame {
	struct ynode *node;
	struct ynode *pending_key; /* map: key seen, value not yet */
};

static int add_child(struct ydoc *doc, struct frame *top, struct ynode *child,
		     struct diags *d)
{
	struct ynode *p = top->node;
	if (p->type == Y_SEQ) {
		ALLOC_GROW(p->items, p->n + 1, p->alloc);
		p->items[p->n++] = child;
		return 0;
	}
	if (!top->pending_key) {
		if (child->type != Y_SCALAR) {
			diag_error(d, doc->file, child->line, child->col,
				   _("a mapping key must be a plain value, not a %s"),
				   ytype_name(child->type));
			node_free(child);
			return -1;
		}
		for (size_t i = 0; i < p->n; i++) {
			if (!strcmp(p->pairs[i].key->value, child->value)) {
				diag_error(d, doc->file, child->line, child->col,
					   _("duplicate key '%s' (first at line %d)"),
					   child->value, p->pairs[i].key->line);
				node_free(child);
				return -1;
			}
		}
		top->pending_key = child;
		return 0;
	}
	ALLOC_GROW(p->pairs, p->n + 1, p->alloc);
	p->pairs[p->n].key = top->pending_key;
	p->pairs[p->n].value = child;
	p->n++;
	top->pending_key = NULL;
	return 0;
}

static int refuse_decorations(struct ydoc *doc, const yaml_event_t *ev, struct diags *d)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;
	int implicit = 1;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		implicit = ev->data.scalar.plain_implicit || ev->data.scalar.quoted_implicit;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		implicit = ev->data.sequence_start.implicit;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		implicit = ev->data.mapping_start.implicit;
		break;
	default:
		return 0;
	}
	int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
	if (anchor) {
		diag_error(d, doc->file, line, col,
			   _("anchors are not allowed ('&%s'); repeat the text instead"),
			   (const char *)anchor);
		return -1;
	}
	if (tag && !implicit) {
		diag_error(d, doc->file, line, col, _("tags are not allowed ('%s')"),
			   (const char *)tag);
		return -1;
	}
	return 0;
}

int ydoc_load_buf(struct ydoc *doc, const char *file, const char *data, size_t len,
		  struct diags *d)
{
	free(doc->file);
	doc->file = xstrdup(file);
	doc->root = NULL;
	doc->nodes = 0;

	if (len > YDOC_MAX_BYTES) {
		diag_error(d, file, 0, 0, _("file is too large (%zu bytes; the limit is %d)"),
			   len, YDOC_MAX_BYTES);
		return -1;
	}
	/* a UTF-8 byte order mark is not content; columns start after it */
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {
		data += 3;
		len -= 3;
	}
	size_t bad;
	if (!utf8_valid(data, len, &bad)) {
		int line, col;
		offset_position(data, bad, &line, &col);
		diag_error(d, file, line, col, _("invalid UTF-8 (byte 0x%02x)"),
			   (unsigned char)data[bad]);
		return -1;
	}
	if (memchr(data, '\0', len)) {
		int line, col;
		offset_position(data, (size_t)((const char *)memchr(data, '\0', len) - data),
				&line, &col);
		diag_error(d, file, line, col, _("NUL byte in text"));
		return -1;
	}

	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		diag_error(d, file, 0, 0, _("unable to start the YAML parser"));
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

	struct frame stack[YDOC_MAX_DEPTH + 1];
	int depth = 0;
	int docs = 0;
	int rc = -1;
	int done = 0;
	while (!done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			const char *problem = parser.problem ? parser.problem : "syntax error";
			yaml_mark_t m = parser.problem_mark;
			if (parser.context)
				diag_error(d, file, (int)m.line + 1, (int)m.column + 1,
					   _("YAML syntax: %s %s"), problem, parser.context);
			else
				diag_error(d, file, (int)m.line + 1, (int)m.column + 1,
					   _("YAML syntax: %s"), problem);
			goto out;
		}
		struct ynode *n = NULL;
		int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
		if (refuse_decorations(doc, &ev, d) < 0) {
			yaml_event_delete(&ev);
			goto out;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				diag_error(d, file, line, col,
					   _("only one YAML document is allowed per file"));
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		case YAML_ALIAS_EVENT:
			diag_error(d, file, line, col,
				   _("aliases are not allowed ('*%s'); repeat the text instead"),
				   (const char *)ev.data.alias.anchor);
			yaml_event_delete(&ev);
			goto out;
		case YAML_SCALAR_EVENT:
			n = node_new(doc, Y_SCALAR, &ev.start_mark);
			n->value = xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
			n->len = ev.data.scalar.length;
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			switch (ev.data.scalar.style) {
			case YAML_SINGLE_QUOTED_SCALAR_STYLE: n->style = '\''; break;
			case YAML_DOUBLE_QUOTED_SCALAR_STYLE: n->style = '"'; break;
			case YAML_LITERAL_SCALAR_STYLE: n->style = '|'; break;
			case YAML_FOLDED_SCALAR_STYLE: n->style = '>'; break;
			default: n->style = 'p'; break;
			}
			if (strlen(n->value) != n->len) {
				diag_error(d, file, line, col, _("NUL character in text"));
				node_free(n);
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth >= YDOC_MAX_DEPTH) {
				diag_error(d, file, line, col,
					   _("nesting is too deep (the limit is %d levels)"),
					   YDOC_MAX_DEPTH);
				yaml_event_delete(&ev);
				goto out;
			}
			n = node_new(doc, ev.type == YAML_SEQUENCE_START_EVENT ? Y_SEQ : Y_MAP,
				     &ev.start_mark);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: {
			struct ynode *closed = stack[--depth].node;
			if (depth == 0)
				doc->root = closed;
			else if (add_child(doc, &stack[depth - 1], closed, d) < 0) {
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (doc->nodes > YDOC_MAX_NODES) {
			diag_error(d, file, line, col,
				   _("too many values in one file (the limit is %d)"),
				   YDOC_MAX_NODES);
			node_free(n);
			goto out;
		}
		if (!n)
			continue;
		if (n->type != Y_SCALAR) {
			stack[depth].node = n;
			stack[depth].pending_key = NULL;
			depth++;
		} else if (depth == 0) {
			doc->root = n;
		} else if (add_child(doc, &stack[depth - 1], n, d) < 0) {
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0) {
		/* free the partial tree still on the stack */
		for (int i = depth - 1; i >= 0; i--) {
			node_free(stack[i].pending_key);
			if (stack[i].node != doc->root)
				node_free(stack[i].node);
		}
		/* nodes below the top are owned by their parents */
		node_free(doc->root);
		doc->root = NULL;
	}
	yaml_parser_delete(&parser);
	return rc;
}

int ydoc_load_file(struct ydoc *doc, const char *path, struct diags *d)
{
	struct buf b = BUF_INIT;
	if (read_file(path, YDOC_MAX_BYTES, &b) < 0) {
		if (errno == EFBIG)
			diag_error(d, path, 0, 0,
				   _("file is too large (the limit is %d bytes)"), YDOC_MAX_BYTES);
		else
			diag_error(d, path, 0, 0, _("unable to read: %s"), strerror(errno));
		buf_release(&b);
		free(doc->file);
		doc->file = xstrdup(path);
		return -1;
	}
	int r = ydoc_load_buf(doc, path, b.s, b.len, d);
	buf_release(&b);
	return r;
}

struct ynode *ymap_key(const struct ynode *map, const char *key)
{
	if (!map || map->type != Y_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->pairs[i].key->value, key))
			return map->pairs[i].key;
	return NULL;
}

struct ynode *ymap_get(const struct ynode *map, const char *key)
{
	if (!map || map->type != Y_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->pairs[i].key->value, key))
			return map->pairs[i].value;
	return NULL;
}

const char *yscalar(const struct ynode *n)
{
	return n && n->type == Y_SCALAR ? n->value : NULL;
}

int yis_null(const struct ynode *n)
{
	if (!n)
		return 1;
	if (n->type != Y_SCALAR || !n->plain)
		return 0;
	return !n->len || !strcmp(n->value, "~") || !strcmp(n->value, "null") ||
	       !strcmp(n->value, "Null") || !strcmp(n->value, "NULL");
}

const char *ytype_name(enum ytype t)
{
	switch (t) {
	case Y_SCALAR: return _("value");
	case Y_SEQ: return _("list");
	case Y_MAP: return _("mapping");
	}
	return "?";
}

static void y_vreport(struct diags *d, const struct ydoc *doc, const struct ynode *n,
		      enum diag_severity sev, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	buf_vaddf(&b, fmt, ap);
	diag_add(d, doc->file, n ? n->line : 0, n ? n->col : 0, sev, "%s", b.s);
	buf_release(&b);
}

void y_error(struct diags *d, const struct ydoc *doc, const struct ynode *n,
	     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	y_vreport(d, doc, n, DIAG_ERROR, fmt, ap);
	va_end(ap);
}

void y_warning(struct diags *d, const struct ydoc *doc, const struct ynode *n,
	       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	y_vreport(d, doc, n, DIAG_WARNING, fmt, ap);
	va_end(ap);
}

/* Decode up to 64 code points of s into cp; return how many. */
static size_t code_points(const char *s, uint32_t *cp, size_t max)
{
	size_t n = 0;
	while (*s && n < max)
		s += utf8_decode(s, &cp[n++]);
	return *s ? SIZE_MAX : n;
}

/* Edit distance where swapping two neighbours counts as one edit ("rde"). */
size_t y_edit_distance(const char *a, const char *b)
{
	uint32_t ca[64], cb[64];
	size_t la = code_points(a, ca, 64), lb = code_points(b, cb, 64);
	if (la == SIZE_MAX || lb == SIZE_MAX)
		return SIZE_MAX;
	static size_t m[65][65];
	size_t (*d)[65] = m;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = d[i - 1][j - 1] + (ca[i - 1] != cb[j - 1]);
			size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			size_t v = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			if (i > 1 && j > 1 && ca[i - 1] == cb[j - 2] && ca[i - 2] == cb[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/*
 * Suggest only what is plausibly a typo: up to 1 edit for words of three
 * characters or fewer, 2 up to six, a third of the length beyond; and never
 * as many edits as the word has characters (丙 is not a typo of 乙).
 */
const char *y_nearest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX;
	size_t chars = utf8_chars(word, strlen(word));
	size_t limit = chars <= 3 ? 1 : chars <= 6 ? 2 : chars / 3;
	for (size_t i = 0; i < n; i++) {
		if (!candidates[i])
			continue;
		size_t dist = y_edit_distance(word, candidates[i]);
		if (dist < bestd) {
			bestd = dist;
			best = candidates[i];
		}
	}
	return bestd <= limit && bestd < chars ? best : NULL;
}

int y_check_keys(struct diags *d, const struct ydoc *doc, const struct ynode *map,
		 const char *const *allowed)
{
	if (!map || map->type != Y_MAP)
		return 0;
	size_t na = 0;
	while (allowed[na])
		na++;
	int bad = 0;
	for (size_t i = 0; i < map->n; i++) {
		const char *k = map->pairs[i].key->value;
		size_t j;
		for (j = 0; j < na; j++)
			if (!strcmp(k, allowed[j]))
				break;
		if (j < na)
			continue;
		const char *near = y_nearest(k, allowed, na);
		if (near)
			y_error(d, doc, map->pairs[i].key, _("unknown key '%s' (did you mean '%s'?)"),
				k, near);
		else
			y_error(d, doc, map->pairs[i].key, _("unknown key '%s'"), k);
		bad = 1;
	}
	return bad ? -1 : 0;
}

int y_expect(struct diags *d, const struct ydoc *doc, const struct ynode *n,
	     enum ytype t, const char *what)
{
	if (n && n->type == t)
		return 0;
	if (n)
		y_error(d, doc, n, _("'%s' must be a %s, not a %s"), what, ytype_name(t),
			ytype_name(n->type));
	return -1;
}

const char *y_str(struct diags *d, const struct ydoc *doc, const struct ynode *map,
		  const char *key, int required)
{
	struct ynode *v = ymap_get(map, key);
	if (!v || yis_null(v)) {
		if (required)
			y_error(d, doc, v ? v : map, _("missing required key '%s'"), key);
		return NULL;
	}
	if (v->type != Y_SCALAR) {
		y_error(d, doc, v, _("'%s' must be a value, not a %s"), key, ytype_name(v->type));
		return NULL;
	}
	return v->value;
}

int yparse_int(const struct ynode *n, long long *out)
{
	if (!n || n->type != Y_SCALAR || !n->plain || !n->len)
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(n->value, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int yparse_bool(const struct ynode *n, int *out)
{
	if (!n || n->type != Y_SCALAR || !n->plain)
		return -1;
	const char *t[] = { "true", "True", "TRUE", "yes", "Yes", "on" };
	const char *f[] = { "false", "False", "FALSE", "no", "No", "off" };
	for (size_t i = 0; i < 6; i++) {
		if (!strcmp(n->value, t[i])) {
			*out = 1;
			return 0;
		}
		if (!strcmp(n->value, f[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

long long y_int(struct diags *d, const struct ydoc *doc, const struct ynode *map,
		const char *key, int required, long long dflt, int *present)
{
	struct ynode *v = ymap_get(map, key);
	if (present)
		*present = 0;
	if (!v || yis_null(v)) {
		if (required)
			y_error(d, doc, v ? v : map, _("missing required key '%s'"), key);
		return dflt;
	}
	long long x;
	if (yparse_int(v, &x) < 0) {
		y_error(d, doc, v, _("'%s' must be a whole number"), key);
		return dflt;
	}
	if (present)
		*present = 1;
	return x;
}

int y_bool(struct diags *d, const struct ydoc *doc, const struct ynode *map,
	   const char *key, int dflt)
{
	struct ynode *v = ymap_get(map, key);
	if (!v)
		return dflt;
	int b;
	if (yparse_bool(v, &b) < 0) {
		y_error(d, doc, v, _("'%s' must be true or false"), key);
		return dflt;
	}
	return b;
}

int y_is_slug(const char *id)
{
	if (!*id)
		return 0;
	for (const char *p = id; *p; p++) {
		int ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			 (p != id && (*p == '.' || *p == '_' || *p == '-'));
		if (!ok)
			return 0;
	}
	return 1;
}

int y_is_blank(const char *s)
{
	while (*s) {
		if (*s == ' ' || *s == '\t')
			s++;
		else if (!strncmp(s, "\xe3\x80\x80", 3))
			s += 3;
		else
			return 0;
	}
	return 1;
}

/*
 * theme: colour schemes and key bindings read from `kind: theme` files.
 */
#include "theme.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/buf.h"
#include "../util/diag.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"
#include "../yaml/ydoc.h"

/* ---- colours ---- */

static const char *const elem_names[TE_COUNT + 1] = {
#define THEME_ELEM(id, name) name,
	THEME_ELEMS
#undef THEME_ELEM
	NULL
};

/* Colour names 0..15, then "default". */
static const char *const color_names[] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
	"bright-black", "bright-red", "bright-green", "bright-yellow",
	"bright-blue", "bright-magenta", "bright-cyan", "bright-white",
	"default", NULL
};

static const struct {
	const char *name;
	unsigned flag;
} attr_names[] = {
	{ "bold", THEME_BOLD }, { "reverse", THEME_REVERSE },
	{ "underline", THEME_UNDERLINE }, { "dim", THEME_DIM },
	{ "standout", THEME_STANDOUT }, { "normal", 0 },
};
#define NATTRS (sizeof(attr_names) / sizeof(attr_names[0]))
static const char *const attr_name_list[NATTRS + 1] = {
	"bold", "reverse", "underline", "dim", "standout", "normal", NULL
};

/*
 * The monochrome scheme (htop's): reverse, bold and underline only, so it
 * reads on any terminal. themes/monochrome.yaml spells out the same table.
 */
static const unsigned mono_attrs[TE_COUNT] = {
	[TE_NORMAL] = 0,
	[TE_TITLE] = THEME_REVERSE | THEME_BOLD,
	[TE_STATUS] = THEME_REVERSE,
	[TE_CURSOR] = THEME_REVERSE,
	[TE_HEADER] = THEME_BOLD | THEME_UNDERLINE,
	[TE_TAB] = 0,
	[TE_TAB_ACTIVE] = THEME_BOLD | THEME_UNDERLINE,
	[TE_BORDER] = 0,
	[TE_ID] = 0,
	[TE_DATE] = 0,
	[TE_MUTED] = 0,
	[TE_ERROR] = THEME_BOLD,
	[TE_OK] = 0,
	[TE_OVERDUE] = THEME_BOLD | THEME_UNDERLINE,
	[TE_URGENT] = THEME_BOLD,
	[TE_OPINION] = 0,
	[TE_DIFF_ADD] = THEME_BOLD,
	[TE_DIFF_DEL] = THEME_UNDERLINE,
	[TE_HELP_KEY] = THEME_BOLD,
	[TE_HELP_TEXT] = 0,
	[TE_HELP_GROUP] = THEME_BOLD | THEME_UNDERLINE,
};

int theme_elem_lookup(const char *name)
{
	for (int i = 0; i < TE_COUNT; i++)
		if (!strcmp(elem_names[i], name))
			return i;
	return -1;
}

const char *theme_elem_name(enum theme_elem e)
{
	return (int)e >= 0 && e < TE_COUNT ? elem_names[e] : NULL;
}

struct theme_color theme_mono(enum theme_elem e)
{
	struct theme_color c = { THEME_DEFAULT_COLOR, THEME_DEFAULT_COLOR, 0 };
	if ((int)e >= 0 && e < TE_COUNT)
		c.attrs = mono_attrs[e];
	return c;
}

struct theme_color theme_color(const struct theme *t, enum theme_elem e)
{
	if (t && (int)e >= 0 && e < TE_COUNT && t->has_color[e])
		return t->colors[e];
	return theme_mono(e);
}

int theme_color_parse(const char *s)
{
	for (int i = 0; color_names[i]; i++)
		if (!strcmp(s, color_names[i]))
			return i == 16 ? THEME_DEFAULT_COLOR : i;
	if (!strncmp(s, "color", 5) && s[5] >= '0' && s[5] <= '9') {
		char *end;
		long n = strtol(s + 5, &end, 10);
		if (!*end && n >= 0 && n <= 255 && !(s[5] == '0' && s[6]))
			return (int)n;
	}
	return -2;
}

/* ---- parsing ---- */

/* Report an unknown name of some kind, suggesting the nearest known one. */
static void unknown(struct diags *d, const struct ydoc *doc, const struct ynode *n,
		    const char *what, const char *const *known)
{
	size_t nk = 0;
	while (known[nk])
		nk++;
	const char *near = y_nearest(n->value, known, nk);
	/* TRANSLATORS: the first %s is "element", "colour", "attribute" or "action" */
	if (near)
		y_error(d, doc, n, _("unknown %s '%s' (did you mean '%s'?)"), what, n->value, near);
	else
		y_error(d, doc, n, _("unknown %s '%s'"), what, n->value);
}

/* One `colors:` entry: {fg: C, bg: C, attrs: [A, ...]}. */
static void parse_color(struct theme *t, int e, const struct ydoc *doc,
			const struct ynode *v, struct diags *d)
{
	static const char *const keys[] = { "fg", "bg", "attrs", NULL };
	if (y_expect(d, doc, v, Y_MAP, elem_names[e]))
		return;
	y_check_keys(d, doc, v, keys);
	struct theme_color c = { THEME_DEFAULT_COLOR, THEME_DEFAULT_COLOR, 0 };
	for (int i = 0; i < 2; i++) {
		const char *key = i ? "bg" : "fg";
		struct ynode *n = ymap_get(v, key);
		if (!n)
			continue;
		if (n->type != Y_SCALAR) {
			y_error(d, doc, n, _("'%s' must be a value, not a %s"), key,
				ytype_name(n->type));
			continue;
		}
		int col = theme_color_parse(n->value);
		if (col == -2)
			unknown(d, doc, n, _("colour"), color_names);
		else if (i)
			c.bg = col;
		else
			c.fg = col;
	}
	struct ynode *attrs = ymap_get(v, "attrs");
	if (attrs && !y_expect(d, doc, attrs, Y_SEQ, "attrs")) {
		for (size_t i = 0; i < attrs->n; i++) {
			struct ynode *a = attrs->items[i];
			if (a->type != Y_SCALAR) {
				y_error(d, doc, a, _("an attribute must be a value, not a %s"),
					ytype_name(a->type));
				continue;
			}
			size_t k;
			for (k = 0; k < NATTRS; k++)
				if (!strcmp(a->value, attr_names[k].name))
					break;
			if (k == NATTRS)
				unknown(d, doc, a, _("attribute"), attr_name_list);
			else if (!attr_names[k].flag)
				c.attrs = 0;
			else
				c.attrs |= attr_names[k].flag;
		}
	}
	t->colors[e] = c;
	t->has_color[e] = 1;
}

/* Where a key was first bound in this theme, to name it in a conflict. */
struct binding {
	int key;
	enum action action;
	int line;
};

/* `keys:` — action: [key, ...]; a key may be bound once in a theme. */
static void parse_keys(struct theme *t, const struct ydoc *doc, const struct ynode *map,
		       struct diags *d)
{
	if (y_expect(d, doc, map, Y_MAP, "keys"))
		return;
	struct binding *seen = NULL;
	size_t nseen = 0, aseen = 0;
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *kn = map->pairs[i].key, *v = map->pairs[i].value;
		enum action a = action_lookup(kn->value);
		if (a == ACT_NONE) {
			unknown(d, doc, kn, _("action"), action_names());
			continue;
		}
		if (v->type != Y_SEQ) {
			y_error(d, doc, v, _("keys for '%s' must be a list, not a %s"), kn->value,
				ytype_name(v->type));
			continue;
		}
		int n = 0;
		for (size_t j = 0; j < v->n; j++) {
			const struct ynode *it = v->items[j];
			if (it->type != Y_SCALAR) {
				y_error(d, doc, it, _("a key name must be a value, not a %s"),
					ytype_name(it->type));
				continue;
			}
			int code = key_parse(it->value);
			if (code < 0) {
				y_error(d, doc, it, _("unknown key name '%s'"), it->value);
				continue;
			}
			size_t k;
			for (k = 0; k < nseen; k++)
				if (seen[k].key == code)
					break;
			if (k < nseen) {
				if (seen[k].action == a)
					y_error(d, doc, it, _("key '%s' is listed twice for '%s'"),
						it->value, kn->value);
				else
					y_error(d, doc, it,
						_("key '%s' is already bound to '%s' on line %d"),
						it->value, action_info(seen[k].action)->name, seen[k].line);
				continue;
			}
			ALLOC_GROW(seen, nseen + 1, aseen);
			seen[nseen++] = (struct binding){ code, a, it->line };
			if (n == KEYMAP_MAX_KEYS) {
				y_error(d, doc, it, _("too many keys for '%s' (at most %d)"),
					kn->value, KEYMAP_MAX_KEYS);
				continue;
			}
			t->keys[a][n++] = code;
		}
		t->nkeys[a] = n;
	}
	free(seen);
}

struct theme *theme_parse(const struct ydoc *doc, struct diags *d)
{
	static const char *const top[] = { "kind", "id", "name", "description", "colors", "keys", NULL };
	const struct ynode *root = doc->root;
	if (!root || root->type != Y_MAP) {
		if (root)
			y_error(d, doc, root, _("a theme must be a mapping, not a %s"),
				ytype_name(root->type));
		else
			diag_error(d, doc->file, 1, 1, _("empty theme file"));
		return NULL;
	}
	struct theme *t = xcalloc(1, sizeof(*t));
	for (int a = 0; a < ACT_COUNT; a++)
		t->nkeys[a] = -1;
	t->file = xstrdup(doc->file ? doc->file : "");
	y_check_keys(d, doc, root, top);
	const char *kind = y_str(d, doc, root, "kind", 1);
	if (kind && strcmp(kind, "theme"))
		y_error(d, doc, ymap_get(root, "kind"), _("kind '%s' is not 'theme'"), kind);
	const char *id = y_str(d, doc, root, "id", 1);
	t->id = xstrdup(id ? id : "");
	const char *name = y_str(d, doc, root, "name", 0);
	t->name = name ? xstrdup(name) : NULL;
	y_str(d, doc, root, "description", 0);

	struct ynode *colors = ymap_get(root, "colors");
	if (colors && !yis_null(colors) && !y_expect(d, doc, colors, Y_MAP, "colors")) {
		for (size_t i = 0; i < colors->n; i++) {
			const struct ynode *k = colors->pairs[i].key;
			int e = theme_elem_lookup(k->value);
			if (e < 0)
				unknown(d, doc, k, _("element"), elem_names);
			else
				parse_color(t, e, doc, colors->pairs[i].value, d);
		}
	}
	struct ynode *keys = ymap_get(root, "keys");
	if (keys && !yis_null(keys))
		parse_keys(t, doc, keys, d);
	return t;
}

void theme_free(struct theme *t)
{
	if (!t)
		return;
	free(t->id);
	free(t->name);
	free(t->file);
	free(t);
}

void theme_keymap(const struct theme *t, struct keymap *out)
{
	keymap_defaults(out);
	if (!t)
		return;
	for (int a = 0; a < ACT_COUNT; a++)
		if (t->nkeys[a] >= 0)
			keymap_set(out, (enum action)a, t->keys[a], (size_t)t->nkeys[a]);
}

/* Generated at build time from themes/default.yaml (src/defs/embed.sh). */
extern const char theme_default_yaml[];
extern const size_t theme_default_yaml_len;

const char *theme_default_text(size_t *len)
{
	if (len)
		*len = theme_default_yaml_len;
	return theme_default_yaml;
}

struct theme *theme_default(void)
{
	struct diags d = DIAGS_INIT;
	struct ydoc doc = YDOC_INIT;
	struct theme *t = NULL;
	if (!ydoc_load_buf(&doc, "(built-in)/themes/default.yaml", theme_default_yaml,
			   theme_default_yaml_len, &d))
		t = theme_parse(&doc, &d);
	if (!t || diags_errors(&d)) {
		diags_print(&d, stderr);
		abort(); /* the shipped theme is checked by the unit tests */
	}
	ydoc_release(&doc);
	diags_release(&d);
	return t;
}

struct theme *theme_load(const char *path, struct diags *d)
{
	struct ydoc doc = YDOC_INIT;
	struct theme *t = NULL;
	size_t before = diags_errors(d);
	if (!ydoc_load_file(&doc, path, d))
		t = theme_parse(&doc, d);
	ydoc_release(&doc);
	if (t && diags_errors(d) > before) {
		theme_free(t);
		t = NULL;
	}
	return t;
}

/*
 * theme: colour schemes and key bindings (theme.h), and the action table
 * with its key names (keys.h), which themes are the only file format for.
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

/* ---- actions (keys.def) ---- */

static const struct action_info actions[ACT_COUNT] = {
#define ACTION(id, name, group, keys, help) { name, KEYGROUP_##group, keys, help },
#include "keys.def"
#undef ACTION
};

static const char *const action_name_list[ACT_COUNT + 1] = {
#define ACTION(id, name, group, keys, help) name,
#include "keys.def"
#undef ACTION
	NULL
};

const struct action_info *action_info(enum action a)
{
	if ((int)a < 0 || a >= ACT_COUNT)
		return NULL;
	return &actions[a];
}

enum action action_lookup(const char *name)
{
	for (int i = 0; i < ACT_COUNT; i++)
		if (!strcmp(actions[i].name, name))
			return (enum action)i;
	return ACT_NONE;
}

const char *const *action_names(void)
{
	return action_name_list;
}

/* ---- key names ---- */

/* Named keys; the first name of each code is the canonical one. */
static const struct {
	const char *name;
	int code;
} key_names[] = {
	{ "Enter", KEYC_ENTER }, { "Return", KEYC_ENTER },
	{ "Esc", KEYC_ESC }, { "Escape", KEYC_ESC },
	{ "Tab", KEYC_TAB }, { "BackTab", KEYC_BACKTAB }, { "S-Tab", KEYC_BACKTAB },
	{ "Space", KEYC_SPACE },
	{ "Up", KEYC_UP }, { "Down", KEYC_DOWN }, { "Left", KEYC_LEFT }, { "Right", KEYC_RIGHT },
	{ "PgUp", KEYC_PGUP }, { "PageUp", KEYC_PGUP },
	{ "PgDn", KEYC_PGDN }, { "PageDown", KEYC_PGDN },
	{ "Home", KEYC_HOME }, { "End", KEYC_END },
	{ "Backspace", KEYC_BACKSPACE }, { "Delete", KEYC_DELETE }, { "Del", KEYC_DELETE },
};
#define NKEY_NAMES (sizeof(key_names) / sizeof(key_names[0]))

/* Control codes that terminals deliver as a named key. */
static int ctrl_code(int c)
{
	int code = KEYC_CTRL(c);
	if (code == '\r' || code == '\n')
		return KEYC_ENTER;
	return code;
}

int key_parse(const char *name)
{
	if (!name || !*name)
		return -1;
	size_t len = strlen(name);
	if (utf8_valid(name, len, NULL) && utf8_chars(name, len) == 1) {
		uint32_t cp;
		utf8_decode(name, &cp);
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || utf8_cp_width(cp) == 0)
			return -1;
		return (int)cp;
	}
	for (size_t i = 0; i < NKEY_NAMES; i++)
		if (!strcasecmp(name, key_names[i].name))
			return key_names[i].code;
	if ((name[0] == 'F' || name[0] == 'f') && name[1] >= '1' && name[1] <= '9') {
		char *end;
		long n = strtol(name + 1, &end, 10);
		if (!*end && n >= 1 && n <= 12 && (name[1] != '0'))
			return KEYC_F((int)n);
		return -1;
	}
	const char *rest = NULL;
	if (!strncasecmp(name, "Ctrl-", 5))
		rest = name + 5;
	else if (!strncasecmp(name, "C-", 2))
		rest = name + 2;
	else if (name[0] == '^')
		rest = name + 1;
	if (rest && rest[0] && !rest[1]) {
		int c = (unsigned char)rest[0];
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c >= 'A' && c <= '_')   /* A..Z [ \ ] ^ _ */
			return ctrl_code(c);
	}
	return -1;
}

/* Append the UTF-8 encoding of cp. */
static void add_utf8(struct buf *out, uint32_t cp)
{
	char s[4];
	size_t n;
	if (cp < 0x80) {
		s[0] = (char)cp; n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xc0 | (cp >> 6)); s[1] = (char)(0x80 | (cp & 0x3f)); n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xe0 | (cp >> 12)); s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
	} else {
		s[0] = (char)(0xf0 | (cp >> 18)); s[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); s[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
	}
	buf_add(out, s, n);
}

void key_format(struct buf *out, int key)
{
	for (size_t i = 0; i < NKEY_NAMES; i++) {
		if (key_names[i].code == key) {
			buf_adds(out, key_names[i].name);
			return;
		}
	}
	if (key > KEYC_F0 && key <= KEYC_F(12))
		buf_addf(out, "F%d", key - KEYC_F0);
	else if (key > 0 && key < 0x20)
		buf_addf(out, "Ctrl-%c", key | 0x40);
	else if (key > 0x20 && key < KEYC_BASE && !(key >= 0x7f && key < 0xa0))
		add_utf8(out, (uint32_t)key);
	else
		buf_addf(out, "<%#x>", (unsigned)key);
}

/* ---- keymap ---- */

void keymap_defaults(struct keymap *km)
{
	memset(km, 0, sizeof(*km));
	for (int a = 0; a < ACT_COUNT; a++) {
		int keys[KEYMAP_MAX_KEYS];
		size_t n = 0;
		char *list = xstrdup(actions[a].keys);
		char *save = NULL;
		for (char *k = strtok_r(list, " ", &save); k; k = strtok_r(NULL, " ", &save)) {
			int code = key_parse(k);
			if (code < 0 || n == KEYMAP_MAX_KEYS)
				abort(); /* a bad keys.def; the unit tests catch it first */
			keys[n++] = code;
		}
		free(list);
		keymap_set(km, (enum action)a, keys, n);
	}
}

void keymap_set(struct keymap *km, enum action a, const int *keys, size_t n)
{
	if ((int)a < 0 || a >= ACT_COUNT)
		return;
	if (n > KEYMAP_MAX_KEYS)
		n = KEYMAP_MAX_KEYS;
	for (size_t i = 0; i < n; i++) {
		for (int b = 0; b < ACT_COUNT; b++) {
			int w = 0;
			for (int j = 0; j < km->n[b]; j++)
				if (km->keys[b][j] != keys[i])
					km->keys[b][w++] = km->keys[b][j];
			km->n[b] = w;
		}
	}
	for (size_t i = 0; i < n; i++)
		km->keys[a][i] = keys[i];
	km->n[a] = (int)n;
}

enum action keymap_action(const struct keymap *km, int key)
{
	for (int a = 0; a < ACT_COUNT; a++)
		for (int j = 0; j < km->n[a]; j++)
			if (km->keys[a][j] == key)
				return (enum action)a;
	return ACT_NONE;
}

void keymap_describe(const struct keymap *km, enum action a, const char *sep, struct buf *out)
{
	if ((int)a < 0 || a >= ACT_COUNT)
		return;
	for (int j = 0; j < km->n[a]; j++) {
		if (j)
			buf_adds(out, sep);
		key_format(out, km->keys[a][j]);
	}
}

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
			unknown(d, doc, kn, _("action"), action_name_list);
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
						it->value, actions[seen[k].action].name, seen[k].line);
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

/*
 * keys: the action table (keys.def) and key names — the one place that
 * says which actions exist, their default keys and their help text.
 */
#include "keys.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/buf.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

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
		utf8_encode(out, (uint32_t)key);
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


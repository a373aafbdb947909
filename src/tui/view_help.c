/*
 * The help view: the actions that work on the screen it was opened from
 * (the generic ones, that screen's own `keys`, and the editing keys of its
 * dialogs and prompts), from the key table (keys.def), with the keys they
 * have now (after the theme's `keys:`) and their translated help text, by
 * group. Made from the table, so it cannot drift from the code.
 */
#include <stdlib.h>

#include "view.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

/*
 * One help line: a group heading, the first line of an action (keys, name
 * and the start of its text), a continuation of an action's text, or a
 * blank separator.
 */
struct help_item {
	int group;           /* >= 0: heading of this KEYGROUP_*; -1 otherwise */
	enum action action;  /* ACT_NONE for headings and blanks */
	char *text;          /* this line's part of the action's help; owned */
	int more;            /* 1: a continuation line (no keys, no name) */
};

struct help_data {
	struct help_item *v;
	size_t n, alloc;
	const struct view_ops *from; /* the screen help was opened from, or NULL */
};

static const char *const group_titles[KEYGROUP_COUNT] = {
	[KEYGROUP_GENERAL] = N_("General"),
	[KEYGROUP_MOVE] = N_("Moving around"),
	[KEYGROUP_VIEW] = N_("Views"),
	[KEYGROUP_APPROVAL] = N_("Approvals"),
	[KEYGROUP_EDIT] = N_("Editing text"),
};

/* Width of the key column, and where the text starts. */
#define HELP_KEY_COLS 20
#define HELP_TEXT_AT (3 + HELP_KEY_COLS + 1)

/* The actions every screen has (tui.c's generic ones and search.c), besides its own. */
static int help_generic(enum action a)
{
	switch (action_info(a)->group) {
	case KEYGROUP_GENERAL:
	case KEYGROUP_MOVE:
	case KEYGROUP_EDIT:
		return 1;
	default:
		return a == ACT_DEFINITIONS || a == ACT_NEW_REQUEST || a == ACT_STANDIN || a == ACT_CONFLICTS;
	}
}

/* Does action a do something on the screen `from` (NULL: every action)? */
static int help_works(const struct view_ops *from, enum action a)
{
	if (!from || help_generic(a))
		return 1;
	for (const enum action *k = from->keys; k && *k != ACT_NONE; k++)
		if (*k == a)
			return 1;
	return 0;
}

static void help_addline(struct help_data *h, int group, enum action a, char *text, int more)
{
	ALLOC_GROW(h->v, h->n + 1, h->alloc);
	h->v[h->n++] = (struct help_item){ group, a, text, more };
}

static void help_clear(struct help_data *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].text);
	h->n = 0;
}

/* The lines for a screen `width` columns wide: each action's text wrapped under its column. */
static void help_build(struct help_data *h, size_t width)
{
	help_clear(h);
	size_t room = width > HELP_TEXT_AT + 10 ? width - HELP_TEXT_AT : 10;
	for (int g = 0; g < KEYGROUP_COUNT; g++) {
		size_t heading = h->n;
		if (heading)
			help_addline(h, -1, ACT_NONE, NULL, 0);
		help_addline(h, g, ACT_NONE, NULL, 0);
		size_t before = h->n;
		for (int a = 0; a < ACT_COUNT; a++) {
			if ((int)action_info((enum action)a)->group != g ||
			    !help_works(h->from, (enum action)a))
				continue;
			const char *text = h->from && h->from->key_help ? h->from->key_help((enum action)a) : NULL;
			if (!text)
				text = action_info((enum action)a)->help;
			char **lines;
			size_t n = utf8_wrap(_(text), room, &lines);
			for (size_t k = 0; k < n; k++)
				help_addline(h, -1, (enum action)a, lines[k], k > 0);
			free(lines); /* the strings now belong to the items */
		}
		if (h->n == before) /* nothing of this group works here: no heading */
			h->n = heading;
	}
}

void *help_view_data(const struct view_ops *from)
{
	struct help_data *h = xcalloc(1, sizeof(*h));
	h->from = from;
	return h;
}

static int help_open(struct tui *t, struct view *v)
{
	struct help_data *h = v->data ? v->data : help_view_data(NULL);
	v->data = h;
	v->width = t->cols > 0 ? (size_t)t->cols : 80;
	help_build(h, v->width);
	v->lines = h->n;
	v->no_cursor = 1;
	return 0;
}

/* A new width: each action's text wraps again. */
static void help_layout(struct tui *t, struct view *v, size_t width)
{
	(void)t;
	struct help_data *h = v->data;
	help_build(h, width);
	v->lines = h->n;
}

static void help_release(struct view *v)
{
	struct help_data *h = v->data;
	if (!h)
		return;
	help_clear(h);
	free(h->v);
	free(h);
	v->data = NULL;
}

/* R builds the lines again for the same screen (release and open would forget it). */
static int help_request(struct tui *t, struct view *v, enum action a)
{
	(void)t;
	if (a != ACT_REFRESH)
		return 0;
	struct help_data *h = v->data;
	help_build(h, v->width ? v->width : 80);
	v->lines = h->n;
	return 1;
}

static void help_title(struct tui *t, struct view *v, struct buf *out)
{
	(void)t;
	(void)v;
	buf_adds(out, _("Help"));
}

static void help_line(struct tui *t, struct view *v, size_t i, struct row *r)
{
	struct help_data *h = v->data;
	const struct help_item *it = &h->v[i];
	if (it->group >= 0) {
		row_add(r, TE_NORMAL, " ", 1);
		row_add(r, TE_HELP_GROUP, _(group_titles[it->group]), 0);
		return;
	}
	if (it->action == ACT_NONE)
		return;
	if (it->more) {
		row_add(r, TE_NORMAL, "", HELP_TEXT_AT);
		row_add(r, TE_HELP_TEXT, it->text, 0);
		return;
	}
	struct buf keys = BUF_INIT;
	keymap_describe(&t->keymap, it->action, ", ", &keys);
	if (!keys.len)
		buf_adds(&keys, "-");
	row_add(r, TE_NORMAL, "   ", 3);
	row_add(r, TE_HELP_KEY, keys.s, HELP_KEY_COLS);
	row_add(r, TE_NORMAL, " ", 1);
	row_add(r, TE_HELP_TEXT, it->text, 0);
	buf_release(&keys);
}

const struct view_ops help_view_ops = {
	.name = "help",
	.title = help_title,
	.open = help_open,
	.line = help_line,
	.request = help_request,
	.release = help_release,
	.layout = help_layout,
};

/*
 * actions: the action table (actions.def) as data for the front ends and
 * the dispatch: each operation's event type, target, checks and words.
 */
#include <string.h>

#include "../auth/auth.h"
#include "../util/i18n.h"
#include "engine.h"

static const struct engine_action table[] = {
#define ENG_ACTION(name, type, target, checks, apply, verb, title, done, deny, wrong_state) \
	{ ENG_OP_##name, type, target, checks, verb, title, done, deny, wrong_state },
#include "actions.def"
#undef ENG_ACTION
};

const struct engine_action *engine_action(enum engine_op op)
{
	return (size_t)op < ENG_OP_COUNT ? &table[op] : NULL;
}

const struct engine_action *engine_action_by_type(const char *type)
{
	for (size_t i = 0; type && i < ENG_OP_COUNT; i++)
		if (!strcmp(table[i].type, type))
			return &table[i];
	return NULL;
}

const struct engine_action *engine_action_by_verb(const char *verb)
{
	for (size_t i = 0; verb && i < ENG_OP_COUNT; i++)
		if (table[i].verb && !strcmp(table[i].verb, verb))
			return &table[i];
	return NULL;
}

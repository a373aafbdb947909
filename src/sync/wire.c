/*
 * wire: events to and from the protocol's JSON (doc/protocol.md).
 */
#include "wire.h"

#include <string.h>

#include "../util/buf.h"

/* A string member, or JSON null for NULL. */
static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *wire_event_json(const struct store_event *ev, int64_t seq)
{
	json_t *o = json_object();
	if (seq > 0)
		json_object_set_new(o, "seq", json_integer(seq));
	json_object_set_new(o, "uuid", str_or_null(ev->uuid));
	json_object_set_new(o, "type", str_or_null(ev->type));
	json_object_set_new(o, "actor", str_or_null(ev->actor));
	json_object_set_new(o, "on_behalf", str_or_null(ev->on_behalf));
	json_object_set_new(o, "def_version", str_or_null(ev->def_version));
	json_object_set_new(o, "made_at", str_or_null(ev->made_at));
	json_object_set_new(o, "base_seq", json_integer(ev->base_seq));
	json_object_set_new(o, "payload", str_or_null(ev->payload));
	json_object_set_new(o, "key_id", str_or_null(ev->key_id));
	json_object_set_new(o, "sig", str_or_null(ev->sig));
	return o;
}

/* Member `key` as a string into *out: 0; missing or null is NULL when optional, else -1. */
static int member(json_t *o, const char *key, int required, const char **out, struct buf *why)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
		buf_addf(why, "'%s' is missing", key);
		return -1;
	}
	if (!json_is_string(v)) {
		buf_addf(why, "'%s' is not a string", key);
		return -1;
	}
	/* text with a NUL inside cannot be stored or signed as it is */
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		buf_addf(why, "'%s' holds a NUL character", key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

int wire_event_parse(json_t *o, struct store_event *ev, int64_t *seq, struct buf *why)
{
	memset(ev, 0, sizeof(*ev));
	if (seq)
		*seq = 0;
	if (!json_is_object(o)) {
		buf_adds(why, "the event is not a JSON object");
		return -1;
	}
	if (member(o, "uuid", 1, &ev->uuid, why) || member(o, "type", 1, &ev->type, why) ||
	    member(o, "actor", 1, &ev->actor, why) || member(o, "on_behalf", 0, &ev->on_behalf, why) ||
	    member(o, "def_version", 0, &ev->def_version, why) || member(o, "made_at", 1, &ev->made_at, why) ||
	    member(o, "payload", 1, &ev->payload, why) || member(o, "key_id", 0, &ev->key_id, why) ||
	    member(o, "sig", 0, &ev->sig, why))
		return -1;
	json_t *b = json_object_get(o, "base_seq");
	if (!json_is_integer(b) || json_integer_value(b) < 0) {
		buf_adds(why, "'base_seq' is not a whole number of at least 0");
		return -1;
	}
	ev->base_seq = json_integer_value(b);
	json_t *s = json_object_get(o, "seq");
	if (seq && json_is_integer(s))
		*seq = json_integer_value(s);
	return 0;
}

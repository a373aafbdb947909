/*
 * fuzz_wire: the sync protocol's bodies as docketd and `docket sync` read
 * them (doc/protocol.md): a push body {"events": [...]} or a pull page,
 * each event read with wire_event_parse. An event that reads must write
 * back (wire_event_json) to JSON that reads to the same event, so what
 * is signed survives the trip; one that does not read says why.
 */
#include <jansson.h>
#include <string.h>

#include "store/store.h"
#include "sync/wire.h"
#include "util/buf.h"
#include "fuzz.h"

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void one(json_t *o)
{
	struct store_event ev, back;
	struct buf why = BUF_INIT;
	int64_t seq = 0, seq2 = 0;
	if (wire_event_parse(o, &ev, &seq, &why) < 0) {
		if (!why.len)
			fuzz_fail("an event refused without saying why");
		buf_release(&why);
		return;
	}
	json_t *again = wire_event_json(&ev, seq);
	char *text = json_dumps(again, JSON_COMPACT);
	json_error_t jerr;
	json_t *reread = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!reread || wire_event_parse(reread, &back, &seq2, &why) < 0)
		fuzz_fail("an event written back does not read: %s", why.s);
	if (!same(ev.uuid, back.uuid) || !same(ev.type, back.type) || !same(ev.actor, back.actor) ||
	    !same(ev.on_behalf, back.on_behalf) || !same(ev.def_version, back.def_version) ||
	    !same(ev.made_at, back.made_at) || ev.base_seq != back.base_seq ||
	    !same(ev.payload, back.payload) || !same(ev.key_id, back.key_id) ||
	    !same(ev.sig, back.sig) || seq != seq2)
		fuzz_fail("an event changed on the way back: %s", text);
	json_decref(reread);
	free(text);
	json_decref(again);
	buf_release(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *o = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return 0;
	json_t *events = json_is_object(o) ? json_object_get(o, "events") : NULL;
	if (json_is_array(events)) {
		size_t i;
		json_t *e;
		json_array_foreach(events, i, e)
			one(e);
	} else if (json_is_object(o)) {
		one(o);
	}
	json_decref(o);
	return 0;
}

/*
 * eventdump: a store's events as the sync protocol's push body
 * ({"events": [...]}, doc/protocol.md), for tests that drive docketd with
 * curl before `docket sync` exists.
 *
 *   eventdump STORE [AFTER [LIMIT]]   events with a sequence above AFTER (0), at most LIMIT
 */
#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"
#include "sync/wire.h"
#include "util/buf.h"
#include "util/i18n.h"

struct dump {
	json_t *events;
	long left;
};

static int one(void *ctx, int64_t seq, const struct store_event *ev)
{
	(void)seq;
	struct dump *d = ctx;
	if (d->left-- <= 0)
		return 1;
	json_array_append_new(d->events, wire_event_json(ev, 0));
	return 0;
}

int main(int argc, char **argv)
{
	i18n_init();
	if (argc < 2 || argc > 4) {
		fputs("usage: eventdump STORE [AFTER [LIMIT]]\n", stderr);
		return 2;
	}
	struct buf err = BUF_INIT;
	struct store *s;
	if (store_open(argv[1], 1, &s, &err) < 0) {
		fprintf(stderr, "eventdump: %s\n", err.s);
		return 1;
	}
	struct dump d = { json_array(), argc > 3 ? atol(argv[3]) : 1L << 40 };
	int rc = store_event_foreach(s, argc > 2 ? atoll(argv[2]) : 0, one, &d);
	if (rc < 0) {
		fprintf(stderr, "eventdump: %s\n", store_error(s));
	} else {
		json_t *o = json_pack("{s:o}", "events", d.events);
		char *t = json_dumps(o, JSON_COMPACT);
		puts(t);
		free(t);
		json_decref(o);
	}
	store_close(s);
	buf_release(&err);
	return rc < 0 ? 1 : 0;
}

/*
 * wire: an event as the sync protocol carries it (doc/protocol.md, "An
 * event on the wire") — the JSON both `docket sync` and docketd read and
 * write, so the two cannot drift apart.
 *
 * Every field of the log's row but its chain: uuid, type, actor,
 * on_behalf, def_version, made_at, base_seq, payload (a string: the exact
 * bytes signed), key_id, sig; a pulled event adds the server's "seq".
 */
#ifndef DOCKET_WIRE_H
#define DOCKET_WIRE_H

#include <jansson.h>
#include <stdint.h>

#include "../store/store.h"

struct buf;

/* The protocol version this docket speaks (the routes' /v1/). */
#define WIRE_PROTOCOL 1

/* The event as a new JSON object (caller decrefs); seq > 0 adds "seq". */
json_t *wire_event_json(const struct store_event *ev, int64_t seq);

/*
 * Read an event from a JSON object into *ev, whose strings are borrowed
 * from o (valid while o lives). uuid, type, actor, made_at, base_seq and
 * payload must be there with their types; on_behalf, def_version, key_id
 * and sig may be null or missing. *seq (if not NULL) gets "seq", or 0.
 * 0, or -1 with what is wrong in `why` (English; the caller words it).
 */
int wire_event_parse(json_t *o, struct store_event *ev, int64_t *seq, struct buf *why);

#endif

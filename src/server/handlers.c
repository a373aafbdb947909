/*
 * handlers: docketd's routes (doc/protocol.md) — health, enrolment, push
 * and pull. Each takes the request as parsed by http.c and fills an
 * answer; nothing here knows HTTP's wire or the database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/auth.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../sync/wire.h"
#include "../util/buf.h"
#include "../util/hash.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "server.h"
#include "storage.h"

void server_error(struct answer *a, unsigned status, const char *code, const char *msgid, ...)
{
	va_list ap;
	va_start(ap, msgid);
	json_t *m = server_vwords(msgid, ap);
	va_end(ap);
	json_decref(a->body);
	a->status = status;
	a->body = json_pack("{s:s, s:o}", "error", code, "message", m);
}

/* A storage failure as an answer: full disk, busy, or the server's fault; nothing committed. */
static void storage_failed(struct server *srv, struct answer *a, int rc)
{
	fprintf(stderr, "docketd: %s\n", storage_error(srv->st));
	if (rc == STORE_FULL)
		server_error(a, 507, "storage_full", N_("the server's disk is full: nothing was committed"));
	else if (rc == STORE_BUSY)
		server_error(a, 503, "busy", N_("the server is busy: try again"));
	else
		server_error(a, 500, "internal", N_("the server failed: nothing was committed"));
}

/* The body as a JSON object, or an answer saying why not (NULL). */
static json_t *body_object(const char *body, size_t len, struct answer *a)
{
	json_error_t jerr;
	json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		server_error(a, 400, "bad_request", N_("the request body is not a JSON object"));
		return NULL;
	}
	return o;
}

static void health(struct server *srv, struct answer *a)
{
	a->status = 200;
	a->body = json_pack("{s:s, s:i, s:s, s:s}", "status", "ok", "protocol", WIRE_PROTOCOL, "server",
			    "docketd " DOCKET_VERSION, "server_id", storage_server_id(srv->st));
}

static void enrol(struct server *srv, const char *body, size_t len, struct answer *a)
{
	json_t *o = body_object(body, len, a);
	if (!o)
		return;
	const char *code = json_string_value(json_object_get(o, "code"));
	const char *name = json_string_value(json_object_get(o, "name"));
	if (!code || !name || !*name || strlen(name) > 200) {
		server_error(a, 400, "bad_request", N_("an enrolment names its code and the device's name"));
		json_decref(o);
		return;
	}
	char *device = NULL, *token = NULL;
	int rc = storage_enrol(srv->st, code, name, &device, &token);
	if (rc < 0) {
		storage_failed(srv, a, rc);
	} else if (rc == 1) {
		server_error(a, 401, "enrol_code", N_("the enrolment code is unknown, used or expired"));
	} else {
		a->status = 200;
		a->body = json_pack("{s:s, s:s, s:s}", "device", device, "token", token, "server_id",
				    storage_server_id(srv->st));
	}
	free(device);
	free(token);
	json_decref(o);
}

/* SM3 of the event's signed text and signature: the same event pushed again has the same. */
static void event_ident(const struct store_event *ev, char out[HASH_HEX_LEN + 1])
{
	struct buf b = BUF_INIT;
	store_event_signed_text(ev, &b);
	buf_addf(&b, "%s|%s", ev->key_id ? ev->key_id : "-", ev->sig ? ev->sig : "-");
	hash_sm3_hex(b.s, b.len, out);
	buf_release(&b);
}

/* A rejection's result. */
static json_t *rejected(const char *uuid, const char *code, json_t *reason)
{
	return json_pack("{s:o, s:s, s:s, s:o}", "uuid", uuid ? json_string(uuid) : json_null(), "status", "rejected",
			 "code", code, "reason", reason);
}

/*
 * Whether a rejection is kept as final: those the server's state decided
 * (refused, stale, a key, a signature). What this server's version cannot
 * take yet (a deployment, documents, a timer, other rules, an unknown
 * type) is not kept, so an upgraded server can accept it later; nor is
 * another event under a sequenced uuid (the log itself says so, and a
 * receipt there would answer the genuine event pushed again).
 */
static int kept(const char *code)
{
	static const char *const not_yet[] = { "definition", "documents", "system_event", "rules_version",
					       "unknown_type", "malformed", "uuid_conflict" };
	for (size_t i = 0; i < sizeof(not_yet) / sizeof(not_yet[0]); i++)
		if (!strcmp(code, not_yet[i]))
			return 0;
	return 1;
}

/*
 * Judge one event of a batch (inside its transaction): its result, or NULL
 * when the batch must stop (*rc: the storage's status).
 */
static json_t *judge(struct server *srv, const char *device, json_t *item, int *rc)
{
	struct store_event ev;
	struct buf why = BUF_INIT;
	*rc = 0;
	if (wire_event_parse(item, &ev, NULL, &why) < 0) {
		json_t *r = rejected(json_string_value(json_object_get(item, "uuid")), "malformed",
				     server_words(N_("the event is malformed: %s"), why.s));
		buf_release(&why);
		return r;
	}
	buf_release(&why);
	char ident[HASH_HEX_LEN + 1];
	event_ident(&ev, ident);
	/* rejected before: the same answer (another event under that uuid is a conflict) */
	struct receipt was;
	int seen = uuid_valid(ev.uuid) ? storage_receipt_get(srv->st, ev.uuid, &was) : 0;
	if (seen < 0) {
		*rc = seen;
		return NULL;
	}
	if (seen) {
		json_t *r = !strcmp(was.ident, ident)
				    ? rejected(ev.uuid, was.code,
					       json_pack("{s:s, s:s}", "en", was.reason_en, "zh_CN", was.reason_zh))
				    : rejected(ev.uuid, "uuid_conflict",
					       server_words(N_("another event with uuid '%s' was rejected before"), ev.uuid));
		receipt_release(&was);
		return r;
	}
	int64_t seq = 0;
	const char *code = NULL;
	server_lang("en");
	int r = engine_accept(srv->e, &ev, &seq, &code);
	server_lang(NULL);
	if (r == 0) {
		/* the need-to-know index, in the batch's transaction */
		*rc = storage_index_event(srv->st, seq, engine_applied_request(srv->e));
		if (!*rc && !strcmp(ev.type, AUTH_EV_SIGNIN))
			*rc = storage_device_person_add(srv->st, device, ev.actor);
		if (*rc)
			return NULL;
	}
	if (r == 0 || r == 1)
		return json_pack("{s:s, s:s, s:I}", "uuid", ev.uuid, "status", r == 0 ? "accepted" : "duplicate", "seq",
				 (json_int_t)seq);
	if (r != ENG_REFUSED) {
		*rc = r;
		fprintf(stderr, "docketd: %s\n", engine_error(srv->e));
		return NULL;
	}
	/* the reason in English, then judged again (deterministic, nothing kept) for the Chinese */
	char *en = xstrdup(engine_error(srv->e));
	const char *code_en = code;
	server_lang("zh_CN");
	r = engine_accept(srv->e, &ev, &seq, &code);
	server_lang(NULL);
	char *zh = xstrdup(r == ENG_REFUSED ? engine_error(srv->e) : en);
	struct receipt rec = { ev.uuid, device, ident, code_en, en, zh };
	json_t *out = NULL;
	if (r >= 0) { /* cannot be: the same event judged twice the same way */
		*rc = STORE_ERR;
		fprintf(stderr, _("docketd: event '%s' was refused once and accepted the second time (a bug)\n"), ev.uuid);
	} else if (r != ENG_REFUSED) {
		*rc = r;
	} else if (!uuid_valid(ev.uuid) || !kept(code_en) || (*rc = storage_receipt_put(srv->st, &rec)) == 0) {
		out = rejected(ev.uuid, code_en, json_pack("{s:s, s:s}", "en", en, "zh_CN", zh));
	}
	free(en);
	free(zh);
	return out;
}

static void push(struct server *srv, const char *device, const char *body, size_t len, struct answer *a)
{
	json_t *o = body_object(body, len, a);
	if (!o)
		return;
	json_t *events = json_object_get(o, "events");
	if (!json_is_array(events)) {
		server_error(a, 400, "bad_request", N_("a push carries its events in an array 'events'"));
		json_decref(o);
		return;
	}
	if (json_array_size(events) > (size_t)srv->cfg->max_batch) {
		server_error(a, 400, "too_many_events", N_("a push carries at most %d events; this one has %zu"),
			     srv->cfg->max_batch, json_array_size(events));
		json_decref(o);
		return;
	}
	int rc = storage_batch_begin(srv->st);
	json_t *results = json_array();
	size_t i;
	json_t *item;
	json_array_foreach(events, i, item) {
		if (rc < 0)
			break;
		json_t *r = judge(srv, device, item, &rc);
		if (r)
			json_array_append_new(results, r);
	}
	/*
	 * For tests of a stop in the middle of a batch (tests/cli/t95-docketd.sh):
	 * say the batch is judged (the file DOCKETD_TEST_PUSH_MARK appears), then wait.
	 */
	const char *delay = getenv("DOCKETD_TEST_PUSH_DELAY_MS"), *mark = getenv("DOCKETD_TEST_PUSH_MARK");
	if (mark && !rc) {
		FILE *f = fopen(mark, "w");
		if (f)
			fclose(f);
	}
	if (delay && !rc) {
		struct timespec t = { atol(delay) / 1000, (atol(delay) % 1000) * 1000000L };
		nanosleep(&t, NULL);
	}
	/* durable before answering: one commit for the batch (group commit) */
	if (!rc)
		rc = storage_batch_commit(srv->st);
	else
		storage_batch_rollback(srv->st);
	int64_t last = rc < 0 ? -1 : storage_last_seq(srv->st);
	if (rc < 0 || last < 0) {
		json_decref(results);
		storage_failed(srv, a, rc < 0 ? rc : STORE_ERR);
	} else {
		a->status = 200;
		a->body = json_pack("{s:o, s:I}", "results", results, "last_seq", (json_int_t)last);
	}
	json_decref(o);
}

/* A query parameter as a whole number in [lo, hi] (absent: dflt): 0, or -1. */
static int param(const char *(*get)(void *, const char *), void *ctx, const char *name, int64_t lo, int64_t hi,
		 int64_t dflt, int64_t *out)
{
	const char *v = get(ctx, name);
	*out = dflt;
	if (!v)
		return 0;
	char *end;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

static void pull(struct server *srv, const char *device, const char *(*get)(void *, const char *), void *ctx,
		 struct answer *a)
{
	int64_t after, limit;
	if (param(get, ctx, "after", 0, INT64_MAX, 0, &after) < 0 ||
	    param(get, ctx, "limit", 1, SERVER_PULL_MAX, SERVER_PULL_LIMIT, &limit) < 0) {
		server_error(a, 400, "bad_request",
			     N_("'after' is a sequence (0 or more) and 'limit' a number from 1 to %d"), SERVER_PULL_MAX);
		return;
	}
	/* whom the device is for; one of them reading everything (read_all) reads everything here */
	json_t *people = storage_device_people(srv->st, device);
	if (!people) {
		storage_failed(srv, a, STORE_ERR);
		return;
	}
	int all = 0;
	size_t i;
	json_t *p;
	json_array_foreach(people, i, p)
		all |= engine_reads_all(srv->e, json_string_value(p)) == 1;
	json_decref(people);
	json_t *events = json_array();
	int64_t next = after, last = 0;
	int more = 0;
	int rc = storage_pull(srv->st, device, all, after, (int)limit, events, &next, &last, &more);
	if (rc == 1) {
		json_decref(events);
		server_error(a, 409, "cursor_ahead",
			     N_("the cursor %lld is beyond this server's log (%lld events): was the server restored from a backup?"),
			     (long long)after, (long long)last);
		return;
	}
	if (rc < 0) {
		json_decref(events);
		storage_failed(srv, a, rc);
		return;
	}
	a->status = 200;
	a->body = json_pack("{s:o, s:I, s:b, s:I, s:s}", "events", events, "next", (json_int_t)next, "more", more,
			    "last_seq", (json_int_t)last, "server_id", storage_server_id(srv->st));
}

/* The device the Authorization header's token belongs to (caller frees), or NULL. */
static char *device_of(struct server *srv, const char *authorization, int *rc)
{
	*rc = 0;
	if (!authorization || strncmp(authorization, "Bearer ", 7))
		return NULL;
	const char *tok = authorization + 7;
	while (*tok == ' ')
		tok++;
	if (!*tok || strlen(tok) > 256)
		return NULL;
	char *device = NULL;
	int r = storage_device_by_token(srv->st, tok, &device);
	if (r < 0)
		*rc = r;
	return device;
}

void server_route(struct server *srv, const char *method, const char *path,
		  const char *(*get)(void *ctx, const char *name), void *ctx, const char *authorization,
		  const char *body, size_t len, struct answer *a)
{
	memset(a, 0, sizeof(*a));
	int is_get = !strcmp(method, "GET"), is_post = !strcmp(method, "POST");
	int health_route = !strcmp(path, "/v1/health"), enrol_route = !strcmp(path, "/v1/enrol");
	int push_route = !strcmp(path, "/v1/push"), pull_route = !strcmp(path, "/v1/events");
	if (!health_route && !enrol_route && !push_route && !pull_route) {
		server_error(a, 404, "no_route", N_("no route '%s'"), path);
		return;
	}
	if (((health_route || pull_route) && !is_get) || ((enrol_route || push_route) && !is_post)) {
		server_error(a, 405, "method", N_("'%s' does not take %s"), path, method);
		return;
	}
	if (health_route) {
		health(srv, a);
		return;
	}
	if (enrol_route) {
		enrol(srv, body, len, a);
		return;
	}
	int rc;
	char *device = device_of(srv, authorization, &rc);
	if (rc < 0) {
		storage_failed(srv, a, rc);
		return;
	}
	if (!device) {
		server_error(a, 401, "unauthorized", N_("no valid device token: enrol this terminal first"));
		a->challenge = 1;
		return;
	}
	if (push_route)
		push(srv, device, body, len, a);
	else
		pull(srv, device, get, ctx, a);
	free(device);
}

/*
 * accept: judging an event made and signed elsewhere — a terminal's push
 * to docketd (doc/protocol.md). The event arrives complete (the terminal's
 * engine_act made it: def_version, on_behalf, the calendar and the rules
 * in its payload) and signed; the server checks the signature against the
 * actor's key at this moment in its own log, checks that what the event
 * says of the state is what the server's state says, then applies it with
 * the same rules (eng_apply) and appends it with its signature kept, in
 * its own order. A refusal undoes everything it wrote (a savepoint), so a
 * batch goes on with the next event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/auth.h"
#include "../auth/sm2key.h"
#include "../store/store.h"
#include "../util/clock.h"
#include "../util/hash.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "eng_internal.h"

/* Refuse with a code for programs and the message for people. */
static int refuse(struct engine *e, const char **code, const char *what, const char *msg)
{
	*code = what;
	return eng_fail(e, ENG_REFUSED, "%s", msg);
}

/* 1 if both are NULL or equal strings. */
static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The event's signed text and signature as one string, to tell the same event from another. */
static void identity(const struct store_event *ev, struct buf *out)
{
	store_event_signed_text(ev, out);
	buf_addf(out, "%s|%s", ev->key_id ? ev->key_id : "-", ev->sig ? ev->sig : "-");
}

/* The same UUID in the log: the same event (1, *seq), or another (refused). */
static int already(struct engine *e, const struct store_event *ev, int64_t *seq, const char **code)
{
	struct store_event was;
	int rc = store_event_by_uuid(e->s, ev->uuid, &was, seq);
	if (rc <= 0)
		return rc < 0 ? eng_fail(e, rc, "%s", store_error(e->s)) : 0;
	struct buf a = BUF_INIT, b = BUF_INIT;
	identity(ev, &a);
	identity(&was, &b);
	int same_event = a.len == b.len && !memcmp(a.s, b.s, a.len);
	buf_release(&a);
	buf_release(&b);
	store_event_release(&was);
	if (same_event)
		return 1;
	char msg[200];
	snprintf(msg, sizeof(msg), _("another event with uuid '%s' was sequenced before"), ev->uuid);
	return refuse(e, code, "uuid_conflict", msg);
}

/*
 * The decoded public key `pub` (base64 DER), or NULL when it is none.
 * Decoding is a quarter of a verification, and a push's events are
 * mostly one person's: the last key decoded is kept, by its exact text,
 * so a cached key is always the key the text says (which key signs for
 * whom is still read from the log for every event).
 */
static const struct sm2key *verify_key(struct engine *e, const char *pub)
{
	if (e->vkey && e->vkey_pub && !strcmp(e->vkey_pub, pub))
		return e->vkey;
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_from_public_b64(pub, &err);
	buf_release(&err);
	if (!k)
		return NULL;
	sm2key_free(e->vkey);
	free(e->vkey_pub);
	e->vkey = k;
	e->vkey_pub = xstrdup(pub);
	return k;
}

/*
 * The signature: made by the key that signs for the actor now (or, for the
 * store's first enrolment, the key it enrols), matching the content. As
 * auth_verify_log checks it later, in the same order.
 */
static int check_signature(struct engine *e, const struct store_event *ev, json_t *p, const char **code)
{
	if (!ev->sig || !ev->key_id)
		return refuse(e, code, "unsigned", _("the event is not signed"));
	char *key_id = NULL, *pub = NULL;
	int rc = auth_current_key(e->s, ev->actor, &key_id, &pub);
	if (rc < 0)
		return eng_fail(e, rc, "%s", store_error(e->s));
	if (!rc || strcmp(key_id, ev->key_id)) {
		free(key_id);
		free(pub);
		key_id = pub = NULL;
		int any = auth_any_key(e->s);
		if (any < 0)
			return eng_fail(e, any, "%s", store_error(e->s));
		const char *person = json_string_value(json_object_get(p, "person"));
		const char *enrols = json_string_value(json_object_get(p, "key_id"));
		const char *pk = json_string_value(json_object_get(p, "public_key"));
		if (!any && !strcmp(ev->type, AUTH_EV_ENROLLED) && person && !strcmp(person, ev->actor) && enrols &&
		    !strcmp(enrols, ev->key_id) && pk)
			pub = xstrdup(pk);
		else
			return refuse(e, code, "wrong_key",
				      _("the event is not signed with the key that signs for its actor now"));
	}
	free(key_id);
	struct buf text = BUF_INIT;
	const struct sm2key *k = verify_key(e, pub);
	free(pub);
	int ok = 0;
	if (k) {
		store_event_signed_text(ev, &text);
		ok = sm2key_verify(k, text.s, text.len, ev->sig) == 1;
	}
	buf_release(&text);
	return ok ? 0 : refuse(e, code, "bad_signature", _("the signature does not match the event's content"));
}

/*
 * What the event says of the state (its definition version, whom its actor
 * stands in for, the calendar it counted on), against what the state says
 * before it is applied: NULL when they agree, else what differs.
 */
static const char *stale_field(struct engine *e, const struct store_event *ev, json_t *p, int *status)
{
	struct act_ctx c = { 0 };
	*status = eng_act_context(e, ev->type, p, &c);
	const char *cal = json_string_value(json_object_get(p, "calendar_version"));
	const char *what = NULL;
	if (*status >= 0) {
		if (!same(c.def_version, ev->def_version))
			what = _("its definition version");
		else if (!same(c.on_behalf, ev->on_behalf))
			what = _("whom its actor stands in for");
		else if (!same(c.calendar, cal))
			what = _("its calendar");
	}
	free(c.def_version);
	free(c.on_behalf);
	free(c.calendar);
	return what;
}

/* Everything before the rules: the form of the event, its kind, its rules version. */
static int check_form(struct engine *e, const struct store_event *ev, json_t **p, const char **code, int local)
{
	time_t t;
	*p = NULL;
	if (!uuid_valid(ev->uuid) || !ev->type || !*ev->type || !ev->actor || !*ev->actor || !ev->made_at ||
	    clock_parse_iso(ev->made_at, &t) < 0 || ev->base_seq < 0 || !ev->payload)
		return refuse(e, code, "malformed", _("the event is malformed"));
	json_error_t jerr;
	*p = json_loads(ev->payload, JSON_REJECT_DUPLICATES, &jerr);
	if (!*p || !json_is_object(*p))
		return refuse(e, code, "malformed", _("the event's payload is not a JSON object"));
	if (local && (!strcmp(ev->type, "definition.deployed") || !eng_is_engine_event(ev->type)))
		return 0; /* kept by this terminal as it was: not the engine's to judge */
	if (!strcmp(ev->type, "definition.deployed"))
		return refuse(e, code, "definition",
			      _("definitions are deployed on the server, not pushed from a terminal"));
	if (!eng_is_engine_event(ev->type)) {
		char msg[200];
		snprintf(msg, sizeof(msg), _("unknown event type '%.100s'"), ev->type);
		return refuse(e, code, "unknown_type", msg);
	}
	if (!strcmp(ev->actor, "system") && !local)
		return refuse(e, code, "system_event", _("the system's events are made by the server, not pushed"));
	json_t *r = json_object_get(*p, "rules");
	if (!json_is_integer(r) || (local ? json_integer_value(r) > ENG_RULES : json_integer_value(r) != ENG_RULES)) {
		char msg[200];
		snprintf(msg, sizeof(msg), _("the event was judged by rules %lld; this server judges by rules %d"),
			 (long long)json_integer_value(r), ENG_RULES);
		return refuse(e, code, "rules_version", msg);
	}
	if (json_object_get(*p, "documents") && !local)
		return refuse(e, code, "documents", _("the event records document revisions: documents do not travel yet"));
	return 0;
}

/* Whose event is judged, and how (the three front doors below). */
enum accept_mode {
	ACCEPT_PUSHED,  /* engine_accept: a terminal's push, on the server's state now */
	ACCEPT_REAPPLY, /* engine_reapply: this terminal's own, put back after the server's events */
	ACCEPT_DECIDED, /* engine_accept_decided: the server's, sequenced there: not judged stale here */
};

static int accept_event(struct engine *e, const struct store_event *ev, enum accept_mode mode, int64_t was,
			int64_t *seq, const char **code)
{
	*code = NULL;
	*seq = 0;
	json_t *p = NULL;
	int local = mode == ACCEPT_REAPPLY, decided = mode == ACCEPT_DECIDED;
	int rc = check_form(e, ev, &p, code, local);
	if (!rc)
		rc = already(e, ev, seq, code);
	if (rc) { /* refused before anything was written, or the same event again */
		json_decref(p);
		return rc;
	}
	int judged = eng_is_engine_event(ev->type);
	/* an unsigned event of this terminal's (the system's, the setup's) was let in when it was made */
	rc = local && (!judged || !ev->sig) ? 0 : check_signature(e, ev, p, code);
	if (rc < 0) {
		json_decref(p);
		return rc;
	}
	if ((rc = store_savepoint(e->s)) < 0) {
		json_decref(p);
		return eng_fail(e, rc, "%s", store_error(e->s));
	}
	/* what the state says of the event is read before the event changes it ... */
	const char *stale = judged && !decided ? stale_field(e, ev, p, &rc) : NULL;
	if (!rc) {
		rc = local ? store_event_reappend(e->s, ev, was, seq) : store_event_append(e->s, ev, seq);
		if (rc < 0)
			eng_fail(e, rc, "%s", store_error(e->s));
		else if (rc == 1) /* checked above: cannot happen inside the transaction */
			rc = eng_fail(e, STORE_ERR, _("event '%s' vanished"), ev->uuid);
	}
	if (!rc && judged) {
		time_t t = 0;
		clock_parse_iso(ev->made_at, &t);
		struct eng_event ee = { *seq, ev->uuid, ev->type, ev->actor, ev->on_behalf, ev->def_version, t, p };
		free(e->created);
		e->created = NULL;
		rc = eng_apply(e, &ee);
		if (rc == ENG_REFUSED)
			*code = "refused";
	}
	/* ... and judged after the rules, whose reason says more (no such task, decided already) */
	if (!rc && stale) {
		char msg[300];
		snprintf(msg, sizeof(msg), _("the event was made on another state than the server's: %s differs"),
			 stale);
		rc = refuse(e, code, "stale", msg);
	}
	json_decref(p);
	/* a refusal leaves nothing behind; the batch's transaction stays open */
	struct buf keep = BUF_INIT;
	buf_adds(&keep, e->err.s);
	int end = store_savepoint_end(e->s, rc == 0);
	if (end < 0 && rc >= 0)
		return eng_fail(e, end, "%s", store_error(e->s));
	buf_reset(&e->err);
	buf_adds(&e->err, keep.s);
	buf_release(&keep);
	if (rc < 0)
		*seq = 0;
	return rc;
}

int engine_accept(struct engine *e, const struct store_event *ev, int64_t *seq, const char **code)
{
	return accept_event(e, ev, ACCEPT_PUSHED, 0, seq, code);
}

int engine_reapply(struct engine *e, const struct store_event *ev, int64_t was, int64_t *seq, const char **code)
{
	return accept_event(e, ev, ACCEPT_REAPPLY, was, seq, code);
}

int engine_accept_decided(struct engine *e, const struct store_event *ev, int64_t *seq, const char **code)
{
	return accept_event(e, ev, ACCEPT_DECIDED, 0, seq, code);
}

/*
 * engine: the engine's plumbing — statements on the store's connection,
 * definitions by version, short ids, performing an action as an event,
 * timers, and the replay check. The rules themselves are in apply.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/auth.h"
#include "../auth/sm2key.h"
#include "../defs/calendar.h"
#include "../defs/form.h"
#include "../defs/org.h"
#include "../defs/workflow.h"
#include "../store/store.h"
#include "../store/store_sql.h"
#include "../util/clock.h"
#include "../util/diag.h"
#include "../util/hash.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "eng_internal.h"

/* An operation's event type, from the action table (actions.def). */
#define EVENT(op) (engine_action(ENG_OP_##op)->type)

int eng_fail(struct engine *e, int status, const char *fmt, ...)
{
	va_list ap;
	buf_reset(&e->err);
	va_start(ap, fmt);
	buf_vaddf(&e->err, fmt, ap);
	va_end(ap);
	return status;
}

/*
 * The engine's SQL goes through the store's kit (store_sql.h): these keep
 * the names and contracts apply.c is written against, and copy the kit's
 * message into the engine's, where engine_error() reads it.
 */

/* Take the store's message for a failure the kit reported; returns status. */
static int from_store(struct engine *e, int status)
{
	return eng_fail(e, status, "%s", store_error(e->s));
}

int eng_sql_fail(struct engine *e, int rc)
{
	return from_store(e, store_sql_status(e->s, rc, _("run a statement")));
}

sqlite3_stmt *eng_q(struct engine *e, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sqlite3_stmt *st = store_sql_vq(e->s, sql, fmt, ap);
	va_end(ap);
	if (!st)
		from_store(e, STORE_ERR);
	return st;
}

int eng_run(struct engine *e, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = store_sql_vrun(e->s, sql, fmt, ap);
	va_end(ap);
	return rc < 0 ? from_store(e, rc) : rc;
}

int eng_int(struct engine *e, int64_t *out, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = store_sql_vint(e->s, out, sql, fmt, ap);
	va_end(ap);
	return rc < 0 ? from_store(e, rc) : rc;
}

char *eng_str(struct engine *e, int *status, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *v = store_sql_vstr(e->s, status, sql, fmt, ap);
	va_end(ap);
	if (*status < 0)
		from_store(e, *status);
	return v;
}

char *eng_col(sqlite3_stmt *st, int i)
{
	return store_sql_col(st, i);
}

static const char *const *undo_names(size_t *n);

struct engine *engine_new(struct store *s)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	e->s = s;
	e->db = store_db(s);
	buf_init(&e->err);
	e->roles_v = -1;
	/* the tables a terminal's undo journal records: those replay rebuilds */
	size_t n = 0;
	const char *const *names = undo_names(&n);
	store_undo_tables(s, names, n);
	return e;
}

/* Free one cache entry. */
static void defs_free(struct eng_defs *d)
{
	if (d->wf)
		workflow_free(d->wf);
	if (d->form)
		form_free(d->form);
	if (d->org)
		org_free(d->org);
	for (int i = 0; i < 3; i++)
		ydoc_release(&d->docs[i]);
	free(d->wf_hash);
	free(d->form_hash);
	free(d->org_hash);
	free(d);
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	free(e->applied);
	sm2key_free(e->vkey);
	free(e->vkey_pub);
	free(e->created); /* its statements are the store's: store_close() finalizes them */
	free(e->terminal);
	while (e->defs) {
		struct eng_defs *n = e->defs->next;
		defs_free(e->defs);
		e->defs = n;
	}
	while (e->cals) {
		struct eng_cal *n = e->cals->next;
		calendar_free(e->cals->cal);
		ydoc_release(&e->cals->doc);
		free(e->cals->hash);
		free(e->cals);
		e->cals = n;
	}
	auth_roles_free(e->roles, e->nroles);
	buf_release(&e->err);
	free(e);
}

const char *engine_error(const struct engine *e)
{
	return e->err.s;
}

/* 1 if both are NULL or equal strings. */
static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Load one deployed version into doc; 0 or a negative status. */
static int load_version(struct engine *e, const char *hash, const char *kind, struct ydoc *doc,
			struct diags *d)
{
	struct store_def sd;
	int rc = store_def_get_version(e->s, hash, &sd);
	if (rc < 0)
		return eng_fail(e, rc, "%s", store_error(e->s));
	if (rc == 1 || strcmp(sd.kind, kind)) {
		store_def_release(&sd);
		return eng_fail(e, STORE_CORRUPT, _("no deployed %s version '%.12s'"), kind, hash);
	}
	char *path = xasprintf("deployed:%s/%s@%.12s", sd.kind, sd.id, hash);
	rc = ydoc_load_buf(doc, path, sd.content, sd.len, d);
	free(path);
	store_def_release(&sd);
	if (rc < 0)
		return eng_fail(e, STORE_CORRUPT, _("deployed %s version '%.12s' cannot be read"), kind,
				hash);
	return 0;
}

/*
 * Lay the security administrator's role changes over d's organisation,
 * when they changed since (another process may have granted one): every
 * version of the organisation gets them, so a grant counts for requests
 * already running too, from their next step on.
 */
static int sync_roles(struct engine *e, struct eng_defs *d)
{
	int64_t v = 0;
	int rc = auth_roles_version(e->s, &v);
	if (rc < 0)
		return eng_fail(e, rc, "%s", store_error(e->s));
	if (v != e->roles_v) {
		auth_roles_free(e->roles, e->nroles);
		e->roles = NULL;
		e->nroles = 0;
		if ((rc = auth_roles_list(e->s, &e->roles, &e->nroles)) < 0)
			return eng_fail(e, rc, "%s", store_error(e->s));
		e->roles_v = v;
	}
	if (d->roles_v == v)
		return 0;
	struct org_role_change *c = xcalloc(e->nroles + 1, sizeof(*c));
	for (size_t i = 0; i < e->nroles; i++)
		c[i] = (struct org_role_change){ e->roles[i].person, e->roles[i].role, e->roles[i].granted };
	org_apply_role_changes(d->org, c, e->nroles);
	free(c);
	d->roles_v = v;
	return 0;
}

const struct eng_defs *eng_defs_get(struct engine *e, const char *wf, const char *form, const char *org)
{
	for (struct eng_defs *d = e->defs; d; d = d->next)
		if (same(d->wf_hash, wf) && same(d->form_hash, form) && same(d->org_hash, org))
			return sync_roles(e, d) < 0 ? NULL : d;
	struct eng_defs *d = xcalloc(1, sizeof(*d));
	struct diags diags = DIAGS_INIT;
	int rc = load_version(e, org, "organisation", &d->docs[0], &diags);
	if (!rc && !(d->org = org_parse(&d->docs[0], &diags)))
		rc = eng_fail(e, STORE_CORRUPT, _("deployed organisation '%.12s' cannot be parsed"), org);
	if (!rc && wf) {
		rc = load_version(e, form, "form", &d->docs[1], &diags);
		if (!rc && !(d->form = form_parse(&d->docs[1], &diags)))
			rc = eng_fail(e, STORE_CORRUPT, _("deployed form '%.12s' cannot be parsed"), form);
		if (!rc)
			form_check(d->form, &d->docs[1], d->org, &diags);
		if (!rc)
			rc = load_version(e, wf, "workflow", &d->docs[2], &diags);
		if (!rc && !(d->wf = workflow_parse(&d->docs[2], &diags)))
			rc = eng_fail(e, STORE_CORRUPT, _("deployed workflow '%.12s' cannot be parsed"), wf);
		if (!rc)
			workflow_check(d->wf, &d->docs[2], d->org, d->form, &diags);
	}
	diags_release(&diags);
	d->wf_hash = wf ? xstrdup(wf) : NULL;
	d->form_hash = form ? xstrdup(form) : NULL;
	d->org_hash = xstrdup(org);
	d->roles_v = -1;
	if (!rc)
		rc = sync_roles(e, d);
	if (rc) {
		defs_free(d);
		return NULL;
	}
	d->next = e->defs;
	e->defs = d;
	return d;
}

char *eng_workflow_form(struct engine *e, const char *wf)
{
	struct ydoc doc;
	struct diags diags = DIAGS_INIT;
	char *form = NULL;
	memset(&doc, 0, sizeof(doc));
	if (load_version(e, wf, "workflow", &doc, &diags) == 0) {
		struct workflow *w = workflow_parse(&doc, &diags);
		if (w && w->form)
			form = xstrdup(w->form);
		if (w)
			workflow_free(w);
	}
	ydoc_release(&doc);
	diags_release(&diags);
	return form;
}

const struct calendar *eng_cal_get(struct engine *e, const char *hash)
{
	for (struct eng_cal *k = e->cals; k; k = k->next)
		if (!strcmp(k->hash, hash))
			return k->cal;
	struct eng_cal *k = xcalloc(1, sizeof(*k));
	struct diags diags = DIAGS_INIT;
	int rc = load_version(e, hash, "calendar", &k->doc, &diags);
	if (!rc && (!(k->cal = calendar_parse(&k->doc, &diags)) || diags_errors(&diags)))
		rc = eng_fail(e, STORE_CORRUPT, _("deployed calendar '%.12s' cannot be parsed"), hash);
	diags_release(&diags);
	if (rc) {
		calendar_free(k->cal);
		ydoc_release(&k->doc);
		free(k);
		return NULL;
	}
	k->hash = xstrdup(hash);
	k->next = e->cals;
	e->cals = k;
	return k->cal;
}

/* store_def_list callback: remember the current organisation's hash. */
static int find_org(void *ctx, const struct store_def *d)
{
	char **out = ctx;
	if (!strcmp(d->kind, "organisation") && !*out)
		*out = xstrdup(d->hash);
	return 0;
}

char *eng_current_hash(struct engine *e, const char *kind, const char *id)
{
	if (!strcmp(kind, "organisation")) {
		char *h = NULL;
		store_def_list(e->s, 0, find_org, &h);
		return h;
	}
	char *h = NULL;
	store_def_current_hash(e->s, kind, id, &h);
	return h;
}

int eng_new_id(struct engine *e, char table, const char *uuid, int n, char **out)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	char seed[128], h[HASH_HEX_LEN + 1];
	snprintf(seed, sizeof(seed), "%s#%c%d", uuid, table, n);
	if (hash_sm3_hex(seed, strlen(seed), h) < 0)
		return eng_fail(e, STORE_ERR, "%s", _("SM3 is not available"));
	/* 5 bits per character from the hex digest: up to 51 characters */
	char id[52];
	size_t nid = 0;
	unsigned acc = 0, bits = 0;
	for (int i = 0; h[i] && nid < sizeof(id) - 1; i++) {
		unsigned v = (unsigned)(h[i] <= '9' ? h[i] - '0' : h[i] - 'a' + 10);
		acc = (acc << 4) | v;
		bits += 4;
		if (bits >= 5) {
			id[nid++] = alphabet[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	for (size_t len = 6; len <= nid; len++) {
		char *cand = xstrndup(id, len);
		int64_t x;
		int rc = table == 'i'
				 ? eng_int(e, &x, "SELECT 1 FROM eng_instances WHERE id = ?1", "s", cand)
				 : eng_int(e, &x, "SELECT 1 FROM eng_tasks WHERE id = ?1", "s", cand);
		if (rc == 0) {
			*out = cand;
			return 0;
		}
		free(cand);
		if (rc < 0)
			return rc;
	}
	return eng_fail(e, STORE_ERR, "%s", _("no unique id left (impossible)"));
}

/*
 * The current version of the calendar the request's workflow counts working
 * days on (`calendar:`, default cn), or NULL when none is deployed (then the
 * fallback calendar applies). Recorded in the event, so replay uses the
 * calendar the action saw even after a newer one is deployed.
 */
static char *calendar_version(struct engine *e, const char *inst, json_t *payload)
{
	const char *wf = NULL, *form = NULL, *org = NULL;
	char *own[3] = { NULL, NULL, NULL };
	if (inst) {
		sqlite3_stmt *st = eng_q(e, "SELECT wf_hash, form_hash, org_hash FROM eng_instances WHERE id = ?1",
					 "s", inst);
		if (st && sqlite3_step(st) == SQLITE_ROW)
			for (int i = 0; i < 3; i++)
				own[i] = eng_col(st, i);
		if (st)
			sqlite3_reset(st);
		wf = own[0], form = own[1], org = own[2];
	} else {
		wf = json_string_value(json_object_get(payload, "workflow_version"));
		form = json_string_value(json_object_get(payload, "form_version"));
		org = json_string_value(json_object_get(payload, "org_version"));
	}
	char *h = NULL;
	const struct eng_defs *d = wf && form && org ? eng_defs_get(e, wf, form, org) : NULL;
	if (d && d->wf)
		store_def_current_hash(e->s, "calendar", d->wf->calendar ? d->wf->calendar : "cn", &h);
	for (int i = 0; i < 3; i++)
		free(own[i]);
	return h;
}

/* Fill def_version and on_behalf for the event from the state (inside the transaction). */
int eng_act_context(struct engine *e, const char *type, json_t *payload, struct act_ctx *c)
{
	const char *task = json_string_value(json_object_get(payload, "task"));
	const char *inst = json_string_value(json_object_get(payload, "instance"));
	int rc = 0;
	char *from_task = NULL;
	if (task) {
		sqlite3_stmt *st = eng_q(e, "SELECT instance, on_behalf FROM eng_tasks WHERE id = ?1", "s",
					 task);
		if (!st)
			return STORE_ERR;
		if (sqlite3_step(st) == SQLITE_ROW) {
			from_task = eng_col(st, 0);
			const struct engine_action *a = engine_action_by_type(type);
			if (!a || !(a->checks & ENG_BY_SYSTEM)) /* a timer acts for nobody */
				c->on_behalf = eng_col(st, 1);
		}
		sqlite3_reset(st);
		inst = from_task;
	}
	if (inst)
		c->def_version = eng_str(e, &rc, "SELECT wf_hash FROM eng_instances WHERE id = ?1", "s", inst);
	if (!c->def_version && !strcmp(type, EVENT(CREATED)))
		c->def_version = xstrdup(json_string_value(json_object_get(payload, "workflow_version"))
						 ? json_string_value(json_object_get(payload, "workflow_version"))
						 : "");
	int is_instance = c->def_version && *c->def_version;
	if (!is_instance) {
		free(c->def_version);
		c->def_version = eng_current_hash(e, "organisation", NULL);
	}
	/* the engine says which calendar counts, never the caller (a client could pick a kinder one) */
	if (!rc && (is_instance || !strcmp(type, EVENT(CREATED))))
		c->calendar = calendar_version(e, strcmp(type, EVENT(CREATED)) ? inst : NULL, payload);
	free(from_task);
	return rc;
}

/*
 * An event with this UUID is in the log already: the same action again (a
 * retry after a crash, a timeout, a lost reply) is done, and says what it
 * was about; another action under that UUID is refused. 1, or a negative
 * status.
 */
static int act_again(struct engine *e, const char *uuid, const char *type, const char *actor, char **id)
{
	struct store_event was;
	int rc = store_event_by_uuid(e->s, uuid, &was, NULL);
	if (rc <= 0)
		return rc < 0 ? eng_fail(e, rc, "%s", store_error(e->s))
			      : eng_fail(e, STORE_ERR, _("event '%s' vanished"), uuid);
	if (strcmp(was.type, type) || strcmp(was.actor, actor)) {
		char *what = xasprintf("%s %s", was.type, was.actor);
		rc = eng_fail(e, ENG_REFUSED, _("event '%s' is already in the log as another action (%s)"), uuid, what);
		free(what);
		store_event_release(&was);
		return rc;
	}
	rc = 1;
	if (id && !strcmp(type, EVENT(CREATED))) {
		/* what it was about: the request it made ... */
		*id = eng_str(e, &rc, "SELECT id FROM eng_instances WHERE uuid = ?1", "s", uuid);
	} else if (id) {
		/* ... else its task, its request, or nothing */
		json_t *p = json_loads(was.payload, 0, NULL);
		const char *v = json_string_value(json_object_get(p, "task"));
		if (!v)
			v = json_string_value(json_object_get(p, "instance"));
		*id = v ? xstrdup(v) : NULL;
		json_decref(p);
	}
	store_event_release(&was);
	return rc < 0 ? rc : 1;
}

int engine_repeated(struct engine *e, const char *uuid, const char *type, const char *actor, char **id)
{
	if (id)
		*id = NULL;
	/* the common case, a new UUID, reads the log's index only */
	int seen = store_event_by_uuid(e->s, uuid, NULL, NULL);
	if (seen < 0)
		return eng_fail(e, seen, "%s", store_error(e->s));
	if (!seen)
		return 0;
	return act_again(e, uuid, type, actor, id);
}

/*
 * Append and apply one event inside the open transaction: 0 applied, 1 the
 * UUID is already in the log (nothing done), or a negative status (the
 * caller rolls back). *created: the id of a request it created. `given`:
 * the caller chose the UUID (a retry may repeat it); a UUID made here is new.
 */
static int act_in_tx(struct engine *e, const char *uuid, int given, const char *type, const char *actor,
		     json_t *payload, time_t now, char **created)
{
	int seen = given ? engine_repeated(e, uuid, type, actor, !strcmp(type, EVENT(CREATED)) ? created : NULL)
			 : 0;
	if (seen != 0)
		return seen;
	/* never before the log's last event (a production store whose clock went back) */
	time_t shown = now; /* what the clock showed */
	now = store_event_time(e->s, now);
	char made_at[32], seen_at[32];
	clock_format_iso(now, made_at, sizeof(made_at));
	clock_format_iso(shown, seen_at, sizeof(seen_at));
	struct act_ctx c = { 0 };
	int rc = eng_act_context(e, type, payload, &c);
	struct eng_doclink dl = { 0 };
	if (!rc)
		rc = eng_doclink_before(e, type, payload, &dl);
	/* the event records the calendar version it counts on, or none (the fallback) */
	payload = json_copy(payload);
	if (c.calendar)
		json_object_set_new(payload, "calendar_version", json_string(c.calendar));
	else
		json_object_del(payload, "calendar_version");
	if (dl.instance) {
		/* the event records the exact revisions approved (apply and replay read them here) */
		json_t *own = json_copy(payload);
		json_decref(payload);
		payload = own;
		json_object_del(payload, "documents");
		if (dl.docs)
			json_object_set(payload, "documents", dl.docs);
	}
	if (e->terminal && strcmp(actor, "system") && !json_object_get(payload, "terminal")) {
		/* where it was done from, for the audit trail */
		json_t *own = json_copy(payload);
		json_decref(payload);
		payload = own;
		json_object_set_new(payload, "terminal", json_string(e->terminal));
	}
	if (shown != now) {
		/* the clock was behind the log: the event says what it showed (doc/security.md, "The clock") */
		json_t *own = json_copy(payload);
		json_decref(payload);
		payload = own;
		json_object_set_new(payload, "seen_at", json_string(seen_at));
	}
	{
		/* judged by today's rules, whatever the caller claimed (see ENG_RULES) */
		json_t *own = json_copy(payload);
		json_decref(payload);
		payload = own;
		json_object_set_new(payload, "rules", json_integer(ENG_RULES));
	}
	char *text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	int64_t base = store_event_last_seq(e->s), seq = 0;
	struct store_event ev = { uuid, type, actor, c.on_behalf, c.def_version, made_at,
				  base < 0 ? 0 : base, text, NULL, NULL };
	if (!rc) {
		rc = store_event_append(e->s, &ev, &seq);
		if (rc < 0)
			eng_fail(e, rc, "%s", store_error(e->s));
	}
	if (rc == 0) {
		struct eng_event ee = { seq, uuid, type, actor, c.on_behalf, c.def_version, now, payload };
		free(e->created);
		e->created = NULL;
		rc = eng_apply(e, &ee);
		if (!rc) /* what the documents forbid, else their approvals, in this transaction */
			rc = eng_doclink_after(e, actor, &dl);
		if (!rc && created && !strcmp(type, EVENT(CREATED)) && e->created)
			*created = xstrdup(e->created);
	}
	free(text);
	free(c.def_version);
	free(c.on_behalf);
	free(c.calendar);
	eng_doclink_release(&dl);
	json_decref(payload);
	return rc;
}

/* Roll back, keeping the message that caused it. */
static void rollback_keep(struct engine *e)
{
	struct buf keep = BUF_INIT;
	buf_adds(&keep, e->err.s);
	store_rollback(e->s);
	buf_reset(&e->err);
	buf_adds(&e->err, keep.s);
	buf_release(&keep);
}

/* engine_act at time `now` (engine_tick: a timer is made when it is due, at the tick's time). */
static int act_at(struct engine *e, const char *uuid, const char *type, const char *actor, json_t *payload,
		  time_t now, char **created)
{
	char fresh[37];
	if (!uuid) {
		uuid_v4(fresh);
		uuid = fresh;
	}
	if (created)
		*created = NULL;
	int rc = store_begin(e->s);
	if (rc < 0)
		return eng_fail(e, rc, "%s", store_error(e->s));
	rc = act_in_tx(e, uuid, uuid != fresh, type, actor, payload, now, created);
	if (rc >= 0) {
		int c2 = store_commit(e->s); /* a failed commit rolls back */
		if (c2 == 0)
			return rc;
		rc = eng_fail(e, c2, "%s", store_error(e->s));
	} else {
		rollback_keep(e);
	}
	if (created) {
		free(*created);
		*created = NULL;
	}
	return rc;
}

/*
 * Whether a refusal of `type` by `actor` goes into the audit trail: an
 * administrator's, and anyone's try at an administrator's work (enrolling,
 * revoking, unlocking, setting the policy, terminating, migrating). A
 * refusal of a refusal is not recorded.
 */
static int audited_refusal(struct engine *e, const char *type, const char *actor)
{
	const struct engine_action *a = engine_action_by_type(type);
	if (!a || a->op == ENG_OP_REFUSED || !strcmp(actor, "system"))
		return 0;
	switch (a->op) {
	case ENG_OP_ENROLLED: case ENG_OP_REVOKED: case ENG_OP_UNLOCKED: case ENG_OP_POLICY:
	case ENG_OP_TERMINATED: case ENG_OP_MIGRATED: case ENG_OP_ROLE_GRANTED: case ENG_OP_ROLE_REVOKED:
		return 1;
	default:
		break;
	}
	const struct org *o = engine_org(e);
	const struct org_user *u = o ? org_user(o, actor) : NULL;
	return u && (org_user_has_role(u, "sysadmin") || org_user_has_role(u, "secadmin") ||
		     org_user_has_role(u, "auditadmin"));
}

int engine_act(struct engine *e, const char *uuid, const char *type, const char *actor,
	       json_t *payload, char **created)
{
	time_t now = clock_now();
	e->refused_marking[0] = 0;
	int rc = act_at(e, uuid, type, actor, payload, now, created);
	/* an administrator's refusal, and any text refused for a classification marking, is audited */
	if (rc != ENG_REFUSED || (!audited_refusal(e, type, actor) && !e->refused_marking[0]) ||
	    !strcmp(type, AUTH_EV_REFUSED))
		return rc;
	/* the refusal itself goes into the audit trail, signed by who tried; the message stays */
	struct buf why = BUF_INIT;
	buf_adds(&why, e->err.s);
	json_t *p = json_pack("{s:s, s:s}", "action", type, "reason", why.s);
	const char *what = json_string_value(json_object_get(payload, "task"));
	if (!what)
		what = json_string_value(json_object_get(payload, "instance"));
	if (!what)
		what = json_string_value(json_object_get(payload, "person"));
	if (what)
		json_object_set_new(p, "concerns", json_string(what));
	if (e->refused_marking[0]) /* the level word, never the text */
		json_object_set_new(p, "marking", json_string(e->refused_marking));
	if (act_at(e, NULL, AUTH_EV_REFUSED, actor, p, now, NULL) < 0)
		buf_addf(&why, _(" (and the refusal could not be recorded: %s)"), e->err.s);
	json_decref(p);
	buf_reset(&e->err);
	buf_add(&e->err, why.s, why.len);
	buf_release(&why);
	return rc;
}

void engine_set_terminal(struct engine *e, const char *terminal)
{
	free(e->terminal);
	e->terminal = terminal ? xstrdup(terminal) : NULL;
}

/* A UUID derived from text (SM3, as an RFC 9562 version-8 UUID). */
static void derived_uuid(const char *text, char out[37])
{
	char h[HASH_HEX_LEN + 1] = "0000000000000000000000000000000000000000000000000000000000000000";
	hash_sm3_hex(text, strlen(text), h);
	static const char variant[] = "89ab";
	h[12] = '8';
	h[16] = variant[(h[16] >= 'a' ? h[16] - 'a' + 10 : h[16] - '0') & 3];
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

/* One due timer. */
struct due {
	char *task;     /* task id */
	int timeout;    /* 1: the deadline, 0: a reminder */
	int64_t at;     /* when it was due */
};

/* Earliest first, then by task, a task's reminder before its deadline. */
static int due_cmp(const void *a, const void *b)
{
	const struct due *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	int c = strcmp(x->task, y->task);
	return c ? c : x->timeout - y->timeout;
}

/* Add the timers of the task the row names that are due at now. */
static void due_add(sqlite3_stmt *st, int64_t now, struct due **v, size_t *n, size_t *alloc)
{
	int64_t deadline = sqlite3_column_int64(st, 1), remind = sqlite3_column_int64(st, 3);
	int timed_out = sqlite3_column_int(st, 2);
	if (sqlite3_column_type(st, 1) != SQLITE_NULL && !timed_out && deadline <= now) {
		ALLOC_GROW(*v, *n + 1, *alloc);
		(*v)[*n] = (struct due){ eng_col(st, 0), 1, deadline };
		(*n)++;
	}
	if (sqlite3_column_type(st, 3) != SQLITE_NULL && remind <= now) {
		ALLOC_GROW(*v, *n + 1, *alloc);
		(*v)[*n] = (struct due){ eng_col(st, 0), 0, remind };
		(*n)++;
	}
}

int engine_tick(struct engine *e, time_t now, int *fired)
{
	*fired = 0;
	/* a bounded number of rounds: a reminder every 30m over a long absence catches up in one */
	for (int round = 0; round < 50; round++) {
		struct due *v = NULL;
		size_t n = 0, alloc = 0;
		sqlite3_stmt *st = eng_q(e,
					 "SELECT id, deadline, timed_out, next_remind FROM eng_tasks"
					 " WHERE " ENG_TASK_TIMED " AND " ENG_TASK_DUE " <= ?1",
					 "i", (int64_t)now);
		if (!st)
			return STORE_ERR;
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			due_add(st, (int64_t)now, &v, &n, &alloc);
		sqlite3_reset(st);
		if (n)
			qsort(v, n, sizeof(*v), due_cmp);
		int status = rc == SQLITE_DONE ? 0 : eng_sql_fail(e, rc);
		for (size_t i = 0; i < n && !status; i++) {
			char key[160], uuid[37];
			snprintf(key, sizeof(key), "docket.timer\n%s\n%s\n%lld", v[i].task,
				 v[i].timeout ? "timeout" : "remind", (long long)v[i].at);
			derived_uuid(key, uuid);
			json_t *p = json_object();
			json_object_set_new(p, "task", json_string(v[i].task));
			json_object_set_new(p, "due", json_integer(v[i].at));
			json_object_set_new(p, "approve_opinion", json_string(_("超时自动通过")));
			json_object_set_new(p, "reject_opinion", json_string(_("超时自动驳回")));
			/* at a sign step the system does not approve: the task stays with its signer */
			json_object_set_new(p, "sign_opinion",
					    json_string(_("超时未签发：签发须由本人办理，不自动通过")));
			rc = act_at(e, uuid, v[i].timeout ? EVENT(TIMEOUT) : EVENT(REMIND), "system", p, now, NULL);
			json_decref(p);
			if (rc == 0)
				(*fired)++;
			else if (rc == ENG_REFUSED)
				rc = 0; /* someone acted meanwhile: nothing due any more */
			if (rc < 0)
				status = rc;
		}
		for (size_t i = 0; i < n; i++)
			free(v[i].task);
		free(v);
		if (status < 0)
			return status;
		if (!n)
			break;
	}
	return 0;
}

/*
 * The tables replay rebuilds: the engine's, in the order rows can be
 * deleted, with a canonical order; then auth's (auth_derived_tables),
 * which the identity actions write.
 */
static const struct auth_table eng_tables[] = {
	{ "eng_trail", "SELECT * FROM eng_trail ORDER BY instance, seq, n", "DELETE FROM eng_trail" },
	{ "eng_tasks", "SELECT * FROM eng_tasks ORDER BY id", "DELETE FROM eng_tasks" },
	{ "eng_active", "SELECT * FROM eng_active ORDER BY instance, step", "DELETE FROM eng_active" },
	{ "eng_joins", "SELECT * FROM eng_joins ORDER BY instance, step", "DELETE FROM eng_joins" },
	{ "eng_visited", "SELECT * FROM eng_visited ORDER BY instance, step", "DELETE FROM eng_visited" },
	{ "eng_instances", "SELECT * FROM eng_instances ORDER BY id", "DELETE FROM eng_instances" },
	{ "eng_counters", "SELECT * FROM eng_counters ORDER BY organ, year", "DELETE FROM eng_counters" },
	{ "eng_opinions", "SELECT * FROM eng_opinions ORDER BY user, text", "DELETE FROM eng_opinions" },
	{ "eng_standins", "SELECT * FROM eng_standins ORDER BY user, seq", "DELETE FROM eng_standins" },
};
#define NENG (sizeof(eng_tables) / sizeof(eng_tables[0]))

/* How many tables replay rebuilds. */
static size_t ntables(void)
{
	size_t n = 0;
	auth_derived_tables(&n);
	return NENG + n;
}

/* Table i of them. */
static const struct auth_table *table_at(size_t i)
{
	size_t n = 0;
	const struct auth_table *a = auth_derived_tables(&n);
	return i < NENG ? &eng_tables[i] : i - NENG < n ? &a[i - NENG] : NULL;
}

/* The names of the tables replay rebuilds, for the undo journal (made once). */
static const char *const *undo_names(size_t *n)
{
	static const char *names[32];
	static size_t count;
	if (!count)
		for (size_t i = 0; i < ntables() && i < sizeof(names) / sizeof(names[0]); i++)
			names[count++] = table_at(i)->name;
	*n = count;
	return names;
}

/* Every row of table i as text, one line per row. */
static int dump_table(struct engine *e, size_t i, struct buf *out)
{
	sqlite3_stmt *st = eng_q(e, table_at(i)->dump, "");
	if (!st)
		return STORE_ERR;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int nc = sqlite3_column_count(st);
		for (int c = 0; c < nc; c++) {
			const char *v = (const char *)sqlite3_column_text(st, c);
			if (v)
				buf_addf(out, "%zu:%s|", strlen(v), v);
			else
				buf_adds(out, "-|");
		}
		buf_addch(out, '\n');
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : eng_sql_fail(e, rc);
}

/* The first line where two dumps differ (for the report). */
static void first_difference(const struct buf *a, const struct buf *b, struct buf *report,
			     const char *table)
{
	size_t i = 0, line = 1;
	while (i < a->len && i < b->len && a->s[i] == b->s[i]) {
		if (a->s[i] == '\n')
			line++;
		i++;
	}
	buf_addf(report, _("table '%s' differs from its replay at row %zu\n"), table, line);
}

/* Replay state: the engine and the first failure. */
struct replay {
	struct engine *e;
	int64_t count;  /* events applied */
};

static int replay_one(void *ctx, int64_t seq, const struct store_event *ev)
{
	struct replay *r = ctx;
	if (!eng_is_engine_event(ev->type))
		return 0;
	json_error_t jerr;
	json_t *p = json_loads(ev->payload, JSON_REJECT_DUPLICATES, &jerr);
	time_t t = 0;
	clock_parse_iso(ev->made_at, &t);
	struct eng_event ee = { seq, ev->uuid, ev->type, ev->actor, ev->on_behalf, ev->def_version, t, p };
	int rc = p ? eng_apply(r->e, &ee) : eng_fail(r->e, STORE_CORRUPT, "%s", _("unreadable payload"));
	json_decref(p);
	if (rc < 0) {
		struct buf why = BUF_INIT;
		buf_adds(&why, r->e->err.s);
		eng_fail(r->e, rc == ENG_REFUSED ? STORE_CORRUPT : rc,
			 _("event %lld (%s) cannot be replayed: %s"), (long long)seq, ev->type, why.s);
		buf_release(&why);
		return rc == ENG_REFUSED ? STORE_CORRUPT : rc;
	}
	r->count++;
	return 0;
}

/* Stop a replay after sequence `upto`. */
struct replay_upto {
	struct replay r;
	int64_t upto;
};

static int replay_until(void *ctx, int64_t seq, const struct store_event *ev)
{
	struct replay_upto *u = ctx;
	return seq > u->upto ? 1 : replay_one(&u->r, seq, ev);
}

int engine_rebuild(struct engine *e, int64_t upto)
{
	if (!store_in_tx(e->s))
		return eng_fail(e, STORE_ERR, "%s", _("rebuilding the state needs a transaction"));
	int rc = 0;
	for (size_t i = 0; i < ntables() && !rc; i++)
		rc = eng_run(e, table_at(i)->del, "");
	struct replay_upto u = { { e, 0 }, upto };
	if (!rc)
		rc = store_event_foreach(e->s, 0, replay_until, &u);
	if (rc == 1)
		rc = 0;
	if (rc < 0 && !e->err.len)
		eng_fail(e, rc, "%s", store_error(e->s));
	return rc;
}

int engine_check(struct engine *e, int repair, struct buf *report, int64_t *events)
{
	int64_t bad = 0;
	*events = 0;
	int rc = store_quick_check(e->s);
	if (rc < 0)
		return eng_fail(e, rc, "%s", store_error(e->s));
	rc = store_event_verify(e->s, &bad);
	if (rc == -1 && bad > 0) {
		buf_addf(report, "%s\n", store_error(e->s));
		return 1;
	}
	if (rc < 0)
		return eng_fail(e, rc, "%s", store_error(e->s));
	if ((rc = store_begin(e->s)) < 0)
		return eng_fail(e, rc, "%s", store_error(e->s));
	size_t nt = ntables();
	struct buf *before = xcalloc(nt, sizeof(*before)), after = BUF_INIT;
	for (size_t i = 0; i < nt; i++)
		buf_init(&before[i]);
	int differs = 0;
	for (size_t i = 0; i < nt && !rc; i++)
		rc = dump_table(e, i, &before[i]);
	for (size_t i = 0; i < nt && !rc; i++)
		rc = eng_run(e, table_at(i)->del, "");
	struct replay r = { e, 0 };
	if (!rc)
		rc = store_event_foreach(e->s, 0, replay_one, &r);
	if (rc > 0)
		rc = STORE_ERR;
	if (rc < 0 && !e->err.len)
		eng_fail(e, rc, "%s", store_error(e->s));
	for (size_t i = 0; i < nt && !rc; i++) {
		buf_reset(&after);
		rc = dump_table(e, i, &after);
		if (!rc && (after.len != before[i].len || memcmp(after.s, before[i].s, after.len))) {
			first_difference(&before[i], &after, report, table_at(i)->name);
			differs = 1;
		}
	}
	*events = r.count;
	if (!rc && repair && differs) {
		rc = store_commit(e->s);
		if (rc < 0)
			eng_fail(e, rc, "%s", store_error(e->s));
	} else {
		store_rollback(e->s);
	}
	for (size_t i = 0; i < nt; i++)
		buf_release(&before[i]);
	free(before);
	buf_release(&after);
	return rc < 0 ? rc : differs;
}

/* 1 if s is a plausible id prefix (base32 lowercase). */
static int id_ok(const char *s)
{
	if (!*s || strlen(s) > 51)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '2' && *s <= '7')))
			return 0;
	return 1;
}

int engine_resolve(struct engine *e, char what, const char *prefix, char **out)
{
	*out = NULL;
	const char *noun = what == 'i' ? _("request") : _("task");
	if (!id_ok(prefix))
		return eng_fail(e, ENG_REFUSED, _("no %s '%s'"), noun, prefix);
	/* a range on the primary key (LIKE would scan every row): prefix <= id < prefix + '~' */
	char *hi = xasprintf("%s~", prefix);
	sqlite3_stmt *st = what == 'i'
				   ? eng_q(e, "SELECT id FROM eng_instances WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 2",
					   "ss", prefix, hi)
				   : eng_q(e, "SELECT id FROM eng_tasks WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 2",
					   "ss", prefix, hi);
	free(hi);
	if (!st)
		return STORE_ERR;
	int n = 0, rc;
	char *first = NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!n)
			first = eng_col(st, 0);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(first);
		return eng_sql_fail(e, rc);
	}
	if (n == 1) {
		*out = first;
		return 0;
	}
	free(first);
	if (n == 0)
		return eng_fail(e, ENG_REFUSED, _("no %s '%s'"), noun, prefix);
	return eng_fail(e, ENG_REFUSED, _("%s id '%s' is ambiguous: type more of it"), noun, prefix);
}

int engine_task_request(struct engine *e, const char *task, char **instance)
{
	*instance = NULL;
	sqlite3_stmt *st = eng_q(e, "SELECT instance FROM eng_tasks WHERE id = ?1", "s", task);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*instance = eng_col(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return eng_sql_fail(e, rc);
	return eng_fail(e, ENG_REFUSED, _("no %s '%s'"), _("task"), task);
}

int engine_my_task(struct engine *e, const char *user, const char *id, char **task)
{
	*task = NULL;
	char *inst = NULL;
	int rc = engine_resolve(e, 'i', id, &inst);
	if (rc == ENG_REFUSED && (rc = engine_resolve(e, 't', id, task)) == 0)
		return 0;
	if (rc < 0)
		return rc;
	sqlite3_stmt *st = eng_q(e,
				 "SELECT id FROM eng_tasks WHERE instance = ?1 AND +assignee = ?2"
				 " AND state IN ('pending', 'waiting') ORDER BY state = 'waiting', kind = 'read',"
				 " created_seq, id LIMIT 1",
				 "ss", inst, user);
	if (!st) {
		free(inst);
		return STORE_ERR;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		*task = eng_col(st, 0);
	sqlite3_reset(st);
	if (!*task) {
		char *title = eng_request_title_for(e, user, inst);
		rc = eng_fail(e, ENG_REFUSED, _("%s has no open task in request '%s'"), eng_user_name(e, user), title);
		free(title);
		free(inst);
		return rc;
	}
	free(inst);
	return 0;
}

int engine_my_approval(struct engine *e, const char *user, const char *id, char **task)
{
	*task = NULL;
	if (engine_resolve(e, 't', id, task) == 0)
		return 0;
	char *inst = NULL;
	int rc = engine_resolve(e, 'i', id, &inst);
	if (rc < 0)
		return rc;
	*task = eng_str(e, &rc,
			"SELECT id FROM eng_tasks WHERE instance = ?1 AND decided_by = ?2"
			" AND decision = 'approve' ORDER BY decided_seq DESC LIMIT 1",
			"ss", inst, user);
	if (!rc && !*task) {
		char *title = eng_request_title_for(e, user, inst);
		rc = eng_fail(e, ENG_REFUSED, _("%s approved nothing in request '%s'"), eng_user_name(e, user), title);
		free(title);
	}
	free(inst);
	return rc;
}

char *engine_current_version(struct engine *e, const char *kind, const char *id)
{
	return eng_current_hash(e, kind, id);
}

const struct org *engine_org(struct engine *e)
{
	char *h = eng_current_hash(e, "organisation", NULL);
	const struct eng_defs *d = h ? eng_defs_get(e, NULL, NULL, h) : NULL;
	free(h);
	return d ? d->org : NULL;
}

/* store_def_list callback state: versions of one definition matching a prefix. */
struct find_ver {
	const char *kind, *id, *prefix;
	char *hash;   /* the match */
	int n;        /* matches */
};

static int find_ver_one(void *ctx, const struct store_def *d)
{
	struct find_ver *f = ctx;
	if (strcmp(d->kind, f->kind) || strcmp(d->id, f->id) || strncmp(d->hash, f->prefix, strlen(f->prefix)))
		return 0;
	if (!f->n++)
		f->hash = xstrdup(d->hash);
	return 0;
}

int engine_find_version(struct engine *e, const char *kind, const char *id, const char *prefix, char **hash)
{
	*hash = NULL;
	struct find_ver f = { kind, id, prefix, NULL, 0 };
	if (!*prefix)
		return eng_fail(e, ENG_REFUSED, _("no version '%s' of %s '%s' is deployed"), prefix, kind, id);
	int rc = store_def_list(e->s, 1, find_ver_one, &f);
	if (rc < 0) {
		free(f.hash);
		return eng_fail(e, rc, "%s", store_error(e->s));
	}
	if (f.n == 1) {
		*hash = f.hash;
		return 0;
	}
	free(f.hash);
	if (!f.n)
		return eng_fail(e, ENG_REFUSED, _("no version '%s' of %s '%s' is deployed"), prefix, kind, id);
	return eng_fail(e, ENG_REFUSED, _("version '%s' of %s '%s' is ambiguous: type more of it"), prefix, kind, id);
}

int engine_migrate(struct engine *e, const char *actor, const char *workflow, const char *to, json_t *map,
		   json_t *instances, int dry_run, json_t **moved)
{
	*moved = NULL;
	int rc = store_begin(e->s);
	if (rc < 0)
		return eng_fail(e, rc, "%s", store_error(e->s));
	/* the plan: the requests named, else every unfinished one of the workflow */
	json_t *ids = json_array();
	if (json_array_size(instances)) {
		size_t i;
		json_t *v;
		json_array_foreach(instances, i, v) {
			char *full = NULL;
			if ((rc = engine_resolve(e, 'i', json_string_value(v) ? json_string_value(v) : "", &full)) < 0)
				break;
			json_array_append_new(ids, json_string(full));
			free(full);
		}
	} else {
		sqlite3_stmt *st = eng_q(e,
					 "SELECT id FROM eng_instances WHERE workflow = ?1 AND wf_hash != ?2 AND state IN"
					 " ('draft', 'running', 'returned', 'withdrawn') ORDER BY created_seq, id",
					 "ss", workflow, to);
		if (!st)
			rc = STORE_ERR;
		while (st && (rc = sqlite3_step(st)) == SQLITE_ROW)
			json_array_append_new(ids, json_string((const char *)sqlite3_column_text(st, 0)));
		if (st) {
			sqlite3_reset(st);
			rc = rc == SQLITE_DONE ? 0 : eng_sql_fail(e, rc);
		}
	}
	json_t *out = json_array();
	time_t now = clock_now();
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v) {
		if (rc < 0)
			break;
		const char *id = json_string_value(v);
		int r2 = 0;
		char *wf = eng_str(e, &r2, "SELECT workflow FROM eng_instances WHERE id = ?1", "s", id);
		char *from = eng_str(e, &r2, "SELECT wf_hash FROM eng_instances WHERE id = ?1", "s", id);
		if (!wf || strcmp(wf, workflow)) {
			rc = eng_fail(e, ENG_REFUSED, _("request '%s' is not a '%s' request"), id, workflow);
		} else {
			json_t *p = json_object();
			json_object_set_new(p, "instance", json_string(id));
			json_object_set_new(p, "workflow_version", json_string(to));
			json_object_set_new(p, "map", json_incref(map));
			char uuid[37];
			uuid_v4(uuid);
			rc = act_in_tx(e, uuid, 0, EVENT(MIGRATED), actor, p, now, NULL);
			json_decref(p);
			if (rc < 0) {
				struct buf why = BUF_INIT;
				buf_adds(&why, e->err.s);
				eng_fail(e, rc, _("request '%s' cannot be migrated: %s"), id, why.s);
				buf_release(&why);
			} else {
				json_t *steps = json_array();
				sqlite3_stmt *st = eng_q(e, "SELECT step FROM eng_active WHERE instance = ?1 ORDER BY step",
							 "s", id);
				while (st && sqlite3_step(st) == SQLITE_ROW)
					json_array_append_new(steps, json_string((const char *)sqlite3_column_text(st, 0)));
				if (st)
					sqlite3_reset(st);
				json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:o}", "request", id, "from", from,
								     "to", to, "steps", steps));
			}
		}
		free(wf);
		free(from);
	}
	json_decref(ids);
	if (rc < 0 || dry_run) {
		if (rc < 0)
			rollback_keep(e);
		else
			store_rollback(e->s);
	} else {
		int c2 = store_commit(e->s);
		if (c2 < 0)
			rc = eng_fail(e, c2, "%s", store_error(e->s));
	}
	if (rc < 0) {
		json_decref(out);
		return rc;
	}
	*moved = out;
	return 0;
}

const char *engine_applied_request(const struct engine *e)
{
	return e->applied;
}

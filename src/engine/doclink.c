/*
 * doclink: the approval engine and the documents (src/docs/docs.h).
 *
 * An approval at a step with `document:` access records the exact head
 * commit of every document attached to the request: in the event's payload
 * ("documents"), so the trail and a replay show which revision was
 * approved, and through docs_approve() in the same transaction. A
 * `document: sign` step is the sign-off (签发): it needs a document and
 * freezes it at that commit. A document changed after its sign-off blocks
 * the steps that come after the sign-off until it is signed again. Taking
 * back (拿回) an approval withdraws what it recorded: the document's
 * approvals keep it and gain a "withdrawn" row, and a withdrawn sign-off
 * puts the document back at the sign-off before it (or unsigned).
 *
 * This runs in engine_act() only, around apply: apply and replay read the
 * payload, never the documents' tables, so engine_check() stays a function
 * of the event log.
 */
#include <stdlib.h>
#include <string.h>

#include "../defs/workflow.h"
#include "../docs/docs.h"
#include "../store/store.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "eng_internal.h"

/* An operation's event type, from the action table (actions.def). */
#define EVENT(op) (engine_action(ENG_OP_##op)->type)

void engine_set_docs(struct engine *e, struct docs *d)
{
	e->docs = d;
}

void eng_doclink_release(struct eng_doclink *l)
{
	json_decref(l->docs);
	free(l->instance);
	free(l->step_name);
	free(l->resign);
	memset(l, 0, sizeof(*l));
}

/*
 * Can a `document: sign` step still follow `from` (not counting itself)?
 * Forward along next and every branch; returns do not count. So the steps
 * before the sign-off may go on with a changed document (it will be signed
 * again), the steps after it may not.
 */
static int sign_ahead(const struct workflow *w, const struct step *from)
{
	char *seen = xcalloc(w->nsteps ? w->nsteps : 1, 1);
	const struct step **stack = xcalloc(w->nsteps + 1, sizeof(*stack));
	size_t n = 0;
	int found = 0;
	stack[n++] = from;
	while (n && !found) {
		const struct step *s = stack[--n];
		const struct step *next[64];
		size_t nn = 0;
		if (s->type == STEP_EXCLUSIVE || s->type == STEP_INCLUSIVE || s->type == STEP_PARALLEL) {
			for (size_t i = 0; i < s->nbranches && nn < 64; i++) {
				const char *id = s->branches[i].next;
				const struct step *t = id && strcmp(id, "end") ? workflow_step(w, id) : NULL;
				if (t)
					next[nn++] = t;
			}
		} else {
			const struct step *t = workflow_next(w, s);
			if (t)
				next[nn++] = t;
		}
		for (size_t i = 0; i < nn && !found; i++) {
			const struct step *t = next[i];
			if (t->index >= w->nsteps || seen[t->index])
				continue;
			seen[t->index] = 1;
			if (t->document == DOC_SIGN && (t->type == STEP_APPROVAL || t->type == STEP_HANDLING))
				found = 1;
			else
				stack[n++] = t;
		}
	}
	free(seen);
	free(stack);
	return found;
}

/* One attached document as the approval sees it. */
struct doc_seen {
	char id[DOCS_ID_MAX];
	char head[DOCS_OID_MAX];
	int rev;          /* the head's revision number */
	int needs_resign; /* changed after its sign-off */
};

/* docs_list state: the documents of one request. */
struct doc_list {
	struct doc_seen *v;
	size_t n, alloc;
};

static int doc_collect(void *ctx, const struct docs_info *i)
{
	struct doc_list *l = ctx;
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	struct doc_seen *d = &l->v[l->n++];
	memcpy(d->id, i->id, sizeof(d->id));
	memcpy(d->head, i->head, sizeof(d->head));
	d->rev = i->revs;
	d->needs_resign = i->needs_resign;
	return 0;
}

static int doc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct doc_seen *)a)->id, ((const struct doc_seen *)b)->id);
}

/*
 * A take back: the documents the decision recorded, from its event (read
 * through the store's API: the log is the store's). Only an approval that
 * can be taken back is looked at; apply refuses the rest.
 */
static int takeback_before(struct engine *e, const char *task, struct eng_doclink *l)
{
	sqlite3_stmt *st = eng_q(e,
				 "SELECT instance, decided_seq FROM eng_tasks"
				 " WHERE id = ?1 AND state = 'done' AND decision = 'approve'",
				 "s", task);
	if (!st)
		return STORE_ERR;
	char *instance = NULL;
	int64_t seq = 0;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		instance = eng_col(st, 0);
		seq = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : eng_sql_fail(e, rc);
	struct store_event ev;
	rc = store_event_by_seq(e->s, seq, &ev);
	if (rc <= 0) {
		rc = rc < 0 ? eng_fail(e, rc, "%s", store_error(e->s))
			    : eng_fail(e, STORE_CORRUPT, _("task '%s' was decided by event %lld, which is not in the log"),
				       task, (long long)seq);
		free(instance);
		return rc;
	}
	json_t *p = json_loads(ev.payload, 0, NULL);
	json_t *docs = json_object_get(p, "documents");
	l->instance = instance;
	l->withdraw_seq = seq;
	if (json_object_size(docs))
		l->docs = json_incref(docs);
	json_decref(p);
	store_event_release(&ev);
	return 0;
}

int eng_doclink_before(struct engine *e, const char *type, json_t *payload, struct eng_doclink *l)
{
	memset(l, 0, sizeof(*l));
	const char *task = json_string_value(json_object_get(payload, "task"));
	if (e->docs && task && !strcmp(type, EVENT(TAKENBACK)))
		return takeback_before(e, task, l);
	if (!e->docs || strcmp(type, EVENT(APPROVED)) || !task)
		return 0;
	sqlite3_stmt *st = eng_q(e,
				 "SELECT t.instance, t.step, i.wf_hash, i.form_hash, i.org_hash, t.extra FROM eng_tasks t"
				 " JOIN eng_instances i ON i.id = t.instance WHERE t.id = ?1",
				 "s", task);
	if (!st)
		return STORE_ERR;
	char *col[5] = { NULL, NULL, NULL, NULL, NULL };
	int advice = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < 5; i++)
			col[i] = eng_col(st, i);
		advice = sqlite3_column_int(st, 5) == 2;
	}
	sqlite3_reset(st);
	/* an unknown task or request: apply refuses it with its own words */
	const struct eng_defs *d = col[0] && col[2] ? eng_defs_get(e, col[2], col[3], col[4]) : NULL;
	const struct step *s = d && d->wf && col[1] ? workflow_step(d->wf, col[1]) : NULL;
	int rc = 0;
	if (s && s->document != DOC_NONE) {
		l->instance = xstrdup(col[0]);
		l->step_name = xstrdup(s->name ? s->name : s->id);
		/* a delegate's advice (委派) at the sign step is an opinion, not the sign-off */
		l->access = advice && s->document == DOC_SIGN ? DOC_READ : (int)s->document;
		l->sign_ahead = (advice && s->document == DOC_SIGN) || sign_ahead(d->wf, s);
		struct doc_list dl = { NULL, 0, 0 };
		rc = docs_list(e->docs, l->instance, doc_collect, &dl);
		if (rc < 0) {
			rc = eng_fail(e, STORE_ERR, "%s", docs_error(e->docs));
		} else if (dl.n) {
			/* by id, so the payload and the trail do not depend on the list's order */
			qsort(dl.v, dl.n, sizeof(dl.v[0]), doc_cmp);
			l->docs = json_object();
			for (size_t i = 0; i < dl.n; i++) {
				json_object_set_new(l->docs, dl.v[i].id,
						    json_pack("{s:s, s:i}", "commit", dl.v[i].head, "rev", dl.v[i].rev));
				if (dl.v[i].needs_resign && !l->resign)
					l->resign = xstrdup(dl.v[i].id);
			}
		}
		free(dl.v);
	}
	for (int i = 0; i < 5; i++)
		free(col[i]);
	return rc;
}

int eng_doclink_after(struct engine *e, const char *actor, struct eng_doclink *l)
{
	if (!l->instance)
		return 0;
	const char *id;
	json_t *v;
	if (l->withdraw_seq) {
		/* taken back: what the decision approved (or signed off) is withdrawn */
		json_object_foreach(l->docs, id, v) {
			const char *commit = json_string_value(json_object_get(v, "commit"));
			int rc = commit ? docs_withdraw(e->docs, actor, id, commit, l->withdraw_seq) : 0;
			if (rc < 0)
				return eng_fail(e, rc == DOCS_STORE ? STORE_BUSY : STORE_ERR, "%s",
						docs_error(e->docs));
		}
		return 0;
	}
	int sign = l->access == DOC_SIGN;
	if (sign && !l->docs)
		return eng_fail(e, ENG_REFUSED,
				_("step '%s' is a sign-off: request '%s' has no document to sign; attach one first "
				  "(docket doc new --instance %s)"),
				l->step_name, l->instance, l->instance);
	if (!sign && l->resign && !l->sign_ahead)
		return eng_fail(e, ENG_REFUSED,
				_("document '%s' changed after its sign-off: return request '%s' to the sign-off "
				  "step, or have it signed again (docket doc signoff %s)"),
				l->resign, l->instance, l->resign);
	json_object_foreach(l->docs, id, v) {
		const char *commit = json_string_value(json_object_get(v, "commit"));
		int rc = docs_approve(e->docs, actor, id, commit, sign ? "sign-off" : "approve", sign);
		if (rc < 0)
			return eng_fail(e, rc == DOCS_STORE ? STORE_BUSY : STORE_ERR, "%s", docs_error(e->docs));
	}
	return 0;
}

/* For qsort of key pointers. */
static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *eng_doclink_detail(json_t *documents)
{
	size_t n = json_object_size(documents);
	if (!n)
		return NULL;
	const char **keys = xcalloc(n, sizeof(*keys));
	size_t k = 0;
	const char *id;
	json_t *v;
	json_object_foreach(documents, id, v) {
		if (k < n)
			keys[k++] = id;
	}
	qsort(keys, k, sizeof(*keys), key_cmp);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < k; i++) {
		json_t *o = json_object_get(documents, keys[i]);
		const char *commit = json_string_value(json_object_get(o, "commit"));
		if (i)
			buf_adds(&b, ", ");
		if (k > 1)
			buf_addf(&b, "%s ", keys[i]);
		buf_addf(&b, "r%lld (%.7s)", (long long)json_integer_value(json_object_get(o, "rev")),
			 commit ? commit : "");
	}
	free(keys);
	return buf_detach(&b);
}

/* docs_list state for engine_show: the documents as JSON. */
struct doc_show {
	struct docs *d;
	json_t *a;
};

static int doc_show_one(void *ctx, const struct docs_info *i)
{
	struct doc_show *x = ctx;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(i->id));
	json_object_set_new(o, "title", json_string(i->title ? i->title : ""));
	json_object_set_new(o, "rev", json_integer(i->revs));
	json_object_set_new(o, "head", json_string(i->head));
	json_object_set_new(o, "signed_commit", *i->signed_commit ? json_string(i->signed_commit) : json_null());
	struct docs_rev r;
	if (*i->signed_commit && docs_rev_get(x->d, i->id, i->signed_commit, &r) == 0) {
		json_object_set_new(o, "signed_rev", json_integer(r.rev));
		docs_rev_release(&r);
	} else {
		json_object_set_new(o, "signed_rev", json_null());
	}
	json_object_set_new(o, "needs_resign", json_boolean(i->needs_resign));
	json_array_append_new(x->a, o);
	return 0;
}

/* docs_log state: one document's revisions made after its sign-off, as trail rows. */
struct resign_rows {
	const char *doc;  /* the document */
	json_t *rows;     /* trail rows, oldest first */
};

static int resign_one(void *ctx, const struct docs_rev *r)
{
	struct resign_rows *x = ctx;
	if (!r->needs_resign)
		return 0;
	char det[DOCS_ID_MAX + 32];
	snprintf(det, sizeof(det), "%s r%d (%.7s)", x->doc, r->rev, r->commit);
	json_array_append_new(x->rows, json_pack("{s:I, s:n, s:s, s:n, s:s, s:s, s:n, s:s, s:s}", "seq",
						 (json_int_t)r->event_seq, "step", "actor", r->author, "on_behalf",
						 "action", "revised after sign-off", "detail", det, "opinion", "at",
						 r->made_at, "document", x->doc));
	return 0;
}

/* docs_list callback: the ids of a request's documents. */
static int doc_id_one(void *ctx, const struct docs_info *i)
{
	json_array_append_new(ctx, json_string(i->id));
	return 0;
}

int eng_doclink_trail(struct engine *e, const char *instance, json_t *trail)
{
	if (!e->docs)
		return 0;
	json_t *ids = json_array(), *extra = json_array();
	int rc = docs_list(e->docs, instance, doc_id_one, ids);
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v) {
		struct resign_rows x = { json_string_value(v), extra };
		if (rc >= 0)
			rc = docs_log(e->docs, x.doc, resign_one, &x);
	}
	/* each in its place in the log, after the rows of the events before it */
	json_array_foreach(extra, i, v) {
		json_int_t seq = json_integer_value(json_object_get(v, "seq"));
		size_t at = json_array_size(trail);
		while (at > 0 && json_integer_value(json_object_get(json_array_get(trail, at - 1), "seq")) > seq)
			at--;
		json_array_insert(trail, at, v);
	}
	json_decref(ids);
	json_decref(extra);
	return rc < 0 ? eng_fail(e, STORE_ERR, "%s", docs_error(e->docs)) : 0;
}

int eng_doclink_show(struct engine *e, const char *instance, json_t **out)
{
	*out = NULL;
	if (!e->docs)
		return 0;
	struct doc_show x = { e->docs, json_array() };
	if (docs_list(e->docs, instance, doc_show_one, &x) < 0) {
		json_decref(x.a);
		return eng_fail(e, STORE_ERR, "%s", docs_error(e->docs));
	}
	*out = x.a;
	return 0;
}

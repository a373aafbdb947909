/*
 * cmd_engine: the approval verbs — new, submit, approve, reject, return,
 * withdraw, takeback, transfer, delegate, addsign, removesign, circulate,
 * read, urge, terminate, inbox, show, opinions, standin, check, tick.
 *
 * Each parses its arguments, names the action as an event type with a
 * payload, and hands it to the engine; every rule is in src/engine/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/auth.h"
#include "../defs/form.h"
#include "../defs/formdata.h"
#include "../defs/org.h"
#include "../defs/value.h"
#include "../defs/workflow.h"
#include "../docs/docs.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/fsutil.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"
#include "../print/print.h"
#include "cli.h"

/* An operation's event type, from the action table (actions.def). */
#define EVENT(op) (engine_action(ENG_OP_##op)->type)

/* An open store and engine for one verb. */
struct session {
	struct store *s;
	struct engine *e;
	struct docs *d;             /* the store's documents, linked to the engine */
	const struct org *org;      /* the current organisation, or NULL */
	struct cli *cli;
	struct auth_session *who;   /* the acting user, proven (cli_sign_in) */
};

static void session_close(struct session *ss)
{
	cli_sign_out(ss->cli, ss->s, ss->who);
	engine_free(ss->e);
	docs_free(ss->d);
	store_close(ss->s);
}

/* Exit code for an engine status, after printing its message (each line of it). */
static int eng_exit(struct session *ss, int rc)
{
	const char *m = engine_error(ss->e);
	int code = rc == ENG_REFUSED ? EXIT_INVALID
		   : rc == ENG_DENIED ? EXIT_DENIED
		   : rc == STORE_ERR ? cli_failure_exit(ss->s, m) : EXIT_STORE;
	do {
		size_t n = strcspn(m, "\n");
		cli_error("%.*s", (int)n, m);
		m += n + (m[n] == '\n');
	} while (*m);
	return code;
}

/*
 * Open the store, check the acting user against the deployed organisation
 * (when need_user) and process due timers first, as every command does.
 */
static int session_open(struct cli *c, struct session *ss, int need_user)
{
	memset(ss, 0, sizeof(*ss));
	ss->cli = c;
	/* a reading verb on read-only media reads, and leaves the timers to a writable store */
	int ro = cli_reading_readonly(c);
	int rc = cli_open_store(c, ro, &ss->s);
	if (rc)
		return rc;
	ss->e = engine_new(ss->s);
	/* approvals record the documents of their request (doc/engine.md, "Documents") */
	struct buf err = BUF_INIT;
	int st = docs_open(ss->s, &ss->d, &err);
	if (st < 0) {
		cli_error("%s", err.s);
		buf_release(&err);
		session_close(ss);
		return st == DOCS_STORE ? EXIT_STORE : EXIT_INTERNAL;
	}
	buf_release(&err);
	engine_set_docs(ss->e, ss->d);
	ss->org = engine_org(ss->e);
	if (need_user) {
		if (!c->user) {
			cli_error("%s", _("no user: give -u USER or set DOCKET_USER"));
			session_close(ss);
			return EXIT_USAGE;
		}
		if (!ss->org) {
			cli_error("%s", _("no organisation is deployed (run 'docket deploy' first)"));
			session_close(ss);
			return EXIT_INVALID;
		}
		if (!org_user(ss->org, c->user)) {
			cli_error(_("no user '%s' in the deployed organisation"), c->user);
			session_close(ss);
			return EXIT_INVALID;
		}
		if ((rc = cli_sign_in(c, ss->s, ss->e, 0, &ss->who)) != 0) {
			session_close(ss);
			return rc;
		}
	}
	if (ro)
		return 0;
	int fired = 0;
	rc = engine_tick(ss->e, clock_now(), &fired);
	if (rc < 0) {
		rc = eng_exit(ss, rc);
		session_close(ss);
		return rc;
	}
	return 0;
}

/* Say what was done: `what` with the id, or in JSON; `repeated`: an action applied before (--uuid). */
static void report(struct cli *c, const char *what, const char *id, const char *request, int repeated)
{
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "ok", json_true());
		if (repeated)
			json_object_set_new(o, "repeated", json_true());
		json_object_set_new(o, "id", json_string(id ? id : ""));
		if (request)
			json_object_set_new(o, "request", json_string(request));
		cli_print_json(o);
		return;
	}
	if (repeated)
		cli_error(_("event '%s' was applied before: nothing done again"), c->uuid);
	struct buf clean = BUF_INIT; /* a request's title may be named */
	utf8_sanitize(&clean, id ? id : "");
	printf(what, clean.s);
	putchar('\n');
	buf_release(&clean);
}

/* Run one action and report; `what` is the past-tense message with one %s (the id). */
static int act(struct cli *c, struct session *ss, const char *type, json_t *p, const char *what,
	       const char *id)
{
	char *created = NULL;
	int rc = engine_act(ss->e, c->uuid, type, c->user, p, &created);
	json_decref(p);
	if (rc < 0)
		return eng_exit(ss, rc);
	report(c, what, created ? created : id, created, rc == 1);
	free(created);
	return EXIT_OK;
}

/*
 * With --uuid, before reading ids against the state: was this action
 * applied already (a retry)? Then report it as done and return EXIT_OK;
 * -1 when it must still be done; another exit code on error.
 */
static int already(struct cli *c, struct session *ss, const char *type, const char *what)
{
	if (!c->uuid)
		return -1;
	char *id = NULL;
	int rc = engine_repeated(ss->e, c->uuid, type, c->user, &id);
	if (rc <= 0) {
		free(id);
		return rc < 0 ? eng_exit(ss, rc) : -1;
	}
	report(c, what, id, !strcmp(type, EVENT(CREATED)) ? id : NULL, 1);
	free(id);
	return EXIT_OK;
}

/* The task the user means by ID (a task or a request). */
static int my_task(struct session *ss, struct cli *c, const char *id, char **task)
{
	int rc = engine_my_task(ss->e, c->user, id, task);
	return rc < 0 ? eng_exit(ss, rc) : 0;
}

/* Read --set field=value and --data FILE into a JSON object; NULL + message on error. */
static json_t *form_input(struct cli *c, int *bad)
{
	*bad = 0;
	json_t *in = NULL;
	const char *file = cli_take_opt(c, "--data", NULL);
	if (file) {
		json_error_t jerr;
		in = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
		if (!in || !json_is_object(in)) {
			cli_error(_("'%s' is not a JSON object: %s"), file, in ? "" : jerr.text);
			json_decref(in);
			*bad = 1;
			return NULL;
		}
	} else {
		in = json_object();
	}
	const char *kv;
	while ((kv = cli_take_opt(c, "--set", NULL))) {
		const char *eq = strchr(kv, '=');
		if (!eq || eq == kv) {
			cli_error(_("'--set %s': use FIELD=VALUE"), kv);
			json_decref(in);
			*bad = 1;
			return NULL;
		}
		char *k = xstrndup(kv, (size_t)(eq - kv));
		json_object_set_new(in, k, json_string(eq + 1));
		free(k);
	}
	return in;
}

/* Validate form input against a request's definitions; prints every field error. */
static json_t *validate(const struct form *form, const struct org *org, const char *applicant, json_t *in)
{
	struct formdata_applicant who;
	int have = formdata_applicant_from_org(org, applicant, &who) == 0;
	struct formdata_errors errs = FORMDATA_ERRORS_INIT;
	json_t *out = NULL;
	if (formdata_validate(form, org, have ? &who : NULL, in, &out, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			cli_error("%s", errs.v[i].msg);
		out = NULL;
	}
	formdata_errors_release(&errs);
	return out;
}

int cmd_new(struct cli *c)
{
	int draft = cli_take_flag(c, "--draft");
	const char *title = cli_take_opt(c, "--title", NULL);
	int bad;
	json_t *in = form_input(c, &bad);
	if (bad)
		return EXIT_USAGE;
	if (cli_no_options(c) < 0 || c->argc != 2) {
		json_decref(in);
		return cli_usage(c);
	}
	struct session ss;
	int rc = session_open(c, &ss, 1);
	if (rc) {
		json_decref(in);
		return rc;
	}
	if ((rc = already(c, &ss, EVENT(CREATED), draft ? _("saved draft '%s'") : _("submitted request '%s'"))) >= 0) {
		json_decref(in);
		session_close(&ss);
		return rc;
	}
	/* the engine judges it all: who may start, every field (one message per line) */
	char *created = NULL;
	rc = engine_start(ss.e, c->uuid, c->user, c->argv[1], in, title, draft, &created);
	if (rc < 0)
		rc = eng_exit(&ss, rc);
	else {
		report(c, draft ? _("saved draft '%s'") : _("submitted request '%s'"), created, created, rc == 1);
		rc = EXIT_OK;
	}
	free(created);
	json_decref(in);
	session_close(&ss);
	return rc;
}

/*
 * Changed fields of request `id`, merged over its stored data and
 * validated against the request's own versions: into *data (caller
 * decrefs), or EXIT_INVALID after printing every field error.
 */
static int merged_input(struct session *ss, const char *id, json_t *in, json_t **data)
{
	*data = NULL;
	json_t *shown = engine_show(ss->e, id);
	if (!shown)
		return eng_exit(ss, STORE_ERR);
	const struct workflow *wf = NULL;
	const struct form *form = NULL;
	const struct org *org = NULL;
	int rc = engine_request_defs(ss->e, id, &wf, &form, &org);
	if (rc < 0) {
		json_decref(shown);
		return eng_exit(ss, rc);
	}
	json_t *all = json_deep_copy(json_object_get(shown, "fields"));
	/* computed fields are computed again from the others */
	for (size_t i = 0; i < form->nfields; i++)
		if (form->fields[i].compute)
			json_object_del(all, form->fields[i].id);
	json_object_update(all, in);
	/* said here field by field; the engine judges it again */
	*data = validate(form, org, json_string_value(json_object_get(shown, "applicant")), all);
	json_decref(all);
	json_decref(shown);
	return *data ? 0 : EXIT_INVALID;
}

/*
 * submit ID / edit ID [--set F=V ...] [--data FILE] [--title T]: submit (or
 * only change) a draft, or a request returned to its applicant or withdrawn.
 */
static int submit_or_edit(struct cli *c, const char *type, const char *done)
{
	int bad;
	json_t *in = form_input(c, &bad);
	if (bad)
		return EXIT_USAGE;
	const char *title = cli_take_opt(c, "--title", NULL);
	if (cli_no_options(c) < 0 || c->argc != 2) {
		json_decref(in);
		return cli_usage(c);
	}
	struct session ss;
	int rc = session_open(c, &ss, 1);
	if (rc) {
		json_decref(in);
		return rc;
	}
	char *id = NULL;
	if ((rc = already(c, &ss, type, done)) >= 0)
		goto out;
	rc = engine_resolve(ss.e, 'i', c->argv[1], &id);
	if (rc < 0) {
		rc = eng_exit(&ss, rc);
		goto out;
	}
	json_t *p = json_object();
	json_object_set_new(p, "instance", json_string(id));
	if (title)
		json_object_set_new(p, "title", json_string(title));
	if (json_object_size(in)) {
		json_t *data;
		if ((rc = merged_input(&ss, id, in, &data))) {
			json_decref(p);
			goto out;
		}
		json_object_set_new(p, "data", data);
	}
	rc = act(c, &ss, type, p, done, id);
out:
	json_decref(in);
	free(id);
	session_close(&ss);
	return rc;
}

int cmd_submit(struct cli *c)
{
	return submit_or_edit(c, EVENT(SUBMITTED), _("submitted request '%s'"));
}

int cmd_edit(struct cli *c)
{
	return submit_or_edit(c, EVENT(UPDATED), _("changed request '%s'"));
}

/*
 * The verbs that take no -m: the engine keeps no opinion with their event
 * (takeback; addsign, whose trail says where the signer goes; removesign,
 * circulate), so an -m would be dropped without a word. Left untaken, it
 * is an unknown option. The TUI's dialogs ask for none either.
 */
enum { NO_OPINION = 0, OPINION = 1 };

/* approve / reject / read / takeback / transfer / delegate / addsign: act on my task. */
static int task_verb(struct cli *c, const char *type, const char *what, int nargs, int opinion)
{
	const char *m = opinion ? cli_take_opt(c, "-m", "--message") : NULL;
	const char *pick = cli_take_opt(c, "--pick", NULL);
	const char *where = NULL;
	if (cli_take_flag(c, "--before"))
		where = "before";
	if (cli_take_flag(c, "--after"))
		where = "after";
	if (cli_take_flag(c, "--parallel"))
		where = "parallel";
	if (cli_no_options(c) < 0 || c->argc != 2 + nargs)
		return cli_usage(c);
	struct session ss;
	int rc = session_open(c, &ss, 1);
	if (rc)
		return rc;
	char *task = NULL;
	if ((rc = already(c, &ss, type, what)) >= 0)
		goto out;
	if (!strcmp(type, EVENT(TAKENBACK))) {
		/* my last approval in that request, or the task named */
		if ((rc = engine_my_approval(ss.e, c->user, c->argv[1], &task)) < 0) {
			rc = eng_exit(&ss, rc);
			goto out;
		}
	} else if ((rc = my_task(&ss, c, c->argv[1], &task))) {
		goto out;
	}
	json_t *p = json_object();
	json_object_set_new(p, "task", json_string(task));
	if (m)
		json_object_set_new(p, "opinion", json_string(m));
	if (pick)
		json_object_set_new(p, "pick", json_string(pick));
	if (nargs)
		json_object_set_new(p, "user", json_string(c->argv[2]));
	if (where)
		json_object_set_new(p, "where", json_string(where));
	rc = act(c, &ss, type, p, what, task);
out:
	free(task);
	session_close(&ss);
	return rc;
}

/*
 * approve ID ID... [-m OPINION]: several tasks (or requests) with one
 * opinion, each its own signed event judged on its own: a refusal of one
 * leaves the others done. A line per ID (stderr for those not done), then
 * how many were done; --json: [{id, ok, task | error}]. Exit 0 when every
 * one was approved, else that of the first refusal.
 */
static int approve_many(struct cli *c)
{
	const char *m = cli_take_opt(c, "-m", "--message");
	if (cli_no_options(c) < 0)
		return cli_usage(c);
	if (c->uuid) {
		cli_error("%s", _("approving several takes no --uuid: each approval is its own action"));
		return EXIT_USAGE;
	}
	struct session ss;
	int rc = session_open(c, &ss, 1);
	if (rc)
		return rc;
	json_t *out = json_array();
	int done = 0, failed = 0, first = EXIT_OK;
	for (int i = 1; i < c->argc; i++) {
		const char *id = c->argv[i];
		char *task = NULL;
		int r = engine_my_task(ss.e, c->user, id, &task);
		if (r >= 0) {
			json_t *p = json_object();
			json_object_set_new(p, "task", json_string(task));
			if (m)
				json_object_set_new(p, "opinion", json_string(m));
			r = engine_act(ss.e, NULL, EVENT(APPROVED), c->user, p, NULL);
			json_decref(p);
		}
		json_t *o = json_pack("{s:s, s:b}", "id", id, "ok", r >= 0);
		if (r >= 0) {
			done++;
			json_object_set_new(o, "task", json_string(task));
			if (!c->json) {
				printf(_("approved task '%s'"), task);
				putchar('\n');
			}
		} else {
			failed++;
			/* the first line of the reason, with the id it is about */
			const char *why = engine_error(ss.e);
			json_object_set_new(o, "error", json_string(why));
			if (!c->json)
				cli_error("%s: %.*s", id, (int)strcspn(why, "\n"), why);
			if (first == EXIT_OK)
				first = r == ENG_REFUSED ? EXIT_INVALID : r == ENG_DENIED ? EXIT_DENIED : EXIT_STORE;
		}
		json_array_append_new(out, o);
		free(task);
	}
	if (c->json) {
		cli_print_json(out); /* and frees it */
	} else {
		printf(_("%d approved, %d not done\n"), done, failed);
		json_decref(out);
	}
	session_close(&ss);
	return first;
}

int cmd_approve(struct cli *c)
{
	/* more than one ID (no --pick: the next handler is picked per request) */
	int n = 0, pick = 0;
	for (int i = 1; i < c->argc; i++) {
		const char *a = c->argv[i];
		if (!strcmp(a, "-m") || !strcmp(a, "--message") || !strcmp(a, "--pick")) {
			pick |= !strcmp(a, "--pick");
			i++;
		} else if (a[0] != '-') {
			n++;
		}
	}
	if (n > 1 && !pick)
		return approve_many(c);
	return task_verb(c, EVENT(APPROVED), _("approved task '%s'"), 0, OPINION);
}

int cmd_reject(struct cli *c)
{
	return task_verb(c, EVENT(REJECTED), _("rejected task '%s'"), 0, OPINION);
}

int cmd_read(struct cli *c)
{
	return task_verb(c, EVENT(READ), _("read task '%s'"), 0, OPINION);
}

int cmd_takeback(struct cli *c)
{
	return task_verb(c, EVENT(TAKENBACK), _("took back task '%s'"), 0, NO_OPINION);
}

int cmd_transfer(struct cli *c)
{
	return task_verb(c, EVENT(TRANSFERRED), _("transferred task '%s'"), 1, OPINION);
}

int cmd_delegate(struct cli *c)
{
	return task_verb(c, EVENT(DELEGATED), _("delegated task '%s'"), 1, OPINION);
}

int cmd_addsign(struct cli *c)
{
	return task_verb(c, EVENT(SIGNER_ADDED), _("added a signer to task '%s'"), 1, NO_OPINION);
}

int cmd_return(struct cli *c)
{
	const char *to = cli_take_opt(c, "--to", NULL);
	const char *m = cli_take_opt(c, "-m", "--message");
	if (cli_no_options(c) < 0 || c->argc != 2)
		return cli_usage(c);
	struct session ss;
	int rc = session_open(c, &ss, 1);
	if (rc)
		return rc;
	char *task = NULL;
	if ((rc = already(c, &ss, EVENT(RETURNED), _("returned request of task '%s'"))) >= 0)
		goto out;
	if ((rc = my_task(&ss, c, c->argv[1], &task)))
		goto out;
	json_t *p = json_object();
	json_object_set_new(p, "task", json_string(task));
	json_object_set_new(p, "to", json_string(to ? to : "previous"));
	if (m)
		json_object_set_new(p, "opinion", json_string(m));
	rc = act(c, &ss, EVENT(RETURNED), p, _("returned request of task '%s'"), task);
out:
	free(task);
	session_close(&ss);
	return rc;
}

/* withdraw / urge / terminate / removesign / circulate: act on a request. */
static int request_verb(struct cli *c, const char *type, const char *what, int min_users, int max_users,
			int opinion)
{
	const char *m = opinion ? cli_take_opt(c, "-m", "--message") : NULL;
	if (cli_no_options(c) < 0 || c->argc < 2 + min_users || (max_users >= 0 && c->argc > 2 + max_users))
		return cli_usage(c);
	struct session ss;
	int rc = session_open(c, &ss, 1);
	if (rc)
		return rc;
	char *id = NULL;
	if ((rc = already(c, &ss, type, what)) >= 0)
		goto out;
	rc = engine_resolve(ss.e, 'i', c->argv[1], &id);
	if (rc < 0) {
		rc = eng_exit(&ss, rc);
		goto out;
	}
	json_t *p = json_object();
	json_object_set_new(p, "instance", json_string(id));
	if (m)
		json_object_set_new(p, "opinion", json_string(m));
	if (max_users == 1)
		json_object_set_new(p, "user", json_string(c->argv[2]));
	else if (max_users < 0) {
		json_t *a = json_array();
		for (int i = 2; i < c->argc; i++)
			json_array_append_new(a, json_string(c->argv[i]));
		json_object_set_new(p, "users", a);
	}
	rc = act(c, &ss, type, p, what, id);
out:
	free(id);
	session_close(&ss);
	return rc;
}

int cmd_withdraw(struct cli *c)
{
	return request_verb(c, EVENT(WITHDRAWN), _("withdrew request '%s'"), 0, 0, OPINION);
}

int cmd_urge(struct cli *c)
{
	return request_verb(c, EVENT(URGED), _("urged the handlers of request '%s'"), 0, 0, OPINION);
}

int cmd_terminate(struct cli *c)
{
	return request_verb(c, EVENT(TERMINATED), _("terminated request '%s'"), 0, 0, OPINION);
}

int cmd_removesign(struct cli *c)
{
	return request_verb(c, EVENT(SIGNER_REMOVED), _("removed a signer from request '%s'"), 1, 1, NO_OPINION);
}

int cmd_circulate(struct cli *c)
{
	return request_verb(c, EVENT(CIRCULATED), _("circulated request '%s'"), 1, -1, NO_OPINION);
}

int cmd_inbox(struct cli *c)
{
	c->reading = 1;
	enum inbox_kind k = INBOX_TODO;
	if (cli_take_flag(c, "--done"))
		k = INBOX_DONE;
	if (cli_take_flag(c, "--mine"))
		k = INBOX_MINE;
	if (cli_take_flag(c, "--toread"))
		k = INBOX_TOREAD;
	cli_take_flag(c, "--todo");
	if (cli_no_options(c) < 0 || c->argc != 1)
		return cli_usage(c);
	struct session ss;
	int rc = session_open(c, &ss, 1);
	if (rc)
		return rc;
	json_t *a = engine_inbox(ss.e, c->user, k);
	if (!a) {
		rc = eng_exit(&ss, STORE_ERR);
	} else if (c->json) {
		cli_print_json(a);
	} else {
		cli_print_inbox(a, k);
		json_decref(a);
	}
	session_close(&ss);
	return rc;
}

int cmd_show(struct cli *c)
{
	c->reading = 1;
	if (cli_no_options(c) < 0 || c->argc != 2)
		return cli_usage(c);
	struct session ss;
	int rc = session_open(c, &ss, 1);
	if (rc)
		return rc;
	char *id = NULL;
	rc = engine_resolve(ss.e, 'i', c->argv[1], &id);
	if (rc >= 0) /* need to know: only who is involved reads it */
		rc = engine_may_read(ss.e, c->user, id);
	json_t *o = rc < 0 ? NULL : engine_show(ss.e, id);
	if (!o) {
		rc = eng_exit(&ss, rc < 0 ? rc : STORE_ERR);
		goto out;
	}
	if (c->json) {
		cli_print_json(o);
		goto out;
	}
	cli_print_request(ss.e, o);
	json_decref(o);
out:
	free(id);
	session_close(&ss);
	return rc;
}

/* docket print ID --pdf FILE: the 审批单, read under the same need to know as show. */
int cmd_print(struct cli *c)
{
	c->reading = 1;
	const char *pdf = cli_take_opt(c, "--pdf", NULL);
	if (cli_no_options(c) < 0 || c->argc != 2 || !pdf)
		return cli_usage(c);
	struct session ss;
	int rc = session_open(c, &ss, 1);
	if (rc)
		return rc;
	char *id = NULL;
	rc = engine_resolve(ss.e, 'i', c->argv[1], &id);
	if (rc >= 0)
		rc = engine_may_read(ss.e, c->user, id);
	json_t *o = rc < 0 ? NULL : engine_show(ss.e, id);
	if (!o) {
		rc = eng_exit(&ss, rc < 0 ? rc : STORE_ERR);
		goto out;
	}
	struct buf err = BUF_INIT;
	if (print_request_pdf(ss.e, o, pdf, &err) < 0) {
		cli_error("%s", err.s);
		rc = EXIT_INVALID;
	} else {
		fprintf(stderr, _("printed %s to '%s'\n"), id, pdf);
	}
	buf_release(&err);
	json_decref(o);
out:
	free(id);
	session_close(&ss);
	return rc;
}

int cmd_opinions(struct cli *c)
{
	if (cli_no_options(c) < 0 || c->argc > 3)
		return cli_usage(c);
	const char *sub = c->argc > 1 ? c->argv[1] : "list";
	if (strcmp(sub, "list") && strcmp(sub, "add"))
		return cli_usage(c);
	if (!strcmp(sub, "add") && c->argc != 3)
		return cli_usage(c);
	c->reading = strcmp(sub, "add") != 0;
	if (c->uuid && strcmp(sub, "add")) {
		cli_error("%s", _("'opinions list' takes no --uuid: it does not make one action"));
		return EXIT_USAGE;
	}
	struct session ss;
	int rc = session_open(c, &ss, 1);
	if (rc)
		return rc;
	if (!strcmp(sub, "add")) {
		json_t *p = json_object();
		json_object_set_new(p, "text", json_string(c->argv[2]));
		rc = act(c, &ss, EVENT(OPINION_ADDED), p, _("added a common opinion%s"), "");
	} else {
		json_t *a = engine_opinions(ss.e, c->user);
		if (!a)
			rc = eng_exit(&ss, STORE_ERR);
		else if (c->json)
			cli_print_json(a);
		else {
			size_t i;
			json_t *v;
			json_array_foreach(a, i, v) {
				printf("%3lld  ", (long long)json_integer_value(json_object_get(v, "uses")));
				utf8_fputs_safe(json_string_value(json_object_get(v, "text")), 0, stdout);
				putchar('\n');
			}
			json_decref(a);
		}
	}
	session_close(&ss);
	return rc;
}

/* Today as YYYY-MM-DD, local (the clock: DOCKET_NOW in tests). */
static void today(char out[16])
{
	time_t now = clock_now();
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

/* A day as people type it (2026/3/2), as the engine takes it (2026-03-02); as given when it is none. */
static void day_arg(const char *s, char out[16])
{
	int64_t d;
	if (date_parse_lenient(s, &d) == 0)
		date_format(d, out, 16);
	else
		snprintf(out, 16, "%.15s", s);
}

/* `standin list [--all]`: the stand-ins not yet ended, mine and those for me (--all: everyone's). */
static int standin_list(struct cli *c, struct session *ss, int all)
{
	char day[16];
	today(day);
	json_t *a = engine_standins(ss->e, all ? NULL : c->user, day);
	if (!a)
		return eng_exit(ss, STORE_ERR);
	if (c->json) {
		cli_print_json(a);
		return EXIT_OK;
	}
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		const char *wf = json_string_value(json_object_get(v, "workflow_name"));
		struct buf line = BUF_INIT;
		/* the first 8 characters of the id name it for `standin cancel` */
		buf_addf(&line, "%.8s  %s %s  ", json_string_value(json_object_get(v, "id")),
			 json_string_value(json_object_get(v, "from")), json_string_value(json_object_get(v, "to")));
		buf_addf(&line, _("%s: %s stands in"), json_string_value(json_object_get(v, "user_name")),
			 json_string_value(json_object_get(v, "standin_name")));
		buf_adds(&line, "  ");
		buf_adds(&line, wf ? wf : _("every workflow"));
		utf8_fputs_safe(line.s, 0, stdout);
		putchar('\n');
		buf_release(&line);
	}
	if (!json_array_size(a))
		printf("%s\n", _("no stand-in"));
	json_decref(a);
	return EXIT_OK;
}

/*
 * `standin cancel ID`: ID is the start of a stand-in's id as `standin
 * list` shows it (among everyone's, so an administrator can name anyone's);
 * the engine judges who may cancel it.
 */
static int standin_cancel(struct cli *c, struct session *ss, const char *prefix)
{
	json_t *a = engine_standins(ss->e, NULL, "0000-00-00");
	if (!a)
		return eng_exit(ss, STORE_ERR);
	const char *found = NULL;
	int n = 0;
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		if (*prefix && !strncmp(id, prefix, strlen(prefix)) && !n++)
			found = id;
	}
	int rc;
	if (n != 1) {
		cli_error(n ? _("'%s' names several stand-ins: give more of the id") : _("no stand-in '%s'"), prefix);
		rc = EXIT_INVALID;
	} else {
		json_t *p = json_pack("{s:s}", "event", found);
		rc = act(c, ss, EVENT(STANDIN_CANCELLED), p, _("stand-in '%s' cancelled"), prefix);
	}
	json_decref(a);
	return rc;
}

/*
 * standin USER --from DATE --to DATE [--workflow W] | standin list [--all]
 * | standin cancel ID. USER may be a person's name (王芳), W a workflow's
 * (请假), the dates as people type them (2026/3/2).
 */
int cmd_standin(struct cli *c)
{
	const char *from = cli_take_opt(c, "--from", NULL), *to = cli_take_opt(c, "--to", NULL);
	const char *wf = cli_take_opt(c, "--workflow", NULL);
	int all = cli_take_flag(c, "--all");
	if (cli_no_options(c) < 0 || c->argc < 2)
		return cli_usage(c);
	int list = !strcmp(c->argv[1], "list"), cancel = !strcmp(c->argv[1], "cancel");
	if (list ? c->argc != 2 || from || to || wf
		 : cancel ? c->argc != 3 || from || to || wf || all : c->argc != 2 || !from || !to || all)
		return cli_usage(c);
	if (list && c->uuid) {
		cli_error("%s", _("'standin list' takes no --uuid: it does not make one action"));
		return EXIT_USAGE;
	}
	struct session ss;
	int rc = session_open(c, &ss, 1);
	if (rc)
		return rc;
	if (list) {
		rc = standin_list(c, &ss, all);
		goto out;
	}
	if (cancel) {
		if ((rc = already(c, &ss, EVENT(STANDIN_CANCELLED), _("stand-in '%s' cancelled"))) < 0)
			rc = standin_cancel(c, &ss, c->argv[2]);
		goto out;
	}
	/* a person by name as by id (several of that name: the engine is given the name, and refuses it) */
	const char *who = c->argv[1];
	for (size_t i = 0, n = 0; ss.org && i < ss.org->nusers; i++)
		if (ss.org->users[i].name && !strcmp(ss.org->users[i].name, c->argv[1]) && !n++)
			who = ss.org->users[i].id;
	char *wf_id = NULL;
	if (wf && (rc = engine_find_workflow(ss.e, wf, &wf_id)) < 0) {
		rc = eng_exit(&ss, rc);
		goto out;
	}
	char from_s[16], to_s[16];
	day_arg(from, from_s);
	day_arg(to, to_s);
	json_t *p = json_object();
	json_object_set_new(p, "standin", json_string(who));
	json_object_set_new(p, "from", json_string(from_s));
	json_object_set_new(p, "to", json_string(to_s));
	if (wf_id)
		json_object_set_new(p, "workflow", json_string(wf_id));
	free(wf_id);
	rc = act(c, &ss, EVENT(STANDIN_SET), p, _("stand-in '%s' recorded"), c->argv[1]);
out:
	session_close(&ss);
	return rc;
}

int cmd_tick(struct cli *c)
{
	if (cli_no_options(c) < 0 || c->argc != 1)
		return cli_usage(c);
	struct store *s;
	int rc = cli_open_store(c, 0, &s);
	if (rc)
		return rc;
	struct engine *e = engine_new(s);
	int fired = 0;
	rc = engine_tick(e, clock_now(), &fired);
	if (rc < 0) {
		cli_error("%s", engine_error(e));
		rc = EXIT_STORE;
	} else if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "fired", json_integer(fired));
		cli_print_json(o);
	} else {
		printf(_("%d timers fired\n"), fired);
	}
	engine_free(e);
	store_close(s);
	return rc;
}

int cmd_migrate(struct cli *c)
{
	int dry = cli_take_flag(c, "--dry-run");
	const char *to = cli_take_opt(c, "--to", NULL);
	json_t *map = json_object(), *ids = json_array();
	const char *v;
	int bad = 0;
	while ((v = cli_take_opt(c, "--map", NULL))) {
		const char *eq = strchr(v, '=');
		if (!eq || eq == v || !eq[1]) {
			cli_error(_("'--map %s': use OLD=NEW"), v);
			bad = 1;
			break;
		}
		char *k = xstrndup(v, (size_t)(eq - v));
		json_object_set_new(map, k, json_string(eq + 1));
		free(k);
	}
	while ((v = cli_take_opt(c, "--instance", NULL)))
		json_array_append_new(ids, json_string(v));
	if (bad || cli_no_options(c) < 0 || c->argc != 2 || !to) {
		json_decref(map);
		json_decref(ids);
		return bad ? EXIT_USAGE : cli_usage(c);
	}
	struct session ss;
	int rc = session_open(c, &ss, 1);
	if (rc) {
		json_decref(map);
		json_decref(ids);
		return rc;
	}
	char *hash = NULL;
	json_t *moved = NULL;
	rc = engine_find_version(ss.e, "workflow", c->argv[1], to, &hash);
	if (!rc)
		rc = engine_migrate(ss.e, c->user, c->argv[1], hash, map, ids, dry, &moved);
	if (rc < 0) {
		rc = eng_exit(&ss, rc);
	} else if (c->json) {
		cli_print_json(moved);
	} else {
		size_t i;
		json_t *m;
		json_array_foreach(moved, i, m) {
			printf(dry ? _("would move request '%s' from %.12s to %.12s") : _("moved request '%s' from %.12s to %.12s"),
			       json_string_value(json_object_get(m, "request")),
			       json_string_value(json_object_get(m, "from")), json_string_value(json_object_get(m, "to")));
			size_t j;
			json_t *st;
			json_array_foreach(json_object_get(m, "steps"), j, st)
				printf("%s%s", j ? ", " : _(", now at "), json_string_value(st));
			putchar('\n');
		}
		if (!json_array_size(moved))
			printf("%s\n", _("no request to migrate"));
		json_decref(moved);
	}
	free(hash);
	json_decref(map);
	json_decref(ids);
	session_close(&ss);
	return rc;
}

/*
 * The sync verbs: `docket remote [set URL [--ca FILE] [--proxy URL|--no-proxy]]`, `docket enrol
 * CODE` (a device: the enrolment code's shape tells it from enrolling
 * people), `docket sync [--json]`, `docket sync --status [--json]`,
 * `docket sync --discard UUID` (doc/sync.md, doc/cli.md).
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../engine/engine.h"
#include "../store/store.h"
#include "../sync/conflicts.h"
#include "../sync/sync.h"
#include "../util/buf.h"
#include "../util/i18n.h"
#include "cli.h"

/* The exit code for a sync status. */
static int sync_exit(int st)
{
	switch (st) {
	case SYNC_NO_REMOTE:
	case SYNC_NOT_ENROLLED:
		return EXIT_USAGE;
	case SYNC_HTTP_UNAUTHORIZED:
		return EXIT_DENIED;
	case SYNC_HTTP_UNREACHABLE:
	case SYNC_HTTP_CERT:
	case SYNC_HTTP_SERVER:
	case SYNC_HTTP_PROTOCOL:
	case SYNC_OTHER_SERVER:
		return EXIT_SYNC;
	default:
		return cli_store_exit(st);
	}
}

int cli_looks_like_enrol_code(const char *a)
{
	/* 16 letters or digits in groups of four: K7PX-3MQ9-TD2W-8HWA (case and dashes do not matter) */
	int n = 0;
	for (const char *p = a; *p; p++) {
		if (isalnum((unsigned char)*p))
			n++;
		else if (*p != '-' && *p != ' ')
			return 0;
	}
	return n == 16 && strchr(a, '-') != NULL;
}

int cli_enrol_device(struct cli *c, const char *code, const char *name)
{
	if (cli_no_options(c) < 0)
		return cli_usage(c);
	struct store *s;
	int rc = cli_open_store(c, 0, &s);
	if (rc)
		return rc;
	char host[256] = "", def[400];
	if (gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "terminal");
	const char *user = getenv("USER");
	snprintf(def, sizeof(def), "%s@%s", user && *user ? user : "docket", host);
	struct buf err = BUF_INIT;
	int st = sync_enrol(s, code, name ? name : def, &err);
	if (st) {
		cli_error("%s", err.s);
		rc = sync_exit(st);
	} else {
		struct sync_remote r;
		if (sync_remote_get(s, &r) == 1) {
			printf(_("enrolled: this terminal is device %s of %s\n"), r.device, r.url);
			sync_remote_release(&r);
		}
	}
	buf_release(&err);
	store_close(s);
	return rc;
}

/* "1 day(s)", "1 day(s) 2 h", "3 h 5 min", "7 min", "40 s": a skew's size, for people. */
static void span(int64_t secs, char *out, size_t n)
{
	long long a = secs < 0 ? -secs : secs;
	if (a >= 86400 && a % 86400 / 3600 == 0)
		snprintf(out, n, _("%lld day(s)"), a / 86400);
	else if (a >= 86400)
		snprintf(out, n, _("%lld day(s) %lld h"), a / 86400, a % 86400 / 3600);
	else if (a >= 3600)
		snprintf(out, n, _("%lld h %lld min"), a / 3600, a % 3600 / 60);
	else if (a >= 60)
		snprintf(out, n, _("%lld min"), a / 60);
	else
		snprintf(out, n, _("%lld s"), a);
}

/* The skew in words: "1 day(s) ahead of the server's". */
static void say_skew(int64_t skew, char *out, size_t n)
{
	char d[64];
	span(skew, d, sizeof(d));
	if (skew > 0)
		snprintf(out, n, _("%s ahead of the server's"), d);
	else if (skew < 0)
		snprintf(out, n, _("%s behind the server's"), d);
	else
		snprintf(out, n, "%s", _("the same as the server's"));
}

static int skew_far(int64_t skew)
{
	return skew > SYNC_SKEW_WARN || skew < -SYNC_SKEW_WARN;
}

/* The clock line of `remote` and `sync --status`: the skew found at the last sync. */
static void show_skew(const struct sync_remote *r)
{
	if (!r->skew_known)
		return;
	char w[160];
	say_skew(r->clock_skew, w, sizeof(w));
	if (skew_far(r->clock_skew))
		printf(_("clock:     %s at the last sync: ask your administrator to set this terminal's clock\n"), w);
	else
		printf(_("clock:     %s at the last sync\n"), w);
}

static void show_remote(struct cli *c, struct store *s, const struct sync_remote *r, int64_t waiting)
{
	if (c->json) {
		json_t *o = json_pack("{s:s?, s:s?, s:s?, s:s?, s:b, s:I, s:s?, s:I}", "url", r->url, "ca", r->ca,
				      "device", r->device, "server_id", r->server_id, "enrolled", r->enrolled, "cursor",
				      (json_int_t)r->cursor, "last_sync", r->last_sync, "waiting", (json_int_t)waiting);
		json_object_set_new(o, "proxy", r->proxy ? json_string(r->proxy) : json_null());
		json_object_set_new(o, "clock_skew_seconds", r->skew_known ? json_integer(r->clock_skew) : json_null());
		cli_print_json(o);
		return;
	}
	(void)s;
	char when[40];
	cli_local_time(r->last_sync, when, sizeof(when));
	printf(_("server:    %s\n"), r->url);
	if (r->ca)
		printf(_("CA:        %s\n"), r->ca);
	if (!r->proxy)
		printf(_("proxy:     from the environment (https_proxy, no_proxy)\n"));
	else if (!*r->proxy)
		printf(_("proxy:     none\n"));
	else
		printf(_("proxy:     %s\n"), r->proxy);
	if (r->enrolled)
		printf(_("device:    %s\n"), r->device ? r->device : "?");
	else
		printf(_("device:    not enrolled (docket enrol CODE)\n"));
	printf(_("last sync: %s\n"), r->last_sync ? when : _("never"));
	printf(_("waiting:   %lld action(s) not yet on the server\n"), (long long)waiting);
	show_skew(r);
}

int cmd_remote(struct cli *c)
{
	const char *ca = cli_take_opt(c, "--ca", NULL);
	const char *proxy = cli_take_opt(c, "--proxy", NULL);
	int no_proxy = cli_take_flag(c, "--no-proxy");
	if (cli_no_options(c) < 0 || (proxy && no_proxy))
		return cli_usage(c);
	if (no_proxy)
		proxy = ""; /* none at all, whatever the environment says */
	int set = c->argc == 3 && !strcmp(c->argv[1], "set");
	if (!set && (c->argc != 1 || ca || proxy))
		return cli_usage(c);
	struct store *s;
	int rc = cli_open_store(c, !set, &s);
	if (rc)
		return rc;
	struct buf err = BUF_INIT;
	char *abs = NULL;
	if (set) {
		if (ca && !(abs = realpath(ca, NULL))) {
			cli_error(_("cannot read the CA file '%s'"), ca);
			store_close(s);
			return EXIT_USAGE;
		}
		int st = sync_remote_set(s, c->argv[2], abs, proxy, &err);
		if (st) {
			cli_error("%s", err.s);
			rc = st == STORE_ERR ? EXIT_USAGE : cli_store_exit(st);
		} else if (!c->json) {
			printf(_("remote set: %s\n"), c->argv[2]);
		}
	}
	if (!rc && (!set || c->json)) {
		struct sync_remote r;
		int got = sync_remote_get(s, &r);
		if (got < 0) {
			cli_error("%s", store_error(s));
			rc = cli_store_exit(got);
		} else if (!got) {
			if (c->json)
				cli_print_json(json_object());
			else
				printf(_("no server is set: docket remote set URL [--ca FILE] [--proxy URL|--no-proxy]\n"));
		} else {
			int64_t w = sync_waiting(s);
			show_remote(c, s, &r, w < 0 ? 0 : w);
			sync_remote_release(&r);
		}
	}
	free(abs);
	buf_release(&err);
	store_close(s);
	return rc;
}

/* --- status -------------------------------------------------------------- */

struct listing {
	json_t *arr;
	int n;
};

static int print_row(void *ctx, const char *uuid, const char *type, const char *actor, const char *made_at,
		     const char *code, const char *reason)
{
	struct listing *l = ctx;
	if (l->arr) {
		json_array_append_new(l->arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "uuid", uuid, "type", type,
							"actor", actor, "made_at", made_at, "code", code, "reason",
							reason));
	} else {
		char when[40];
		cli_local_time(made_at, when, sizeof(when));
		printf("  %s  %s  %s  %s\n    %s (%s)\n", when, actor, type, uuid, reason, code);
	}
	l->n++;
	return 0;
}

/* A rejected action for --status: as print_row, and whether and by whom it was discarded. */
static int print_conflict(void *ctx, const struct sync_conflict *k)
{
	struct listing *l = ctx;
	if (l->arr) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "uuid", k->uuid, "type", k->type, "actor",
				      k->actor, "made_at", k->made_at, "code", k->code, "reason", k->reason);
		if (k->resolved)
			json_object_set_new(o, k->resolved, json_pack("{s:s, s:s}", "by", k->resolved_by, "at",
								      k->resolved_at));
		json_array_append_new(l->arr, o);
	} else {
		print_row(ctx, k->uuid, k->type, k->actor, k->made_at, k->code, k->reason);
		l->n--;
		if (k->resolved) {
			char when[40];
			cli_local_time(k->resolved_at, when, sizeof(when));
			if (!strcmp(k->resolved, "redone"))
				printf(_("    done again by %s at %s\n"), k->resolved_by, when);
			else
				printf(_("    discarded by %s at %s\n"), k->resolved_by, when);
		}
	}
	l->n++;
	return 0;
}

/* `docket sync --discard UUID`: the author gives up a rejected action; recorded, who and when. */
static int sync_discard(struct cli *c, const char *uuid)
{
	if (!c->user) {
		cli_error("%s", _("no user: give -u USER or set DOCKET_USER"));
		return EXIT_USAGE;
	}
	struct store *s;
	int rc = cli_open_store(c, 0, &s);
	if (rc)
		return rc;
	struct engine *e = engine_new(s);
	struct auth_session *who = NULL;
	if ((rc = cli_sign_in(c, s, e, 0, &who)) != 0) {
		engine_free(e);
		store_close(s);
		return rc;
	}
	struct buf err = BUF_INIT;
	int st = sync_conflict_discard(s, uuid, c->user, &err);
	if (st == 1) {
		cli_error("%s", err.s);
		rc = EXIT_INVALID;
	} else if (st) {
		cli_error("%s", err.s);
		rc = cli_store_exit(st);
	} else {
		printf(_("discarded the rejected action %s\n"), uuid);
	}
	buf_release(&err);
	cli_sign_out(c, s, who);
	engine_free(e);
	store_close(s);
	return rc;
}

static int sync_status(struct cli *c)
{
	struct store *s;
	int rc = cli_open_store(c, 1, &s);
	if (rc)
		return rc;
	struct sync_remote r;
	int got = sync_remote_get(s, &r);
	if (got < 0) {
		cli_error("%s", store_error(s));
		store_close(s);
		return cli_store_exit(got);
	}
	int64_t w = sync_waiting(s);
	struct listing rej = { c->json ? json_array() : NULL, 0 }, un = { c->json ? json_array() : NULL, 0 };
	if (c->json) {
		sync_conflicts_foreach(s, NULL, NULL, SYNC_CONFLICTS_ALL, print_conflict, &rej);
		sync_unapplied_foreach(s, print_row, &un);
		json_t *o = json_pack("{s:s?, s:s?, s:I, s:o, s:o}", "url", got ? r.url : NULL, "last_sync",
				      got ? r.last_sync : NULL, "waiting", (json_int_t)(w < 0 ? 0 : w), "rejected",
				      rej.arr, "unapplied", un.arr);
		json_object_set_new(o, "clock_skew_seconds",
				    got && r.skew_known ? json_integer(r.clock_skew) : json_null());
		cli_print_json(o);
	} else {
		if (got) {
			char when[40];
			cli_local_time(r.last_sync, when, sizeof(when));
			printf(_("server:    %s\n"), r.url);
			printf(_("last sync: %s\n"), r.last_sync ? when : _("never"));
			show_skew(&r);
		} else {
			printf(_("no server is set: docket remote set URL [--ca FILE] [--proxy URL|--no-proxy]\n"));
		}
		printf(_("waiting:   %lld action(s) not yet on the server\n"), (long long)(w < 0 ? 0 : w));
		printf(_("rejected by the server (kept here; do the action again on the state as it is now):\n"));
		sync_conflicts_foreach(s, NULL, NULL, SYNC_CONFLICTS_ALL, print_conflict, &rej);
		if (!rej.n)
			printf(_("  none\n"));
		sync_unapplied_foreach(s, print_row, &un);
		if (un.n)
			printf(_("%d event(s) from the server not applied here (an action of this terminal is in the way)\n"),
			       un.n);
	}
	if (got)
		sync_remote_release(&r);
	store_close(s);
	return EXIT_OK;
}

int cmd_sync(struct cli *c)
{
	int status = cli_take_flag(c, "--status");
	const char *discard = cli_take_opt(c, "--discard", NULL);
	if (cli_no_options(c) < 0 || c->argc != 1 || (status && discard))
		return cli_usage(c);
	if (status)
		return sync_status(c);
	if (discard)
		return sync_discard(c, discard);
	struct store *s;
	int rc = cli_open_store(c, 0, &s);
	if (rc)
		return rc;
	struct engine *e = engine_new(s);
	struct sync_counts n;
	struct buf err = BUF_INIT;
	int st = sync_run(s, e, &n, &err);
	if (c->json) {
		json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "pushed", (json_int_t)n.pushed,
				      "accepted", (json_int_t)n.accepted, "duplicate", (json_int_t)n.duplicate, "rejected",
				      (json_int_t)n.rejected, "pulled", (json_int_t)n.pulled, "unapplied",
				      (json_int_t)n.unapplied, "conflicts", (json_int_t)n.conflicts, "reapplied",
				      (json_int_t)n.rebased, "replayed", (json_int_t)n.replayed);
		json_object_set_new(o, "retried", json_integer(n.retried));
		json_object_set_new(o, "clock_skew_seconds", n.skew_known ? json_integer(n.clock_skew) : json_null());

		if (st)
			json_object_set_new(o, "error", json_string(err.s));
		cli_print_json(o);
	} else {
		printf(_("pushed %lld, accepted %lld, duplicate %lld, rejected %lld, pulled %lld\n"), (long long)n.pushed,
		       (long long)n.accepted, (long long)n.duplicate, (long long)n.rejected, (long long)n.pulled);
		if (n.rejected)
			printf(_("%lld action(s) rejected by the server: see `docket sync --status`\n"),
			       (long long)n.rejected);
		if (n.conflicts)
			printf(_("%lld of your action(s) no longer apply after what others did: see `docket sync --status`\n"),
			       (long long)n.conflicts);
		if (n.unapplied)
			printf(_("%lld event(s) from the server not applied here: see `docket sync --status`\n"),
			       (long long)n.unapplied);
	}
	if (n.skew_known && skew_far(n.clock_skew)) {
		/* synced all the same: the server's order decides, whatever the times say */
		char w[160];
		say_skew(n.clock_skew, w, sizeof(w));
		cli_error(_("warning: this terminal's clock is %s: ask your administrator to set it; times of actions made here show this clock"),
			  w);
	}
	if (st) {
		cli_error("%s", err.s);
		rc = sync_exit(st);
	}
	buf_release(&err);
	engine_free(e);
	store_close(s);
	return rc;
}

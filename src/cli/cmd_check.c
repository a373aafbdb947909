/*
 * cmd_check: `docket check` — verifies everything in a store that can be
 * forged, and says plainly what it proved and what it could not
 * (doc/security.md, "What check proves").
 *
 * In order: the document refs against SQLite (a ref moved outside docket
 * is set back, and reported); every signature; the hash chain (and, on a
 * production store, that no event's time goes back); the log against its
 * witness (events cut off from the end); every definition version against
 * its hash and event; every document revision, head and approval against
 * its event and commit; then the replay of the log against the derived
 * state. --repair rebuilds that derived state only, and only from a log
 * that verified.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/auth.h"
#include "../docs/docs.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "cli.h"

/* Add each line of text to arr (JSON) or print it with the prefix format. */
static void lines_out(const char *text, json_t *arr, const char *fmt)
{
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		if (arr)
			json_array_append_new(arr, json_stringn(p, len));
		else
			printf(fmt, (int)len, p);
		p += len + (p[len] == '\n');
	}
}

/* A witness time for people: local, short; as written when it does not parse. */
static void local_time(const char *iso, char *out, size_t n)
{
	time_t t;
	if (clock_parse_iso(iso, &t) == 0)
		clock_format_local(t, out, n);
	else
		snprintf(out, n, "%s", iso);
}

int cmd_check(struct cli *c)
{
	int repair = cli_take_flag(c, "--repair");
	if (cli_no_options(c) < 0 || c->argc != 1)
		return cli_usage(c);
	struct store *s;
	int rc = cli_open_store(c, 0, &s);
	if (rc)
		return rc;
	/* what failed (one line each, naming the first bad thing), what was proven, what could not be */
	struct buf bad = BUF_INIT, proven = BUF_INIT, unproven = BUF_INIT, err = BUF_INIT, wproven = BUF_INIT;
	/*
	 * First every document ref against SQLite, marker or not: a ref moved
	 * outside docket (or left ahead by a crash whose marker was lost) is
	 * set back to the head the events made (doc/documents.md). A crashed
	 * save with its marker was reconciled when the store opened.
	 */
	struct buf docs_report = BUF_INIT;
	struct docs *d = NULL;
	int st = docs_open(s, &d, &err);
	if (st == 0 && (st = docs_reconcile(d, NULL, &docs_report)) < 0)
		buf_adds(&err, docs_error(d));
	if (st < 0) {
		cli_error("%s", err.s);
		docs_free(d);
		buf_release(&err);
		buf_release(&docs_report);
		store_close(s);
		return st == DOCS_STORE ? EXIT_STORE : EXIT_INTERNAL;
	}
	if (docs_report.len)
		buf_addf(&bad, "%s\n",
			 _("document refs were not where the events put them (moved outside docket): set back, as said above"));

	/* every signature against the key its signer had then */
	struct auth_report sigs;
	struct buf why = BUF_INIT;
	int log_bad = 0, fatal = 0;
	int sb = auth_verify_log(s, &sigs, &why);
	if (sb > 0) {
		buf_addf(&bad, _("a signature does not hold at %s\n"), why.s);
		log_bad = 1;
	} else if (sb < 0) {
		cli_error("%s", store_error(s));
		fatal = 2;
	}
	buf_release(&why);

	/* the chain, and (production) that time never goes back */
	int64_t bad_seq = 0, last = 0;
	if (!fatal) {
		int cb = store_event_verify(s, &bad_seq);
		if (cb == -1 && bad_seq > 0) {
			buf_addf(&bad, "%s\n", store_error(s));
			log_bad = 1;
		} else if (cb < 0) {
			cli_error("%s", store_error(s));
			fatal = 2;
		}
	}

	/* the log against its witness: were the newest events cut off? */
	struct store_witness w;
	int wv = fatal ? 0 : store_witness_check(s, &w, &last);
	char when[64] = "";
	if (wv < 0) {
		cli_error("%s", store_error(s));
		fatal = 2;
	} else if (!fatal) {
		local_time(w.written_at, when, sizeof(when));
		switch (wv) {
		case STORE_WITNESS_HOLDS:
			buf_addf(&wproven, _("the log still holds the head its witness recorded (event %lld, %s)\n"),
				 (long long)w.seq, when);
			if (last > w.seq)
				buf_addf(&wproven,
					 _("%lld events came after the witness (a docket that ended before writing it,"
					   " or another one writing at the same time)\n"),
					 (long long)(last - w.seq));
			buf_addf(&unproven, "%s\n",
				 _("that no events were cut off together with the witness (an older copy of it put back):"
				   " only a server's acknowledged head can show that"));
			break;
		case STORE_WITNESS_NONE:
			if (last > 0)
				buf_addf(&unproven, _("no witness of the log's head ('%s' is missing or unreadable):"
						      " cannot tell whether the last events were cut off\n"),
					 store_witness_path(s));
			break;
		case STORE_WITNESS_CUT:
			buf_addf(&bad,
				 _("the log ends at event %lld, but its witness recorded event %lld (%s): the last %lld"
				   " events were cut off\n"),
				 (long long)last, (long long)w.seq, when, (long long)(w.seq - last));
			log_bad = 1;
			break;
		default:
			buf_addf(&bad,
				 _("event %lld is not the one its witness recorded (%s): the log was rewritten up to"
				   " there\n"),
				 (long long)w.seq, when);
			log_bad = 1;
			break;
		}
	}

	/* every definition version against its hash and its event */
	int64_t defs = 0;
	if (!fatal) {
		int db = store_def_verify(s, &defs);
		if (db > 0)
			buf_addf(&bad, "%s\n", store_error(s));
		else if (db < 0)
			cli_error("%s", store_error(s)), fatal = 2;
	}

	/* every document revision, head and approval against its event and commit */
	int64_t revs = 0, apprs = 0;
	if (!fatal) {
		int vb = docs_verify(d, &revs, &apprs);
		if (vb > 0)
			buf_addf(&bad, "%s\n", docs_error(d));
		else if (vb < 0)
			cli_error("%s", docs_error(d)), fatal = vb == DOCS_STORE ? 2 : 1;
	}
	docs_free(d);

	/* the replay; a repair rebuilds derived state, and only from a log that verified */
	struct engine *e = engine_new(s);
	struct buf report = BUF_INIT;
	int64_t n = 0;
	int differs = 0;
	if (!fatal && !log_bad) { /* a log that does not verify is not replayed: it proves nothing */
		differs = engine_check(e, repair && !log_bad, &report, &n);
		if (differs < 0) {
			cli_error("%s", engine_error(e));
			fatal = 2;
		} else if (differs > 0) {
			buf_addf(&bad, "%s\n",
				 repair && !log_bad ? _("differences found and repaired from the event log")
						    : _("the state differs from the event log (run 'docket check --repair')"));
		}
	}
	if (fatal) {
		rc = fatal == 2 ? EXIT_STORE : EXIT_INTERNAL;
		goto out;
	}
	int ok = !bad.len;
	if (repair && log_bad)
		buf_addf(&bad, "%s\n",
			 _("nothing was repaired: the event log itself does not verify, and a repair only rebuilds"
			   " state from a log that does"));
	if (!bad.len) {
		buf_addf(&proven,
			 _("every event is its actor's, signed with the key they had then (%lld signed; %lld of the"
			   " setup and %lld of the system unsigned), in an unbroken chain of %lld\n"),
			 (long long)sigs.verified, (long long)sigs.setup, (long long)sigs.system, (long long)last);
		buf_addf(&proven, _("%lld definition versions match their hashes and the events that deployed them\n"),
			 (long long)defs);
		buf_addf(&proven,
			 _("the document revisions (%lld) and approvals (%lld) are the events' own, with their commits intact\n"),
			 (long long)revs, (long long)apprs);
		buf_addf(&proven, "%s", wproven.s);
	}
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "ok", json_boolean(ok));
		json_object_set_new(o, "replayed", json_integer(n));
		json_object_set_new(o, "signatures", json_integer(sigs.verified));
		json_object_set_new(o, "unsigned_setup", json_integer(sigs.setup));
		json_object_set_new(o, "unsigned_system", json_integer(sigs.system));
		json_object_set_new(o, "definitions", json_integer(defs));
		json_object_set_new(o, "document_revisions", json_integer(revs));
		json_object_set_new(o, "document_approvals", json_integer(apprs));
		json_object_set_new(o, "repaired", json_boolean(repair && !log_bad && differs > 0));
		if (wv == STORE_WITNESS_NONE) {
			json_object_set_new(o, "witness", json_null());
		} else {
			static const char *const verdicts[] = { "holds", "none", "cut", "other" };
			json_object_set_new(o, "witness",
					    json_pack("{s:I, s:s, s:s, s:s}", "seq", (json_int_t)w.seq, "hash", w.hash,
						      "written_at", w.written_at, "verdict", verdicts[wv]));
		}
		json_object_set_new(o, "report", json_string(report.s));
		json_t *arr = json_array();
		lines_out(bad.s, arr, NULL);
		json_object_set_new(o, "failed", arr);
		lines_out(proven.s, arr = json_array(), NULL);
		json_object_set_new(o, "proven", arr);
		lines_out(unproven.s, arr = json_array(), NULL);
		json_object_set_new(o, "not_proven", arr);
		lines_out(docs_report.s, arr = json_array(), NULL);
		json_object_set_new(o, "documents_reconciled", arr);
		cli_print_json(o);
	} else {
		lines_out(docs_report.s, NULL, _("check: documents: %.*s\n"));
		utf8_fputs_safe(report.s, UTF8_KEEP_NL | UTF8_KEEP_TAB, stdout); /* it quotes rows */
		lines_out(bad.s, NULL, _("check: %.*s\n"));
		if (ok)
			printf(_("check: event log intact; %lld signatures verified; %lld events replayed; state matches\n"),
			       (long long)sigs.verified, (long long)n);
		lines_out(proven.s, NULL, _("check: proven: %.*s\n"));
		lines_out(unproven.s, NULL, _("check: not proven: %.*s\n"));
	}
	rc = ok ? EXIT_OK : EXIT_INVALID;
out:
	buf_release(&report);
	buf_release(&docs_report);
	buf_release(&bad);
	buf_release(&proven);
	buf_release(&unproven);
	buf_release(&wproven);
	buf_release(&err);
	engine_free(e);
	store_close(s);
	return rc;
}

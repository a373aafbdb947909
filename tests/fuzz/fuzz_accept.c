/*
 * fuzz_accept: what docketd does with a pushed event (engine_accept;
 * doc/protocol.md), fed events a hostile terminal could send. The worst
 * such terminal is an enrolled one: its events carry valid signatures.
 * So the harness holds the keys of three enrolled people (唐雪, the security
 * administrator; 张伟, a clerk; 黄伟, his section chief, who has a leave
 * request of 张伟's to decide) and signs every event whose actor is
 * one of them after the input shaped it: the engine's rules, not the
 * signature, are what must hold. Events of anyone else keep the signature
 * the input gives.
 *
 * Properties: engine_accept answers accepted (0), the same event (1) or
 * refused (ENG_REFUSED) with a code and a reason, or fails with a message;
 * a refusal leaves the log and the state as they were.
 *
 * Input: one wire event (JSON object) or {"events": [...]}; each judged in
 * turn in one transaction, rolled back at the end (the store is made once).
 */
#include <ftw.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/sm2key.h"
#include "defs/defset.h"
#include "engine/engine.h"
#include "store/store.h"
#include "sync/wire.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/xalloc.h"
#include "fuzz.h"

static struct store *s;
static struct engine *e;
static struct sm2key *tang, *zhang, *huang;

/* Enrol `person` as `by` (NULL: the first, self-signed); their key. */
static struct sm2key *enrol(struct sm2key *by_key, const char *by, const char *person)
{
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err);
	char id[HASH_HEX_LEN + 1];
	if (!k || sm2key_id(k, id))
		fuzz_fail("cannot make a key: %s", err.s);
	char *pub = sm2key_public_b64(k);
	json_t *p = json_pack("{s:s, s:s, s:s}", "person", person, "key_id", id, "public_key", pub);
	char *clear = sm2key_private_b64(by_key ? by_key : k);
	struct auth_session *a = NULL;
	if (!by_key)
		a = auth_session_enrolling(person, sm2key_from_private_b64(clear, &err));
	else if (auth_session_from_key(s, by, sm2key_from_private_b64(clear, &err), &a, &err))
		fuzz_fail("cannot sign as %s: %s", by, err.s);
	auth_use_session(s, a);
	if (engine_act(e, NULL, AUTH_EV_ENROLLED, by_key ? by : person, p, NULL))
		fuzz_fail("cannot enrol %s: %s", person, engine_error(e));
	auth_use_session(s, NULL);
	auth_session_free(a);
	free(clear);
	json_decref(p);
	free(pub);
	buf_release(&err);
	return k;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static char *dir;

static void cleanup(void)
{
	engine_free(e);
	store_close(s);
	if (dir)
		nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* The server's store, once: the shipped definitions, two people enrolled. */
static void init(void)
{
	setenv("TZ", "Asia/Shanghai", 1);
	setenv("DOCKET_NOW", "2026-03-02T09:30:00+08:00", 1);
	char tmpl[] = "/tmp/docket-fuzz-accept-XXXXXX";
	if (!mkdtemp(tmpl))
		fuzz_fail("no temporary directory");
	dir = xstrdup(tmpl);
	char *path = xasprintf("%s/s", dir);
	struct buf err = BUF_INIT;
	if (store_init(path, &err) || store_open(path, 0, &s, &err))
		fuzz_fail("cannot make the store: %s", err.s);
	free(path);
	if (store_set_kind(s, STORE_KIND_TEST) < 0 || store_set_server(s) < 0)
		fuzz_fail("cannot make the store a server's: %s", store_error(s));
	struct defset set = DEFSET_INIT;
	struct diags d = DIAGS_INIT;
	defset_add_path(&set, FUZZ_REPO "/workflows", &d);
	defset_add_path(&set, FUZZ_REPO "/forms", &d);
	struct deploy_result *res = NULL;
	size_t n = 0;
	if (defset_check(&set, &d) || defset_deploy(&set, s, "luo.bin", &res, &n, NULL))
		fuzz_fail("cannot deploy the shipped definitions");
	free(res);
	defset_release(&set);
	diags_release(&d);
	e = engine_new(s);
	tang = enrol(NULL, NULL, "tang.xue");
	zhang = enrol(tang, "tang.xue", "zhang.wei");
	huang = enrol(tang, "tang.xue", "huang.wei");
	/* a leave request of zhang.wei's waiting for huang.wei, with fixed ids for the seeds to name */
	char *wf = engine_current_version(e, "workflow", "leave"), *form = engine_current_version(e, "form", "leave");
	char *org = engine_current_version(e, "organisation", NULL);
	json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "workflow", "leave", "workflow_version", wf,
			      "form_version", form, "org_version", org, "data", "type", "annual", "start", "2026-03-03",
			      "end", "2026-03-04", "reason", "探亲");
	char *clear = sm2key_private_b64(zhang);
	struct auth_session *a = NULL;
	if (auth_session_from_key(s, "zhang.wei", sm2key_from_private_b64(clear, &err), &a, &err))
		fuzz_fail("cannot sign as zhang.wei: %s", err.s);
	auth_use_session(s, a);
	char *req = NULL;
	if (engine_act(e, "00000000-0000-4000-8000-000000000001", "instance.created", "zhang.wei", p, &req))
		fuzz_fail("cannot start the request: %s", engine_error(e));
	auth_use_session(s, NULL);
	auth_session_free(a);
	if (getenv("FUZZ_ACCEPT_SHOW")) { /* for writing seeds */
		char *task = NULL;
		engine_my_task(e, "huang.wei", req, &task);
		fprintf(stderr, "request %s task %s versions %s %s %s\n", req, task, wf, form, org);
		free(task);
	}
	free(req);
	free(clear);
	json_decref(p);
	free(wf);
	free(form);
	free(org);
	buf_release(&err);
	atexit(cleanup);
}

/* Sign ev (its key_id and sig replaced) with k; the strings are kept in *id and *sig. */
static void sign(struct store_event *ev, const struct sm2key *k, char id[HASH_HEX_LEN + 1], char **sig)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	store_event_signed_text(ev, &text);
	*sig = sm2key_sign(k, text.s, text.len, &err);
	if (!*sig || sm2key_id(k, id))
		fuzz_fail("cannot sign: %s", err.s);
	ev->key_id = id;
	ev->sig = *sig;
	buf_release(&text);
	buf_release(&err);
}

static void judge(json_t *o)
{
	struct store_event ev;
	struct buf why = BUF_INIT;
	int64_t seq = 0;
	if (wire_event_parse(o, &ev, &seq, &why) < 0) {
		buf_release(&why);
		return; /* docketd answers 400 for it: fuzz_wire covers the reading */
	}
	buf_release(&why);
	char id[HASH_HEX_LEN + 1];
	char *sig = NULL;
	if (!strcmp(ev.actor, "zhang.wei"))
		sign(&ev, zhang, id, &sig);
	else if (!strcmp(ev.actor, "tang.xue"))
		sign(&ev, tang, id, &sig);
	else if (!strcmp(ev.actor, "huang.wei"))
		sign(&ev, huang, id, &sig);
	int64_t before = store_event_last_seq(s), at = 0;
	const char *code = NULL;
	int rc = engine_accept(e, &ev, &at, &code);
	if (getenv("FUZZ_ACCEPT_SHOW"))
		fprintf(stderr, "%s by %s: %d %s %s\n", ev.type, ev.actor, rc, code ? code : "", rc ? engine_error(e) : "");
	if (rc == ENG_REFUSED) {
		if (!code || !*code || !*engine_error(e))
			fuzz_fail("a refusal without a code or a reason");
		if (store_event_last_seq(s) != before)
			fuzz_fail("a refused event left something in the log");
	} else if (rc == 0) {
		if (at != before + 1)
			fuzz_fail("an accepted event is not the log's next");
	} else if (rc == 1) {
		if (at <= 0 || at > before)
			fuzz_fail("the same event again, but not in the log");
	} else if (rc < 0) {
		if (!*engine_error(e))
			fuzz_fail("a failure without a message");
	} else {
		fuzz_fail("engine_accept answered %d", rc);
	}
	free(sig);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!s)
		init();
	json_error_t jerr;
	json_t *o = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return 0;
	if (store_begin(s) < 0)
		fuzz_fail("cannot begin: %s", store_error(s));
	json_t *events = json_is_object(o) ? json_object_get(o, "events") : NULL;
	if (json_is_array(events)) {
		size_t i;
		json_t *ev;
		json_array_foreach(events, i, ev)
			if (i < 16)
				judge(ev);
	} else if (json_is_object(o)) {
		judge(o);
	}
	store_rollback(s);
	json_decref(o);
	return 0;
}

/*
 * common: the setup the benchmarks share (bench.h), linked into each.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "auth/sm2key.h"
#include "defs/defset.h"
#include "engine/engine.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/hash.h"

double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long bench_env(const char *name, long def)
{
	const char *v = getenv(name);
	return v && *v ? atol(v) : def;
}

struct store *bench_fresh_store(const char *dir)
{
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return NULL;
	struct buf err = BUF_INIT;
	struct store *s = NULL;
	if (store_init(dir, &err) || store_open(dir, 0, &s, &err)) {
		fprintf(stderr, "bench: %s\n", err.s);
		buf_release(&err);
		return NULL;
	}
	buf_release(&err);
	if (bench_deploy(s) < 0) {
		store_close(s);
		return NULL;
	}
	return s;
}

int bench_deploy(struct store *s)
{
	struct defset set = DEFSET_INIT;
	struct diags d = DIAGS_INIT;
	defset_add_path(&set, "workflows", &d);
	defset_add_path(&set, "forms", &d);
	struct deploy_result *res = NULL;
	size_t n = 0;
	int bad = defset_check(&set, &d) || defset_deploy(&set, s, "luo.bin", &res, &n, NULL);
	free(res);
	defset_release(&set);
	diags_release(&d);
	if (bad)
		fprintf(stderr, "bench: the shipped definitions do not deploy in '%s'\n", store_dir(s));
	return bad ? -1 : 0;
}

struct auth_session *bench_enrol(struct store *s, struct engine *e, struct auth_session *by, const char *person)
{
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err);
	char id[HASH_HEX_LEN + 1];
	sm2key_id(k, id);
	char *pub = sm2key_public_b64(k), *clear = sm2key_private_b64(k);
	json_t *p = json_pack("{s:s, s:s, s:s}", "person", person, "key_id", id, "public_key", pub);
	struct auth_session *boot = by ? NULL : auth_session_enrolling(person, sm2key_from_private_b64(clear, &err));
	auth_use_session(s, by ? by : boot);
	int rc = engine_act(e, NULL, AUTH_EV_ENROLLED, by ? auth_session_person(by) : person, p, NULL);
	auth_session_free(boot);
	struct auth_session *a = NULL;
	if (!rc)
		auth_session_from_key(s, person, sm2key_from_private_b64(clear, &err), &a, &err);
	if (!a)
		fprintf(stderr, "bench: enrol %s: %s %s\n", person, engine_error(e), err.s);
	sm2key_wipe(clear, strlen(clear));
	free(clear);
	free(pub);
	json_decref(p);
	sm2key_free(k);
	buf_release(&err);
	return a;
}

json_t *bench_leave_payload(struct engine *e)
{
	char *wf = engine_current_version(e, "workflow", "leave");
	char *form = engine_current_version(e, "form", "leave");
	char *org = engine_current_version(e, "organisation", NULL);
	json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:i, s:s}}", "workflow", "leave",
			      "workflow_version", wf, "form_version", form, "org_version", org, "title",
			      "请假 - 张伟", "data", "type", "annual", "start", "2026-03-03", "end", "2026-03-04",
			      "days", 2, "reason", "探亲");
	free(wf);
	free(form);
	free(org);
	return p;
}

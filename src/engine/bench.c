/*
 * bench: a bench-only helper — a large store built fast by direct bulk
 * inserts into the engine's own tables (tests/bench/bench_engine.c). The
 * rows are not derived from events: `docket check` on such a store reports
 * them. Never called by docket itself.
 */
#include <stdio.h>

#include "../store/store.h"
#include "eng_internal.h"

int engine_bench_fill(struct engine *e, int64_t ntasks, int nusers, const char *wf, const char *form,
		      const char *org)
{
	int rc = store_begin(e->s);
	if (rc < 0)
		return eng_fail(e, rc, "%s", store_error(e->s));
	char id[32], inst[32], user[32];
	int64_t per = 10; /* tasks per request */
	for (int64_t i = 0; i < ntasks && !rc; i++) {
		int64_t n = i / per;
		snprintf(inst, sizeof(inst), "bench%08lld", (long long)n);
		if (i % per == 0) {
			snprintf(user, sizeof(user), "u%05lld", (long long)(n % nusers));
			rc = eng_run(e,
				     "INSERT INTO eng_instances (id, uuid, workflow, wf_hash, form_hash, org_hash,"
				     " applicant, title, state, data, created_seq, updated_seq)"
				     " VALUES (?1, ?1, 'leave', ?2, ?3, ?4, ?5, '请假 - 测试', 'running', '{}', ?6, ?6)",
				     "sssssi", inst, wf, form, org, user, n);
		}
		/* users in turn; about 1 task in 20 still to do */
		snprintf(id, sizeof(id), "t%09lld", (long long)i);
		snprintf(user, sizeof(user), "u%05lld", (long long)((i * 7919) % nusers));
		int open = i % 20 == 0;
		if (!rc)
			rc = eng_run(e,
				     "INSERT INTO eng_tasks (id, instance, step, assignee, kind, state, decision,"
				     " created_seq, decided_seq, decided_by) VALUES (?1, ?2, 'dept_head', ?3, 'approve',"
				     " ?4, ?5, ?6, ?7, ?8)",
				     "sssssiis", id, inst, user, open ? "pending" : "done", open ? NULL : "approve", i,
				     open ? (int64_t)0 : i + 1, open ? NULL : user);
	}
	if (rc < 0) {
		store_rollback(e->s);
		return rc;
	}
	if ((rc = store_commit(e->s)) < 0)
		return eng_fail(e, rc, "%s", store_error(e->s));
	return 0;
}

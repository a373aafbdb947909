/*
 * The engine as the only judge of an action. This test plays a modified
 * client: it builds raw events — a type and a JSON payload exactly as a
 * client could send them, with no front end checking anything first — and
 * hands them straight to engine_act(). Each rule of 24c0af6 ("rules": 2)
 * gets a forged event that must be refused with a reason a person can
 * read, leaving every engine table and the event log as they were, and a
 * positive control (the same event by the right person, or with the right
 * data) that is accepted, so the test cannot pass by refusing everything.
 * Beyond those rules: a client calling itself "system", timers sent before
 * they are due, and a payload naming its own calendar version. Each case
 * ends with engine_check(): replaying the log gives the state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "defs/defset.h"
#include "engine/engine.h"
#include "engine/eng_internal.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/xalloc.h"

#include "engine_fixture.h"

/* ---- what a refusal must leave alone ------------------------------------ */

/* Every engine table, as engine.c's tables[] dumps it for docket check. */
static const char *const dumps[] = {
	"SELECT * FROM eng_instances ORDER BY id",
	"SELECT * FROM eng_tasks ORDER BY id",
	"SELECT * FROM eng_active ORDER BY instance, step",
	"SELECT * FROM eng_joins ORDER BY instance, step",
	"SELECT * FROM eng_visited ORDER BY instance, step",
	"SELECT * FROM eng_trail ORDER BY instance, seq, n",
	"SELECT * FROM eng_counters ORDER BY organ, year",
	"SELECT * FROM eng_opinions ORDER BY user, text",
	"SELECT * FROM eng_standins ORDER BY user, seq",
};

/* The whole state as text: each table's rows, then the number of events. Caller frees. */
static char *snapshot(struct fx *f)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
		sqlite3_stmt *st = NULL;
		assert_int_equal(sqlite3_prepare_v2(f->e->db, dumps[i], -1, &st, NULL), SQLITE_OK);
		buf_addf(&b, "## %s\n", dumps[i]);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const char *v = (const char *)sqlite3_column_text(st, c);
				if (v)
					buf_addf(&b, "%zu:%s|", strlen(v), v);
				else
					buf_adds(&b, "-|");
			}
			buf_addch(&b, '\n');
		}
		assert_int_equal(rc, SQLITE_DONE);
		sqlite3_finalize(st);
	}
	return buf_detach(&b);
}

/*
 * After a refusal the log holds what it held, or that plus the record of
 * the refusal (an administrator's, or a try at an administrator's work:
 * the audit trail keeps those), which changes no state.
 */
static void assert_only_audited(struct fx *f, int64_t before, const char *type)
{
	int64_t after = store_event_count(f->s);
	if (after == before)
		return;
	assert_int_equal(after, before + 1);
	struct store_event ev;
	assert_int_equal(store_event_by_seq(f->s, store_event_last_seq(f->s), &ev), 1);
	assert_string_equal(ev.type, "action.refused");
	json_t *p = json_loads(ev.payload, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(p, "action")), type);
	json_decref(p);
	store_event_release(&ev);
}

/* Replaying the log gives exactly the state we have. */
static void assert_replay(struct fx *f)
{
	struct buf report = BUF_INIT;
	int64_t n = 0;
	int rc = engine_check(f->e, 0, &report, &n);
	if (rc)
		fprintf(stderr, "check: %d %s %s\n", rc, report.s, engine_error(f->e));
	assert_int_equal(rc, 0);
	buf_release(&report);
}

/* ---- the forged client -------------------------------------------------- */

/* A JSON text as a client would send it. */
static json_t *J(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (!j)
		fprintf(stderr, "bad JSON in the test: %s: %s\n", text, err.text);
	assert_non_null(j);
	return j;
}

/*
 * Send a forged event (payload stolen): refused, the message says `why`,
 * and nothing changed — no table row, no event.
 */
static void refused(struct fx *f, const char *type, const char *actor, json_t *p, const char *why)
{
	char *before = snapshot(f);
	int64_t events = store_event_count(f->s);
	int rc = engine_act(f->e, NULL, type, actor, p, NULL);
	if (rc != ENG_REFUSED || !strstr(engine_error(f->e), why)) {
		char *sent = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(stderr, "%s by %s: %s\n  got %d: %s\n  want refused: ...%s...\n", type, actor, sent, rc,
			engine_error(f->e), why);
		free(sent);
	}
	json_decref(p);
	assert_int_equal(rc, ENG_REFUSED);
	assert_non_null(strstr(engine_error(f->e), why));
	char *after = snapshot(f);
	assert_string_equal(after, before);
	assert_only_audited(f, events, type);
	free(before);
	free(after);
}

/* Send an event that the rules allow (payload stolen): applied. */
static void accepted(struct fx *f, const char *type, const char *actor, json_t *p)
{
	int rc = engine_act(f->e, NULL, type, actor, p, NULL);
	if (rc)
		fprintf(stderr, "%s by %s refused: %s\n", type, actor, engine_error(f->e));
	json_decref(p);
	assert_int_equal(rc, 0);
}

/* The three versions a new request of workflow `wf` (its form has the same id) runs on. */
static json_t *versions(struct fx *f, const char *wf)
{
	char *w = engine_current_version(f->e, "workflow", wf);
	char *fm = engine_current_version(f->e, "form", wf);
	char *o = engine_current_version(f->e, "organisation", NULL);
	assert_non_null(w);
	assert_non_null(fm);
	assert_non_null(o);
	json_t *p = json_pack("{s:s, s:s, s:s, s:s}", "workflow", wf, "workflow_version", w, "form_version", fm,
			      "org_version", o);
	free(w);
	free(fm);
	free(o);
	return p;
}

/* instance.created of workflow `wf` with the form data `data` (JSON text), as a client sends it. */
static json_t *created(struct fx *f, const char *wf, const char *data, int draft)
{
	json_t *p = versions(f, wf);
	json_object_set_new(p, "data", J(data));
	json_object_set_new(p, "draft", json_boolean(draft));
	return p;
}

/* A legitimate new request; its id (caller frees). */
static char *start(struct fx *f, const char *user, const char *wf, const char *data, int draft)
{
	json_t *p = created(f, wf, data, draft);
	char *id = NULL;
	int rc = engine_act(f->e, NULL, "instance.created", user, p, &id);
	if (rc)
		fprintf(stderr, "new %s by %s refused: %s\n", wf, user, engine_error(f->e));
	json_decref(p);
	assert_int_equal(rc, 0);
	assert_non_null(id);
	return id;
}

/* The user's one open task in request id (caller frees). */
static char *task_of(struct fx *f, const char *user, const char *id)
{
	char *t = NULL;
	int rc = engine_my_task(f->e, user, id, &t);
	if (rc)
		fprintf(stderr, "no task of %s in %s: %s\n", user, id, engine_error(f->e));
	assert_int_equal(rc, 0);
	return t;
}

/* {"task": T, KEY: VAL} — the payload of most task actions. */
static json_t *on_task(const char *task, const char *key, const char *val)
{
	json_t *p = json_pack("{s:s}", "task", task);
	if (key)
		json_object_set_new(p, key, json_string(val));
	return p;
}

/* {"task": T, "user": U[, "where": W]}: transfer, delegate, add a signer. */
static json_t *to_user(const char *task, const char *user, const char *where)
{
	json_t *p = json_pack("{s:s, s:s}", "task", task, "user", user);
	if (where)
		json_object_set_new(p, "where", json_string(where));
	return p;
}

/* {"task": T, "to": TO, "opinion": OP}: a return (退回). */
static json_t *returned_to(const char *task, const char *to, const char *opinion)
{
	return json_pack("{s:s, s:s, s:s}", "task", task, "to", to, "opinion", opinion);
}

/* {"instance": ID, "data": DATA}: new form data (JSON text) for a request. */
static json_t *with_data(const char *id, const char *data)
{
	json_t *p = json_pack("{s:s}", "instance", id);
	json_object_set_new(p, "data", J(data));
	return p;
}

/*
 * A forged event as a row of a table: its type, who sends it, its payload
 * as JSON text where %T stands for the task and %I for the request, and
 * what the refusal must say — NULL for a control the rules accept.
 */
struct forged {
	const char *type, *actor, *payload, *why;
};

/* A row's payload with %T and %I filled in. */
static json_t *fill(const char *text, const char *task, const char *id)
{
	struct buf b = BUF_INIT;
	for (const char *q = text; *q; q++) {
		if (q[0] == '%' && (q[1] == 'T' || q[1] == 'I'))
			buf_adds(&b, *++q == 'T' ? task : id);
		else
			buf_addch(&b, *q);
	}
	json_t *p = J(b.s);
	buf_release(&b);
	return p;
}

/* Send each row of `rows` in turn about task and request id: refused saying why, or accepted. */
static void send_rows(struct fx *f, const struct forged *rows, size_t n, const char *task, const char *id)
{
	for (size_t i = 0; i < n; i++) {
		json_t *p = fill(rows[i].payload, task, id);
		if (rows[i].why)
			refused(f, rows[i].type, rows[i].actor, p, rows[i].why);
		else
			accepted(f, rows[i].type, rows[i].actor, p);
	}
}
#define SEND_ROWS(f, rows, task, id) send_rows(f, rows, sizeof(rows) / sizeof(rows[0]), task, id)

/* Approve `user`'s task in request id with an opinion. */
static void approve(struct fx *f, const char *user, const char *id)
{
	char *t = task_of(f, user, id);
	accepted(f, "task.approved", user, on_task(t, "opinion", "同意"));
	free(t);
}

/*
 * Who holds a pending task of request id at step: "a,b" by user id; with
 * `behalf`, each as "user (for A)" when they stand in. Caller frees.
 */
static char *holders_as(struct fx *f, const char *id, const char *step, int behalf)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->e->db,
					    behalf ? "SELECT assignee || coalesce(' (for ' || on_behalf || ')', '')"
						     " FROM eng_tasks WHERE instance = ?1 AND step = ?2"
						     " AND state = 'pending' ORDER BY assignee"
						   : "SELECT assignee FROM eng_tasks WHERE instance = ?1 AND step = ?2"
						     " AND state = 'pending' ORDER BY assignee",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, step, -1, SQLITE_TRANSIENT);
	struct buf b = BUF_INIT;
	while (sqlite3_step(st) == SQLITE_ROW)
		buf_addf(&b, "%s%s", b.len ? "," : "", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf_detach(&b);
}

static char *holders(struct fx *f, const char *id, const char *step)
{
	return holders_as(f, id, step, 0);
}

static char *holders_for(struct fx *f, const char *id, const char *step)
{
	return holders_as(f, id, step, 1);
}

static void assert_holders(struct fx *f, const char *id, const char *step, const char *want)
{
	char *got = holders(f, id, step);
	assert_string_equal(got, want);
	free(got);
}

/* ---- shipped form data -------------------------------------------------- */

/* 张伟's two-day annual leave (no hand-over needed). */
#define LEAVE_2D "{\"type\": \"annual\", \"start\": \"2026-03-03\", \"end\": \"2026-03-04\", \"reason\": \"探亲\"}"
/* Two days with a hand-over, which only a leave of more than three days asks for. */
#define LEAVE_2D_HANDOVER                                                                                     \
	"{\"type\": \"annual\", \"start\": \"2026-03-03\", \"end\": \"2026-03-04\", \"reason\": \"探亲\","      \
	" \"handover\": \"gao.yan\"}"
/* Five days: the director too, and a hand-over. */
#define LEAVE_5D                                                                                              \
	"{\"type\": \"annual\", \"start\": \"2026-03-03\", \"end\": \"2026-03-07\", \"reason\": \"探亲\","      \
	" \"handover\": \"gao.yan\"}"
/* Twelve days: the vice mayor as well, whom the director picks. */
#define LEAVE_12D                                                                                             \
	"{\"type\": \"personal\", \"start\": \"2026-03-03\", \"end\": \"2026-03-14\", \"reason\": \"回乡照顾老人\"," \
	" \"handover\": \"gao.yan\"}"
#define SEAL                                                                                                  \
	"{\"seal_type\": \"official\", \"copies\": 2, \"purpose\": \"采购合同盖章\", \"file\": [\"采购合同.pdf\"]}"
#define INCOMING                                                                                              \
	"{\"source_organ\": \"省财政厅\", \"source_number\": \"省财发〔2026〕3号\","                           \
	" \"title\": \"关于下达2026年预算的通知\", \"received\": \"2026-03-02\", \"urgency\": \"normal\"}"
#define OUTGOING                                                                                              \
	"{\"doc_type\": \"notice\", \"title\": \"关于做好春季防火工作的通知\", \"urgency\": \"normal\","        \
	" \"main_recipients\": \"各区县人民政府\", \"to_higher\": false}"

/* ---- the cases ---------------------------------------------------------- */

/* Who may start a workflow: 收文办理 names its initiators (the office's clerks). */
static void test_initiators(void **state)
{
	struct fx *f = *state;
	refused(f, "instance.created", "zhang.wei", created(f, "incoming", INCOMING, 0),
		"may not start workflow '收文办理'");
	refused(f, "instance.created", "chen.jianhua", created(f, "incoming", INCOMING, 1),
		"may not start workflow");
	/* control: 王芳 is the office's 文书 */
	char *id = start(f, "wang.fang", "incoming", INCOMING, 0);
	free(id);
	assert_replay(f);
}

/* Form data that fails the form, one forged instance.created each. */
static const struct {
	const char *what, *data, *why;
} bad_forms[] = {
	{ "a required field missing",
	  "{\"type\": \"annual\", \"start\": \"2026-03-03\", \"end\": \"2026-03-04\"}",
	  "'事由' is required" },
	{ "a value of the wrong type",
	  "{\"type\": \"annual\", \"start\": 20260303, \"end\": \"2026-03-04\", \"reason\": \"探亲\"}",
	  "'开始日期' must be a date, not a number" },
	{ "a list where text belongs",
	  "{\"type\": \"annual\", \"start\": \"2026-03-03\", \"end\": \"2026-03-04\", \"reason\": [\"探亲\"]}",
	  "'事由' must be text" },
	{ "an option that is not in the list",
	  "{\"type\": \"vacation\", \"start\": \"2026-03-03\", \"end\": \"2026-03-04\", \"reason\": \"探亲\"}",
	  "'请假类型' has no option 'vacation'" },
	{ "a people field naming someone not in the organisation",
	  "{\"type\": \"annual\", \"start\": \"2026-03-03\", \"end\": \"2026-03-07\", \"reason\": \"探亲\","
	  " \"handover\": \"nobody\"}",
	  "'工作交接人' names an unknown user 'nobody'" },
	{ "a value for a field hidden by visible_when", LEAVE_2D_HANDOVER, "'工作交接人' does not apply here" },
	{ "an attachment for a leave that needs no certificate",
	  "{\"type\": \"annual\", \"start\": \"2026-03-03\", \"end\": \"2026-03-04\", \"reason\": \"探亲\","
	  " \"attachments\": [\"诊断证明.pdf\"]}",
	  "'证明材料' does not apply here" },
	{ "a computed field given a different value",
	  "{\"type\": \"annual\", \"start\": \"2026-03-03\", \"end\": \"2026-03-04\", \"days\": 1,"
	  " \"reason\": \"探亲\"}",
	  "'请假天数' is computed and cannot be filled in" },
	{ "a 12-day leave without the hand-over visible_when makes required",
	  "{\"type\": \"personal\", \"start\": \"2026-03-03\", \"end\": \"2026-03-14\", \"reason\": \"回乡照顾老人\"}",
	  "'工作交接人' is required" },
	{ "a field the form does not have",
	  "{\"type\": \"annual\", \"start\": \"2026-03-03\", \"end\": \"2026-03-04\", \"reason\": \"探亲\","
	  " \"reasn\": \"探亲\"}",
	  "unknown field 'reasn'" },
};

static void test_form_data(void **state)
{
	struct fx *f = *state;
	for (size_t i = 0; i < sizeof(bad_forms) / sizeof(bad_forms[0]); i++) {
		refused(f, "instance.created", "zhang.wei", created(f, "leave", bad_forms[i].data, 0), bad_forms[i].why);
		refused(f, "instance.created", "zhang.wei", created(f, "leave", bad_forms[i].data, 1), bad_forms[i].why);
	}
	refused(f, "instance.created", "zhang.wei", created(f, "leave", "\"探亲\"", 0), "the form data must be an object");
	refused(f, "instance.created", "zhang.wei", created(f, "leave", "[\"探亲\"]", 1), "the form data must be an object");
	/* controls: the same requests filled in properly; a computed value equal to the computed one is fine */
	char *a = start(f, "zhang.wei", "leave", LEAVE_2D, 0);
	char *b = start(f, "zhang.wei", "leave", LEAVE_12D, 1);
	char *c = start(f, "zhang.wei", "leave",
			"{\"type\": \"sick\", \"start\": \"2026-03-03\", \"end\": \"2026-03-04\", \"days\": 2,"
			" \"reason\": \"发烧\", \"attachments\": [\"诊断证明.pdf\"]}",
			0);
	/* the engine keeps the data it judged, the computed days among them */
	json_t *o = engine_show(f->e, b);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "fields"), "days")), 12);
	json_decref(o);
	free(a);
	free(b);
	free(c);
	assert_replay(f);
}

/* The versions an instance.created names must belong together. */
static void test_versions(void **state)
{
	struct fx *f = *state;
	char *seal_wf = engine_current_version(f->e, "workflow", "seal");
	char *seal_form = engine_current_version(f->e, "form", "seal");

	/* a new request of `wf` with `data`, its `key` replaced by `value` */
	const struct {
		const char *wf, *data, *key, *value, *why;
	} mixed[] = {
		/* workflow "leave" on the seal workflow's version */
		{ "leave", LEAVE_2D, "workflow_version", seal_wf, "is not a version of workflow 'leave'" },
		/* the leave workflow with the seal form's version */
		{ "leave", LEAVE_2D, "form_version", seal_form, "is not a version of workflow 'leave' on form" },
		/* the seal workflow and form, called "leave", with seal data */
		{ "seal", SEAL, "workflow", "leave", "is not a version of workflow 'leave'" },
		/* a version that was never deployed */
		{ "leave", LEAVE_2D, "workflow_version", "0000000000000000000000000000000000000000000000000000000000000000",
		  "no deployed workflow version '000000000000'" },
	};
	for (size_t i = 0; i < sizeof(mixed) / sizeof(mixed[0]); i++) {
		json_t *p = created(f, mixed[i].wf, mixed[i].data, 0);
		json_object_set_new(p, mixed[i].key, json_string(mixed[i].value));
		refused(f, "instance.created", "zhang.wei", p, mixed[i].why);
	}

	/* no versions at all */
	refused(f, "instance.created", "zhang.wei", J("{\"workflow\": \"leave\", \"data\": " LEAVE_2D "}"),
		"needs its definition versions");

	/* control: the versions engine_current_version names */
	char *id = start(f, "zhang.wei", "leave", LEAVE_2D, 0);
	char *s = start(f, "zhang.wei", "seal", SEAL, 0);
	free(id);
	free(s);
	free(seal_wf);
	free(seal_form);
	assert_replay(f);
}

/* Actors must be people of the organisation, whatever the action. */
static void test_unknown_actor(void **state)
{
	struct fx *f = *state;
	refused(f, "instance.created", "nobody", created(f, "leave", LEAVE_2D, 0),
		"no user 'nobody' in the organisation");
	char *id = start(f, "zhang.wei", "leave", LEAVE_2D, 0);
	char *t = task_of(f, "huang.wei", id);
#define NOBODY "no user 'nobody' in the organisation"
	static const struct forged rows[] = {
		{ "task.approved", "nobody", "{\"task\": \"%T\", \"opinion\": \"同意\"}", NOBODY },
		{ "task.rejected", "nobody", "{\"task\": \"%T\", \"opinion\": \"不同意\"}", NOBODY },
		{ "instance.returned", "nobody", "{\"task\": \"%T\", \"to\": \"applicant\", \"opinion\": \"退回\"}",
		  NOBODY },
		{ "task.transferred", "nobody", "{\"task\": \"%T\", \"user\": \"feng.xue\"}", NOBODY },
		{ "task.signer_added", "nobody", "{\"task\": \"%T\", \"user\": \"sun.li\", \"where\": \"parallel\"}",
		  NOBODY },
		{ "instance.urged", "nobody", "{\"instance\": \"%I\"}", NOBODY },
		{ "instance.circulated", "nobody", "{\"instance\": \"%I\", \"users\": [\"he.xiaomei\"]}", NOBODY },
		{ "instance.withdrawn", "nobody", "{\"instance\": \"%I\"}", NOBODY },
		{ "instance.terminated", "nobody", "{\"instance\": \"%I\"}", NOBODY },
		{ "opinion.added", "nobody", "{\"text\": \"同意\"}", NOBODY },
		{ "standin.set", "nobody", "{\"standin\": \"sun.li\", \"from\": \"2026-03-02\", \"to\": \"2026-03-06\"}",
		  NOBODY },
		/* controls: the same by people of the organisation */
		{ "opinion.added", "huang.wei", "{\"text\": \"同意\"}", NULL },
		{ "standin.set", "huang.wei", "{\"standin\": \"sun.li\", \"from\": \"2026-04-01\", \"to\": \"2026-04-03\"}",
		  NULL },
		{ "instance.urged", "zhang.wei", "{\"instance\": \"%I\"}", NULL },
		{ "task.approved", "huang.wei", "{\"task\": \"%T\", \"opinion\": \"同意\"}", NULL },
	};
#undef NOBODY
	SEND_ROWS(f, rows, t, id);
	free(t);
	free(id);
	assert_replay(f);
}

/* "pick": the director picks the vice mayor of a long leave, from the step's set only. */
static void test_pick(void **state)
{
	struct fx *f = *state;
	char *id = start(f, "zhang.wei", "leave", LEAVE_12D, 0);
	approve(f, "huang.wei", id);
	char *t = task_of(f, "liu.yang", id);
#define PICK(who) "{\"task\": \"%T\", \"opinion\": \"同意\", \"pick\": \"" who "\"}"
	static const struct forged rows[] = {
		/* the mayor: not a vice mayor */
		{ "task.approved", "liu.yang", PICK("li.guoqiang"),
		  "李国强 cannot be picked for '分管副市长审批': pick one of 陈建华 (chen.jianhua)" },
		/* the applicant himself */
		{ "task.approved", "liu.yang", PICK("zhang.wei"), "cannot be picked for '分管副市长审批'" },
		{ "task.approved", "liu.yang", PICK("nobody"), "no user 'nobody' in the organisation" },
		/* control: the one vice mayor */
		{ "task.approved", "liu.yang", PICK("chen.jianhua"), NULL },
	};
#undef PICK
	SEND_ROWS(f, rows, t, id);
	assert_holders(f, id, "vice_mayor", "chen.jianhua");
	free(t);
	free(id);
	assert_replay(f);
}

/* The ways to a handler, and who may not be one. */
static const struct {
	const char *type, *where;
} handover_ways[] = {
	{ "task.transferred", NULL },
	{ "task.delegated", NULL },
	{ "task.signer_added", "before" },
	{ "task.signer_added", "after" },
	{ "task.signer_added", "parallel" },
};
#define NWAYS (sizeof(handover_ways) / sizeof(handover_ways[0]))

/* Each way to make `user` a handler of task t by `actor`: refused, saying why. */
static void no_way_for(struct fx *f, const char *actor, const char *t, const char *user, const char *why)
{
	for (size_t i = 0; i < NWAYS; i++)
		refused(f, handover_ways[i].type, actor, to_user(t, user, handover_ways[i].where), why);
}

/* Self-approval (the leave workflow says superior): the applicant never becomes a handler. */
static void test_self_approval(void **state)
{
	struct fx *f = *state;
	char *id = start(f, "zhang.wei", "leave", LEAVE_2D, 0);
	char *t = task_of(f, "huang.wei", id);
	no_way_for(f, "huang.wei", t, "zhang.wei", "张伟 is the applicant and may not handle their own request");
	/* controls: someone else, each way */
	accepted(f, "task.signer_added", "huang.wei", to_user(t, "sun.li", "parallel"));
	accepted(f, "task.delegated", "huang.wei", to_user(t, "feng.xue", NULL));
	assert_holders(f, id, "dept_head", "feng.xue,sun.li");
	free(t);
	free(id);
	assert_replay(f);
}

/* Separation of duties (seal: [[dept_head, secretariat]]): who approved the request does not stamp it. */
static void test_separation(void **state)
{
	struct fx *f = *state;
	char *id = start(f, "zhang.wei", "seal", SEAL, 0);
	approve(f, "huang.wei", id);
	char *t = task_of(f, "qian.yu", id);
	no_way_for(f, "qian.yu", t, "huang.wei",
		   "黄伟 acted on '部门负责人审批' and may not also act on '办公室用印' (separation of duties)");
	no_way_for(f, "qian.yu", t, "zhang.wei", "张伟 is the applicant and may not handle their own request");
	/* control: the office clerk may stamp it */
	accepted(f, "task.transferred", "qian.yu", to_user(t, "wang.fang", NULL));
	assert_holders(f, id, "secretariat", "wang.fang");
	free(t);
	t = task_of(f, "wang.fang", id);
	accepted(f, "task.approved", "wang.fang", on_task(t, NULL, NULL));
	free(t);
	free(id);
	assert_replay(f);
}

/* Dedupe (the leave workflow: one approval per person): who approved as head is not handed the director's step. */
static void test_dedupe(void **state)
{
	struct fx *f = *state;
	char *id = start(f, "zhang.wei", "leave", LEAVE_5D, 0);
	approve(f, "huang.wei", id);
	char *t = task_of(f, "liu.yang", id);
	no_way_for(f, "liu.yang", t, "huang.wei",
		   "黄伟 already approved this request at '部门负责人审批' (one approval per person)");
	no_way_for(f, "liu.yang", t, "zhang.wei", "张伟 is the applicant");
	/* control: the deputy director, before him */
	accepted(f, "task.signer_added", "liu.yang", to_user(t, "sun.li", "before"));
	assert_holders(f, id, "director", "sun.li");
	free(t);
	free(id);
	assert_replay(f);
}

/* Deciding a task: only its holder, only once; the applicant holds none of his own. */
static void test_decisions(void **state)
{
	struct fx *f = *state;
	char *id = start(f, "zhang.wei", "leave", LEAVE_2D, 0);
	char *t = task_of(f, "huang.wei", id);
#define AGREE "{\"task\": \"%T\", \"opinion\": \"同意\"}"
#define DISAGREE "{\"task\": \"%T\", \"opinion\": \"不同意\"}"
	static const struct forged rows[] = {
		{ "task.approved", "feng.xue", AGREE, "is not yours: it is assigned to 黄伟" },
		{ "task.approved", "zhang.wei", AGREE, "is not yours" },
		{ "task.rejected", "zhang.wei", DISAGREE, "is not yours" },
		{ "task.approved", "huang.wei", "{\"task\": \"zzzzzzzz\", \"opinion\": \"同意\"}", "zzzzzzzz" },
		/* control: its holder */
		{ "task.approved", "huang.wei", AGREE, NULL },
		{ "task.approved", "huang.wei", AGREE, "was already decided (approved)" },
		{ "task.rejected", "huang.wei", DISAGREE, "was already decided" },
	};
	SEND_ROWS(f, rows, t, id);
	/* the applicant never holds a task of his own request: self_approval is superior */
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->e->db, "SELECT count(*) FROM eng_tasks WHERE assignee = 'zhang.wei'",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	free(t);
	free(id);
	/*
	 * nor as the stand-in of the head who would decide it: the stand-in goes
	 * through self-approval again, to the applicant's superior — the head
	 */
	accepted(f, "standin.set", "huang.wei",
		 J("{\"standin\": \"zhang.wei\", \"from\": \"2026-03-02\", \"to\": \"2026-03-06\"}"));
	id = start(f, "zhang.wei", "leave", LEAVE_2D, 0);
	assert_holders(f, id, "dept_head", "huang.wei");
	t = task_of(f, "huang.wei", id);
	static const struct forged standing[] = {
		{ "task.approved", "zhang.wei", AGREE, "is not yours" },
		{ "task.approved", "huang.wei", AGREE, NULL },
	};
#undef AGREE
#undef DISAGREE
	SEND_ROWS(f, standing, t, id);
	free(t);
	free(id);
	assert_replay(f);
}

/* A return only goes back along the way the request came, never to a step ahead. */
static void test_return_ahead(void **state)
{
	struct fx *f = *state;
	/*
	 * 发文: 部门审核 → 办公室审核 → 秘书长签发, sent back to 办公室审核,
	 * which may return to any step the request visited
	 */
	char *id = start(f, "gao.yan", "outgoing", OUTGOING, 0);
	approve(f, "lin.tao", id);
	approve(f, "zhao.lei", id);
	char *t = task_of(f, "zhou.min", id);
	accepted(f, "instance.returned", "zhou.min", returned_to(t, "office_review", "请修改标题"));
	free(t);
	t = task_of(f, "zhao.lei", id);
	refused(f, "instance.returned", "zhao.lei", returned_to(t, "sign_secgen", "已改"),
		"'秘书长签发' is not before '办公室审核' on this request's way: a return only goes back");
	/* control: back to the step that came before */
	accepted(f, "instance.returned", "zhao.lei", returned_to(t, "dept_review", "请部门再审"));
	assert_holders(f, id, "dept_review", "lin.tao");
	free(t);
	free(id);
	assert_replay(f);
}

/* The same in 请假: the director sent it back to the head, who cannot "return" it to the director. */
static void test_return_ahead_leave(void **state)
{
	struct fx *f = *state;
	char *id = start(f, "zhang.wei", "leave", LEAVE_5D, 0);
	approve(f, "huang.wei", id);
	char *t = task_of(f, "liu.yang", id);
	accepted(f, "instance.returned", "liu.yang", returned_to(t, "dept_head", "请核实交接安排"));
	free(t);
	t = task_of(f, "huang.wei", id);
	refused(f, "instance.returned", "huang.wei", returned_to(t, "director", "已核实"), "a return only goes back");
	refused(f, "instance.returned", "huang.wei", returned_to(t, "hr_record", "已核实"), "never visited");
	/* control: the head approves, the director sends it back by step id */
	accepted(f, "task.approved", "huang.wei", on_task(t, "opinion", "已核实"));
	free(t);
	t = task_of(f, "liu.yang", id);
	accepted(f, "instance.returned", "liu.yang", returned_to(t, "dept_head", "再核实"));
	free(t);
	free(id);
	assert_replay(f);
}

/* 减签: a signer someone added is removed by who added them (or a sysadmin), never by the applicant. */
static void test_signer_removed(void **state)
{
	struct fx *f = *state;
	char *id = start(f, "zhang.wei", "leave", LEAVE_2D, 0);
	char *t = task_of(f, "huang.wei", id);
#define SUN "{\"instance\": \"%I\", \"user\": \"sun.li\"}"
#define HEAD "{\"instance\": \"%I\", \"user\": \"huang.wei\"}"
	static const struct forged rows[] = {
		{ "task.signer_added", "huang.wei", "{\"task\": \"%T\", \"user\": \"sun.li\", \"where\": \"parallel\"}",
		  NULL },
		{ "task.signer_removed", "zhang.wei", SUN,
		  "孙丽 was added by 黄伟: only they (or a system administrator) can remove them" },
		{ "task.signer_removed", "feng.xue", SUN, "孙丽 was added by 黄伟" },
		{ "task.signer_removed", "sun.li", SUN, "孙丽 was added by 黄伟" },
		{ "task.signer_removed", "zhang.wei", HEAD,
		  "黄伟 is a signer the workflow names at '部门负责人审批': only a system administrator can remove them" },
		{ "task.signer_removed", "sun.li", HEAD, "only a system administrator can remove them" },
		/* control: who added her */
		{ "task.signer_removed", "huang.wei", SUN, NULL },
	};
#undef SUN
#undef HEAD
	SEND_ROWS(f, rows, t, id);
	assert_holders(f, id, "dept_head", "huang.wei");
	free(t);
	free(id);
	assert_replay(f);
}

/* refused() with a message made from a format (the request's title in it). */
static void refusedf(struct fx *f, const char *type, const char *actor, json_t *p, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void refusedf(struct fx *f, const char *type, const char *actor, json_t *p, const char *fmt, ...)
{
	va_list ap;
	struct buf why = BUF_INIT;
	va_start(ap, fmt);
	buf_vaddf(&why, fmt, ap);
	va_end(ap);
	refused(f, type, actor, p, why.s);
	buf_release(&why);
}

/* Submitting and changing a request: the applicant only, with data that passes the form. */
static void test_submit_and_update(void **state)
{
	struct fx *f = *state;
	char *id = start(f, "zhang.wei", "leave", LEAVE_2D, 1);
	json_t *good = with_data(id, "{\"type\": \"annual\", \"start\": \"2026-03-03\", \"end\": \"2026-03-05\","
				     " \"reason\": \"回家探亲\"}");
	/* a draft is its applicant's alone: to anyone else the refusal names the id, not the title */
	refusedf(f, "instance.submitted", "huang.wei", json_pack("{s:s}", "instance", id),
		 "only the applicant 张伟 can submit request '%s'", id);
	refused(f, "instance.submitted", "huang.wei", json_incref(good), "only the applicant");
	refused(f, "instance.updated", "huang.wei", json_incref(good), "only the applicant 张伟 can change");
	refused(f, "instance.updated", "huang.wei", json_pack("{s:s, s:s}", "instance", id, "title", "病假 - 张伟"),
		"only the applicant");
	for (size_t i = 0; i < sizeof(bad_forms) / sizeof(bad_forms[0]); i++) {
		refused(f, "instance.updated", "zhang.wei", with_data(id, bad_forms[i].data), bad_forms[i].why);
		refused(f, "instance.submitted", "zhang.wei", with_data(id, bad_forms[i].data), bad_forms[i].why);
	}
	refused(f, "instance.submitted", "zhang.wei", json_pack("{s:s, s:s}", "instance", id, "data", "探亲"),
		"the form data must be an object");
	/* data that is no mapping is no change at all */
	refused(f, "instance.updated", "zhang.wei", json_pack("{s:s, s:s}", "instance", id, "data", "探亲"),
		"nothing to change in request");
	/* controls: the applicant, with good data; then the request is judged again after a return */
	accepted(f, "instance.updated", "zhang.wei", json_incref(good));
	accepted(f, "instance.submitted", "zhang.wei", good);
	char *t = task_of(f, "huang.wei", id);
	accepted(f, "instance.returned", "huang.wei", returned_to(t, "applicant", "请写明探亲地点"));
	refused(f, "instance.submitted", "huang.wei", json_pack("{s:s}", "instance", id), "only the applicant");
	refused(f, "instance.submitted", "zhang.wei", with_data(id, bad_forms[0].data), bad_forms[0].why);
	accepted(f, "instance.submitted", "zhang.wei",
		 with_data(id, "{\"type\": \"annual\", \"start\": \"2026-03-03\", \"end\": \"2026-03-05\","
			       " \"reason\": \"回湖南老家探亲\"}"));
	free(t);
	free(id);
	assert_replay(f);
}

/*
 * Append an event as an older (or newer) docket wrote it, straight to the
 * log without applying it: `payload` (stolen) as given, "rules" and all.
 */
static void append_raw(struct fx *f, const char *type, const char *actor, const char *def_version, json_t *payload)
{
	char uuid[37], now[32];
	uuid_v4(uuid);
	clock_format_iso(clock_now(), now, sizeof(now));
	char *text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	struct store_event ev = { .uuid = uuid, .type = type, .actor = actor, .def_version = def_version,
				  .made_at = now, .base_seq = store_event_last_seq(f->s), .payload = text };
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_event_append(f->s, &ev, NULL), 0);
	assert_int_equal(store_commit(f->s), STORE_OK);
	free(text);
	json_decref(payload);
}

/* Deploy `text` as the current version of the definition (kind, id); its hash (caller frees). */
static char *deploy_text(struct fx *f, const char *kind, const char *id, const char *path, const char *text,
			 size_t len)
{
	char hash[HASH_HEX_LEN + 1], now[32], uuid[37];
	hash_sm3_hex(text, len, hash);
	clock_format_iso(clock_now(), now, sizeof(now));
	uuid_v4(uuid);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_def_deploy(f->s, uuid, "luo.bin", now, kind, id, "variant", hash, path, text, len), 0);
	assert_int_equal(store_commit(f->s), STORE_OK);
	return xstrdup(hash);
}

/*
 * Deploy a new version of the shipped definition (kind, id) in `path`, with
 * `from` replaced by `to`; its hash (caller frees).
 */
static char *deploy_variant(struct fx *f, const char *kind, const char *id, const char *path, const char *from,
			    const char *to)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	struct buf in = BUF_INIT, out = BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&in, chunk, n);
	fclose(fp);
	const char *q = strstr(in.s, from);
	assert_non_null(q);
	buf_add(&out, in.s, (size_t)(q - in.s));
	buf_adds(&out, to);
	buf_adds(&out, q + strlen(from));
	char *hash = deploy_text(f, kind, id, path, out.s, out.len);
	buf_release(&in);
	buf_release(&out);
	return hash;
}

/*
 * A request is judged by the form version it was made on: an option a
 * later version added is no option of an older request.
 */
static void test_pinned_form(void **state)
{
	struct fx *f = *state;
	char *id = start(f, "zhang.wei", "leave", LEAVE_2D, 1);
	char *v2 = deploy_variant(f, "form", "leave", "forms/leave.yaml", "      - {value: maternity, label: 产假}",
				  "      - {value: maternity, label: 产假}\n      - {value: home, label: 探亲假}");
	const char *home = "{\"type\": \"home\", \"start\": \"2026-03-03\", \"end\": \"2026-03-04\", \"reason\": \"探亲\"}";
	/* control: a new request is on the new version, where 探亲假 is an option */
	char *other = start(f, "zhang.wei", "leave", home, 0);
	json_t *o = engine_show(f->e, other);
	assert_string_equal(json_string_value(json_object_get(o, "form_version")), v2);
	json_decref(o);
	refused(f, "instance.updated", "zhang.wei", with_data(id, home), "'请假类型' has no option 'home'");
	refused(f, "instance.submitted", "zhang.wei", with_data(id, home), "'请假类型' has no option 'home'");
	/* control: the old request with data its own version accepts */
	accepted(f, "instance.submitted", "zhang.wei", with_data(id, LEAVE_5D));
	free(other);
	free(v2);
	free(id);
	assert_replay(f);
}

/*
 * A pick is made by the decision that completes a step: where the step
 * waits for others (a countersign at 局领导审批, here), a pick with an
 * approval that does not complete it could take no effect, and is
 * refused saying so rather than that nobody can be picked.
 */
static void test_pick_not_completing(void **state)
{
	struct fx *f = *state;
	char *v2 = deploy_variant(f, "workflow", "leave", "workflows/leave.yaml",
				  "    name: 局领导审批\n    assignees:\n      - role: director\n        department: applicant\n",
				  "    name: 局领导审批\n    mode: countersign\n    assignees:\n      - role: director\n"
				  "        department: applicant\n      - user: sun.li\n");
	char *id = start(f, "zhang.wei", "leave", LEAVE_12D, 0);
	approve(f, "huang.wei", id);
	assert_holders(f, id, "director", "liu.yang,sun.li");
	char *t = task_of(f, "liu.yang", id);
	json_t *p = on_task(t, "opinion", "同意");
	json_object_set_new(p, "pick", json_string("chen.jianhua"));
	refused(f, "task.approved", "liu.yang", p,
		"your decision does not complete '局领导审批' (others there have still to decide): only the decision"
		" that completes a step picks who handles the next one");
	/* controls: his approval without a pick; the last one's, with it */
	accepted(f, "task.approved", "liu.yang", on_task(t, "opinion", "同意"));
	free(t);
	t = task_of(f, "sun.li", id);
	p = on_task(t, "opinion", "同意");
	json_object_set_new(p, "pick", json_string("chen.jianhua"));
	accepted(f, "task.approved", "sun.li", p);
	assert_holders(f, id, "vice_mayor", "chen.jianhua");
	/* where the step passes to one that lets nobody pick, it says that */
	free(t);
	t = task_of(f, "chen.jianhua", id);
	p = on_task(t, "opinion", "同意");
	json_object_set_new(p, "pick", json_string("xu.ming"));
	refused(f, "task.approved", "chen.jianhua", p,
		"nobody is picked here: the step that comes next does not let you choose its handler");
	free(t);
	free(id);
	free(v2);
	assert_replay(f);
}

/* The trail lines of request id with `action`, as "step detail: opinion" lines. Caller frees. */
static char *trail_lines(struct fx *f, const char *id, const char *action)
{
	json_t *o = engine_show(f->e, id);
	assert_non_null(o);
	struct buf b = BUF_INIT;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(o, "trail"), i, v) {
		if (strcmp(json_string_value(json_object_get(v, "action")), action))
			continue;
		const char *step = json_string_value(json_object_get(v, "step"));
		const char *det = json_string_value(json_object_get(v, "detail"));
		const char *op = json_string_value(json_object_get(v, "opinion"));
		buf_addf(&b, "%s %s: %s\n", step ? step : "-", det ? det : "-", op ? op : "-");
	}
	json_decref(o);
	return buf_detach(&b);
}

/* 钱宇, the only seal keeper, asks for the seal; 周敏 (his superior, standing for him) approves it. */
static char *seal_by_keeper(struct fx *f)
{
	char *id = start(f, "qian.yu", "seal", SEAL, 0);
	approve(f, "zhou.min", id);
	return id;
}

#define SEAL_SEPARATION "周敏 acted on '部门负责人审批' and may not also act on '办公室用印' (separation of duties)"

/*
 * The step separation of duties leaves with nobody goes to its fallback
 * people the policies allow, and the trail says who and why — also when
 * the last of them is someone the policies keep out (周敏 himself here).
 */
static void test_fallback_last_barred(void **state)
{
	struct fx *f = *state;
	char *v2 = deploy_variant(f, "workflow", "seal", "workflows/seal.yaml", "    name: 办公室用印\n",
				  "    name: 办公室用印\n    fallback: [{user: wang.fang}, {user: zhou.min}]\n");
	char *id = seal_by_keeper(f);
	assert_holders(f, id, "secretariat", "wang.fang");
	char *got = trail_lines(f, id, "reassigned");
	assert_string_equal(got, "secretariat wang.fang: " SEAL_SEPARATION "\n");
	free(got);
	free(id);
	free(v2);
	assert_replay(f);
}

static void assert_holders_for(struct fx *f, const char *id, const char *step, const char *want)
{
	char *got = holders_for(f, id, step);
	assert_string_equal(got, want);
	free(got);
}

/*
 * The people a step falls back to go through the stand-ins (代理) as
 * anyone assigned does: 王芳 (the fallback) and 李国强 (up the superiors,
 * with no fallback) are away, and 孙丽 stands in for both.
 */
static void test_fallback_standin(void **state)
{
	struct fx *f = *state;
	accepted(f, "standin.set", "li.guoqiang",
		 J("{\"standin\": \"sun.li\", \"from\": \"2026-03-02\", \"to\": \"2026-03-06\"}"));
	accepted(f, "standin.set", "wang.fang",
		 J("{\"standin\": \"sun.li\", \"from\": \"2026-03-01\", \"to\": \"2026-03-03\"}"));
	/* the shipped 用印: no fallback, so up from 周敏 to 李国强 — and to his stand-in */
	char *id = seal_by_keeper(f);
	assert_holders_for(f, id, "secretariat", "sun.li (for li.guoqiang)");
	char *got = trail_lines(f, id, "reassigned");
	assert_string_equal(got, "secretariat li.guoqiang: " SEAL_SEPARATION "\n");
	free(got);
	char *t = task_of(f, "sun.li", id);
	accepted(f, "task.approved", "sun.li", on_task(t, NULL, NULL));
	free(t);
	free(id);
	/* with a fallback: 王芳, and her stand-in */
	char *v2 = deploy_variant(f, "workflow", "seal", "workflows/seal.yaml", "    name: 办公室用印\n",
				  "    name: 办公室用印\n    fallback: [{user: wang.fang}]\n");
	id = seal_by_keeper(f);
	assert_holders_for(f, id, "secretariat", "sun.li (for wang.fang)");
	got = trail_lines(f, id, "reassigned");
	assert_string_equal(got, "secretariat wang.fang: " SEAL_SEPARATION "\n");
	free(got);
	free(id);
	free(v2);
	assert_replay(f);
}

/*
 * A stand-in of a fallback person whom the policies keep out (周敏 stands
 * in for 李国强, but approved the paired step) does not get the task: it
 * stays with the person away, and the trail says why.
 */
static void test_fallback_standin_barred(void **state)
{
	struct fx *f = *state;
	accepted(f, "standin.set", "li.guoqiang",
		 J("{\"standin\": \"zhou.min\", \"from\": \"2026-03-02\", \"to\": \"2026-03-06\"}"));
	char *id = seal_by_keeper(f);
	assert_holders_for(f, id, "secretariat", "li.guoqiang");
	char *got = trail_lines(f, id, "reassigned");
	assert_string_equal(got, "secretariat li.guoqiang: " SEAL_SEPARATION "\n"
				 "secretariat li.guoqiang: " SEAL_SEPARATION "\n");
	free(got);
	free(id);
	assert_replay(f);
}

/* Two checks of one request that one person may not both make, both first given to 黄伟. */
static const char twin_yaml[] =
	"kind: workflow\n"
	"id: twin\n"
	"name: 双人复核\n"
	"form: leave\n"
	"policies:\n"
	"  separate: [[check_a, check_b]]\n"
	"steps:\n"
	"  - id: split\n"
	"    name: 分头复核\n"
	"    type: parallel\n"
	"    branches:\n"
	"      - next: check_a\n"
	"      - next: check_b\n"
	"    join: joined\n"
	"  - id: check_a\n"
	"    name: 甲复核\n"
	"    assignees: [{user: huang.wei}]\n"
	"    next: joined\n"
	"  - id: check_b\n"
	"    name: 乙复核\n"
	"    assignees: [{user: huang.wei}]\n"
	"    next: joined\n"
	"  - id: joined\n"
	"    name: 复核汇总\n"
	"    type: join\n"
	"    next: end\n";

/*
 * The approver's own separation of duties: 黄伟 holds both checks (the
 * block opened them together), approves one, and is refused the other —
 * in names, as every other refusal of the policies says it.
 */
static void test_separation_own_task(void **state)
{
	struct fx *f = *state;
	char *wf = deploy_text(f, "workflow", "twin", "twin.yaml", twin_yaml, strlen(twin_yaml));
	json_t *p = versions(f, "leave");
	json_object_set_new(p, "workflow", json_string("twin"));
	json_object_set_new(p, "workflow_version", json_string(wf));
	json_object_set_new(p, "data", J(LEAVE_2D));
	char *id = NULL;
	assert_int_equal(engine_act(f->e, NULL, "instance.created", "zhang.wei", p, &id), 0);
	json_decref(p);
	assert_holders(f, id, "check_a", "huang.wei");
	assert_holders(f, id, "check_b", "huang.wei");
	sqlite3_stmt *st = NULL;
	char *ta = NULL, *tb = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->e->db, "SELECT id, step FROM eng_tasks WHERE instance = ?1", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char **to = !strcmp((const char *)sqlite3_column_text(st, 1), "check_a") ? &ta : &tb;
		*to = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	accepted(f, "task.approved", "huang.wei", on_task(ta, "opinion", "同意"));
	refused(f, "task.approved", "huang.wei", on_task(tb, "opinion", "同意"),
		"黄伟 acted on '甲复核' and may not also act on '乙复核' (separation of duties)");
	/* control: he hands it to someone who may make it */
	accepted(f, "task.transferred", "huang.wei", to_user(tb, "sun.li", NULL));
	accepted(f, "task.approved", "sun.li", on_task(tb, "opinion", "同意"));
	json_t *o = engine_show(f->e, id);
	assert_string_equal(json_string_value(json_object_get(o, "state")), "approved");
	json_decref(o);
	free(ta);
	free(tb);
	free(id);
	free(wf);
	assert_replay(f);
}

/* The reason column of request id's one "reassigned" trail row, as stored. Caller frees. */
static char *stored_reason_of(struct fx *f, const char *id)
{
	int rc = 0;
	char *v = eng_str(f->e, &rc, "SELECT opinion FROM eng_trail WHERE instance = ?1 AND action = 'reassigned'",
			  "s", id);
	assert_int_equal(rc, 0);
	assert_non_null(v);
	return v;
}

/* engine_check with --repair: the log replayed into the tables (1: something differed and is repaired). */
static int repair(struct fx *f)
{
	struct buf report = BUF_INIT;
	int64_t n = 0;
	int rc = engine_check(f->e, 1, &report, &n);
	if (rc < 0)
		fprintf(stderr, "check: %s\n", engine_error(f->e));
	buf_release(&report);
	return rc;
}

/*
 * The trail stores a policy's reason as a code with ids (rules 4), worded
 * when shown: replay writes the same row in any language. Events of rules
 * 2 and 3 stored it in words, and replay writes them as then: in English,
 * as the reasons were shown everywhere before they were translated.
 */
static void test_reason_stored(void **state)
{
	struct fx *f = *state;
	char *id = seal_by_keeper(f);
	char *got = stored_reason_of(f, id);
	assert_string_equal(got, "{\"other\":\"dept_head\",\"reason\":\"separation\",\"step\":\"secretariat\",\"user\":\"zhou.min\"}");
	free(got);
	json_t *o = engine_show(f->e, id), *v;
	size_t i;
	int n = 0;
	json_array_foreach(json_object_get(o, "trail"), i, v) {
		if (strcmp(json_string_value(json_object_get(v, "action")), "reassigned"))
			continue;
		n++;
		assert_string_equal(json_string_value(json_object_get(v, "opinion")), SEAL_SEPARATION);
		assert_string_equal(json_string_value(json_object_get(json_object_get(v, "reason"), "reason")), "separation");
	}
	assert_int_equal(n, 1);
	json_decref(o);
	free(id);
	assert_replay(f);

	/* the same request as the docket before (rules 3) logged it: its own events, replayed */
	char *wf = engine_current_version(f->e, "workflow", "seal");
	json_t *p = created(f, "seal", SEAL, 0);
	json_object_set_new(p, "rules", json_integer(ENG_RULES_WORDS - 1));
	append_raw(f, "instance.created", "qian.yu", wf, p);
	assert_int_equal(repair(f), 1);
	int rc = 0;
	id = eng_str(f->e, &rc, "SELECT id FROM eng_instances WHERE created_seq = (SELECT max(created_seq) FROM eng_instances)", "");
	assert_non_null(id);
	char *t = task_of(f, "zhou.min", id);
	append_raw(f, "task.approved", "zhou.min", wf, json_pack("{s:s, s:s, s:i}", "task", t, "opinion", "同意", "rules", ENG_RULES_WORDS - 1));
	assert_int_equal(repair(f), 1);
	got = stored_reason_of(f, id);
	assert_string_equal(got, SEAL_SEPARATION);
	free(got);
	/* shown as it is */
	o = engine_show(f->e, id);
	json_array_foreach(json_object_get(o, "trail"), i, v) {
		if (!strcmp(json_string_value(json_object_get(v, "action")), "reassigned")) {
			assert_string_equal(json_string_value(json_object_get(v, "opinion")), SEAL_SEPARATION);
			assert_null(json_object_get(v, "reason"));
		}
	}
	json_decref(o);
	free(t);
	free(id);
	free(wf);
	assert_replay(f);
}

/*
 * What an approval records of the request's documents is the engine's to
 * say (engine_act reads the documents at a step with access): at a step
 * with `document: none` a payload naming revisions is forged, and refused.
 */
static void test_documents_at_none(void **state)
{
	struct fx *f = *state;
	char *v2 = deploy_variant(f, "workflow", "leave", "workflows/leave.yaml", "    name: 部门负责人审批\n",
				  "    name: 部门负责人审批\n    document: none\n");
	char *id = start(f, "zhang.wei", "leave", LEAVE_2D, 0);
	char *t = task_of(f, "huang.wei", id);
	json_t *p = on_task(t, "opinion", "同意");
	json_object_set_new(p, "documents",
			    J("{\"0cbjjaf6\": {\"commit\": \"1a2b3c4d5e6f70819203a4b5c6d7e8f901234567\", \"rev\": 3}}"));
	refused(f, "task.approved", "huang.wei", p,
		"step '部门负责人审批' has no document access ('document: none'): an approval there records no documents");
	p = on_task(t, "opinion", "同意");
	json_object_set_new(p, "documents", J("{}"));
	refused(f, "task.approved", "huang.wei", p, "has no document access");
	/* control: the approval as engine_act makes it, recording nothing */
	accepted(f, "task.approved", "huang.wei", on_task(t, "opinion", "同意"));
	json_t *o = engine_show(f->e, id);
	json_t *line = json_array_get(json_object_get(o, "trail"), 2);
	assert_string_equal(json_string_value(json_object_get(line, "action")), "approve");
	assert_true(json_is_null(json_object_get(line, "detail")));
	json_decref(o);
	free(t);
	free(id);
	free(v2);
	assert_replay(f);
}

/* Terminating and migrating a request: system administrators only. */
static void test_admin_only(void **state)
{
	struct fx *f = *state;
	char *id = start(f, "zhang.wei", "leave", LEAVE_2D, 0);
	char *v2 = deploy_variant(f, "workflow", "leave", "workflows/leave.yaml", "name: 部门负责人审批",
				  "name: 科室负责人审批");
	json_t *move = json_pack("{s:s, s:s, s:{s:s}}", "instance", id, "workflow_version", v2, "map", "dept_head",
				 "dept_head");
	json_t *stop = json_pack("{s:s, s:s}", "instance", id, "opinion", "重复申请");
	static const char *const not_admins[] = { "zhang.wei", "huang.wei", "li.guoqiang", "tang.xue" };
	for (size_t i = 0; i < sizeof(not_admins) / sizeof(not_admins[0]); i++) {
		refused(f, "instance.terminated", not_admins[i], json_incref(stop),
			"only a system administrator can terminate");
		refused(f, "instance.migrated", not_admins[i], json_incref(move),
			"only a system administrator can migrate");
	}
	/* the API's migration judges the same */
	json_t *moved = NULL;
	char *before = snapshot(f);
	int64_t events = store_event_count(f->s);
	assert_int_equal(engine_migrate(f->e, "huang.wei", "leave", v2, json_object_get(move, "map"), NULL, 0, &moved),
			 ENG_REFUSED);
	assert_non_null(strstr(engine_error(f->e), "only a system administrator can migrate"));
	char *after = snapshot(f);
	assert_string_equal(after, before);
	assert_only_audited(f, events, "instance.migrated");
	free(before);
	free(after);
	/* controls: 罗斌 is the system administrator */
	accepted(f, "instance.migrated", "luo.bin", move);
	json_t *o = engine_show(f->e, id);
	assert_string_equal(json_string_value(json_object_get(o, "workflow_version")), v2);
	json_decref(o);
	accepted(f, "instance.terminated", "luo.bin", stop);
	free(v2);
	free(id);
	assert_replay(f);
}


/*
 * The request's state, as the action table names it for each action
 * (actions.def): what is refused in the wrong state, with its words, and
 * the same action accepted in a state it allows. A read item stays
 * readable after the request finished; a task to decide is not read, nor
 * an item to read decided.
 */
static void test_state_checks(void **state)
{
	struct fx *f = *state;
	/* refusals name a request by its title, as people know it (LEAVE_2D's) */
	const char *title = "年假 2天 - 张伟";
	char *draft = start(f, "zhang.wei", "leave", LEAVE_2D, 1);
	refusedf(f, "instance.circulated", "zhang.wei", json_pack("{s:s, s:[s]}", "instance", draft, "users", "he.xiaomei"),
		 "request '%s' is a draft: submit it first", title);
	char *r = start(f, "zhang.wei", "leave", LEAVE_2D, 0);
	json_t *on_r = json_pack("{s:s}", "instance", r);
	refusedf(f, "instance.submitted", "zhang.wei", json_incref(on_r),
		 "request '%s' is in progress: only a draft, returned or withdrawn request can be submitted", title);
	refusedf(f, "instance.updated", "zhang.wei", json_pack("{s:s, s:s}", "instance", r, "title", "年假"),
		 "request '%s' is in progress: only a draft, returned or withdrawn request can be changed", title);
	char *head = task_of(f, "huang.wei", r);
	refusedf(f, "task.read", "huang.wei", on_task(head, NULL, NULL),
		 "'%s' is yours to decide, not to read: approve, reject or return it", title);
	accepted(f, "task.approved", "huang.wei", on_task(head, "opinion", "同意"));
	approve(f, "xu.ming", r);
	/* approved: nothing but reading is left to do */
	char *item = task_of(f, "he.xiaomei", r);
	refusedf(f, "task.approved", "he.xiaomei", on_task(item, "opinion", "同意"),
		 "'%s' was sent to you for reading: mark it read instead", title);
	refusedf(f, "task.transferred", "he.xiaomei", to_user(item, "sun.li", NULL),
		 "'%s' was sent to you for reading: mark it read instead", title);
	refusedf(f, "task.takenback", "huang.wei", on_task(head, NULL, NULL), "request '%s' is approved, not running", title);
	refusedf(f, "instance.urged", "zhang.wei", json_incref(on_r), "request '%s' is approved, not running", title);
	refusedf(f, "instance.withdrawn", "zhang.wei", json_incref(on_r), "request '%s' is approved, not running", title);
	/* need to know: the system administrator is not involved, so the refusal names the id he typed */
	refusedf(f, "task.signer_removed", "luo.bin", json_pack("{s:s, s:s}", "instance", r, "user", "xu.ming"),
		 "request '%s' is approved, not running", r);
	refusedf(f, "instance.terminated", "luo.bin", json_incref(on_r), "request '%s' is already approved", r);
	char *v2 = deploy_variant(f, "workflow", "leave", "workflows/leave.yaml", "name: 部门负责人审批",
				  "name: 科室负责人审批");
	refusedf(f, "instance.migrated", "luo.bin",
		 json_pack("{s:s, s:s, s:{}}", "instance", r, "workflow_version", v2, "map"),
		 "request '%s' is approved: a finished request is not migrated", r);
	/* controls: the item is read; circulating a request once submitted; a withdrawn one resubmitted */
	accepted(f, "task.read", "he.xiaomei", on_task(item, NULL, NULL));
	accepted(f, "instance.submitted", "zhang.wei", json_pack("{s:s}", "instance", draft));
	accepted(f, "instance.circulated", "zhang.wei", json_pack("{s:s, s:[s]}", "instance", draft, "users", "he.xiaomei"));
	accepted(f, "instance.withdrawn", "zhang.wei", json_pack("{s:s}", "instance", draft));
	refusedf(f, "instance.terminated", "luo.bin", json_pack("{s:s}", "instance", draft),
		 "request '%s' is already withdrawn", draft);
	accepted(f, "instance.migrated", "luo.bin",
		 json_pack("{s:s, s:s, s:{}}", "instance", draft, "workflow_version", v2, "map"));
	accepted(f, "instance.submitted", "zhang.wei", json_pack("{s:s}", "instance", draft));
	accepted(f, "instance.terminated", "luo.bin", json_pack("{s:s}", "instance", draft));
	json_decref(on_r);
	free(v2);
	free(item);
	free(head);
	free(r);
	free(draft);
	assert_replay(f);
}

/* The last event's payload (caller decrefs). */
static json_t *last_payload(struct fx *f)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->e->db, "SELECT payload FROM events ORDER BY seq DESC LIMIT 1", -1, &st,
					    NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	json_t *p = J((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return p;
}

/* Payload p claiming to be judged by rules `r` (p, given back). */
static json_t *claiming(json_t *p, int r)
{
	json_object_set_new(p, "rules", json_integer(r));
	return p;
}

/* A payload claiming older rules ("rules": 1, or none that exist) switches no check off. */
static void test_forged_rules(void **state)
{
	struct fx *f = *state;
	static const int claims[] = { 0, 1, -5, 99 };
	char *id = start(f, "zhang.wei", "leave", LEAVE_12D, 0);
	char *t = task_of(f, "huang.wei", id);
	for (size_t i = 0; i < sizeof(claims) / sizeof(claims[0]); i++) {
		int r = claims[i];
		refused(f, "task.signer_added", "huang.wei", claiming(to_user(t, "zhang.wei", "before"), r),
			"张伟 is the applicant and may not handle their own request");
		refused(f, "task.transferred", "huang.wei", claiming(to_user(t, "zhang.wei", NULL), r), "is the applicant");
		refused(f, "instance.created", "zhang.wei", claiming(created(f, "leave", LEAVE_2D_HANDOVER, 0), r),
			"'工作交接人' does not apply here");
		refused(f, "instance.created", "zhang.wei", claiming(created(f, "incoming", INCOMING, 0), r),
			"may not start workflow");
		refused(f, "task.signer_removed", "zhang.wei",
			claiming(json_pack("{s:s, s:s}", "instance", id, "user", "huang.wei"), r),
			"only a system administrator can remove them");
		refused(f, "instance.created", "nobody", claiming(created(f, "leave", LEAVE_2D, 0), r),
			"no user 'nobody' in the organisation");
	}
	/* and the pick, one step on */
	approve(f, "huang.wei", id);
	free(t);
	t = task_of(f, "liu.yang", id);
	json_t *p = on_task(t, "opinion", "同意");
	json_object_set_new(p, "pick", json_string("li.guoqiang"));
	refused(f, "task.approved", "liu.yang", claiming(p, 1), "cannot be picked");
	/* control: an allowed signer, under the same claim, is recorded as judged by today's rules */
	accepted(f, "task.signer_added", "liu.yang", claiming(to_user(t, "sun.li", "before"), 1));
	json_t *last = last_payload(f);
	assert_int_equal(json_integer_value(json_object_get(last, "rules")), ENG_RULES);
	json_decref(last);
	free(t);
	free(id);
	assert_replay(f);
}

/*
 * A transfer of the head's task to the applicant, stamped with `rules`, in
 * the log of a new leave: what docket check makes of it. Returns
 * engine_check's answer; the message is engine_error's.
 */
static int check_forged_transfer(struct fx *f, int rules, char **id_out)
{
	char *id = start(f, "zhang.wei", "leave", LEAVE_2D, 0);
	char *t = task_of(f, "huang.wei", id);
	char *wf = engine_current_version(f->e, "workflow", "leave");
	json_t *p = to_user(t, "zhang.wei", NULL);
	if (rules)
		json_object_set_new(p, "rules", json_integer(rules));
	append_raw(f, "task.transferred", "huang.wei", wf, p);
	struct buf report = BUF_INIT;
	int64_t n = 0;
	int rc = engine_check(f->e, 1, &report, &n);
	buf_release(&report);
	free(wf);
	free(t);
	*id_out = id;
	return rc;
}

/*
 * Strict is "rules 2 or later", the version that brought the checks, not
 * "today's version": an event stamped 2 is judged by every check whatever
 * ENG_RULES has become since, as is one stamped with a later version. Only
 * events older than rules 2 (no "rules") replay as they were decided.
 * Replay shows it: such a transfer to the applicant cannot be replayed
 * from a log that says rules 2, today's or a later one, and is replayed
 * from one that does not say.
 */
static void test_rules_strict(void **state)
{
	static const int strict[] = { ENG_RULES_STRICT, ENG_RULES, ENG_RULES + 1 };
	for (size_t i = 0; i < sizeof(strict) / sizeof(strict[0]); i++) {
		void *st = NULL;
		assert_int_equal(setup(&st), 0);
		char *id = NULL;
		int rc = check_forged_transfer(st, strict[i], &id);
		if (rc != STORE_CORRUPT)
			fprintf(stderr, "rules %d: check gave %d: %s\n", strict[i], rc, engine_error(((struct fx *)st)->e));
		assert_int_equal(rc, STORE_CORRUPT);
		assert_non_null(strstr(engine_error(((struct fx *)st)->e),
				       "(task.transferred) cannot be replayed: 张伟 is the applicant and may not handle their own request"));
		free(id);
		teardown(&st);
	}
	/* control: the same event from before rules 2 replays as decided then (check --repair keeps it) */
	struct fx *f = *state;
	char *id = NULL;
	assert_int_equal(check_forged_transfer(f, 0, &id), 1);
	assert_holders(f, id, "dept_head", "zhang.wei");
	assert_replay(f);
	free(id);
}

/* ---- the system's name --------------------------------------------------- */

#define NOW "2026-03-02T09:30:00+08:00"

/* The task's deadline ("deadline") or next reminder ("next_remind"), as show --json tells a client. */
static int64_t task_due(struct fx *f, const char *task, const char *which)
{
	char *sql = xasprintf("SELECT %s FROM eng_tasks WHERE id = ?1", which);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->e->db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, task, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t due = sqlite3_column_int64(st, 0);
	assert_true(due > 0);
	sqlite3_finalize(st);
	free(sql);
	return due;
}

/* A timer event as engine_tick makes it. */
static json_t *timer(const char *task, int64_t due)
{
	return json_pack("{s:s, s:I, s:s, s:s, s:s}", "task", task, "due", (json_int_t)due, "approve_opinion",
			 "超时自动通过", "reject_opinion", "超时自动驳回", "sign_opinion",
			 "超时未签发：签发须由本人办理，不自动通过");
}

/* How task was decided: "approve by system", or "" while open. Caller frees. */
static char *decided(struct fx *f, const char *task)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->e->db,
					    "SELECT coalesce(decision || ' by ' || decided_by, '') FROM eng_tasks WHERE id = ?1",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, task, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	char *d = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return d;
}

/* Time passes to `iso`; engine_tick fires what is due then. The number fired. */
static int tick_at(struct fx *f, const char *iso)
{
	setenv("DOCKET_NOW", iso, 1);
	int fired = 0;
	int rc = engine_tick(f->e, clock_now(), &fired);
	if (rc)
		fprintf(stderr, "tick: %s\n", engine_error(f->e));
	setenv("DOCKET_NOW", NOW, 1);
	assert_int_equal(rc, 0);
	return fired;
}

/*
 * "system" is the name timers act under; it is nobody in the organisation.
 * A client calling itself "system" decides nobody's task, and a person
 * makes no timer event (the applicant firing the HR step's deadline,
 * whose on_timeout approves, would approve his own request).
 */
static void test_system_name(void **state)
{
	struct fx *f = *state;
	char *id = start(f, "zhang.wei", "leave", LEAVE_2D, 0);
	char *t = task_of(f, "huang.wei", id);
	static const struct forged rows[] = {
		{ "task.approved", "system", "{\"task\": \"%T\"}", "the system cannot" },
		{ "task.rejected", "system", "{\"task\": \"%T\"}", "the system cannot" },
		{ "task.transferred", "system", "{\"task\": \"%T\", \"user\": \"feng.xue\"}", "the system cannot" },
		{ "instance.returned", "system", "{\"task\": \"%T\", \"to\": \"applicant\", \"opinion\": \"退回\"}",
		  "the system cannot" },
		{ "task.approved", "huang.wei", "{\"task\": \"%T\", \"opinion\": \"同意\"}", NULL },
	};
	SEND_ROWS(f, rows, t, id);
	free(t);
	t = task_of(f, "xu.ming", id);
	int64_t due = task_due(f, t, "deadline");
	refused(f, "timer.timeout", "zhang.wei", timer(t, due), "only the system");
	refused(f, "timer.timeout", "xu.ming", timer(t, due), "only the system");
	/* control: the deadline (2 working days) passes, the timer approves the record */
	assert_true(tick_at(f, "2026-03-20T09:30:00+08:00") >= 1);
	char *d = decided(f, t);
	assert_string_equal(d, "approve by system");
	free(d);
	free(t);
	free(id);
	assert_replay(f);
}

/*
 * A timer is due when it is due: a client sending the timer event engine_tick
 * would send later (with the right "due", as show --json gives it) must not
 * escalate, remind or decide before then.
 */
static void test_timer_early(void **state)
{
	struct fx *f = *state;
	char *id = start(f, "zhang.wei", "leave", LEAVE_2D, 0);
	char *t = task_of(f, "huang.wei", id);
	/* 部门负责人审批: a reminder every 4h, escalated after 1 working day */
	refused(f, "timer.remind", "system", timer(t, task_due(f, t, "next_remind")), "due");
	refused(f, "timer.timeout", "system", timer(t, task_due(f, t, "deadline")), "due");
	accepted(f, "task.approved", "huang.wei", on_task(t, "opinion", "同意"));
	free(t);
	/* 人事备案: approved automatically at its deadline, not before */
	t = task_of(f, "xu.ming", id);
	refused(f, "timer.timeout", "system", timer(t, task_due(f, t, "deadline")), "due");
	/* control: the same event once the deadline passed */
	setenv("DOCKET_NOW", "2026-03-20T09:30:00+08:00", 1);
	accepted(f, "timer.timeout", "system", timer(t, task_due(f, t, "deadline")));
	setenv("DOCKET_NOW", NOW, 1);
	char *d = decided(f, t);
	assert_string_equal(d, "approve by system");
	free(d);
	free(t);
	free(id);
	assert_replay(f);
}

/* The deadline of the open task of request id at step. */
static int64_t deadline_at(struct fx *f, const char *id, const char *step)
{
	char *who = holders(f, id, step);
	char *t = task_of(f, who, id);
	int64_t d = task_due(f, t, "deadline");
	free(t);
	free(who);
	return d;
}

/*
 * engine_act records the calendar an event counts working days on, as it
 * stamps "rules": a client naming another calendar version (an older one,
 * or none that exists) does not choose the deadlines. Either the engine
 * records its own (the deadline is the one today's calendar gives) or it
 * refuses, changing nothing; it never fails as if the store were damaged.
 */
/*
 * A new leave naming calendar version `cal`: 1 when the engine judged it
 * right — refused changing nothing, or accepted with today's calendar
 * `today` recorded and the deadline `want` it gives — else 0, saying why.
 */
static int forged_calendar(struct fx *f, const char *cal, const char *today, int64_t want)
{
	json_t *p = created(f, "leave", LEAVE_2D, 0);
	json_object_set_new(p, "calendar_version", json_string(cal));
	char *before = snapshot(f), *id = NULL;
	int64_t events = store_event_count(f->s);
	int rc = engine_act(f->e, NULL, "instance.created", "zhang.wei", p, &id);
	json_decref(p);
	int ok = 0;
	if (rc == ENG_REFUSED) {
		char *after = snapshot(f);
		ok = !strcmp(after, before) && store_event_count(f->s) == events;
		free(after);
	} else if (rc == 0) {
		json_t *last = last_payload(f);
		const char *kept = json_string_value(json_object_get(last, "calendar_version"));
		int64_t got = deadline_at(f, id, "dept_head");
		ok = kept && !strcmp(kept, today) && got == want;
		if (!ok)
			fprintf(stderr, "calendar_version %.12s accepted: recorded %.12s, deadline %lld (today's calendar: %lld)\n",
				cal, kept ? kept : "-", (long long)got, (long long)want);
		json_decref(last);
	}
	if (rc != 0 && rc != ENG_REFUSED)
		fprintf(stderr, "calendar_version %.12s: %d (not a refusal) %s\n", cal, rc, engine_error(f->e));
	free(before);
	free(id);
	return ok;
}

static void test_calendar_forged(void **state)
{
	struct fx *f = *state;
	char *old = engine_current_version(f->e, "calendar", "cn");
	assert_non_null(old);
	/* today's calendar: 3 March 2026 is a day off */
	char *today = deploy_variant(f, "calendar", "cn", "workflows/calendar-cn.yaml",
				     "  - {name: 清明节, from: 2026-04-04",
				     "  - {name: 防汛调休, date: 2026-03-03}\n  - {name: 清明节, from: 2026-04-04");
	char *control = start(f, "zhang.wei", "leave", LEAVE_2D, 0);
	int64_t want = deadline_at(f, control, "dept_head");
	const char *const forged[] = {
		old, /* the calendar deployed before, where 3 March is a working day */
		"0000000000000000000000000000000000000000000000000000000000000000",
		"not a version",
	};
	int wrong = 0;
	for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++)
		wrong += !forged_calendar(f, forged[i], today, want);
	free(control);
	free(old);
	free(today);
	assert_replay(f);
	assert_int_equal(wrong, 0);
}

/* The ids engine.h's ENGINE_INVOLVED_SQL gives for `user`, one per line, sorted. Caller frees. */
static char *involved_sql(struct fx *f, const char *user)
{
	sqlite3_stmt *st = NULL;
	struct buf b = BUF_INIT;
	char *sql = xasprintf("SELECT * FROM (%s) ORDER BY 1", ENGINE_INVOLVED_SQL);
	assert_int_equal(sqlite3_prepare_v2(f->e->db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		buf_addf(&b, "%s\n", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	free(sql);
	return buf_detach(&b);
}

/*
 * Need to know (rules 5): who is involved in a request — the applicant, a
 * handler, a reader it was circulated to — and who reads it by a role's
 * read_all (钱宇, 机要档案), never an administrator. A refused read is
 * ENG_DENIED and recorded as action.refused by who tried. The same rule as
 * SQL over every request. A forged document.read by someone not involved
 * is refused by apply; the involved and read_all are accepted.
 */
static void test_need_to_know(void **state)
{
	struct fx *f = *state;
	char *id = start(f, "zhang.wei", "leave", LEAVE_2D, 0);
	char *other = start(f, "he.xiaomei", "leave", LEAVE_2D, 0);
	assert_int_equal(engine_involved(f->e, "zhang.wei", id), 1);
	assert_int_equal(engine_involved(f->e, "huang.wei", id), 1);
	assert_int_equal(engine_involved(f->e, "gao.yan", id), 0);
	assert_int_equal(engine_involved(f->e, "he.xiaomei", id), 0);
	assert_int_equal(engine_may_read(f->e, "qian.yu", id), 0);
	int64_t events = store_event_count(f->s);
	assert_int_equal(engine_may_read(f->e, "gao.yan", id), ENG_DENIED);
	assert_non_null(strstr(engine_error(f->e), "you are not involved in request"));
	assert_only_audited(f, events, "request.read");
	assert_int_equal(store_event_count(f->s), events + 1);
	for (const char *const *a = (const char *const[]){ "luo.bin", "tang.xue", "song.yu", NULL }; *a; a++)
		assert_int_equal(engine_may_read(f->e, *a, id), ENG_DENIED);
	/* circulated to: involved from then on */
	char *p = xasprintf("{\"instance\": \"%s\", \"users\": [\"he.xiaomei\"]}", id);
	accepted(f, "instance.circulated", "zhang.wei", J(p));
	free(p);
	assert_int_equal(engine_involved(f->e, "he.xiaomei", id), 1);
	/* the same rule as SQL, for a server sending a person their requests only */
	char *want = xasprintf("%s\n%s\n", strcmp(id, other) < 0 ? id : other, strcmp(id, other) < 0 ? other : id);
	char *got = involved_sql(f, "he.xiaomei");
	assert_string_equal(got, want);
	free(got);
	free(want);
	got = involved_sql(f, "gao.yan");
	assert_string_equal(got, "");
	free(got);
	/* a forged read of a document of the request */
	p = xasprintf("{\"doc\": \"abcd2345\", \"rev\": 1, \"commit\": \"%040d\", \"request\": \"%s\"}", 0, id);
	refused(f, "document.read", "gao.yan", J(p), "you are not involved in request");
	refused(f, "document.read", "luo.bin", J(p), "administrators do their own work only");
	accepted(f, "document.read", "huang.wei", J(p));
	accepted(f, "document.read", "qian.yu", J(p));
	free(p);
	free(id);
	free(other);
	assert_replay(f);
}

int main(void)
{
	setenv("TZ", "Asia/Shanghai", 1);
	setenv("LANG", "C.UTF-8", 1);
	setenv("DOCKET_NOW", NOW, 1);
	tzset();
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_initiators),
		T(test_form_data),
		T(test_versions),
		T(test_unknown_actor),
		T(test_pick),
		T(test_pick_not_completing),
		T(test_self_approval),
		T(test_separation),
		T(test_dedupe),
		T(test_decisions),
		T(test_return_ahead),
		T(test_return_ahead_leave),
		T(test_signer_removed),
		T(test_submit_and_update),
		T(test_pinned_form),
		T(test_fallback_last_barred),
		T(test_fallback_standin),
		T(test_fallback_standin_barred),
		T(test_separation_own_task),
		T(test_reason_stored),
		T(test_documents_at_none),
		T(test_admin_only),
		T(test_state_checks),
		T(test_forged_rules),
		T(test_rules_strict),
		T(test_system_name),
		T(test_timer_early),
		T(test_calendar_forged),
		T(test_need_to_know),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * cmd_doc: `docket doc SUBCOMMAND` — official documents with their history
 * (src/docs/). Subcommands: new, edit, show, log, diff, attach, detach,
 * restore, export, search, list, signoff.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../auth/auth.h"
#include "../defs/org.h"
#include "../docs/docs.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/fsutil.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"
#include "../print/print.h"
#include "cli.h"

/* Largest body file read by --body-file. */

/* An open store with its documents. */
struct doc_ctx {
	struct cli *c;      /* the command line */
	struct store *s;    /* the store */
	struct docs *d;     /* its documents */
	struct engine *e;   /* for people's names (made when first asked) */
	struct auth_session *who; /* who acts, proven (writing verbs) */
	int ro;             /* a reading verb on read-only media: the store is open for reading, reads go unrecorded */
};

/* A person's name from the deployed organisation, else the id as recorded. */
static const char *who(struct doc_ctx *x, const char *id)
{
	if (!id)
		return "";
	if (!x->e)
		x->e = engine_new(x->s);
	const struct org *o = engine_org(x->e);
	const struct org_user *u = o ? org_user(o, id) : NULL;
	return u && u->name ? u->name : id;
}

/* Exit code for a docs status. */
static int doc_exit(int rc)
{
	switch (rc) {
	case DOCS_OK:
		return EXIT_OK;
	case DOCS_STORE:
		return EXIT_STORE;
	case DOCS_ERR:
		return EXIT_INTERNAL;
	default:
		return EXIT_INVALID;
	}
}

/*
 * Report a refusal of the engine (need to know, who may change or sign
 * off a document) and return its exit code: 5 for ENG_DENIED.
 */
static int eng_fail_exit(struct doc_ctx *x, int rc)
{
	cli_error("%s", engine_error(x->e));
	return rc == ENG_DENIED ? EXIT_DENIED : rc == ENG_REFUSED ? EXIT_INVALID : EXIT_STORE;
}

/* Report a docs failure and return its exit code. */
static int doc_fail(struct doc_ctx *x, int rc)
{
	cli_error("%s", docs_error(x->d));
	return doc_exit(rc);
}

/* Who is acting: -u, $DOCKET_USER, else the login name. */
static const char *acting_user(const struct cli *c)
{
	if (c->user)
		return c->user;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_name ? pw->pw_name : "unknown";
}

/*
 * Take "--name VALUE" or "--name=VALUE" out of the arguments (the last one
 * wins). 1 if found, 0 if not, -1 if the value is missing.
 */
static int take_opt(struct cli *c, const char *name, const char **val)
{
	int found = 0, w = 1;
	size_t n = strlen(name);
	for (int i = 1; i < c->argc; i++) {
		const char *a = c->argv[i];
		if (!strcmp(a, name)) {
			if (i + 1 >= c->argc) {
				cli_error(_("option '%s' needs a value"), name);
				return -1;
			}
			*val = c->argv[++i];
			found = 1;
		} else if (!strncmp(a, name, n) && a[n] == '=') {
			*val = a + n + 1;
			found = 1;
		} else {
			c->argv[w++] = c->argv[i];
		}
	}
	c->argc = w;
	return found;
}

/* Print the usage of `doc` and return EXIT_USAGE. */
static int usage(void)
{
	fprintf(stderr, _("usage: docket %s\n"), _(verb_find("doc")->usage));
	return EXIT_USAGE;
}

/*
 * Open the store (for reading or writing) and its documents. For writing,
 * prove who acts: a change is signed by who makes it, and every verb that
 * reads a document is one person's read (need to know, recorded).
 */
static int open_docs(struct doc_ctx *x, int readonly)
{
	/* a reading verb on read-only media (doc/store.md) reads without recording */
	x->ro = cli_reading_readonly(x->c);
	int rc = cli_open_store(x->c, readonly || x->ro, &x->s);
	if (rc)
		return rc;
	struct buf err = BUF_INIT;
	int st = docs_open(x->s, &x->d, &err);
	if (st < 0) {
		cli_error("%s", err.s);
		buf_release(&err);
		store_close(x->s);
		x->s = NULL;
		return doc_exit(st);
	}
	buf_release(&err);
	if (readonly)
		return 0;
	/* a change is signed by who makes it */
	x->e = engine_new(x->s);
	engine_set_docs(x->e, x->d);
	if (!x->c->user)
		x->c->user = acting_user(x->c);
	if ((rc = cli_sign_in(x->c, x->s, x->e, 0, &x->who)) != 0) {
		engine_free(x->e);
		x->e = NULL;
		docs_free(x->d);
		store_close(x->s);
		x->s = NULL;
		return rc;
	}
	return 0;
}

static void close_docs(struct doc_ctx *x)
{
	cli_sign_out(x->c, x->s, x->who);
	x->who = NULL;
	engine_free(x->e);
	x->e = NULL;
	docs_free(x->d);
	store_close(x->s);
}

/* Split "ID@REV" and resolve the id prefix; rev may be NULL. */
static int resolve(struct doc_ctx *x, const char *arg, char id[DOCS_ID_MAX], char **rev)
{
	char *copy = xstrdup(arg);
	char *at = strchr(copy, '@');
	if (rev)
		*rev = NULL;
	if (at) {
		*at = 0;
		if (rev)
			*rev = xstrdup(at + 1);
	}
	int rc = docs_resolve(x->d, copy, id);
	free(copy);
	if (rc < 0) {
		if (rev) {
			free(*rev);
			*rev = NULL;
		}
		return doc_fail(x, rc);
	}
	return 0;
}

/*
 * Read --body-file PATH (or - for standard input) into body, at most
 * DOCS_TEXT_MAX bytes. 0; -1 (a message printed) when it cannot be read;
 * -2 (a message printed) when it is over the limit: the content is
 * refused, the command line was right.
 */
static int read_body(const char *path, struct buf *body)
{
	if (strcmp(path, "-")) {
		if (read_file(path, DOCS_TEXT_MAX, body) == 0)
			return 0;
		if (errno != EFBIG) {
			cli_error(_("unable to read '%s': %s"), path, strerror(errno));
			return -1;
		}
	} else {
		char tmp[8192];
		size_t n;
		while (body->len <= DOCS_TEXT_MAX && (n = fread(tmp, 1, sizeof(tmp), stdin)) > 0)
			buf_add(body, tmp, n);
		if (body->len <= DOCS_TEXT_MAX)
			return 0;
	}
	cli_error(_("the body in '%s' is over the limit of %u bytes (16 MiB); nothing was saved"),
		  strcmp(path, "-") ? path : _("standard input"),
		  DOCS_TEXT_MAX);
	return -2;
}

/*
 * Apply --type, --title, --urgency, ... and --body-file to c. 1 if any, 0
 * if none, -1 on a usage error, -2 when the body is over its limit.
 */
static int take_content_opts(struct cli *c, struct docs_content *ct)
{
	int any = 0, r;
	const char *v;
	if ((r = take_opt(c, "--type", &v)) < 0)
		return -1;
	if (r) {
		free(ct->type);
		ct->type = xstrdup(v);
		any = 1;
	}
	for (int f = 0; f < DF__COUNT; f++) {
		char flag[40];
		snprintf(flag, sizeof(flag), "--%s", docs_fields[f].key);
		if ((r = take_opt(c, flag, &v)) < 0)
			return -1;
		if (r) {
			docs_content_set(ct, (enum docs_field)f, v);
			any = 1;
		}
	}
	if ((r = take_opt(c, "--body-file", &v)) < 0)
		return -1;
	if (r) {
		struct buf body = BUF_INIT;
		if ((r = read_body(v, &body)) < 0) {
			buf_release(&body);
			return r;
		}
		buf_reset(&ct->body);
		buf_add(&ct->body, body.s, body.len);
		buf_release(&body);
		any = 1;
	}
	return any;
}

static int doc_new(struct doc_ctx *x)
{
	struct cli *c = x->c;
	struct docs_content ct;
	docs_content_init(&ct);
	ct.type = xstrdup("通知");
	const char *instance = NULL;
	int r = take_content_opts(c, &ct);
	if (r == -2) {
		docs_content_release(&ct);
		return EXIT_INVALID;
	}
	if (r >= 0 && take_opt(c, "--instance", &instance) < 0)
		r = -1;
	if (r < 0 || cli_no_options(c) < 0 || c->argc > 2) {
		docs_content_release(&ct);
		return usage();
	}
	int rc = open_docs(x, 0);
	if (rc) {
		docs_content_release(&ct);
		return rc;
	}
	char id[DOCS_ID_MAX], *inst = NULL;
	int st = 0;
	/* attached to a request: only who may change its documents now */
	if (instance && ((st = engine_resolve(x->e, 'i', instance, &inst)) < 0 ||
			 (st = engine_may_edit_doc(x->e, acting_user(c), NULL, inst)) < 0)) {
		docs_content_release(&ct);
		rc = eng_fail_exit(x, st);
		free(inst);
		close_docs(x);
		return rc;
	}
	st = docs_create(x->d, acting_user(c), &ct, inst, id);
	free(inst);
	docs_content_release(&ct);
	if (st < 0) {
		rc = doc_fail(x, st);
	} else if (c->json) {
		char head[DOCS_OID_MAX];
		docs_head(x->d, id, head);
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "rev", json_integer(1));
		json_object_set_new(o, "commit", json_string(head));
		cli_print_json(o);
	} else {
		printf("%s\n", id);
		fprintf(stderr, _("created document %s r1\n"), id);
	}
	close_docs(x);
	return rc;
}

/* Print "saved ID rN" or "no changes" after a save. */
static void report_save(struct doc_ctx *x, const char *id, int st, int rev)
{
	if (x->c->json) {
		char head[DOCS_OID_MAX] = "";
		docs_head(x->d, id, head);
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "rev", json_integer(rev));
		json_object_set_new(o, "commit", json_string(head));
		json_object_set_new(o, "changed", json_boolean(st == 0));
		json_object_set_new(o, "needs_resign", json_boolean(docs_needs_resign(x->d, id) == 1));
		cli_print_json(o);
		return;
	}
	if (st == 1) {
		fprintf(stderr, _("no changes: document %s stays at r%d\n"), id, rev);
		return;
	}
	printf(_("saved %s r%d\n"), id, rev);
	if (docs_needs_resign(x->d, id) == 1)
		fprintf(stderr, _("note: document %s was signed off; this change needs the sign-off again\n"),
			id);
}

/* docs_edit_in_file's editor: $VISUAL / $EDITOR on the terminal we have. */
static int editor(void *ctx, const char *path)
{
	(void)ctx;
	return run_editor(path);
}

static int doc_edit(struct doc_ctx *x)
{
	struct cli *c = x->c;
	struct docs_content changes;
	docs_content_init(&changes);
	int flags = take_content_opts(c, &changes);
	if (flags == -2) {
		docs_content_release(&changes);
		return EXIT_INVALID;
	}
	if (flags < 0 || cli_no_options(c) < 0 || c->argc != 3) {
		docs_content_release(&changes);
		return usage();
	}
	int rc = open_docs(x, 0);
	if (rc) {
		docs_content_release(&changes);
		return rc;
	}
	char id[DOCS_ID_MAX], head[DOCS_OID_MAX];
	struct docs_content ct;
	docs_content_init(&ct);
	int st;
	if ((rc = resolve(x, c->argv[2], id, NULL)))
		goto out;
	if ((st = engine_may_edit_doc(x->e, acting_user(c), id, NULL)) < 0) {
		rc = eng_fail_exit(x, st);
		goto out;
	}
	if ((st = docs_head(x->d, id, head)) < 0 || (st = docs_load(x->d, id, head, &ct)) < 0) {
		rc = doc_fail(x, st);
		goto out;
	}
	if (flags) {
		/* metadata and body from the command line, no editor */
		if (changes.type) {
			free(ct.type);
			ct.type = xstrdup(changes.type);
		}
		for (int f = 0; f < DF__COUNT; f++)
			if (changes.field[f])
				docs_content_set(&ct, (enum docs_field)f, changes.field[f]);
		if (changes.body.len) {
			buf_reset(&ct.body);
			buf_add(&ct.body, changes.body.s, changes.body.len);
		}
	} else {
		struct buf err = BUF_INIT;
		st = docs_edit_in_file(&ct, editor, NULL, &err);
		if (st < 0) {
			cli_error("%s", err.s);
			buf_release(&err);
			rc = st == DOCS_ERR ? EXIT_INTERNAL : EXIT_INVALID;
			goto out;
		}
		buf_release(&err);
	}
	int rev = 0;
	st = docs_save(x->d, acting_user(c), id, &ct, NULL, head, &rev);
	if (st < 0)
		rc = doc_fail(x, st);
	else
		report_save(x, id, st, rev);
out:
	docs_content_release(&ct);
	docs_content_release(&changes);
	close_docs(x);
	return rc;
}

/*
 * Need to know: may the acting person read document `id`? 0, or the exit
 * code with the refusal printed (and recorded by the engine).
 */
static int may_read(struct doc_ctx *x, const char *id)
{
	int st = engine_may_read_doc(x->e, acting_user(x->c), id);
	return st < 0 ? eng_fail_exit(x, st) : 0;
}

/* Record that the acting person read revision r of `id` (document.read), before it is shown. */
static int record_read(struct doc_ctx *x, const char *id, const struct docs_rev *r, const char *how)
{
	if (x->ro)
		return 0; /* nothing can be written: said once by cli_reading_readonly */
	int st = engine_doc_read(x->e, acting_user(x->c), id, r->rev, r->commit, how);
	return st < 0 ? eng_fail_exit(x, st) : 0;
}

/* The document content and revision that "ID[@REV]" names. */
static int load_spec(struct doc_ctx *x, const char *arg, char id[DOCS_ID_MAX], struct docs_rev *r,
		     struct docs_content *ct)
{
	char *rev;
	docs_content_init(ct);
	memset(r, 0, sizeof(*r));
	int rc = resolve(x, arg, id, &rev);
	if (!rc)
		rc = may_read(x, id);
	if (rc) {
		free(rev);
		return rc;
	}
	int st = docs_rev_get(x->d, id, rev, r);
	free(rev);
	if (st == 0 && (st = docs_load(x->d, id, r->commit, ct)) < 0)
		docs_rev_release(r);
	return st < 0 ? doc_fail(x, st) : 0;
}

static json_t *content_json(const struct docs_content *ct)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(ct->type ? ct->type : ""));
	json_t *m = json_object();
	for (int f = 0; f < DF__COUNT; f++)
		if (ct->field[f])
			json_object_set_new(m, docs_fields[f].key, json_string(ct->field[f]));
	json_object_set_new(o, "elements", m);
	json_object_set_new(o, "body", json_stringn(ct->body.s, ct->body.len));
	json_t *a = json_array();
	for (size_t i = 0; i < ct->natt; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "name", json_string(ct->att[i].name));
		json_object_set_new(e, "size", json_integer((json_int_t)ct->att[i].data.len));
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "attachments", a);
	return o;
}

/* Print text a user or another client wrote, without control characters. */
static void print_clean(const char *s)
{
	struct buf b = BUF_INIT;
	utf8_sanitize(&b, s);
	fputs(b.s, stdout);
	buf_release(&b);
}

/* Print multi-line text for a terminal: escapes for what would act on it (utf8_sanitize_n). */
static void print_text(const char *s, size_t len)
{
	struct buf b = BUF_INIT;
	utf8_sanitize_n(&b, s, len, UTF8_KEEP_NL | UTF8_KEEP_TAB);
	fwrite(b.s, 1, b.len, stdout);
	buf_release(&b);
}

/* An approval's kind as people read it (`--json` keeps the kind as recorded). */
static const char *approval_kind(const char *kind)
{
	if (!kind)
		return "";
	if (!strcmp(kind, "approve"))
		return C_("document approval", "approve");
	if (!strcmp(kind, "sign-off"))
		return C_("document approval", "sign-off");
	if (!strcmp(kind, "approve withdrawn"))
		return C_("document approval", "approve withdrawn");
	if (!strcmp(kind, "sign-off withdrawn"))
		return C_("document approval", "sign-off withdrawn");
	return kind;
}

/* docs_approvals callback: each approval as JSON. */
static int approval_json(void *ctx, const struct docs_approval *a)
{
	json_array_append_new(ctx, json_pack("{s:i, s:s, s:s, s:s, s:s}", "rev", a->rev, "commit", a->commit,
					     "kind", a->kind, "actor", a->actor, "made_at", a->made_at));
	return 0;
}

static int doc_show(struct doc_ctx *x)
{
	x->c->reading = 1;
	struct cli *c = x->c;
	if (cli_no_options(c) < 0 || c->argc != 3)
		return usage();
	int rc = open_docs(x, 0);
	if (rc)
		return rc;
	char id[DOCS_ID_MAX];
	struct docs_rev r;
	struct docs_content ct;
	if ((rc = load_spec(x, c->argv[2], id, &r, &ct))) {
		close_docs(x);
		return rc;
	}
	if ((rc = record_read(x, id, &r, "show"))) {
		docs_rev_release(&r);
		docs_content_release(&ct);
		close_docs(x);
		return rc;
	}
	struct docs_info info;
	docs_info_get(x->d, id, &info);
	if (c->json) {
		json_t *o = content_json(&ct);
		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "rev", json_integer(r.rev));
		json_object_set_new(o, "commit", json_string(r.commit));
		json_object_set_new(o, "author", json_string(r.author));
		json_object_set_new(o, "made_at", json_string(r.made_at));
		json_object_set_new(o, "head", json_boolean(r.rev == info.revs));
		json_object_set_new(o, "instance", info.instance ? json_string(info.instance) : json_null());
		json_object_set_new(o, "signed_commit",
				    info.signed_commit[0] ? json_string(info.signed_commit) : json_null());
		json_object_set_new(o, "needs_resign", json_boolean(info.needs_resign));
		json_t *ap = json_array();
		docs_approvals(x->d, id, approval_json, ap);
		json_object_set_new(o, "approvals", ap);
		cli_print_json(o);
	} else {
		char when[32];
		cli_local_time(r.made_at, when, sizeof(when));
		printf("%s %s r%d/%d %.12s %s %s\n", id, ct.type, r.rev, info.revs, r.commit, when, who(x, r.author));
		if (info.frozen)
			printf(info.needs_resign ? _("signed off at %.12s; changed since: needs the sign-off again\n")
						 : _("signed off at %.12s\n"),
			       info.signed_commit);
		/* TRANSLATORS: a label and the value after it on one line ("标题: ...") */
		printf(C_("label before a value", "%s: "), "文种");
		printf("%s\n", ct.type);
		for (int f = 0; f < DF__COUNT; f++) {
			if (!ct.field[f])
				continue;
			printf(C_("label before a value", "%s: "), docs_fields[f].label);
			print_clean(ct.field[f]);
			putchar('\n');
		}
		putchar('\n');
		print_text(ct.body.s, ct.body.len);
		if (ct.body.len && ct.body.s[ct.body.len - 1] != '\n')
			putchar('\n');
		for (size_t i = 0; i < ct.natt; i++) {
			printf(i ? "      " : _("attachments: "));
			print_clean(ct.att[i].name);
			printf(" (%zu bytes)\n", ct.att[i].data.len);
		}
		/* who approved which revision (the approval engine, doc signoff) */
		json_t *ap = json_array();
		docs_approvals(x->d, id, approval_json, ap);
		size_t i;
		json_t *v;
		json_array_foreach(ap, i, v) {
			if (!i)
				printf("%s\n", _("approvals:"));
			printf("  r%lld %.12s %s ", (long long)json_integer_value(json_object_get(v, "rev")),
			       json_string_value(json_object_get(v, "commit")),
			       approval_kind(json_string_value(json_object_get(v, "kind"))));
			print_clean(who(x, json_string_value(json_object_get(v, "actor"))));
			char at[32];
			cli_local_time(json_string_value(json_object_get(v, "made_at")), at, sizeof(at));
			printf(" %s\n", at);
		}
		json_decref(ap);
	}
	docs_info_release(&info);
	docs_rev_release(&r);
	docs_content_release(&ct);
	close_docs(x);
	return EXIT_OK;
}

/* For doc log: JSON array or table rows. */
struct log_ctx {
	json_t *arr;          /* --json output, or NULL */
	struct doc_ctx *x;    /* for names */
};

static int log_one(void *ctx, const struct docs_rev *r)
{
	struct log_ctx *l = ctx;
	if (l->arr) {
		json_t *o = json_object();
		json_object_set_new(o, "rev", json_integer(r->rev));
		json_object_set_new(o, "commit", json_string(r->commit));
		json_object_set_new(o, "author", json_string(r->author));
		json_object_set_new(o, "made_at", json_string(r->made_at));
		json_object_set_new(o, "action", json_string(r->action));
		json_object_set_new(o, "signed_off", json_boolean(r->signed_off));
		json_object_set_new(o, "needs_resign", json_boolean(r->needs_resign));
		json_array_append_new(l->arr, o);
		return 0;
	}
	char rev[16];
	snprintf(rev, sizeof(rev), "r%d", r->rev);
	struct buf a = BUF_INIT;
	utf8_fit(&a, who(l->x, r->author), 14, 1, 1);
	char when[32];
	cli_local_time(r->made_at, when, sizeof(when));
	printf("%-5s %.10s  %s  %s ", rev, r->commit, when, a.s);
	print_clean(r->action);
	if (r->signed_off)
		printf("  [%s]", _("signed off"));
	if (r->needs_resign)
		printf("  [%s]", _("needs sign-off again"));
	putchar('\n');
	buf_release(&a);
	return 0;
}

static int doc_log(struct doc_ctx *x)
{
	x->c->reading = 1;
	struct cli *c = x->c;
	if (cli_no_options(c) < 0 || c->argc != 3)
		return usage();
	int rc = open_docs(x, 0);
	if (rc)
		return rc;
	char id[DOCS_ID_MAX];
	if ((rc = resolve(x, c->argv[2], id, NULL)) || (rc = may_read(x, id))) {
		close_docs(x);
		return rc;
	}
	struct log_ctx l = { c->json ? json_array() : NULL, x };
	int st = docs_log(x->d, id, log_one, &l);
	if (st < 0) {
		rc = doc_fail(x, st);
		json_decref(l.arr);
	} else if (l.arr) {
		cli_print_json(l.arr);
	}
	close_docs(x);
	return rc;
}

/* Terminal width: $COLUMNS, the terminal, else 80. */
static size_t term_width(void)
{
	const char *v = getenv("COLUMNS");
	if (v && atoi(v) >= 20)
		return (size_t)atoi(v);
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

static int doc_diff(struct doc_ctx *x)
{
	x->c->reading = 1;
	struct cli *c = x->c;
	struct docs_diff_opts o = { 0, 0, 0, 3 };
	o.side_by_side = cli_take_flag(c, "--side-by-side") | cli_take_flag(c, "-y");
	const char *color = "auto", *width = NULL;
	if (take_opt(c, "--color", &color) < 0 || take_opt(c, "--width", &width) < 0 ||
	    cli_no_options(c) < 0 || c->argc < 3 || c->argc > 5)
		return usage();
	if (!strcmp(color, "always"))
		o.color = 1;
	else if (!strcmp(color, "auto"))
		o.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	else if (strcmp(color, "never")) {
		cli_error(_("invalid --color '%s': use always, never or auto"), color);
		return EXIT_USAGE;
	}
	o.width = width ? (size_t)atoi(width) : term_width();
	int rc = open_docs(x, 0);
	if (rc)
		return rc;
	char id[DOCS_ID_MAX];
	if ((rc = resolve(x, c->argv[2], id, NULL)) || (rc = may_read(x, id))) {
		close_docs(x);
		return rc;
	}
	struct docs_rev ra = { 0 }, rb = { 0 };
	struct docs_content a, b;
	docs_content_init(&a);
	docs_content_init(&b);
	int st;
	/* no revision: the one before the head against the head; one: it against the head */
	if ((st = docs_rev_get(x->d, id, c->argc >= 5 ? c->argv[4] : NULL, &rb)) < 0)
		goto fail;
	if (c->argc >= 4) {
		st = docs_rev_get(x->d, id, c->argv[3], &ra);
	} else {
		char prev[16];
		snprintf(prev, sizeof(prev), "r%d", rb.rev > 1 ? rb.rev - 1 : 1);
		st = docs_rev_get(x->d, id, prev, &ra);
	}
	if (st < 0 || (st = docs_load(x->d, id, ra.commit, &a)) < 0 ||
	    (st = docs_load(x->d, id, rb.commit, &b)) < 0)
		goto fail;
	char na[32], nb[32];
	snprintf(na, sizeof(na), "r%d", ra.rev);
	snprintf(nb, sizeof(nb), "r%d", rb.rev);
	struct buf out = BUF_INIT, err = BUF_INIT;
	if ((rc = record_read(x, id, &rb, "diff"))) {
		/* a diff shows the text: recorded as a read of the newer revision */
	} else if (docs_diff_content(&a, &b, na, nb, &o, &out, &err) < 0) {
		cli_error("%s", err.s);
		rc = EXIT_INTERNAL;
	} else {
		fputs(out.s, stdout);
	}
	buf_release(&out);
	buf_release(&err);
	goto out;
fail:
	rc = doc_fail(x, st);
out:
	docs_rev_release(&ra);
	docs_rev_release(&rb);
	docs_content_release(&a);
	docs_content_release(&b);
	close_docs(x);
	return rc;
}

/* The last path component. */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int doc_attach(struct doc_ctx *x)
{
	struct cli *c = x->c;
	const char *as = NULL;
	if (take_opt(c, "--name", &as) < 0 || cli_no_options(c) < 0 || c->argc < 4 || (as && c->argc != 4))
		return usage();
	int rc = open_docs(x, 0);
	if (rc)
		return rc;
	char id[DOCS_ID_MAX], head[DOCS_OID_MAX];
	struct docs_content ct;
	docs_content_init(&ct);
	int st;
	if ((rc = resolve(x, c->argv[2], id, NULL)))
		goto out;
	if ((st = engine_may_edit_doc(x->e, acting_user(c), id, NULL)) < 0) {
		rc = eng_fail_exit(x, st);
		goto out;
	}
	if ((st = docs_head(x->d, id, head)) < 0) {
		rc = doc_fail(x, st);
		goto out;
	}
	size_t nfiles = (size_t)(c->argc - 3);
	struct docs_attachment *files = xcalloc(nfiles, sizeof(*files));
	for (int i = 3; i < c->argc; i++) {
		struct docs_attachment *f = &files[i - 3];
		buf_init(&f->data);
		f->name = (char *)(as ? as : base_name(c->argv[i]));
		/* read one byte over the limit so an oversized file is named as such */
		const char *lim = getenv("DOCKET_ATTACH_MAX");
		size_t max = lim && atoll(lim) > 0 ? (size_t)atoll(lim) : DOCS_ATTACH_MAX_DEFAULT;
		if (read_file(c->argv[i], max, &f->data) < 0) {
			if (errno == EFBIG)
				cli_error(_("attachment '%s' is over the limit of %zu bytes (DOCKET_ATTACH_MAX); nothing was saved"),
					  c->argv[i], max);
			else
				cli_error(_("unable to read '%s': %s"), c->argv[i], strerror(errno));
			rc = EXIT_INVALID;
			break;
		}
	}
	if (rc == 0) {
		int rev = 0;
		st = docs_attach_files(x->d, acting_user(c), id, files, nfiles, head, &rev);
		if (st < 0)
			rc = doc_fail(x, st);
		else
			report_save(x, id, st, rev);
	}
	for (size_t i = 0; i < nfiles; i++)
		buf_release(&files[i].data);
	free(files);
out:
	docs_content_release(&ct);
	close_docs(x);
	return rc;
}

/*
 * `doc detach ID NAME` and `doc restore ID REV`: one argument after the id,
 * one new revision.
 */
static int doc_save_with_arg(struct doc_ctx *x,
			     int (*op)(struct docs *, const char *, const char *, const char *, int *))
{
	struct cli *c = x->c;
	if (cli_no_options(c) < 0 || c->argc != 4)
		return usage();
	int rc = open_docs(x, 0);
	if (rc)
		return rc;
	char id[DOCS_ID_MAX];
	if (!(rc = resolve(x, c->argv[2], id, NULL))) {
		int rev = 0, st = engine_may_edit_doc(x->e, acting_user(c), id, NULL);
		if (st < 0)
			rc = eng_fail_exit(x, st);
		else if ((st = op(x->d, acting_user(c), id, c->argv[3], &rev)) < 0)
			rc = doc_fail(x, st);
		else
			report_save(x, id, st, rev);
	}
	close_docs(x);
	return rc;
}

static int doc_detach(struct doc_ctx *x)
{
	return doc_save_with_arg(x, docs_detach);
}

/*
 * doc signoff ID [REV]: the acting user signs off exactly one commit (the
 * head, or REV); the document is frozen there, and a later save with other
 * content is flagged as needing the sign-off again.
 */
static int doc_signoff(struct doc_ctx *x)
{
	struct cli *c = x->c;
	if (cli_no_options(c) < 0 || c->argc < 3 || c->argc > 4) {
		fprintf(stderr, _("usage: docket doc signoff ID [REV]\n"));
		return EXIT_USAGE;
	}
	int rc = open_docs(x, 0);
	if (rc)
		return rc;
	char id[DOCS_ID_MAX], commit[DOCS_OID_MAX];
	if ((rc = resolve(x, c->argv[2], id, NULL)))
		goto out;
	int st = docs_rev_commit(x->d, id, c->argc == 4 ? c->argv[3] : NULL, commit);
	if (st < 0) {
		rc = doc_fail(x, st);
		goto out;
	}
	/* only the person the request's sign step names; exactly this commit */
	if ((st = engine_doc_signoff(x->e, acting_user(c), id, commit)) < 0) {
		rc = eng_fail_exit(x, st);
		goto out;
	}
	struct docs_rev r;
	int number = docs_rev_get(x->d, id, commit, &r) == 0 ? r.rev : 0;
	if (number)
		docs_rev_release(&r);
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "rev", json_integer(number));
		json_object_set_new(o, "commit", json_string(commit));
		json_object_set_new(o, "needs_resign", json_boolean(docs_needs_resign(x->d, id) == 1));
		cli_print_json(o);
	} else {
		printf(_("signed off %s r%d (%s)\n"), id, number, commit);
		if (docs_needs_resign(x->d, id) == 1)
			fprintf(stderr, _("note: the head of %s differs from the revision signed off\n"), id);
	}
out:
	close_docs(x);
	return rc;
}

static int doc_restore(struct doc_ctx *x)
{
	return doc_save_with_arg(x, docs_restore);
}

/* Write one file of an export; 0 or -1 with a message printed. */
static int export_file(const char *path, const void *data, size_t len)
{
	if (write_file_atomic(path, data, len) < 0) {
		cli_error(_("unable to write '%s': %s"), path, strerror(errno));
		return -1;
	}
	return 0;
}

/* One file of an export in the open directory dfd (shown as DIR/NAME); 0 or -1 with a message. */
static int export_at(int dfd, const char *dir, const char *name, const void *data, size_t len)
{
	if (write_file_at(dfd, name, data, len) < 0) {
		cli_error(_("unable to write '%s/%s': %s"), dir, name, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Export into `dir` (made if missing): meta.json, body.md, attachments/.
 * The directory may be anyone's, so every file is written through
 * write_file_at (a fresh O_EXCL|O_NOFOLLOW temporary, then rename) and
 * attachments/ is opened without following a symbolic link: nothing planted
 * there is written through. 0, or -1 with a message printed.
 */
static int export_dir(const char *dir, const struct docs_content *ct, struct buf *b)
{
	if (mkdir_p(dir, 0777) < 0) {
		cli_error(_("unable to create '%s': %s"), dir, strerror(errno));
		return -1;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), afd = -1, rc = 0;
	if (dfd < 0) {
		cli_error(_("unable to open '%s': %s"), dir, strerror(errno));
		return -1;
	}
	docs_meta_json(ct, b);
	if (export_at(dfd, dir, "meta.json", b->s, b->len) < 0 ||
	    export_at(dfd, dir, "body.md", ct->body.s, ct->body.len) < 0)
		rc = -1;
	if (!rc && ct->natt && (afd = open_subdir(dfd, "attachments", 0777)) < 0) {
		cli_error(errno == ELOOP || errno == ENOTDIR
				  ? _("unable to write '%s/attachments': it is not a directory (a symbolic link is not followed): %s")
				  : _("unable to create '%s/attachments': %s"),
			  dir, strerror(errno));
		rc = -1;
	}
	for (size_t i = 0; !rc && i < ct->natt; i++) {
		char *shown = xasprintf("%s/attachments", dir);
		rc = export_at(afd, shown, ct->att[i].name, ct->att[i].data.s, ct->att[i].data.len);
		free(shown);
	}
	if (afd >= 0)
		close(afd);
	close(dfd);
	return rc;
}

static int doc_export(struct doc_ctx *x)
{
	x->c->reading = 1;
	struct cli *c = x->c;
	const char *dir = NULL, *text = NULL, *pdf = NULL;
	if (take_opt(c, "--dir", &dir) < 0 || take_opt(c, "--text", &text) < 0 || take_opt(c, "--pdf", &pdf) < 0 ||
	    cli_no_options(c) < 0 || c->argc != 3 || !!dir + !!text + !!pdf > 1)
		return usage();
	int rc = open_docs(x, 0);
	if (rc)
		return rc;
	char id[DOCS_ID_MAX];
	struct docs_rev r;
	struct docs_content ct;
	if ((rc = load_spec(x, c->argv[2], id, &r, &ct))) {
		close_docs(x);
		return rc;
	}
	struct buf b = BUF_INIT;
	if ((rc = record_read(x, id, &r, "export"))) {
		/* nothing leaves the store unrecorded */
	} else if (pdf) {
		/* the GB/T 9704 layout on A4 (doc/print.md) */
		if (print_doc_pdf(&ct, pdf, &b) < 0) {
			cli_error("%s", b.s);
			rc = EXIT_INVALID;
		} else {
			fprintf(stderr, _("exported %s r%d to '%s'\n"), id, r.rev, pdf);
		}
	} else if (!dir) {
		docs_export_text(&ct, &b);
		if (text && strcmp(text, "-"))
			rc = export_file(text, b.s, b.len) < 0 ? EXIT_INVALID : EXIT_OK;
		else if (isatty(STDOUT_FILENO))
			print_text(b.s, b.len); /* shown: nothing acts on the terminal */
		else
			fwrite(b.s, 1, b.len, stdout); /* to a file or a pipe: the stored text */
	} else {
		rc = export_dir(dir, &ct, &b) < 0 ? EXIT_INVALID : EXIT_OK;
		if (!rc)
			fprintf(stderr, _("exported %s r%d to '%s'\n"), id, r.rev, dir);
	}
	buf_release(&b);
	docs_rev_release(&r);
	docs_content_release(&ct);
	close_docs(x);
	return rc;
}

/* For search and list: where hits go, and who reads them. */
struct read_ctx {
	json_t *arr;        /* --json output, or NULL */
	struct doc_ctx *x;  /* the acting person and the engine */
	int status;         /* a failure of the need-to-know check (negative), else 0 */
};

/* 1 when the acting person may read a document of `instance` (or none, drafted by `by`). */
static int readable(struct read_ctx *r, const char *instance, const char *by)
{
	int rc = engine_can_read_doc(r->x->e, acting_user(r->x->c), instance, by);
	if (rc < 0 && !r->status)
		r->status = rc;
	return rc > 0;
}

static int search_one(void *ctx, const struct docs_hit *h)
{
	struct read_ctx *r = ctx;
	json_t *arr = r->arr;
	struct docs_info info;
	if (docs_info_get(r->x->d, h->id, &info) < 0)
		return 0;
	int ok = readable(r, info.instance, info.created_by);
	docs_info_release(&info);
	if (!ok) /* need to know: what you may not read is not found either */
		return r->status < 0;
	if (arr) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(h->id));
		json_object_set_new(o, "type", json_string(h->type ? h->type : ""));
		json_object_set_new(o, "title", json_string(h->title ? h->title : ""));
		json_object_set_new(o, "snippet", json_string(h->snippet ? h->snippet : ""));
		json_array_append_new(arr, o);
		return 0;
	}
	printf("%s  %s  ", h->id, h->type ? h->type : "");
	print_clean(h->title ? h->title : "");
	printf("\n    ");
	struct buf one = BUF_INIT;
	for (const char *p = h->snippet ? h->snippet : ""; *p; p++)
		buf_addch(&one, *p == '\n' ? ' ' : *p);
	print_clean(one.s);
	buf_release(&one);
	putchar('\n');
	return 0;
}

static int doc_search(struct doc_ctx *x)
{
	x->c->reading = 1;
	struct cli *c = x->c;
	const char *limit = NULL;
	if (take_opt(c, "--limit", &limit) < 0 || cli_no_options(c) < 0 || c->argc < 3)
		return usage();
	int rc = open_docs(x, 0);
	if (rc)
		return rc;
	struct buf q = BUF_INIT;
	for (int i = 2; i < c->argc; i++)
		buf_addf(&q, "%s%s", i > 2 ? " " : "", c->argv[i]);
	json_t *arr = c->json ? json_array() : NULL;
	struct read_ctx r = { arr, x, 0 };
	int st = docs_search(x->d, q.s, limit ? (size_t)atoi(limit) : 0, search_one, &r);
	buf_release(&q);
	if (r.status < 0) {
		rc = eng_fail_exit(x, r.status);
		json_decref(arr);
	} else if (st < 0) {
		rc = doc_fail(x, st);
		json_decref(arr);
	} else if (arr) {
		cli_print_json(arr);
	}
	close_docs(x);
	return rc;
}

static int list_one(void *ctx, const struct docs_info *i)
{
	struct read_ctx *r = ctx;
	json_t *arr = r->arr;
	if (!readable(r, i->instance, i->created_by)) /* need to know */
		return r->status < 0;
	if (arr) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(i->id));
		json_object_set_new(o, "type", json_string(i->type));
		json_object_set_new(o, "title", json_string(i->title));
		json_object_set_new(o, "revs", json_integer(i->revs));
		json_object_set_new(o, "head", json_string(i->head));
		json_object_set_new(o, "instance", i->instance ? json_string(i->instance) : json_null());
		json_object_set_new(o, "updated_at", json_string(i->updated_at));
		json_object_set_new(o, "updated_by", json_string(i->updated_by));
		json_object_set_new(o, "frozen", json_boolean(i->frozen));
		json_object_set_new(o, "needs_resign", json_boolean(i->needs_resign));
		json_array_append_new(arr, o);
		return 0;
	}
	struct buf t = BUF_INIT, clean = BUF_INIT, ty = BUF_INIT;
	utf8_fit(&ty, i->type, 4, 0, 1);
	utf8_sanitize(&clean, i->title);
	utf8_fit(&t, clean.s, 40, 1, 0);
	char when[32];
	cli_local_time(i->updated_at, when, sizeof(when));
	printf("%s  %s  r%-3d %s  %s%s\n", i->id, ty.s, i->revs, when, t.s,
	       i->needs_resign ? _("  [needs sign-off again]") : i->frozen ? _("  [signed off]") : "");
	buf_release(&t);
	buf_release(&clean);
	buf_release(&ty);
	return 0;
}

static int doc_list(struct doc_ctx *x)
{
	x->c->reading = 1;
	struct cli *c = x->c;
	const char *instance = NULL;
	if (take_opt(c, "--instance", &instance) < 0 || cli_no_options(c) < 0 || c->argc != 2)
		return usage();
	int rc = open_docs(x, 0);
	if (rc)
		return rc;
	json_t *arr = c->json ? json_array() : NULL;
	struct read_ctx r = { arr, x, 0 };
	int st = docs_list(x->d, instance, list_one, &r);
	if (r.status < 0) {
		rc = eng_fail_exit(x, r.status);
		json_decref(arr);
	} else if (st < 0) {
		rc = doc_fail(x, st);
		json_decref(arr);
	} else if (arr) {
		cli_print_json(arr);
	}
	close_docs(x);
	return rc;
}

/* The subcommands. */
static const struct {
	const char *name;               /* doc NAME */
	int (*run)(struct doc_ctx *x);  /* handler */
} subs[] = {
	{ "new", doc_new },         { "edit", doc_edit },       { "show", doc_show },
	{ "log", doc_log },         { "diff", doc_diff },       { "attach", doc_attach },
	{ "detach", doc_detach },   { "restore", doc_restore }, { "export", doc_export },
	{ "search", doc_search },   { "list", doc_list },       { "signoff", doc_signoff },
};

int cmd_doc(struct cli *c)
{
	if (c->argc < 2)
		return usage();
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(c->argv[1], subs[i].name))
			continue;
		struct doc_ctx x = { c, NULL, NULL, NULL, NULL, 0 };
		return subs[i].run(&x);
	}
	cli_error(_("unknown doc command '%s'"), c->argv[1]);
	return usage();
}

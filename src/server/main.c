/*
 * docketd: the reference extranet server (docketd(8), doc/sync.md).
 *
 *   docketd init --store DIR
 *   docketd --store DIR --listen ADDR:PORT [--cert F --key F] [--max-body N] [--max-batch N]
 *   docketd enrol-code --store DIR [--name TEXT] [--for ID[,ID...]] [--hours N] [--json]
 *   docketd check --store DIR [--json]
 *   docketd devices --store DIR [--json]
 *   docketd revoke-device --store DIR ID
 */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/auth.h"
#include "../defs/org.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "server.h"
#include "storage.h"

static void usage(FILE *f)
{
	fputs(_("usage: docketd --store DIR --listen ADDR:PORT [--cert FILE --key FILE] [--max-body BYTES] [--max-batch N]\n"
		"       docketd init --store DIR\n"
		"       docketd enrol-code --store DIR [--name TEXT] [--for ID[,ID...]] [--hours N] [--json]\n"
		"       docketd check --store DIR [--json]\n"
		"       docketd devices --store DIR [--json]\n"
		"       docketd revoke-device --store DIR DEVICE\n"),
	      f);
}

/* A whole number option in [lo, hi], or exit 2. */
static long number(const char *opt, const char *v, long lo, long hi)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < lo || n > hi) {
		fprintf(stderr, _("docketd: %s takes a whole number from %ld to %ld\n"), opt, lo, hi);
		exit(2);
	}
	return n;
}

/* Open the server store or exit 1 with why. */
static struct storage *open_or_die(const char *dir)
{
	struct buf err = BUF_INIT;
	struct storage *st;
	if (storage_open(dir, &st, &err) < 0) {
		fprintf(stderr, "docketd: %s\n", err.s);
		exit(1);
	}
	buf_release(&err);
	/* DOCKET_NOW is for test stores, as for docket */
	if (clock_is_fixed() && store_kind(storage_store(st)) == STORE_KIND_PRODUCTION) {
		fprintf(stderr, _("docketd: store '%s' is a production store: its events take the system's time, not DOCKET_NOW\n"),
			dir);
		exit(2);
	}
	return st;
}

static int serve(const char *dir, struct server_config *cfg)
{
	/*
	 * Requests are handled on the daemon's thread, whose malloc arena glibc
	 * trims with madvise after every large free: measured, that was a sixth
	 * of a push's time. Keep what was freed for the next request instead.
	 */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 16 << 20);
	struct storage *st = open_or_die(dir);
	struct server srv = { st, engine_new(storage_store(st)), cfg };
	int rc = server_run(&srv);
	engine_free(srv.e);
	storage_close(st);
	return rc < 0 ? 1 : 0;
}

static int cmd_init(const char *dir)
{
	struct buf err = BUF_INIT;
	if (storage_init(dir, &err) < 0) {
		fprintf(stderr, "docketd: %s\n", err.s);
		buf_release(&err);
		return 1;
	}
	buf_release(&err);
	printf(clock_is_fixed() ? _("created test server store '%s' (DOCKET_NOW may set its clock)\n")
				: _("created server store '%s'\n"),
	       dir);
	return 0;
}

/*
 * The server store whole: its log's chain and every signature, its state
 * against a replay (as `docket check`), and the server's own tables.
 */
static int cmd_check(const char *dir, int json)
{
	struct storage *st = open_or_die(dir);
	struct store *s = storage_store(st);
	struct engine *e = engine_new(s);
	struct buf report = BUF_INIT, why = BUF_INIT;
	struct auth_report sigs;
	int64_t n = 0, rejections = 0;
	int bad = auth_verify_log(s, &sigs, &why);
	if (bad > 0)
		buf_addf(&report, _("a signature does not hold at %s\n"), why.s);
	int rc = bad < 0 ? bad : engine_check(e, 0, &report, &n);
	const char *msg = bad < 0 ? store_error(s) : engine_error(e);
	int own = rc < 0 ? 0 : storage_check(st, &report, &rejections);
	if (own < 0)
		msg = storage_error(st), rc = own;
	if (rc < 0) {
		fprintf(stderr, "docketd: %s\n", msg);
	} else {
		rc = rc || bad > 0 || own > 0;
		if (json) {
			json_t *o = json_pack("{s:b, s:I, s:I, s:I, s:s}", "ok", !rc, "replayed", (json_int_t)n, "signatures",
					      (json_int_t)sigs.verified, "rejections", (json_int_t)rejections, "report",
					      report.s);
			char *t = json_dumps(o, JSON_INDENT(2));
			puts(t);
			free(t);
			json_decref(o);
		} else {
			fputs(report.s, stdout);
			if (!rc)
				printf(_("check: event log intact; %lld signatures verified; %lld events replayed; state matches; %lld rejections kept\n"),
				       (long long)sigs.verified, (long long)n, (long long)rejections);
		}
	}
	buf_release(&report);
	buf_release(&why);
	engine_free(e);
	storage_close(st);
	return rc < 0 ? 3 : rc ? 1 : 0; /* as docket check: 1 a finding, 3 the store cannot be used */
}

/*
 * The ids of --for (comma separated), each a person of the deployed
 * organisation: 0 with *out (caller frees with free_people), or -1 said.
 */
static int people_of(struct storage *st, const char *list, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!list)
		return 0;
	struct engine *e = engine_new(storage_store(st));
	const struct org *o = engine_org(e);
	int rc = 0;
	char *copy = xstrdup(list), *save = NULL;
	for (char *id = strtok_r(copy, ", ", &save); id; id = strtok_r(NULL, ", ", &save)) {
		if (!o) {
			fputs(_("docketd: no organisation is deployed on the server store: deploy it before naming people\n"),
			      stderr);
			rc = -1;
			break;
		}
		if (!org_user(o, id)) {
			fprintf(stderr, _("docketd: no person '%s' in the deployed organisation\n"), id);
			rc = -1;
			break;
		}
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = xstrdup(id);
	}
	if (!rc && !*n) {
		fputs(_("docketd: --for names at least one person\n"), stderr);
		rc = -1;
	}
	free(copy);
	engine_free(e);
	return rc;
}

static void free_people(char **people, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(people[i]);
	free(people);
}

static int cmd_enrol_code(const char *dir, const char *name, const char *for_list, int hours, int json)
{
	struct storage *st = open_or_die(dir);
	char *code = NULL, **people = NULL;
	size_t npeople = 0;
	if (people_of(st, for_list, &people, &npeople) < 0) {
		storage_close(st);
		return 1;
	}
	int rc = storage_code_make(st, name ? name : "", hours, (const char *const *)people, npeople, &code);
	if (rc < 0) {
		fprintf(stderr, "docketd: %s\n", storage_error(st));
	} else if (json) {
		json_t *who = json_array();
		for (size_t i = 0; i < npeople; i++)
			json_array_append_new(who, json_string(people[i]));
		json_t *o = json_pack("{s:s, s:s, s:o, s:i}", "code", code, "name", name ? name : "", "for", who, "hours",
				      hours);
		char *t = json_dumps(o, JSON_INDENT(2));
		puts(t);
		free(t);
		json_decref(o);
	} else {
		printf("%s\n", code);
		fprintf(stderr, _("a one-time enrolment code, valid for %d hours: give it to `docket enrol` on the terminal\n"),
			hours);
	}
	free(code);
	free_people(people, npeople);
	storage_close(st);
	return rc < 0 ? 1 : 0;
}

static int cmd_devices(const char *dir, int json)
{
	struct storage *st = open_or_die(dir);
	json_t *a = storage_devices(st);
	if (!a) {
		fprintf(stderr, "docketd: %s\n", storage_error(st));
		storage_close(st);
		return 1;
	}
	if (json) {
		char *t = json_dumps(a, JSON_INDENT(2));
		puts(t);
		free(t);
	} else {
		size_t i;
		json_t *d;
		json_array_foreach(a, i, d) {
			const char *revoked = json_string_value(json_object_get(d, "revoked_at"));
			struct buf who = BUF_INIT;
			size_t j;
			json_t *p;
			json_array_foreach(json_object_get(d, "people"), j, p)
				buf_addf(&who, "%s%s", j ? "," : "", json_string_value(p));
			printf("%s  %s  %s  %s%s%s\n", json_string_value(json_object_get(d, "device")),
			       json_string_value(json_object_get(d, "enrolled_at")),
			       json_string_value(json_object_get(d, "name")), who.len ? who.s : _("(for nobody)"),
			       revoked ? _("  revoked ") : "", revoked ? revoked : "");
			buf_release(&who);
		}
	}
	json_decref(a);
	storage_close(st);
	return 0;
}

static int cmd_revoke(const char *dir, const char *id)
{
	struct storage *st = open_or_die(dir);
	int rc = storage_device_revoke(st, id);
	if (rc < 0)
		fprintf(stderr, "docketd: %s\n", storage_error(st));
	else if (!rc)
		fprintf(stderr, _("docketd: no device '%s' (or it is revoked already)\n"), id);
	else
		printf(_("revoked device '%s': its token is refused from now on\n"), id);
	storage_close(st);
	return rc == 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
	i18n_init();
	struct buf err = BUF_INIT;
	if (clock_env_check(&err) < 0) {
		fprintf(stderr, "docketd: %s\n", err.s);
		return 2;
	}
	buf_release(&err);
	const char *verb = NULL;
	if (argc > 1 && argv[1][0] != '-') {
		verb = argv[1];
		argc--;
		argv++;
	}
	enum { O_STORE = 256, O_LISTEN, O_CERT, O_KEY, O_MAXBODY, O_MAXBATCH, O_NAME, O_HOURS, O_JSON, O_HELP, O_VERSION, O_FOR };
	static const struct option opts[] = {
		{ "store", required_argument, NULL, O_STORE },     { "listen", required_argument, NULL, O_LISTEN },
		{ "cert", required_argument, NULL, O_CERT },       { "key", required_argument, NULL, O_KEY },
		{ "max-body", required_argument, NULL, O_MAXBODY }, { "max-batch", required_argument, NULL, O_MAXBATCH },
		{ "name", required_argument, NULL, O_NAME },       { "hours", required_argument, NULL, O_HOURS },
		{ "json", no_argument, NULL, O_JSON },             { "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },       { "for", required_argument, NULL, O_FOR },
		{ NULL, 0, NULL, 0 },
	};
	struct server_config cfg = { NULL, NULL, NULL, SERVER_MAX_BODY, SERVER_MAX_BATCH };
	const char *dir = NULL, *name = NULL, *for_list = NULL;
	int hours = 72, json = 0, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_STORE: dir = optarg; break;
		case O_LISTEN: cfg.listen = optarg; break;
		case O_CERT: cfg.cert = optarg; break;
		case O_KEY: cfg.key = optarg; break;
		case O_MAXBODY: cfg.max_body = (size_t)number("--max-body", optarg, 1024, 1L << 30); break;
		case O_MAXBATCH: cfg.max_batch = (int)number("--max-batch", optarg, 1, 100000); break;
		case O_NAME: name = optarg; break;
		case O_FOR: for_list = optarg; break;
		case O_HOURS: hours = (int)number("--hours", optarg, 1, 24 * 365); break;
		case O_JSON: json = 1; break;
		case O_HELP: usage(stdout); return 0;
		case O_VERSION: printf("docketd %s\n", DOCKET_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!dir) {
		fputs(_("docketd: which server store? give --store DIR\n"), stderr);
		usage(stderr);
		return 2;
	}
	if (!verb) {
		if (!cfg.listen || optind != argc) {
			usage(stderr);
			return 2;
		}
		return serve(dir, &cfg);
	}
	if (!strcmp(verb, "init") && optind == argc)
		return cmd_init(dir);
	if (!strcmp(verb, "enrol-code") && optind == argc)
		return cmd_enrol_code(dir, name, for_list, hours, json);
	if (!strcmp(verb, "check") && optind == argc)
		return cmd_check(dir, json);
	if (!strcmp(verb, "devices") && optind == argc)
		return cmd_devices(dir, json);
	if (!strcmp(verb, "revoke-device") && optind + 1 == argc)
		return cmd_revoke(dir, argv[optind]);
	usage(stderr);
	return 2;
}

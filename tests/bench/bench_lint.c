/*
 * bench_lint: how fast definitions are read and checked, against the raw
 * libyaml event parse of the same bytes measured in the same run.
 *
 *   bench: lint: N files/s (R x libyaml event parse)
 *   bench: deploy-unchanged: N files/s (R x lint)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "defs/defset.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/i18n.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const dirs[] = { "workflows", "forms", "themes" };

/* Parse every file's bytes with libyaml's event API and nothing else. */
static void raw_parse(const struct defset *set)
{
	for (size_t i = 0; i < set->n; i++) {
		yaml_parser_t p;
		yaml_parser_initialize(&p);
		yaml_parser_set_input_string(&p, (const unsigned char *)set->v[i].text.s,
					     set->v[i].text.len);
		for (;;) {
			yaml_event_t ev;
			if (!yaml_parser_parse(&p, &ev))
				break;
			int end = ev.type == YAML_STREAM_END_EVENT;
			yaml_event_delete(&ev);
			if (end)
				break;
		}
		yaml_parser_delete(&p);
	}
}

static size_t lint_once(void)
{
	struct defset set = DEFSET_INIT;
	struct diags d = DIAGS_INIT;
	for (size_t i = 0; i < 3; i++)
		defset_add_path(&set, dirs[i], &d);
	size_t errors = defset_check(&set, &d);
	size_t n = set.n;
	defset_release(&set);
	diags_release(&d);
	if (errors) {
		fprintf(stderr, "bench: the shipped definitions have errors\n");
		exit(1);
	}
	return n;
}

int main(void)
{
	i18n_init();
	struct defset set = DEFSET_INIT;
	struct diags d = DIAGS_INIT;
	for (size_t i = 0; i < 3; i++)
		defset_add_path(&set, dirs[i], &d);

	const int rounds = 200;
	double t0 = now_s();
	for (int r = 0; r < rounds; r++)
		raw_parse(&set);
	double raw = (double)set.n * rounds / (now_s() - t0);

	t0 = now_s();
	size_t files = 0;
	for (int r = 0; r < rounds; r++)
		files += lint_once();
	double lint = (double)files / (now_s() - t0);
	printf("bench: lint: %.0f files/s (%.2f x libyaml event parse at %.0f files/s)\n", lint,
	       lint / raw, raw);

	/* deploy of unchanged files: lint plus one read transaction per run */
	char dir[] = "/tmp/docket-bench-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	struct buf err = BUF_INIT;
	struct store *s;
	if (store_init(dir, &err) || store_open(dir, 0, &s, &err)) {
		fprintf(stderr, "bench: %s\n", err.s);
		return 1;
	}
	const int drounds = 50;
	t0 = now_s();
	for (int r = 0; r < drounds; r++) {
		struct defset ds = DEFSET_INIT;
		struct diags dd = DIAGS_INIT;
		for (size_t i = 0; i < 3; i++)
			defset_add_path(&ds, dirs[i], &dd);
		defset_add_store(&ds, s, &dd);
		if (defset_check(&ds, &dd) == 0) {
			struct deploy_result *res;
			size_t nres;
			if (defset_deploy(&ds, s, "bench", &res, &nres, NULL) == 0)
				free(res);
		}
		defset_release(&ds);
		diags_release(&dd);
	}
	double dep = (double)set.n * drounds / (now_s() - t0);
	printf("bench: deploy: %.0f files/s (%.2f x lint)\n", dep, dep / lint);
	store_close(s);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	defset_release(&set);
	diags_release(&d);
	buf_release(&err);
	return 0;
}

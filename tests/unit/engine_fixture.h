/*
 * engine_fixture.h: the fixture the engine tests share — a new store in a
 * temporary directory with the shipped workflows and forms deployed (as
 * `docket deploy`) and an engine on it; cmocka setup and teardown.
 * Include after cmocka and the headers of store, defs/defset, engine, util.
 */
#ifndef DOCKET_ENGINE_FIXTURE_H
#define DOCKET_ENGINE_FIXTURE_H

#include <ftw.h>
#include <sys/stat.h>

/* A store with the shipped definitions and an engine on it. */
struct fx {
	char *dir;
	struct store *s;
	struct engine *e;
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/docket-engine-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	struct fx *f = xcalloc(1, sizeof(*f));
	f->dir = xasprintf("%s/s", tmpl);
	struct buf err = BUF_INIT;
	if (store_init(f->dir, &err) || store_open(f->dir, 0, &f->s, &err))
		return -1;
	buf_release(&err);
	/* a test store, as `docket init` makes one under a pinned clock: its events keep the times given */
	if (store_set_kind(f->s, STORE_KIND_TEST) < 0)
		return -1;
	struct defset set = DEFSET_INIT;
	struct diags d = DIAGS_INIT;
	defset_add_path(&set, "workflows", &d);
	defset_add_path(&set, "forms", &d);
	if (defset_check(&set, &d))
		return -1;
	struct deploy_result *res = NULL;
	size_t n = 0;
	if (defset_deploy(&set, f->s, "luo.bin", &res, &n, NULL))
		return -1;
	free(res);
	defset_release(&set);
	diags_release(&d);
	f->e = engine_new(f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	engine_free(f->e);
	store_close(f->s);
	char *top = xstrndup(f->dir, strlen(f->dir) - 2);
	nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(top);
	free(f->dir);
	free(f);
	return 0;
}

#endif

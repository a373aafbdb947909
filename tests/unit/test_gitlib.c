/*
 * libgit2 starts only when a document's content is read or written, not
 * when a store is opened or its documents listed: starting it costs
 * milliseconds (the CA certificates the Debian build loads for HTTPS),
 * a large part of a command such as `docket inbox`. Its own binary, so
 * that nothing else in the process has started libgit2 first: the store
 * and its document are made in a child process.
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
#include <sys/wait.h>
#include <unistd.h>

#include "docs/docs.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/gitlib.h"
#include "util/xalloc.h"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* In a child process: a store at dir with one notice for request inst-7; its id in id. */
static void make_store(const char *dir, char id[DOCS_ID_MAX])
{
	int fd[2];
	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *s = NULL;
		struct docs *d = NULL;
		struct buf err = BUF_INIT;
		struct docs_content c;
		char made[DOCS_ID_MAX] = "";
		docs_content_init(&c);
		c.type = xstrdup("通知");
		docs_content_set(&c, DF_TITLE, "关于做好2026年春节假期值班工作的通知");
		buf_adds(&c.body, "各区、各部门：\n\n现将有关事项通知如下。\n");
		int ok = store_init(dir, &err) == STORE_OK && store_open(dir, 0, &s, &err) == STORE_OK &&
			 docs_open(s, &d, &err) == 0 && docs_create(d, "王芳", &c, "inst-7", made) == 0;
		if (!ok)
			fprintf(stderr, "make_store: %s %s\n", err.s, d ? docs_error(d) : "");
		ssize_t w = write(fd[1], made, sizeof(made));
		_exit(ok && w == (ssize_t)sizeof(made) ? 0 : 1);
	}
	close(fd[1]);
	int status = 0;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(read(fd[0], id, DOCS_ID_MAX), DOCS_ID_MAX);
	close(fd[0]);
}

static int count_one(void *ctx, const struct docs_info *i)
{
	(void)i;
	++*(int *)ctx;
	return 0;
}

static void test_started_when_needed(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/docket-gitlib-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	char *dir = xasprintf("%s/s", tmpl), id[DOCS_ID_MAX];
	setenv("DOCKET_NOW", "2026-03-02T09:30:00+08:00", 1);
	setenv("DOCKET_SYNC", "normal", 1);
	make_store(dir, id);
	assert_false(gitlib_started());

	struct store *s = NULL;
	struct docs *d = NULL;
	struct buf err = BUF_INIT;
	assert_int_equal(store_open(dir, 0, &s, &err), STORE_OK);
	assert_int_equal(docs_open(s, &d, &err), 0);
	int n = 0;
	assert_int_equal(docs_list(d, "inst-7", count_one, &n), 0);
	assert_int_equal(n, 1);
	assert_false(gitlib_started()); /* opened and listed: no libgit2 */

	struct docs_info i;
	struct docs_content c;
	assert_int_equal(docs_info_get(d, id, &i), 0);
	assert_int_equal(docs_load(d, id, i.head, &c), 0);
	assert_true(gitlib_started()); /* the content comes from git */
	assert_string_equal(c.type, "通知");
	assert_string_equal(c.body.s, "各区、各部门：\n\n现将有关事项通知如下。\n");
	docs_content_release(&c);
	docs_info_release(&i);
	docs_free(d);
	store_close(s);
	buf_release(&err);
	nftw(tmpl, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_started_when_needed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

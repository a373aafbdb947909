/*
 * replay: run a fuzz harness over files instead of under libFuzzer.
 *
 *   fuzz_expr tests/fuzz/corpus/expr [more files or directories]
 *
 * Each regular file is one input. Prints how many inputs ran; a failing
 * property aborts, as it does under libFuzzer, so the caller sees which
 * file it was from the last "replay:" line printed with -v.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int verbose;
static size_t ran;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t alloc = 4096, n = 0;
	uint8_t *data = malloc(alloc);
	size_t got;
	while (data && (got = fread(data + n, 1, alloc - n, f)) > 0) {
		n += got;
		if (n == alloc) {
			uint8_t *grown = realloc(data, alloc *= 2);
			if (!grown)
				free(data);
			data = grown;
		}
	}
	fclose(f);
	if (!data) {
		fprintf(stderr, "replay: %s: out of memory\n", path);
		return -1;
	}
	if (verbose)
		fprintf(stderr, "replay: %s\n", path);
	/* an exact-size copy, so ASan sees a read past the input's end */
	uint8_t *exact = malloc(n ? n : 1);
	memcpy(exact, data, n);
	free(data);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	ran++;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	DIR *dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			names = realloc(names, alloc * sizeof(*names));
		}
		size_t len = strlen(path) + strlen(e->d_name) + 2;
		names[n] = malloc(len);
		snprintf(names[n++], len, "%s/%s", path, e->d_name);
	}
	closedir(dir);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (run_path(names[i]) < 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0, i = 1;
	if (i < argc && !strcmp(argv[i], "-v")) {
		verbose = 1;
		i++;
	}
	const char *self = strrchr(argv[0], '/');
	self = self ? self + 1 : argv[0];
	for (; i < argc; i++)
		if (run_path(argv[i]) < 0)
			rc = 1;
	printf("replay: %s: %zu inputs\n", self, ran);
	return rc;
}

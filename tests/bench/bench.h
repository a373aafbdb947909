/*
 * bench.h: what the benchmarks share (tests/bench/common.c): clocks, a
 * knob from the environment, a fresh store with the shipped definitions,
 * and a person enrolled with an SM2 key.
 */
#ifndef DOCKET_BENCH_H
#define DOCKET_BENCH_H

#include <jansson.h>

struct auth_session;
struct engine;
struct store;

/* Wall-clock seconds (monotonic). */
double bench_now(void);
/* The process's CPU seconds: what the machine's load does not inflate. */
double bench_cpu(void);
/* The environment's whole number `name`, or def. */
long bench_env(const char *name, long def);
/* A fresh store in dir (removed first) with workflows/ and forms/ deployed; NULL on failure (said). */
struct store *bench_fresh_store(const char *dir);
/* Deploy workflows/ and forms/ (the working directory's) into s: 0, or -1 (said). */
int bench_deploy(struct store *s);
/*
 * Enrol `person` on s with a new key, by `by`'s session (NULL: the
 * store's first enrolment, self-signed); their session (caller frees with
 * auth_session_free), or NULL (said).
 */
struct auth_session *bench_enrol(struct store *s, struct engine *e, struct auth_session *by, const char *person);
/* zhang.wei's leave request (two days' annual leave) as instance.created's payload, on the current versions. */
json_t *bench_leave_payload(struct engine *e);

#endif

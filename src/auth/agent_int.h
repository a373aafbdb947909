/*
 * agent_int.h: what the agent's client (agent.c) and server
 * (agent_server.c) share. Not a front door: only these two files.
 */
#ifndef DOCKET_AGENT_INT_H
#define DOCKET_AGENT_INT_H

#include <stddef.h>

#include "agent.h"

struct buf;

/*
 * The longest request line: a sign request's base64 text (4/3 of
 * AGENT_MAX_TEXT) and its other fields.
 */
#define AGENT_MAX_LINE (6u << 20)

/* Reset err to the message; return status. */
int agent_fail(struct buf *err, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Check that the socket's directory is ours alone (creating it 0700 first
 * when `create`): AGENT_NONE when it is missing, AGENT_UNSAFE when it is
 * a symlink, not a directory, someone else's or open to others.
 */
int agent_check_dir(const char *sock, int create, struct buf *err);
/* The same for the socket itself: AGENT_NONE when there is none. */
int agent_check_sock(const char *sock, struct buf *err);

/* Base64 of p[0..n) (caller frees). */
char *agent_b64(const void *p, size_t n);
/* Decode base64 s[0..len) of at most `max` bytes; NULL when it is not base64 or longer. */
unsigned char *agent_unb64(const char *s, size_t len, size_t max, size_t *n);

/*
 * agent_serve, telling the process that started it through *ready: "ok\n"
 * once it listens, and *ready is then closed and set to -1 (-1: nobody).
 */
int agent_serve_ready(const char *path, unsigned idle_secs, int *ready, struct buf *err);

#endif

/*
 * agent: a process that holds unlocked SM2 keys in memory for a while, so
 * scripts can sign without a passphrase in an argument or environment
 * variable (ssh-agent's idea). `docket login` asks for the passphrase at a
 * terminal and hands the decrypted key to the agent; later commands ask
 * the agent to sign instead of opening the key file.
 *
 * The agent listens on a Unix socket: $DOCKET_AGENT if set (an absolute
 * path), else $XDG_RUNTIME_DIR/docket/agent.sock, else
 * /tmp/docket-$UID/agent.sock. The socket's directory is created 0700;
 * the client and the server refuse a directory or socket that is not
 * owned by the current user or that the group or others may use, and the
 * server closes connections from another uid (SO_PEERCRED).
 *
 * Each key is held with an expiry (ttl seconds after it was added) and an
 * idle limit (dropped after that many seconds without a signature);
 * dropped keys are wiped. The agent exits when it has held no key and had
 * no connection for `idle_secs`, on a "stop" request, or on SIGTERM; it
 * removes its socket as it goes. The protocol (newline-delimited JSON) is
 * in doc/security.md, "The agent".
 *
 * Functions return 0 or a negative AGENT_* status with the message in err.
 */
#ifndef DOCKET_AGENT_H
#define DOCKET_AGENT_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "../util/hash.h"

struct buf;
struct sm2key;

enum agent_status {
	AGENT_OK = 0,
	AGENT_ERR = -1,     /* anything else (see the message) */
	AGENT_NONE = -2,    /* no agent is running (no socket, or a stale one) */
	AGENT_UNSAFE = -3,  /* the socket or its directory is not ours alone: refused */
	AGENT_NOKEY = -4,   /* the agent holds no key for that person and key id (or it expired) */
};

/* How long the agent waits with no key and no client before it exits. */
#define AGENT_IDLE_EXIT 60
/* A key's idle limit when the client gives none: 30 minutes without use. */
#define AGENT_KEY_IDLE 1800
/* The longest ttl or idle limit the agent accepts: 7 days. */
#define AGENT_TTL_MAX (7u * 24 * 3600)
/* The most text one signature covers (the request line is base64 of it). */
#define AGENT_MAX_TEXT (4u << 20)

/* The socket's path, from the environment as above, into out. */
int agent_socket_path(struct buf *out, struct buf *err);

/*
 * Serve in the foreground on `path` (NULL: agent_socket_path) until idle
 * for idle_secs (0: never idle out), a stop request or SIGTERM/SIGINT/
 * SIGHUP. It takes the process over (signal handlers, jansson's allocator,
 * no core dumps, memory locked where the limit allows): call it in a
 * process of its own. A stale socket is replaced; a live agent on the same
 * path is an error.
 */
int agent_serve(const char *path, unsigned idle_secs, struct buf *err);

/*
 * Start an agent in the background (AGENT_IDLE_EXIT) unless one answers
 * already, and return once it answers. The agent is a daemon: its own
 * session, no inherited file descriptors, stdio on /dev/null.
 */
int agent_spawn(struct buf *err);

/* A connection to the agent. */
struct agent_conn;

/* Connect to the running agent: AGENT_NONE when there is none, AGENT_UNSAFE when refused. */
int agent_connect(struct agent_conn **out, struct buf *err);
void agent_close(struct agent_conn *c);
/* The agent's process id (from the socket's credentials). */
pid_t agent_pid(const struct agent_conn *c);

/*
 * Hand `person`'s unlocked key to the agent for ttl seconds at most and
 * idle seconds without use (0: AGENT_KEY_IDLE). It replaces any key the
 * agent held for that person.
 */
int agent_add(struct agent_conn *c, const char *person, const struct sm2key *k, unsigned ttl,
	      unsigned idle, struct buf *err);
/*
 * Sign text[0..len) with person's key, which must have id key_id; the
 * signature as base64 DER in *sig_b64 (caller frees), as sm2key_sign
 * makes it. AGENT_NOKEY when the agent has no such key (never added,
 * another key, expired, removed).
 */
int agent_sign(struct agent_conn *c, const char *person, const char *key_id, const void *text,
	       size_t len, char **sig_b64, struct buf *err);

/* One key the agent holds. */
struct agent_key {
	char *person;                   /* whose key */
	char key_id[HASH_HEX_LEN + 1];  /* sm2key_id of it */
	time_t expires;                 /* when the ttl ends (the agent's clock_now) */
	unsigned idle_left;             /* seconds left before it is dropped unused */
};

/* The keys held, in the order they were added; free with agent_keys_free. */
int agent_list(struct agent_conn *c, struct agent_key **keys, size_t *nr, struct buf *err);
void agent_keys_free(struct agent_key *keys, size_t nr);

/* Drop person's key (wiped); the number dropped (0 or 1), or a negative status. */
int agent_remove(struct agent_conn *c, const char *person, struct buf *err);
/* Drop every key; the number dropped, or a negative status. */
int agent_remove_all(struct agent_conn *c, struct buf *err);
/* Stop the agent; returns once it has removed its socket and closed. */
int agent_stop(struct agent_conn *c, struct buf *err);

#endif

/*
 * agent_server.c: the agent itself. One process, one thread, poll():
 * several clients, one request per line, one reply line per request.
 * The keys it holds and the requests that carry them are wiped when they
 * are dropped; see agent.h for the rules and doc/security.md for the
 * protocol.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "agent.h"
#include "agent_int.h"
#include "sm2key.h"

/* Clients at once; more are closed as they come (the agent serves one user). */
#define MAX_CLIENTS 32
/* People whose keys it holds at once. */
#define MAX_KEYS 64
/* The longest person id. */
#define MAX_PERSON 256
/* Replies waiting for a client that does not read: past this, its requests wait too. */
#define OUT_HIGH (1u << 20)

/* A byte buffer whose old copies are wiped when it grows or shrinks: it holds requests, keys in them. */
struct sbuf {
	char *p;
	size_t len, alloc;
};

/* One person's unlocked key. */
struct held {
	char *person;                   /* whose key */
	char key_id[HASH_HEX_LEN + 1];  /* sm2key_id of it */
	struct sm2key *key;
	int64_t expires;                /* boot-clock ms: dropped then, used or not */
	int64_t last_use;               /* boot-clock ms of the last signature (or the add) */
	unsigned idle;                  /* seconds without use after which it is dropped */
};

struct client {
	int fd;
	struct sbuf in;   /* received, not yet handled */
	size_t scanned;   /* in.p[0..scanned) has no newline */
	struct buf out;   /* replies not yet sent */
	int eof;          /* the client sent all it will: close once out is sent */
};

struct server {
	const char *path;       /* the socket */
	int lfd;                /* listening */
	dev_t dev;              /* the socket's inode, to remove only our own */
	ino_t ino;
	struct held *keys;
	size_t nr, alloc;
	struct client *clients;
	size_t nclients, calloc;
	unsigned idle_exit;     /* seconds with no key and no client before exiting; 0: never */
	int64_t quiet_since;    /* boot-clock ms since when it had no key and no client */
	int stop;               /* a stop request was handled */
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/*
 * Milliseconds on the boot clock: keeps counting while the machine
 * sleeps (a key with one hour to live does not wake up after a night with
 * one hour left), and neither DOCKET_NOW nor a change of the wall clock
 * moves it.
 */
static int64_t now_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_BOOTTIME, &ts))
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- wiped memory ------------------------------------------------------------ */

static void sbuf_reserve(struct sbuf *b, size_t extra)
{
	if (b->len + extra <= b->alloc)
		return;
	size_t n = b->alloc ? b->alloc : 4096;
	while (n < b->len + extra)
		n *= 2;
	char *p = xmalloc(n);
	if (b->len)
		memcpy(p, b->p, b->len);
	if (b->p) {
		OPENSSL_cleanse(b->p, b->alloc);
		free(b->p);
	}
	b->p = p;
	b->alloc = n;
}

/* Drop the first n bytes, wiping what is left behind. */
static void sbuf_consume(struct sbuf *b, size_t n)
{
	memmove(b->p, b->p + n, b->len - n);
	OPENSSL_cleanse(b->p + b->len - n, n);
	b->len -= n;
}

static void sbuf_release(struct sbuf *b)
{
	if (b->p) {
		OPENSSL_cleanse(b->p, b->alloc);
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}

/*
 * jansson's allocator while serving: every block is wiped when freed,
 * since parsed requests hold private keys in their strings. The size is
 * kept in front of the block.
 */
#define HEAD sizeof(max_align_t)

static void *wiping_malloc(size_t n)
{
	if (n > SIZE_MAX - HEAD)
		return NULL;
	unsigned char *p = malloc(HEAD + n);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + HEAD;
}

static void wiping_free(void *q)
{
	if (!q)
		return;
	unsigned char *p = (unsigned char *)q - HEAD;
	size_t n;
	memcpy(&n, p, sizeof(n));
	OPENSSL_cleanse(p, HEAD + n);
	free(p);
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/*
 * Keep the keys out of swap where we may. With an unlimited RLIMIT_MEMLOCK
 * all memory, now and later, is locked as it is touched; under a limit only
 * what is mapped now (MCL_FUTURE would make a large request fail to
 * allocate past the limit, and xmalloc aborts). Failure is not an error:
 * unprivileged users usually have 8 MiB, less than docket maps. Skipped
 * under AddressSanitizer, whose shadow is terabytes of address space.
 */
static void lock_memory(void)
{
#ifndef UNDER_ASAN
	int flags = MCL_CURRENT;
#ifdef MCL_ONFAULT
	flags |= MCL_ONFAULT;
#endif
	struct rlimit rl;
	if (!getrlimit(RLIMIT_MEMLOCK, &rl) && rl.rlim_cur == RLIM_INFINITY)
		flags |= MCL_FUTURE;
	(void)mlockall(flags);
#endif
}

/* --- the keys -------------------------------------------------------------------- */

static void drop(struct server *s, size_t i)
{
	struct held *h = &s->keys[i];
	sm2key_free(h->key);
	OPENSSL_cleanse(h->person, strlen(h->person));
	free(h->person);
	memmove(h, h + 1, (s->nr - i - 1) * sizeof(*h));
	s->nr--;
}

/* Drop the keys whose time is up. */
static void sweep(struct server *s, int64_t now)
{
	for (size_t i = s->nr; i-- > 0;) {
		struct held *h = &s->keys[i];
		if (now >= h->expires || now >= h->last_use + (int64_t)h->idle * 1000)
			drop(s, i);
	}
}

static struct held *find(struct server *s, const char *person)
{
	for (size_t i = 0; i < s->nr; i++)
		if (!strcmp(s->keys[i].person, person))
			return &s->keys[i];
	return NULL;
}

/* Seconds from now to `when`, rounded up. */
static long secs_until(int64_t when, int64_t now)
{
	return when <= now ? 0 : (long)((when - now + 999) / 1000);
}

/* --- replies ------------------------------------------------------------------------ */

static void reply(struct client *c, json_t *r)
{
	char *s = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	buf_adds(&c->out, s ? s : "{\"ok\":false,\"error\":\"unable to encode the reply\"}");
	buf_addch(&c->out, '\n');
	/* json_dumps allocates with jansson's allocator, ours while serving */
	wiping_free(s);
}

/* {"ok":true} and the members of r (taken). */
static void reply_ok(struct client *c, json_t *r)
{
	json_t *o = json_pack("{s:b}", "ok", 1);
	json_object_update(o, r);
	json_decref(r);
	reply(c, o);
}

/* {"ok":false,"error":MSG} and, when code is set, "code":CODE (the client's AGENT_NOKEY). */
static void reply_error(struct client *c, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void reply_error(struct client *c, const char *code, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	json_t *r = json_pack("{s:b, s:s%}", "ok", 0, "error", msg.s, msg.len);
	if (r && code)
		json_object_set_new(r, "code", json_string(code));
	reply(c, r);
	buf_release(&msg);
}

/* A string member, 1..max bytes; NULL (and an error reply) when missing or wrong. */
static const char *want_string(struct client *c, json_t *req, const char *name, size_t max)
{
	json_t *v = json_object_get(req, name);
	size_t n = json_string_length(v);
	if (!json_is_string(v) || !n || n > max || memchr(json_string_value(v), '\0', n)) {
		reply_error(c, NULL, _("the request needs \"%s\": a string of 1 to %zu bytes"), name, max);
		return NULL;
	}
	return json_string_value(v);
}

/* A whole number of seconds in 1..AGENT_TTL_MAX, or dflt when absent (0: required). */
static int want_secs(struct client *c, json_t *req, const char *name, unsigned dflt, unsigned *out)
{
	json_t *v = json_object_get(req, name);
	if (!v && dflt) {
		*out = dflt;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > AGENT_TTL_MAX) {
		reply_error(c, NULL, _("the request needs \"%s\": a number of seconds from 1 to %u"), name,
			    AGENT_TTL_MAX);
		return -1;
	}
	*out = (unsigned)json_integer_value(v);
	return 0;
}

/* --- the requests ------------------------------------------------------------------- */

/* The person member: also no control characters, since messages quote it to a terminal. */
static const char *want_person(struct client *c, json_t *req)
{
	const char *p = want_string(c, req, "person", MAX_PERSON);
	for (const char *q = p; q && *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f) {
			reply_error(c, NULL, "%s", _("\"person\" must not hold control characters"));
			return NULL;
		}
	return p;
}

static void op_add(struct server *s, struct client *c, json_t *req)
{
	const char *person = want_person(c, req);
	const char *b64 = person ? want_string(c, req, "key", 8192) : NULL;
	unsigned ttl, idle;
	if (!b64 || want_secs(c, req, "ttl", 0, &ttl) || want_secs(c, req, "idle", AGENT_KEY_IDLE, &idle))
		return;
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_from_private_b64(b64, &err);
	char id[HASH_HEX_LEN + 1];
	if (!k || sm2key_id(k, id)) {
		reply_error(c, NULL, "%s", k ? _("unable to name the key") : err.s);
		sm2key_free(k);
		buf_release(&err);
		return;
	}
	buf_release(&err);
	struct held *h = find(s, person);
	if (h) {
		sm2key_free(h->key);
	} else if (s->nr >= MAX_KEYS) {
		sm2key_free(k);
		reply_error(c, NULL, _("the agent holds %d keys already"), MAX_KEYS);
		return;
	} else {
		ALLOC_GROW(s->keys, s->nr + 1, s->alloc);
		h = &s->keys[s->nr++];
		h->person = xstrdup(person);
	}
	int64_t now = now_ms();
	memcpy(h->key_id, id, sizeof(id));
	h->key = k;
	h->expires = now + (int64_t)ttl * 1000;
	h->last_use = now;
	h->idle = idle;
	reply_ok(c, json_pack("{s:s}", "key_id", id));
}

static void op_sign(struct server *s, struct client *c, json_t *req)
{
	const char *person = want_person(c, req);
	const char *id = person ? want_string(c, req, "key_id", HASH_HEX_LEN) : NULL;
	if (!id)
		return;
	json_t *t = json_object_get(req, "text");
	if (!json_is_string(t)) {
		reply_error(c, NULL, "%s", _("the request needs \"text\": the text to sign, in base64"));
		return;
	}
	size_t len;
	unsigned char *text = agent_unb64(json_string_value(t), json_string_length(t), AGENT_MAX_TEXT, &len);
	if (!text) {
		reply_error(c, NULL, _("\"text\" must be base64 of at most %u bytes"), AGENT_MAX_TEXT);
		return;
	}
	struct held *h = find(s, person);
	if (!h)
		reply_error(c, "no_key", _("'%s' is not signed in to the agent (or the sign-in has expired)"),
			    person);
	else if (strcmp(h->key_id, id))
		reply_error(c, "no_key", _("the agent holds another key for '%s' (key id %.16s, not %.16s)"),
			    person, h->key_id, id);
	if (!h || strcmp(h->key_id, id)) {
		free(text);
		return;
	}
	struct buf err = BUF_INIT;
	char *sig = sm2key_sign(h->key, text, len, &err);
	free(text);
	h->last_use = now_ms();
	if (sig)
		reply_ok(c, json_pack("{s:s}", "sig", sig));
	else
		reply_error(c, NULL, "%s", err.s);
	free(sig);
	buf_release(&err);
}

static void op_list(struct server *s, struct client *c, json_t *req)
{
	(void)req;
	int64_t now = now_ms();
	/* what people read is on docket's clock (DOCKET_NOW in tests); the limits are not */
	time_t wall = clock_now();
	json_t *arr = json_array();
	for (size_t i = 0; i < s->nr; i++) {
		struct held *h = &s->keys[i];
		char iso[32];
		clock_format_iso(wall + secs_until(h->expires, now), iso, sizeof(iso));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I}", "person", h->person, "key_id",
						     h->key_id, "expires", iso, "idle_left",
						     (json_int_t)secs_until(h->last_use + (int64_t)h->idle * 1000, now)));
	}
	reply_ok(c, json_pack("{s:o}", "keys", arr));
}

static void op_remove(struct server *s, struct client *c, json_t *req)
{
	const char *person = want_person(c, req);
	if (!person)
		return;
	int n = 0;
	for (size_t i = 0; i < s->nr; i++)
		if (!strcmp(s->keys[i].person, person)) {
			drop(s, i);
			n = 1;
			break;
		}
	reply_ok(c, json_pack("{s:i}", "removed", n));
}

static void op_remove_all(struct server *s, struct client *c, json_t *req)
{
	(void)req;
	int n = (int)s->nr;
	while (s->nr)
		drop(s, s->nr - 1);
	reply_ok(c, json_pack("{s:i}", "removed", n));
}

static void op_stop(struct server *s, struct client *c, json_t *req)
{
	(void)req;
	s->stop = 1;
	reply_ok(c, json_object());
}

static const struct {
	const char *name;
	void (*fn)(struct server *s, struct client *c, json_t *req);
} ops[] = {
	{ "add", op_add },
	{ "sign", op_sign },
	{ "list", op_list },
	{ "remove", op_remove },
	{ "remove_all", op_remove_all },
	{ "stop", op_stop },
};

/* Handle one request line (without its newline); the reply goes to c->out. */
static void handle(struct server *s, struct client *c, const char *line, size_t len)
{
	sweep(s, now_ms());
	json_error_t jerr;
	json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		reply_error(c, NULL, _("not a JSON request: %s"), jerr.text);
		return;
	}
	const char *op = json_string_value(json_object_get(req, "op"));
	size_t i = 0;
	if (!json_is_object(req) || !op)
		reply_error(c, NULL, "%s", _("a request is a JSON object with an \"op\""));
	else {
		while (i < sizeof(ops) / sizeof(ops[0]) && strcmp(ops[i].name, op))
			i++;
		if (i < sizeof(ops) / sizeof(ops[0]))
			ops[i].fn(s, c, req);
		else
			reply_error(c, NULL, _("no such request: '%s'"), op);
	}
	json_decref(req);
}

/* Handle the complete lines c has sent, while its replies are being read. */
static void handle_lines(struct server *s, struct client *c)
{
	while (!s->stop && c->out.len < OUT_HIGH) {
		char *nl = memchr(c->in.p + c->scanned, '\n', c->in.len - c->scanned);
		if (!nl) {
			c->scanned = c->in.len;
			/* a line that will not end: refused, and the client is let go */
			if (c->in.len > AGENT_MAX_LINE) {
				reply_error(c, NULL, _("a request is at most %u bytes"), AGENT_MAX_LINE);
				sbuf_release(&c->in);
				c->scanned = 0;
				c->eof = 1;
			}
			return;
		}
		size_t n = (size_t)(nl - c->in.p);
		handle(s, c, c->in.p, n);
		sbuf_consume(&c->in, n + 1);
		c->scanned = 0;
	}
}

/* --- connections ----------------------------------------------------------------- */

static void close_client(struct server *s, size_t i)
{
	struct client *c = &s->clients[i];
	close(c->fd);
	sbuf_release(&c->in);
	buf_release(&c->out);
	memmove(c, c + 1, (s->nclients - i - 1) * sizeof(*c));
	s->nclients--;
}

static void accept_clients(struct server *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct ucred cred;
		socklen_t len = sizeof(cred);
		/* the directory is ours alone, but root or a loosened mode could let someone else in */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) || cred.uid != geteuid() ||
		    s->nclients >= MAX_CLIENTS) {
			close(fd);
			continue;
		}
		ALLOC_GROW(s->clients, s->nclients + 1, s->calloc);
		struct client *c = &s->clients[s->nclients++];
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		buf_init(&c->out);
	}
}

/* Read what c sent and handle it; -1 when the connection is broken. */
static int client_read(struct server *s, struct client *c)
{
	for (;;) {
		sbuf_reserve(&c->in, 65536);
		ssize_t n = recv(c->fd, c->in.p + c->in.len, 65536, 0);
		if (n > 0) {
			c->in.len += (size_t)n;
			handle_lines(s, c);
			if (c->eof || s->stop || c->out.len >= OUT_HIGH)
				return 0;
			continue;
		}
		if (n == 0) {
			c->eof = 1;
			return 0;
		}
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	}
}

static int client_write(struct client *c)
{
	while (c->out.len) {
		ssize_t n = send(c->fd, c->out.s, c->out.len, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		memmove(c->out.s, c->out.s + n, c->out.len - (size_t)n);
		buf_setlen(&c->out, c->out.len - (size_t)n);
	}
	return 0;
}

/* --- the socket ---------------------------------------------------------------------- */

/*
 * Listen on path: its directory made and checked, a stale socket
 * replaced, a live agent's left alone (an error).
 */
static int listen_on(struct server *s, struct buf *err)
{
	int rc = agent_check_dir(s->path, 1, err);
	if (rc)
		return rc;
	rc = agent_check_sock(s->path, err);
	if (rc && rc != AGENT_NONE)
		return rc;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	memcpy(sun.sun_path, s->path, strlen(s->path) + 1);
	if (!rc) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int live = fd >= 0 && !connect(fd, (struct sockaddr *)&sun, sizeof(sun));
		if (fd >= 0)
			close(fd);
		if (live)
			return agent_fail(err, AGENT_ERR, _("an agent is already running at '%s'"), s->path);
		/* nobody listens: a crashed agent's */
		if (unlink(s->path) && errno != ENOENT)
			return agent_fail(err, AGENT_ERR, _("unable to remove the stale socket '%s': %s"), s->path,
					  strerror(errno));
	}
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->lfd < 0)
		return agent_fail(err, AGENT_ERR, _("unable to make the agent's socket: %s"), strerror(errno));
	/* created 0600 from the start, not chmod'ed after: there is no moment it is open */
	mode_t old = umask(0177);
	int b = bind(s->lfd, (struct sockaddr *)&sun, sizeof(sun));
	int e = errno;
	umask(old);
	struct stat st;
	if (b || listen(s->lfd, 16) || lstat(s->path, &st)) {
		e = b ? e : errno;
		close(s->lfd);
		s->lfd = -1;
		return agent_fail(err, AGENT_ERR, _("unable to listen on '%s': %s"), s->path, strerror(e));
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return 0;
}

/* Remove the socket if it is still the one we made (not a successor's). */
static void unlink_ours(struct server *s)
{
	struct stat st;
	if (!lstat(s->path, &st) && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
}

/* --- the loop -------------------------------------------------------------------------- */

/* Milliseconds until the next thing to do: a key's time, or idling out; -1: none. */
static int next_timeout(struct server *s, int64_t now)
{
	int64_t next = INT64_MAX;
	for (size_t i = 0; i < s->nr; i++) {
		struct held *h = &s->keys[i];
		int64_t idle_end = h->last_use + (int64_t)h->idle * 1000;
		next = h->expires < next ? h->expires : next;
		next = idle_end < next ? idle_end : next;
	}
	if (!s->nr && !s->nclients && s->idle_exit) {
		int64_t out = s->quiet_since + (int64_t)s->idle_exit * 1000;
		next = out < next ? out : next;
	}
	if (next == INT64_MAX)
		return -1;
	int64_t d = next - now;
	return d <= 0 ? 0 : d > INT32_MAX ? INT32_MAX : (int)d;
}

static void serve_loop(struct server *s, const sigset_t *waitmask)
{
	struct pollfd *pf = NULL;
	size_t pf_alloc = 0;
	s->quiet_since = now_ms();
	for (;;) {
		int64_t now = now_ms();
		sweep(s, now);
		if (s->nr || s->nclients)
			s->quiet_since = now;
		if (s->stop || got_signal)
			break;
		if (!s->nr && !s->nclients && s->idle_exit && now - s->quiet_since >= (int64_t)s->idle_exit * 1000)
			break;
		ALLOC_GROW(pf, s->nclients + 1, pf_alloc);
		pf[0] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		for (size_t i = 0; i < s->nclients; i++) {
			struct client *c = &s->clients[i];
			pf[i + 1] = (struct pollfd){ .fd = c->fd };
			if (!c->eof && c->out.len < OUT_HIGH)
				pf[i + 1].events |= POLLIN;
			if (c->out.len)
				pf[i + 1].events |= POLLOUT;
		}
		int ms = next_timeout(s, now);
		struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
		size_t n = s->nclients;
		if (ppoll(pf, n + 1, ms < 0 ? NULL : &ts, waitmask) < 0)
			continue;
		/* back to front: close_client moves the ones after */
		for (size_t i = n; i-- > 0;) {
			struct client *c = &s->clients[i];
			short re = pf[i + 1].revents;
			int broken = (re & POLLERR) != 0;
			if (!broken && (re & (POLLIN | POLLHUP)) && !c->eof)
				broken = client_read(s, c) < 0;
			/* requests held back while its replies were unread */
			if (!broken && !s->stop && c->out.len < OUT_HIGH && c->in.len)
				handle_lines(s, c);
			if (!broken && c->out.len)
				broken = client_write(c) < 0;
			if (broken || (c->eof && !c->out.len))
				close_client(s, i);
		}
		if (pf[0].revents & POLLIN)
			accept_clients(s);
	}
	free(pf);
}

int agent_serve_ready(const char *path, unsigned idle_secs, int *ready, struct buf *err)
{
	struct buf def = BUF_INIT;
	if (!path) {
		int rc = agent_socket_path(&def, err);
		if (rc) {
			buf_release(&def);
			return rc;
		}
		path = def.s;
	}
	struct server s = { .path = path, .lfd = -1, .idle_exit = idle_secs };
	int rc = listen_on(&s, err);
	if (rc) {
		buf_release(&def);
		return rc;
	}
	/* before any key arrives: no core dump, no ptrace by the same user's other processes */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	lock_memory();

	/* the stopping signals get in only while ppoll waits, so none is lost between checks */
	sigset_t block, oldmask, waitmask;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &oldmask);
	waitmask = oldmask;
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);
	struct sigaction sa, old_term, old_int, old_hup, old_pipe;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_mask = block;
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGHUP, &sa, &old_hup);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);
	got_signal = 0;
	json_malloc_t old_malloc;
	json_free_t old_free;
	json_get_alloc_funcs(&old_malloc, &old_free);
	json_set_alloc_funcs(wiping_malloc, wiping_free);

	if (*ready >= 0) {
		if (write(*ready, "ok\n", 3) < 0)
			errno = 0;
		close(*ready);
		*ready = -1;
	}
	serve_loop(&s, &waitmask);

	/* socket first: once a client sees the close, the socket is gone */
	unlink_ours(&s);
	close(s.lfd);
	for (size_t i = s.nclients; i-- > 0;) {
		client_write(&s.clients[i]);
		close_client(&s, i);
	}
	free(s.clients);
	while (s.nr)
		drop(&s, s.nr - 1);
	free(s.keys);

	json_set_alloc_funcs(old_malloc, old_free);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	buf_release(&def);
	return 0;
}

int agent_serve(const char *path, unsigned idle_secs, struct buf *err)
{
	int none = -1;
	return agent_serve_ready(path, idle_secs, &none, err);
}

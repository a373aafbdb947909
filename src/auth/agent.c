/*
 * agent.c: where the agent's socket is and whether it is safe to use, the
 * client's requests, and starting the agent in the background. The
 * server is agent_server.c.
 */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "agent_int.h"
#include "sm2key.h"

/* How long a client waits for the agent to take a request or answer it. */
#define CLIENT_TIMEOUT_SECS 30
/* How long agent_spawn waits for a new agent to listen. */
#define SPAWN_TIMEOUT_MS 10000
/* The longest reply a client reads (a list of every key held is far shorter). */
#define MAX_REPLY (1u << 20)

struct agent_conn {
	int fd;         /* connected to the agent */
	pid_t pid;      /* the agent's, from SO_PEERCRED */
	struct buf in;  /* read but not yet taken: the start of the next reply */
};

int agent_fail(struct buf *err, int status, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		buf_reset(err);
		va_start(ap, fmt);
		buf_vaddf(err, fmt, ap);
		va_end(ap);
	}
	return status;
}

int agent_socket_path(struct buf *out, struct buf *err)
{
	const char *env = getenv("DOCKET_AGENT"), *xdg = getenv("XDG_RUNTIME_DIR");
	buf_reset(out);
	if (env && *env) {
		/* the agent runs from "/": a relative path would name another socket there */
		if (env[0] != '/')
			return agent_fail(err, AGENT_ERR, _("DOCKET_AGENT must be an absolute path, not '%s'"), env);
		buf_adds(out, env);
	} else if (xdg && xdg[0] == '/') {
		buf_addf(out, "%s/docket/agent.sock", xdg);
	} else {
		buf_addf(out, "/tmp/docket-%u/agent.sock", (unsigned)geteuid());
	}
	struct sockaddr_un sun;
	if (out->len >= sizeof(sun.sun_path))
		return agent_fail(err, AGENT_ERR, _("the agent's socket path '%s' is too long (at most %zu bytes)"),
				  out->s, sizeof(sun.sun_path) - 1);
	return 0;
}

/* A user's name for messages: "wang.fang (uid 1001)". */
static void owner_name(struct buf *out, uid_t uid)
{
	struct passwd *pw = getpwuid(uid);
	if (pw && pw->pw_name)
		buf_addf(out, "%s (uid %u)", pw->pw_name, (unsigned)uid);
	else
		buf_addf(out, "uid %u", (unsigned)uid);
}

/*
 * Refuse `path` unless lstat found what we expect (a directory or a
 * socket, never a symlink), owned by us, with no access for group or
 * others. Another user who owns the directory could replace the socket
 * with his own and collect the keys handed to it, or the signatures asked
 * of it.
 */
static int check_private(const char *path, const struct stat *st, int want_dir, struct buf *err)
{
	const char *what = want_dir ? _("the agent's directory") : _("the agent's socket");
	if (S_ISLNK(st->st_mode))
		return agent_fail(err, AGENT_UNSAFE, _("refusing %s '%s': it is a symbolic link"), what, path);
	if (want_dir ? !S_ISDIR(st->st_mode) : !S_ISSOCK(st->st_mode))
		return agent_fail(err, AGENT_UNSAFE, want_dir ? _("refusing %s '%s': it is not a directory")
							      : _("refusing %s '%s': it is not a socket"),
				  what, path);
	if (st->st_uid != geteuid()) {
		struct buf owner = BUF_INIT, me = BUF_INIT;
		owner_name(&owner, st->st_uid);
		owner_name(&me, geteuid());
		agent_fail(err, AGENT_UNSAFE, _("refusing %s '%s': it is owned by %s, not by you, %s"), what,
			   path, owner.s, me.s);
		buf_release(&owner);
		buf_release(&me);
		return AGENT_UNSAFE;
	}
	if (st->st_mode & 077)
		return agent_fail(err, AGENT_UNSAFE,
				  _("refusing %s '%s': its mode %04o lets others in (it must be %s)"), what, path,
				  (unsigned)(st->st_mode & 07777), want_dir ? "0700" : "0600");
	return 0;
}

int agent_check_dir(const char *sock, int create, struct buf *err)
{
	char *dir = xstrdup(sock), *slash = strrchr(dir, '/');
	if (slash)
		slash == dir ? (void)(slash[1] = '\0') : (void)(*slash = '\0');
	else
		strcpy(dir, ".");
	int rc = 0;
	if (create && mkdir(dir, 0700) && errno != EEXIST)
		rc = agent_fail(err, AGENT_ERR, _("unable to create the agent's directory '%s': %s"), dir,
				strerror(errno));
	struct stat st;
	if (!rc && lstat(dir, &st))
		rc = agent_fail(err, errno == ENOENT ? AGENT_NONE : AGENT_ERR,
				errno == ENOENT ? _("no agent is running ('%s' does not exist)")
						: _("unable to use the agent's directory '%s': %s"),
				dir, strerror(errno));
	if (!rc)
		rc = check_private(dir, &st, 1, err);
	free(dir);
	return rc;
}

int agent_check_sock(const char *sock, struct buf *err)
{
	struct stat st;
	if (lstat(sock, &st))
		return agent_fail(err, errno == ENOENT ? AGENT_NONE : AGENT_ERR,
				  errno == ENOENT ? _("no agent is running (no socket '%s')")
						  : _("unable to use the agent's socket '%s': %s"),
				  sock, strerror(errno));
	return check_private(sock, &st, 0, err);
}

char *agent_b64(const void *p, size_t n)
{
	char *s = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	return s;
}

unsigned char *agent_unb64(const char *s, size_t len, size_t max, size_t *n)
{
	*n = 0;
	if (!len)
		return xmalloc(1);
	if (len % 4 || len / 4 * 3 > max + 2)
		return NULL;
	unsigned char *p = xmalloc(len / 4 * 3 + 1);
	int got = EVP_DecodeBlock(p, (const unsigned char *)s, (int)len);
	size_t pad = (s[len - 1] == '=') + (len > 1 && s[len - 2] == '=');
	if (got < 0 || (size_t)got < pad || (size_t)got - pad > max) {
		free(p);
		return NULL;
	}
	*n = (size_t)got - pad;
	return p;
}

/* --- the client ------------------------------------------------------------- */

int agent_connect(struct agent_conn **out, struct buf *err)
{
	*out = NULL;
	struct buf path = BUF_INIT;
	int rc = agent_socket_path(&path, err);
	if (!rc)
		rc = agent_check_dir(path.s, 0, err);
	if (!rc)
		rc = agent_check_sock(path.s, err);
	int fd = -1;
	if (!rc) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			rc = agent_fail(err, AGENT_ERR, _("unable to reach the agent: %s"), strerror(errno));
	}
	if (!rc) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		memcpy(sun.sun_path, path.s, path.len + 1);
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
			rc = errno == ECONNREFUSED || errno == ENOENT
				     ? agent_fail(err, AGENT_NONE, _("no agent is running (a stale socket '%s')"), path.s)
				     : agent_fail(err, AGENT_ERR, _("unable to reach the agent at '%s': %s"), path.s,
						  strerror(errno));
	}
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	if (!rc && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen))
		rc = agent_fail(err, AGENT_ERR, _("unable to reach the agent at '%s': %s"), path.s, strerror(errno));
	/* our directory, so this is paranoia; but a key must never go to someone else's process */
	if (!rc && cred.uid != geteuid())
		rc = agent_fail(err, AGENT_UNSAFE, _("refusing the agent at '%s': it runs as uid %u, not as you"),
				path.s, (unsigned)cred.uid);
	if (!rc) {
		struct timeval tv = { .tv_sec = CLIENT_TIMEOUT_SECS };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		struct agent_conn *c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->pid = cred.pid;
		buf_init(&c->in);
		*out = c;
	} else if (fd >= 0) {
		close(fd);
	}
	buf_release(&path);
	return rc;
}

void agent_close(struct agent_conn *c)
{
	if (!c)
		return;
	close(c->fd);
	buf_release(&c->in);
	free(c);
}

pid_t agent_pid(const struct agent_conn *c)
{
	return c->pid;
}

static int io_error(struct buf *err, int e)
{
	if (e == EAGAIN || e == EWOULDBLOCK)
		return agent_fail(err, AGENT_ERR, _("the agent did not answer within %d seconds"),
				  CLIENT_TIMEOUT_SECS);
	return agent_fail(err, AGENT_ERR, _("lost the connection to the agent: %s"), strerror(e));
}

/*
 * Send one request line (ending in '\n') and read the reply line into
 * *reply: 0 when it says "ok":true, else its error with AGENT_NOKEY
 * when its code says so, AGENT_ERR otherwise.
 */
static int roundtrip(struct agent_conn *c, const char *line, size_t len, json_t **reply, struct buf *err)
{
	*reply = NULL;
	for (size_t off = 0; off < len;) {
		ssize_t n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return io_error(err, errno);
		off += (size_t)n;
	}
	char *nl;
	while (!(nl = memchr(c->in.s, '\n', c->in.len))) {
		if (c->in.len > MAX_REPLY)
			return agent_fail(err, AGENT_ERR, "%s", _("the agent's reply is too long"));
		buf_grow(&c->in, 65536);
		ssize_t n = recv(c->fd, c->in.s + c->in.len, 65536, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return agent_fail(err, AGENT_ERR, "%s", _("the agent closed the connection"));
		if (n < 0)
			return io_error(err, errno);
		buf_setlen(&c->in, c->in.len + (size_t)n);
	}
	size_t n = (size_t)(nl - c->in.s);
	json_error_t jerr;
	json_t *r = json_loadb(c->in.s, n, JSON_REJECT_DUPLICATES, &jerr);
	memmove(c->in.s, nl + 1, c->in.len - n - 1);
	buf_setlen(&c->in, c->in.len - n - 1);
	json_t *ok = json_object_get(r, "ok");
	if (!json_is_boolean(ok)) {
		json_decref(r);
		return agent_fail(err, AGENT_ERR, "%s", _("the agent's reply makes no sense"));
	}
	if (json_is_false(ok)) {
		const char *msg = json_string_value(json_object_get(r, "error"));
		const char *code = json_string_value(json_object_get(r, "code"));
		int rc = agent_fail(err, code && !strcmp(code, "no_key") ? AGENT_NOKEY : AGENT_ERR, "%s",
				    msg ? msg : _("the agent refused the request"));
		json_decref(r);
		return rc;
	}
	*reply = r;
	return 0;
}

/* roundtrip of a request built with jansson. */
static int request(struct agent_conn *c, json_t *req, json_t **reply, struct buf *err)
{
	char *line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!line)
		return agent_fail(err, AGENT_ERR, "%s", _("unable to build the request to the agent"));
	struct buf l = BUF_INIT;
	buf_adds(&l, line);
	buf_addch(&l, '\n');
	free(line);
	int rc = roundtrip(c, l.s, l.len, reply, err);
	buf_release(&l);
	return rc;
}

int agent_add(struct agent_conn *c, const char *person, const struct sm2key *k, unsigned ttl,
	      unsigned idle, struct buf *err)
{
	char id[HASH_HEX_LEN + 1];
	char *priv = sm2key_private_b64(k);
	if (!priv || sm2key_id(k, id)) {
		free(priv);
		return agent_fail(err, AGENT_ERR, "%s", _("no private key to hand to the agent"));
	}
	json_t *head = json_pack("{s:s, s:s, s:I}", "op", "add", "person", person, "ttl", (json_int_t)ttl);
	if (head && idle)
		json_object_set_new(head, "idle", json_integer((json_int_t)idle));
	char *h = head ? json_dumps(head, JSON_COMPACT) : NULL;
	json_decref(head);
	if (!h) {
		sm2key_wipe(priv, strlen(priv));
		free(priv);
		return agent_fail(err, AGENT_ERR, "%s", _("unable to build the request to the agent"));
	}
	/*
	 * The key is spliced in rather than given to jansson, whose copies
	 * would be freed unwiped; base64 needs no escaping. Sized up front so
	 * the buf is never reallocated with the key in it.
	 */
	struct buf line = BUF_INIT;
	buf_grow(&line, strlen(h) + strlen(priv) + 16);
	buf_adds(&line, "{\"key\":\"");
	buf_adds(&line, priv);
	buf_adds(&line, "\",");
	buf_adds(&line, h + 1);
	buf_addch(&line, '\n');
	json_t *reply;
	int rc = roundtrip(c, line.s, line.len, &reply, err);
	sm2key_wipe(line.s, line.alloc);
	buf_release(&line);
	sm2key_wipe(priv, strlen(priv));
	free(priv);
	free(h);
	if (rc)
		return rc;
	const char *got = json_string_value(json_object_get(reply, "key_id"));
	if (!got || strcmp(got, id))
		rc = agent_fail(err, AGENT_ERR, "%s", _("the agent holds another key than the one handed to it"));
	json_decref(reply);
	return rc;
}

int agent_sign(struct agent_conn *c, const char *person, const char *key_id, const void *text,
	       size_t len, char **sig_b64, struct buf *err)
{
	*sig_b64 = NULL;
	if (len > AGENT_MAX_TEXT)
		return agent_fail(err, AGENT_ERR, _("the agent signs at most %u bytes, not %zu"), AGENT_MAX_TEXT, len);
	char *t = agent_b64(text, len);
	json_t *req = json_pack("{s:s, s:s, s:s, s:s}", "op", "sign", "person", person, "key_id", key_id,
				"text", t);
	free(t);
	if (!req)
		return agent_fail(err, AGENT_ERR, "%s", _("unable to build the request to the agent"));
	json_t *reply;
	int rc = request(c, req, &reply, err);
	if (rc)
		return rc;
	const char *sig = json_string_value(json_object_get(reply, "sig"));
	if (sig)
		*sig_b64 = xstrdup(sig);
	else
		rc = agent_fail(err, AGENT_ERR, "%s", _("the agent's reply makes no sense"));
	json_decref(reply);
	return rc;
}

int agent_list(struct agent_conn *c, struct agent_key **keys, size_t *nr, struct buf *err)
{
	*keys = NULL;
	*nr = 0;
	json_t *reply;
	int rc = request(c, json_pack("{s:s}", "op", "list"), &reply, err);
	if (rc)
		return rc;
	json_t *arr = json_object_get(reply, "keys");
	size_t n = json_array_size(arr);
	struct agent_key *v = n ? xcalloc(n, sizeof(*v)) : NULL;
	for (size_t i = 0; i < n && !rc; i++) {
		json_t *e = json_array_get(arr, i);
		const char *person = json_string_value(json_object_get(e, "person"));
		const char *id = json_string_value(json_object_get(e, "key_id"));
		const char *exp = json_string_value(json_object_get(e, "expires"));
		json_t *idle = json_object_get(e, "idle_left");
		if (!person || !id || strlen(id) != HASH_HEX_LEN || !exp ||
		    clock_parse_iso(exp, &v[i].expires) || !json_is_integer(idle) ||
		    json_integer_value(idle) < 0) {
			rc = agent_fail(err, AGENT_ERR, "%s", _("the agent's reply makes no sense"));
			break;
		}
		v[i].person = xstrdup(person);
		memcpy(v[i].key_id, id, HASH_HEX_LEN + 1);
		v[i].idle_left = (unsigned)json_integer_value(idle);
	}
	json_decref(reply);
	if (rc) {
		agent_keys_free(v, n);
		return rc;
	}
	*keys = v;
	*nr = n;
	return 0;
}

void agent_keys_free(struct agent_key *keys, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(keys[i].person);
	free(keys);
}

/* A request whose reply says how many keys were dropped. */
static int dropping(struct agent_conn *c, json_t *req, struct buf *err)
{
	json_t *reply;
	int rc = request(c, req, &reply, err);
	if (rc)
		return rc;
	json_t *n = json_object_get(reply, "removed");
	rc = json_is_integer(n) && json_integer_value(n) >= 0 && json_integer_value(n) < 1 << 30
		     ? (int)json_integer_value(n)
		     : agent_fail(err, AGENT_ERR, "%s", _("the agent's reply makes no sense"));
	json_decref(reply);
	return rc;
}

int agent_remove(struct agent_conn *c, const char *person, struct buf *err)
{
	return dropping(c, json_pack("{s:s, s:s}", "op", "remove", "person", person), err);
}

int agent_remove_all(struct agent_conn *c, struct buf *err)
{
	return dropping(c, json_pack("{s:s}", "op", "remove_all"), err);
}

int agent_stop(struct agent_conn *c, struct buf *err)
{
	json_t *reply;
	int rc = request(c, json_pack("{s:s}", "op", "stop"), &reply, err);
	if (rc)
		return rc;
	json_decref(reply);
	/* the agent removes its socket, then closes: wait for the close */
	char b[256];
	for (;;) {
		ssize_t n = recv(c->fd, b, sizeof(b), 0);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return io_error(err, errno);
	}
}

/* --- starting the agent -------------------------------------------------------- */

/* Close every descriptor from `from` up: the daemon keeps none of its starter's. */
static void close_from(int from)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	if (!close_range((unsigned)from, ~0u, 0))
		return;
#endif
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = from; fd < max; fd++)
		close(fd);
}

/* The daemon: detached from its starter in every way, then the server. Never returns. */
static void become_agent(const char *path, int ready)
{
	/* the ready pipe out of the way of 0, 1 and 2, then as fd 3 */
	int r = fcntl(ready, F_DUPFD_CLOEXEC, 3);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (r < 0 || null < 0)
		_exit(1);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(null, fd) < 0)
			_exit(1);
	if (r != 3 && (dup3(r, 3, O_CLOEXEC) < 0 || close(r)))
		_exit(1);
	close_from(4);
	if (chdir("/"))
		_exit(1);
	umask(077);
	/* whatever the starter did with signals (a TUI's handlers, a blocked ^C) is not ours */
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN,
				    SIGTTOU, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct buf err = BUF_INIT;
	int fd = 3;
	int rc = agent_serve_ready(path, AGENT_IDLE_EXIT, &fd, &err);
	if (rc && fd >= 0 && write(fd, err.s, err.len) < 0)
		rc = 1;
	_exit(rc ? 1 : 0);
}

int agent_spawn(struct buf *err)
{
	struct agent_conn *c;
	int rc = agent_connect(&c, err);
	if (rc == AGENT_OK) {
		agent_close(c);
		return 0;
	}
	if (rc != AGENT_NONE)
		return rc;
	struct buf path = BUF_INIT;
	if ((rc = agent_socket_path(&path, err)))
		return rc;
	int p[2];
	if (pipe2(p, O_CLOEXEC)) {
		buf_release(&path);
		return agent_fail(err, AGENT_ERR, _("unable to start the agent: %s"), strerror(errno));
	}
	/* nothing buffered is written twice by the children */
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		/* its own session, then not its leader: it can never get a terminal back */
		if (setsid() < 0)
			_exit(1);
		pid_t grandchild = fork();
		if (grandchild == 0)
			become_agent(path.s, p[1]);
		_exit(grandchild < 0);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		buf_release(&path);
		return agent_fail(err, AGENT_ERR, _("unable to start the agent: %s"), strerror(errno));
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	/* "ok\n" once it listens, or why it could not; EOF if it died */
	struct buf said = BUF_INIT;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = SPAWN_TIMEOUT_MS - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		if (left <= 0 || poll(&pf, 1, (int)left) == 0)
			break;
		char b[512];
		ssize_t n = read(p[0], b, sizeof(b));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (said.len < 4096)
			buf_add(&said, b, (size_t)n);
	}
	close(p[0]);
	rc = agent_connect(&c, err);
	if (rc == AGENT_OK) {
		agent_close(c);
	} else if (said.len && strcmp(said.s, "ok\n")) {
		rc = agent_fail(err, AGENT_ERR, _("unable to start the agent: %s"), said.s);
	} else {
		struct buf why = BUF_INIT;
		buf_add(&why, err->s, err->len);
		rc = agent_fail(err, AGENT_ERR, _("unable to start the agent: %s"), why.s);
		buf_release(&why);
	}
	buf_release(&said);
	buf_release(&path);
	return rc;
}

/*
 * agent: a background agent on a private socket ($DOCKET_AGENT in a
 * temporary directory) holds a key and signs with it (the signature
 * verifies with sm2key_verify); a wrong key id, another person, an
 * expired or idle key are refused; a socket or directory that is not ours
 * alone is refused by client and server; a peer of another uid is
 * dropped; malformed requests get error replies and the agent goes on;
 * stop and SIGTERM remove the socket; a stale socket is replaced.
 *
 * Every agent a case starts is killed in its teardown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auth/agent.h"
#include "auth/sm2key.h"
#include "util/buf.h"
#include "util/clock.h"

static char dir[64];
static char sock[96];
static pid_t started[8];
static size_t nstarted;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/docket-agent-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sock, sizeof(sock), "%s/agent.sock", dir);
	nstarted = 0;
	return setenv("DOCKET_AGENT", sock, 1);
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < nstarted; i++)
		kill(started[i], SIGKILL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void remember(pid_t pid)
{
	for (size_t i = 0; i < nstarted; i++)
		if (started[i] == pid)
			return;
	assert_true(nstarted < sizeof(started) / sizeof(started[0]));
	started[nstarted++] = pid;
}

/* Start the agent in the background and connect to it. */
static struct agent_conn *start(void)
{
	struct buf err = BUF_INIT;
	struct agent_conn *c = NULL;
	int rc = agent_spawn(&err);
	if (rc)
		fail_msg("agent_spawn: %s", err.s);
	assert_int_equal(agent_connect(&c, &err), 0);
	remember(agent_pid(c));
	buf_release(&err);
	return c;
}

/* A connection of our own, to speak the protocol by hand. */
static int raw_connect(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void raw_send(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n) {
		ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
		assert_true(k > 0);
		s += k;
		n -= (size_t)k;
	}
}

/* One reply line (without its newline) into out; -1 at the end of the connection. */
static int raw_reply(int fd, struct buf *out)
{
	buf_reset(out);
	for (;;) {
		char ch;
		ssize_t k = recv(fd, &ch, 1, 0);
		if (k <= 0)
			return -1;
		if (ch == '\n')
			return 0;
		buf_addch(out, ch);
	}
}

static void test_add_sign_verify(void **state)
{
	(void)state;
	struct buf err = BUF_INIT;
	struct agent_conn *c = start();
	/* the daemon: another process in another session, stdio on /dev/null */
	pid_t pid = agent_pid(c);
	assert_int_not_equal(pid, getpid());
	assert_int_not_equal(getsid(pid), getsid(0));
	char link[64], target[64] = "";
	snprintf(link, sizeof(link), "/proc/%ld/fd/0", (long)pid);
	if (readlink(link, target, sizeof(target) - 1) > 0)
		assert_string_equal(target, "/dev/null");
	struct stat st;
	assert_int_equal(lstat(sock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	struct sm2key *k = sm2key_generate(&err);
	char id[HASH_HEX_LEN + 1];
	assert_int_equal(sm2key_id(k, id), 0);
	assert_int_equal(agent_add(c, "wang.fang", k, 600, 0, &err), 0);
	assert_int_equal(agent_add(c, "王芳", k, 60, 120, &err), 0);

	const char msg[] = "批准：同意。关于召开全市安全生产会议的通知";
	char *sig = NULL;
	if (agent_sign(c, "wang.fang", id, msg, sizeof(msg) - 1, &sig, &err))
		fail_msg("agent_sign: %s", err.s);
	char *pub = sm2key_public_b64(k);
	struct sm2key *pk = sm2key_from_public_b64(pub, &err);
	assert_int_equal(sm2key_verify(pk, msg, sizeof(msg) - 1, sig), 1);
	assert_int_equal(sm2key_verify(pk, "批准", 6, sig), 0);
	free(sig);
	/* nothing to sign is still a signature */
	assert_int_equal(agent_sign(c, "王芳", id, "", 0, &sig, &err), 0);
	assert_int_equal(sm2key_verify(pk, "", 0, sig), 1);
	free(sig);

	struct agent_key *keys;
	size_t nr;
	assert_int_equal(agent_list(c, &keys, &nr, &err), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(keys[0].person, "wang.fang");
	assert_string_equal(keys[0].key_id, id);
	assert_string_equal(keys[1].person, "王芳");
	/* the expiry on docket's clock (DOCKET_NOW pins it), the idle time left */
	time_t now = clock_now();
	assert_true(keys[0].expires >= now + 599 && keys[0].expires <= now + 601);
	assert_true(keys[0].idle_left >= 1799 && keys[0].idle_left <= 1800);
	assert_true(keys[1].idle_left >= 119 && keys[1].idle_left <= 120);
	agent_keys_free(keys, nr);

	/* a second spawn finds it running */
	assert_int_equal(agent_spawn(&err), 0);
	struct agent_conn *c2;
	assert_int_equal(agent_connect(&c2, &err), 0);
	assert_int_equal(agent_pid(c2), pid);
	agent_close(c2);
	/* and a second server on the same socket is refused, the first one untouched */
	assert_int_equal(agent_serve(sock, 1, &err), AGENT_ERR);
	assert_non_null(strstr(err.s, "an agent is already running at"));
	assert_int_equal(agent_list(c, &keys, &nr, &err), 0);
	agent_keys_free(keys, nr);
	assert_int_equal(nr, 2);

	free(pub);
	sm2key_free(pk);
	sm2key_free(k);
	agent_close(c);
	buf_release(&err);
}

static void test_refusals(void **state)
{
	(void)state;
	struct buf err = BUF_INIT;
	struct agent_conn *c = start();
	struct sm2key *k1 = sm2key_generate(&err), *k2 = sm2key_generate(&err);
	char id1[HASH_HEX_LEN + 1], id2[HASH_HEX_LEN + 1];
	sm2key_id(k1, id1);
	sm2key_id(k2, id2);
	char *sig = NULL;

	/* nobody signed in yet */
	assert_int_equal(agent_sign(c, "wang.fang", id1, "x", 1, &sig, &err), AGENT_NOKEY);
	assert_string_equal(err.s, "'wang.fang' is not signed in to the agent (or the sign-in has expired)");
	assert_int_equal(agent_add(c, "wang.fang", k1, 600, 0, &err), 0);
	/* another key id, another person */
	assert_int_equal(agent_sign(c, "wang.fang", id2, "x", 1, &sig, &err), AGENT_NOKEY);
	assert_non_null(strstr(err.s, "the agent holds another key for 'wang.fang'"));
	assert_int_equal(agent_sign(c, "zhao.lei", id1, "x", 1, &sig, &err), AGENT_NOKEY);
	assert_null(sig);
	/* signing in again with another key replaces the first */
	assert_int_equal(agent_add(c, "wang.fang", k2, 600, 0, &err), 0);
	assert_int_equal(agent_sign(c, "wang.fang", id1, "x", 1, &sig, &err), AGENT_NOKEY);
	assert_int_equal(agent_sign(c, "wang.fang", id2, "x", 1, &sig, &err), 0);
	free(sig);
	sig = NULL;
	/* too much text: refused before it is sent */
	assert_int_equal(agent_sign(c, "wang.fang", id2, "", AGENT_MAX_TEXT + 1, &sig, &err), AGENT_ERR);
	/* a public key alone cannot be handed over; a ttl out of range is refused */
	char *pub = sm2key_public_b64(k1);
	struct sm2key *pk = sm2key_from_public_b64(pub, &err);
	assert_int_equal(agent_add(c, "zhao.lei", pk, 600, 0, &err), AGENT_ERR);
	assert_int_equal(agent_add(c, "zhao.lei", k1, 0, 0, &err), AGENT_ERR);
	assert_non_null(strstr(err.s, "\"ttl\""));
	assert_int_equal(agent_add(c, "zhao.lei", k1, AGENT_TTL_MAX + 1, 0, &err), AGENT_ERR);
	assert_int_equal(agent_add(c, "bad\x1b[31m", k1, 60, 0, &err), AGENT_ERR);

	/* removing */
	assert_int_equal(agent_add(c, "zhao.lei", k1, 600, 0, &err), 0);
	assert_int_equal(agent_remove(c, "wang.fang", &err), 1);
	assert_int_equal(agent_remove(c, "wang.fang", &err), 0);
	assert_int_equal(agent_sign(c, "wang.fang", id2, "x", 1, &sig, &err), AGENT_NOKEY);
	assert_int_equal(agent_sign(c, "zhao.lei", id1, "x", 1, &sig, &err), 0);
	free(sig);
	assert_int_equal(agent_add(c, "wang.fang", k2, 600, 0, &err), 0);
	assert_int_equal(agent_remove_all(c, &err), 2);
	struct agent_key *keys;
	size_t nr;
	assert_int_equal(agent_list(c, &keys, &nr, &err), 0);
	assert_int_equal(nr, 0);
	assert_null(keys);

	free(pub);
	sm2key_free(pk);
	sm2key_free(k1);
	sm2key_free(k2);
	agent_close(c);
	buf_release(&err);
}

static int gone(const char *path)
{
	struct stat st;
	return lstat(path, &st) && errno == ENOENT;
}

/*
 * The one wait (1.1 s): a key past its ttl and one past its idle limit are
 * dropped, a used one stays; an agent that held nothing for its 1-second
 * idle time has exited and removed its socket.
 */
static void test_expiry(void **state)
{
	(void)state;
	struct buf err = BUF_INIT;
	char idle_sock[96];
	snprintf(idle_sock, sizeof(idle_sock), "%s/idle.sock", dir);
	fflush(NULL);
	pid_t idler = fork();
	assert_true(idler >= 0);
	if (idler == 0)
		_exit(agent_serve(idle_sock, 1, &err) ? 1 : 0);
	remember(idler);

	struct agent_conn *c = start();
	struct sm2key *k = sm2key_generate(&err);
	char id[HASH_HEX_LEN + 1];
	sm2key_id(k, id);
	assert_int_equal(agent_add(c, "ttl.one", k, 1, 0, &err), 0);
	assert_int_equal(agent_add(c, "idle.one", k, 600, 1, &err), 0);
	assert_int_equal(agent_add(c, "stays", k, 600, 600, &err), 0);
	char *sig = NULL;
	assert_int_equal(agent_sign(c, "ttl.one", id, "x", 1, &sig, &err), 0);
	free(sig);

	struct timespec ts = { 1, 100000000 };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	assert_int_equal(agent_sign(c, "ttl.one", id, "x", 1, &sig, &err), AGENT_NOKEY);
	assert_int_equal(agent_sign(c, "idle.one", id, "x", 1, &sig, &err), AGENT_NOKEY);
	assert_int_equal(agent_sign(c, "stays", id, "x", 1, &sig, &err), 0);
	free(sig);
	struct agent_key *keys;
	size_t nr;
	assert_int_equal(agent_list(c, &keys, &nr, &err), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(keys[0].person, "stays");
	agent_keys_free(keys, nr);

	/* the idle agent: gone by now (allow it a moment to be scheduled) */
	int st = 0;
	pid_t w = 0;
	for (int i = 0; i < 100 && !(w = waitpid(idler, &st, WNOHANG)); i++) {
		struct timespec tick = { 0, 20000000 };
		nanosleep(&tick, NULL);
	}
	assert_int_equal(w, idler);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(gone(idle_sock));

	sm2key_free(k);
	agent_close(c);
	buf_release(&err);
}

static void test_unsafe_socket(void **state)
{
	(void)state;
	struct buf err = BUF_INIT;
	struct agent_conn *c = NULL;
	char sub[96], p[128];

	/* nothing there: no agent */
	assert_int_equal(agent_connect(&c, &err), AGENT_NONE);
	snprintf(sub, sizeof(sub), "%s/none", dir);
	snprintf(p, sizeof(p), "%s/agent.sock", sub);
	setenv("DOCKET_AGENT", p, 1);
	assert_int_equal(agent_connect(&c, &err), AGENT_NONE);

	/* a directory others may enter */
	snprintf(sub, sizeof(sub), "%s/open", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(chmod(sub, 0755), 0);
	snprintf(p, sizeof(p), "%s/agent.sock", sub);
	setenv("DOCKET_AGENT", p, 1);
	assert_int_equal(agent_connect(&c, &err), AGENT_UNSAFE);
	assert_non_null(strstr(err.s, sub));
	assert_non_null(strstr(err.s, "0755"));
	assert_int_equal(agent_spawn(&err), AGENT_UNSAFE);
	/* the server refuses it too (and touches nothing) */
	assert_int_equal(agent_serve(NULL, 1, &err), AGENT_UNSAFE);
	assert_true(gone(p));

	/* a directory of another user's (root can make one) */
	if (geteuid() == 0) {
		snprintf(sub, sizeof(sub), "%s/theirs", dir);
		assert_int_equal(mkdir(sub, 0700), 0);
		assert_int_equal(chown(sub, 65534, 65534), 0);
		snprintf(p, sizeof(p), "%s/agent.sock", sub);
		setenv("DOCKET_AGENT", p, 1);
		assert_int_equal(agent_connect(&c, &err), AGENT_UNSAFE);
		assert_non_null(strstr(err.s, sub));
		assert_non_null(strstr(err.s, "uid 65534"));
		assert_non_null(strstr(err.s, "not by you"));
		assert_int_equal(agent_serve(NULL, 1, &err), AGENT_UNSAFE);
		assert_int_equal(agent_spawn(&err), AGENT_UNSAFE);
	}

	/* a symlink to a directory of ours, a socket that is a symlink or a file */
	snprintf(sub, sizeof(sub), "%s/link", dir);
	assert_int_equal(symlink(dir, sub), 0);
	snprintf(p, sizeof(p), "%s/agent.sock", sub);
	setenv("DOCKET_AGENT", p, 1);
	assert_int_equal(agent_connect(&c, &err), AGENT_UNSAFE);
	assert_non_null(strstr(err.s, "symbolic link"));
	setenv("DOCKET_AGENT", sock, 1);
	assert_int_equal(symlink("/tmp", sock), 0);
	assert_int_equal(agent_connect(&c, &err), AGENT_UNSAFE);
	assert_int_equal(unlink(sock), 0);
	FILE *f = fopen(sock, "w");
	fclose(f);
	assert_int_equal(agent_connect(&c, &err), AGENT_UNSAFE);
	assert_non_null(strstr(err.s, "not a socket"));
	assert_int_equal(unlink(sock), 0);

	/* relative paths are refused: the agent runs from "/" */
	setenv("DOCKET_AGENT", "agent.sock", 1);
	assert_int_equal(agent_connect(&c, &err), AGENT_ERR);
	assert_non_null(strstr(err.s, "absolute"));
	setenv("DOCKET_AGENT", sock, 1);
	assert_null(c);
	buf_release(&err);
}

/* A process of another uid that gets to the socket is hung up on. */
static void test_other_uid_dropped(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		skip();
		return;
	}
	struct buf err = BUF_INIT;
	struct agent_conn *c = start();
	/* let nobody reach the socket (as a careless chmod would) */
	assert_int_equal(chmod(dir, 0711), 0);
	assert_int_equal(chmod(sock, 0666), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
			_exit(3);
		struct timeval tv = { .tv_sec = 10 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		const char req[] = "{\"op\":\"list\"}\n";
		send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL);
		char b[64];
		ssize_t n = recv(fd, b, sizeof(b), 0);
		/* closed without a word (EOF, or reset when the request was still unread) */
		_exit(n == 0 || (n < 0 && errno == ECONNRESET) ? 0 : 4);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(chmod(sock, 0600), 0);
	/* and the agent goes on for its owner */
	struct agent_key *keys;
	size_t nr;
	assert_int_equal(agent_list(c, &keys, &nr, &err), 0);
	agent_close(c);
	buf_release(&err);
}

static void test_malformed_requests(void **state)
{
	(void)state;
	struct buf err = BUF_INIT, r = BUF_INIT;
	struct agent_conn *c = start();
	struct sm2key *k = sm2key_generate(&err);
	assert_int_equal(agent_add(c, "wang.fang", k, 600, 0, &err), 0);
	char id[HASH_HEX_LEN + 1];
	sm2key_id(k, id);

	static const struct {
		const char *line;
		size_t len; /* 0: strlen */
		const char *error;
	} bad[] = {
		{ "not json\n", 0, "not a JSON request: " },
		{ "\n", 0, "not a JSON request: " },
		{ "[1,2]\n", 0, "a request is a JSON object with an \\\"op\\\"" },
		{ "{\"op\":1}\n", 0, "a request is a JSON object with an \\\"op\\\"" },
		{ "{\"op\":\"steal\"}\n", 0, "no such request: 'steal'" },
		{ "{\"op\":\"list\",\"op\":\"stop\"}\n", 0, "duplicate object key" },
		{ "{\"op\":\"li\xff\xfest\"}\n", 0, "not a JSON request: " },
		{ "{\"op\":\"li\0st\"}\n", 15, "not a JSON request: " },
		{ "{\"op\":\"list\"} {\"op\":\"stop\"}\n", 0, "not a JSON request: " },
		{ "{\"op\":\"add\"}\n", 0, "the request needs \\\"person\\\"" },
		{ "{\"op\":\"add\",\"person\":\"x\",\"key\":\"AAAA\",\"ttl\":60}\n", 0, "not an SM2 private key" },
		{ "{\"op\":\"add\",\"person\":\"x\",\"key\":\"AAAA\",\"ttl\":\"60\"}\n", 0, "\\\"ttl\\\"" },
		{ "{\"op\":\"add\",\"person\":\"x\",\"key\":\"AAAA\",\"ttl\":-1}\n", 0, "\\\"ttl\\\"" },
		{ "{\"op\":\"add\",\"person\":\"x\",\"key\":\"AAAA\",\"ttl\":1e99}\n", 0, "\\\"ttl\\\"" },
		{ "{\"op\":\"add\",\"person\":\"x\",\"key\":\"AAAA\",\"ttl\":60,\"idle\":0}\n", 0, "\\\"idle\\\"" },
		{ "{\"op\":\"add\",\"person\":\"a\\u0000b\",\"key\":\"AAAA\",\"ttl\":60}\n", 0, "not a JSON request: " },
		{ "{\"op\":\"add\",\"person\":\"a\\u001bb\",\"key\":\"AAAA\",\"ttl\":60}\n", 0, "control characters" },
		{ "{\"op\":\"sign\",\"person\":\"wang.fang\"}\n", 0, "\\\"key_id\\\"" },
		{ "{\"op\":\"sign\",\"person\":\"wang.fang\",\"key_id\":\"x\"}\n", 0, "\\\"text\\\"" },
		{ "{\"op\":\"sign\",\"person\":\"wang.fang\",\"key_id\":\"x\",\"text\":\"***\"}\n", 0, "base64" },
		{ "{\"op\":\"sign\",\"person\":\"wang.fang\",\"key_id\":\"x\",\"text\":7}\n", 0, "\\\"text\\\"" },
		{ "{\"op\":\"sign\",\"person\":[],\"key_id\":\"x\",\"text\":\"\"}\n", 0, "\\\"person\\\"" },
		{ "{\"op\":\"remove\"}\n", 0, "\\\"person\\\"" },
	};
	int fd = raw_connect();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].line);
		raw_send(fd, bad[i].line, len);
		assert_int_equal(raw_reply(fd, &r), 0);
		if (strncmp(r.s, "{\"ok\":false,\"error\":\"", 21) || !strstr(r.s, bad[i].error))
			fail_msg("request %zu: reply %s", i, r.s);
	}
	/* three requests in one write, one of them with \r\n: three replies, in order */
	const char three[] = "{\"op\":\"list\"}\r\n{\"op\":\"nope\"}\n{\"op\":\"remove\",\"person\":\"nobody\"}\n";
	raw_send(fd, three, sizeof(three) - 1);
	assert_int_equal(raw_reply(fd, &r), 0);
	assert_non_null(strstr(r.s, "\"person\":\"wang.fang\""));
	assert_non_null(strstr(r.s, "\"ok\":true"));
	assert_int_equal(raw_reply(fd, &r), 0);
	assert_non_null(strstr(r.s, "no such request"));
	assert_int_equal(raw_reply(fd, &r), 0);
	assert_string_equal(r.s, "{\"ok\":true,\"removed\":0}");
	/* the text as the protocol has it: base64 */
	struct buf req = BUF_INIT;
	buf_addf(&req, "{\"op\":\"sign\",\"person\":\"wang.fang\",\"key_id\":\"%s\",\"text\":\"5om55YeG\"}\n", id);
	raw_send(fd, req.s, req.len);
	assert_int_equal(raw_reply(fd, &r), 0);
	char *sig = strstr(r.s, "\"sig\":\"");
	assert_non_null(sig);
	sig += 7;
	*strchr(sig, '"') = '\0';
	assert_int_equal(sm2key_verify(k, "批准", 6, sig), 1);
	buf_release(&req);
	close(fd);

	/* a line longer than any request: an error, then the connection is closed */
	fd = raw_connect();
	size_t big = 7u << 20;
	char *junk = malloc(big);
	memset(junk, 'x', big);
	/* the agent may hang up before taking it all */
	for (size_t off = 0; off < big;) {
		ssize_t k2 = send(fd, junk + off, big - off, MSG_NOSIGNAL);
		if (k2 <= 0)
			break;
		off += (size_t)k2;
	}
	free(junk);
	assert_int_equal(raw_reply(fd, &r), 0);
	assert_non_null(strstr(r.s, "a request is at most"));
	assert_int_equal(raw_reply(fd, &r), -1);
	close(fd);

	/* a client that leaves mid-line changes nothing */
	fd = raw_connect();
	raw_send(fd, "{\"op\":\"st", 9);
	close(fd);

	/* and the agent still serves, with the key it held */
	char *s2 = NULL;
	assert_int_equal(agent_sign(c, "wang.fang", id, "ok", 2, &s2, &err), 0);
	free(s2);

	sm2key_free(k);
	agent_close(c);
	buf_release(&r);
	buf_release(&err);
}

static void test_stop_sigterm_stale(void **state)
{
	(void)state;
	struct buf err = BUF_INIT;
	struct agent_conn *c = start();
	struct sm2key *k = sm2key_generate(&err);
	assert_int_equal(agent_add(c, "wang.fang", k, 600, 0, &err), 0);
	/* stop: the socket is gone when agent_stop returns */
	assert_int_equal(agent_stop(c, &err), 0);
	assert_true(gone(sock));
	agent_close(c);
	assert_int_equal(agent_connect(&c, &err), AGENT_NONE);

	/* SIGTERM: the same, soon after */
	c = start();
	pid_t pid = agent_pid(c);
	agent_close(c);
	assert_int_equal(kill(pid, SIGTERM), 0);
	for (int i = 0; i < 200 && !gone(sock); i++) {
		struct timespec tick = { 0, 10000000 };
		nanosleep(&tick, NULL);
	}
	assert_true(gone(sock));

	/* a socket nobody listens on (a killed agent's) is stale: no agent, and replaced */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	mode_t old = umask(0177);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	umask(old);
	close(fd);
	assert_false(gone(sock));
	assert_int_equal(agent_connect(&c, &err), AGENT_NONE);
	assert_non_null(strstr(err.s, "stale"));
	c = start();
	assert_int_equal(agent_add(c, "wang.fang", k, 600, 0, &err), 0);
	agent_close(c);

	sm2key_free(k);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_sign_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_uid_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_sigterm_stale, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

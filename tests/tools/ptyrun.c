/*
 * ptyrun: run a command on a new pseudo-terminal and type answers to its
 * prompts, for CLI tests of what reads only from a terminal (docket
 * login's passphrase).
 *
 *   ptyrun [--expect TEXT]... [--type LINE]... [--timeout SECS] -- CMD ARGS...
 *
 * The command's terminal output is copied to stdout (with plain "\n" line
 * ends: the terminal's ONLCR is off). Each time the output since the last
 * answer ends in an unfinished line (a prompt) containing one of the
 * --expect texts (default: "assphrase", which matches "Passphrase" and
 * "passphrase", and "口令"), the next --type LINE
 * is typed, followed by "\r" as Enter sends it. ptyrun exits with the
 * command's status, 128+N when signal N killed it, or 124 when it ran
 * past the timeout (default 20 s; then it is killed, with all its
 * process group). Usage errors exit 125, failure to start 126.
 */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* The last bytes of output kept to look for a prompt split across reads. */
#define WINDOW 8192

static void usage(void)
{
	fprintf(stderr, "usage: ptyrun [--expect TEXT]... [--type LINE]... [--timeout SECS] -- CMD ARGS...\n");
	exit(125);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

/* Whether window[0..len) holds one of the texts. */
static int seen(const char *window, size_t len, const char **expect, size_t nexpect)
{
	/* a prompt is the unfinished last line: a message that merely mentions
	   a passphrase ("... has the initial passphrase ...\n") is not one, and
	   answering it early would be flushed by the real prompt */
	const char *nl = memrchr(window, '\n', len);
	if (nl) {
		len -= (size_t)(nl + 1 - window);
		window = nl + 1;
	}
	for (size_t i = 0; i < nexpect; i++)
		if (memmem(window, len, expect[i], strlen(expect[i])))
			return 1;
	return 0;
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 125;
}

int main(int argc, char **argv)
{
	static const char *default_expect[] = { "assphrase", "口令" };
	const char **expect = NULL, **type = NULL;
	size_t nexpect = 0, ntype = 0;
	double timeout = 20;
	int i = 1;
	expect = calloc((size_t)argc, sizeof(*expect));
	type = calloc((size_t)argc, sizeof(*type));
	if (!expect || !type)
		return 126;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--expect") && *argv[i + 1])
			expect[nexpect++] = argv[++i];
		else if (!strcmp(argv[i], "--type"))
			type[ntype++] = argv[++i];
		else if (!strcmp(argv[i], "--timeout")) {
			char *end;
			timeout = strtod(argv[++i], &end);
			if (*end || timeout <= 0)
				usage();
		} else
			usage();
	}
	if (i >= argc)
		usage();
	if (!nexpect) {
		free(expect);
		expect = default_expect;
		nexpect = sizeof(default_expect) / sizeof(default_expect[0]);
	}

	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	int master;
	fflush(NULL);
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0) {
		perror("ptyrun: forkpty");
		exit(126);
	}
	if (pid == 0) {
		/* "\n" stays "\n", so tests compare output without "\r" */
		struct termios t;
		if (!tcgetattr(0, &t)) {
			t.c_oflag &= ~(tcflag_t)ONLCR;
			tcsetattr(0, TCSANOW, &t);
		}
		execvp(argv[i], argv + i);
		fprintf(stderr, "ptyrun: cannot run '%s': %s\n", argv[i], strerror(errno));
		_exit(126);
	}

	char window[WINDOW];
	size_t wlen = 0, next = 0;
	double deadline = now_s() + timeout;
	int status = -1, open_master = 1, timed_out = 0;
	for (;;) {
		if (status < 0) {
			int st;
			if (waitpid(pid, &st, WNOHANG) == pid)
				status = exit_status(st);
		}
		/* the command is done and its terminal drained (or closed by all) */
		if (status >= 0 && !open_master)
			break;
		double left = deadline - now_s();
		if (left <= 0) {
			fprintf(stderr, "ptyrun: timed out after %g s: killing '%s'\n", timeout, argv[i]);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			if (status < 0)
				waitpid(pid, NULL, 0);
			timed_out = 1;
			break;
		}
		struct pollfd p = { .fd = master, .events = POLLIN };
		/*
		 * Short waits while the command runs: its exit is noticed by
		 * polling waitpid. After it, what it wrote may still be on its
		 * way through the terminal: read until EIO (no process has the
		 * terminal open), or 200 ms of silence (a child of its still has).
		 */
		int ms = status >= 0 ? 200 : 50;
		if (left * 1000 < ms)
			ms = (int)(left * 1000) + 1;
		int r = open_master ? poll(&p, 1, ms) : (usleep((useconds_t)ms * 1000), 0);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0) {
			if (status >= 0)
				break;
			continue;
		}
		char b[4096];
		ssize_t n = read(master, b, sizeof(b));
		if (n <= 0) {
			/* EIO: every process of the terminal closed it */
			if (n < 0 && errno == EINTR)
				continue;
			open_master = 0;
			continue;
		}
		write_all(1, b, (size_t)n);
		/* keep the tail of the output since the last answer (a read is shorter than the window) */
		_Static_assert(sizeof(b) < WINDOW, "a read fits in the window");
		if (wlen + (size_t)n > WINDOW) {
			size_t drop = wlen + (size_t)n - WINDOW;
			memmove(window, window + drop, wlen - drop);
			wlen -= drop;
		}
		memcpy(window + wlen, b, (size_t)n);
		wlen += (size_t)n;
		if (next < ntype && seen(window, wlen, expect, nexpect)) {
			write_all(master, type[next], strlen(type[next]));
			write_all(master, "\r", 1);
			next++;
			wlen = 0;
		}
	}
	close(master);
	if (expect != default_expect)
		free(expect);
	free(type);
	return timed_out ? 124 : status >= 0 ? status : 125;
}

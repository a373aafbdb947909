/*
 * prompt: a passphrase is read from the controlling terminal with echo
 * off (never from stdin), Chinese included; the terminal gets its echo
 * back on every path, also when ^C, SIGTERM or ^Z arrive mid-prompt; a
 * process without a terminal is refused and pointed at the agent.
 *
 * Each case runs the prompt in a real pseudo-terminal session: a session
 * leader (playing the shell: it owns the terminal, gives the foreground
 * to the prompting process and reports what happens to it, as a shell
 * would see it) and the prompting process, its child. The test types on
 * the master side.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "auth/prompt.h"
#include "util/buf.h"

enum mode {
	ASK,          /* prompt_passphrase */
	ASK_NEW,      /* prompt_new_passphrase */
	ASK_HANDLED,  /* prompt_passphrase with a SIGINT handler of the caller's */
};

/* What the test does: wait for `expect` (on the screen, or in the report), then type `send` or send `sig`. */
struct step {
	const char *expect;
	int in_report;
	const char *send;
	size_t send_len; /* 0: strlen(send) */
	int sig;         /* sent to the prompting process */
};

static int sigint_calls;
static void count_sigint(int sig)
{
	(void)sig;
	sigint_calls++;
}

static void say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(int fd, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && write(fd, line, (size_t)n) < 0)
		_exit(98);
}

static int echo_on(int tty)
{
	struct termios t;
	return tcgetattr(tty, &t) == 0 && (t.c_lflag & ECHO);
}

/* The prompting process: its result (and whether stdin was left alone) on the report pipe. */
static void prompter(enum mode mode, int tty, int report)
{
	setpgid(0, 0);
	tcsetpgrp(tty, getpid());
	signal(SIGTTOU, SIG_DFL);
	/* stdin is a pipe holding a line: the prompt must not take it */
	int in[2];
	if (pipe(in) || write(in[1], "from-stdin\n", 11) != 11)
		_exit(97);
	close(in[1]);
	dup2(in[0], 0);
	close(in[0]);
	if (mode == ASK_HANDLED)
		signal(SIGINT, count_sigint);
	say(report, "pid %ld\n", (long)getpid());

	struct buf out = BUF_INIT, err = BUF_INIT;
	int rc = mode == ASK_NEW ? prompt_new_passphrase("New passphrase: ", NULL, &out, &err)
				 : prompt_passphrase("Passphrase: ", &out, &err);
	char rest[32];
	ssize_t n = read(0, rest, sizeof(rest));
	int untouched = n == 11 && !memcmp(rest, "from-stdin\n", 11);
	say(report, "result rc=%d stdin=%s echo=%d sigint=%d len=%zu pass=[%s] err=[%s]\n", rc,
	    untouched ? "untouched" : "read", echo_on(tty), sigint_calls, out.len, out.s, err.s);
	prompt_forget(&out);
	buf_release(&err);
	_exit(0);
}

/* The session leader: the shell's part. */
static void leader(enum mode mode, const char *slave, int report)
{
	setsid();
	int tty = open(slave, O_RDWR);
	if (tty < 0 || ioctl(tty, TIOCSCTTY, 0))
		_exit(96);
	/* like a shell: take the terminal back from the background without being stopped */
	signal(SIGTTOU, SIG_IGN);
	pid_t pid = fork();
	if (pid < 0)
		_exit(95);
	if (pid == 0)
		prompter(mode, tty, report);
	setpgid(pid, pid);
	tcsetpgrp(tty, pid);
	for (;;) {
		int st;
		if (waitpid(pid, &st, WUNTRACED) < 0)
			_exit(94);
		if (WIFSTOPPED(st)) {
			say(report, "stopped by %d echo=%d\n", WSTOPSIG(st), echo_on(tty));
			tcsetpgrp(tty, pid);
			kill(pid, SIGCONT);
			continue;
		}
		if (WIFSIGNALED(st))
			say(report, "killed by %d echo=%d\n", WTERMSIG(st), echo_on(tty));
		else
			say(report, "exited %d echo=%d\n", WEXITSTATUS(st), echo_on(tty));
		_exit(0);
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Run the prompt in a new terminal session, following `steps`; collect
 * everything shown on the terminal in `screen` and the report in `report`
 * (both emptied first).
 */
static void run(enum mode mode, const struct step *steps, size_t nsteps, struct buf *screen,
		struct buf *report)
{
	buf_reset(screen);
	buf_reset(report);
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	char slave[128];
	assert_int_equal(ptsname_r(master, slave, sizeof(slave)), 0);
	int rep[2];
	assert_int_equal(pipe(rep), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(master);
		close(rep[0]);
		leader(mode, slave, rep[1]);
	}
	close(rep[1]);

	size_t step = 0, mark_screen = 0, mark_report = 0;
	int report_open = 1;
	double deadline = now_s() + 10;
	while (report_open || step < nsteps) {
		if (now_s() > deadline) {
			/* leave nothing behind: the prompting process is in its own group */
			char *p = strstr(report->s, "pid ");
			if (p)
				kill((pid_t)strtol(p + 4, NULL, 10), SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail_msg("timed out at step %zu; screen [%s] report [%s]", step, screen->s, report->s);
		}
		/* act on what has been seen */
		while (step < nsteps) {
			const struct step *s = &steps[step];
			struct buf *where = s->in_report ? report : screen;
			size_t *mark = s->in_report ? &mark_report : &mark_screen;
			char *hit = s->expect ? strstr(where->s + *mark, s->expect) : where->s + *mark;
			if (!hit)
				break;
			*mark = (size_t)(hit - where->s) + (s->expect ? strlen(s->expect) : 0);
			if (s->send) {
				size_t len = s->send_len ? s->send_len : strlen(s->send);
				assert_int_equal(write(master, s->send, len), (ssize_t)len);
			}
			if (s->sig) {
				char *p = strstr(report->s, "pid ");
				assert_non_null(p);
				assert_int_equal(kill((pid_t)strtol(p + 4, NULL, 10), s->sig), 0);
			}
			step++;
		}
		struct pollfd p[2] = { { .fd = master, .events = POLLIN }, { .fd = rep[0], .events = POLLIN } };
		if (poll(p, report_open ? 2 : 1, 100) <= 0)
			continue;
		char chunk[4096];
		if (p[0].revents & POLLIN) {
			ssize_t n = read(master, chunk, sizeof(chunk));
			if (n > 0)
				buf_add(screen, chunk, (size_t)n);
		}
		if (report_open && (p[1].revents & (POLLIN | POLLHUP))) {
			ssize_t n = read(rep[0], chunk, sizeof(chunk));
			if (n > 0)
				buf_add(report, chunk, (size_t)n);
			else
				report_open = 0;
		}
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(rep[0]);
	close(master);
}

static void test_reads_the_terminal_with_echo_off(void **state)
{
	(void)state;
	struct buf screen = BUF_INIT, report = BUF_INIT;
	const struct step steps[] = { { .expect = "Passphrase: ", .send = "春眠不觉晓 spring-2026\r" } };
	run(ASK, steps, 1, &screen, &report);
	assert_non_null(strstr(report.s, "result rc=0 stdin=untouched echo=1 sigint=0 len=27 "
					 "pass=[春眠不觉晓 spring-2026] err=[]\n"));
	assert_non_null(strstr(report.s, "exited 0 echo=1\n"));
	/* the prompt, no echo of what was typed, then the newline the prompt wrote */
	assert_string_equal(screen.s, "Passphrase: \r\n");
	buf_release(&screen);
	buf_release(&report);
}

static void test_length_limit(void **state)
{
	(void)state;
	struct buf screen = BUF_INIT, report = BUF_INIT;
	char line[PROMPT_MAX + 80];
	/* exactly PROMPT_MAX bytes (341 Chinese characters and one byte) is accepted */
	size_t n = 0;
	while (n + 3 <= PROMPT_MAX)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "口");
	line[n++] = 'x';
	assert_int_equal(n, PROMPT_MAX);
	line[n++] = '\r';
	struct step steps[] = { { .expect = "Passphrase: ", .send = line, .send_len = n } };
	run(ASK, steps, 1, &screen, &report);
	assert_non_null(strstr(report.s, "result rc=0 stdin=untouched echo=1 sigint=0 len=1024 "));

	/* one more byte: refused, and the rest of the line is not left behind */
	memset(line, 'y', PROMPT_MAX + 1);
	line[PROMPT_MAX + 1] = '\r';
	steps[0].send_len = PROMPT_MAX + 2;
	run(ASK, steps, 1, &screen, &report);
	assert_non_null(strstr(report.s, "result rc=-1 stdin=untouched echo=1 sigint=0 len=0 pass=[] "
					 "err=[the passphrase is longer than 1024 bytes]\n"));
	assert_null(strstr(screen.s, "yyyy"));
	buf_release(&screen);
	buf_release(&report);
}

static void test_refused_input(void **state)
{
	(void)state;
	struct buf screen = BUF_INIT, report = BUF_INIT;
	/* ^D on an empty line */
	const struct step eof[] = { { .expect = "Passphrase: ", .send = "\x04" } };
	run(ASK, eof, 1, &screen, &report);
	assert_non_null(strstr(report.s, "result rc=-1 stdin=untouched echo=1 sigint=0 len=0 pass=[] "
					 "err=[no passphrase was typed]\n"));
	/* bytes that are not UTF-8 (a GBK terminal's 口令) */
	const struct step gbk[] = { { .expect = "Passphrase: ", .send = "\xbf\xda\xc1\xee\r" } };
	run(ASK, gbk, 1, &screen, &report);
	assert_non_null(strstr(report.s, "rc=-1 stdin=untouched echo=1 sigint=0 len=0 pass=[] "
					 "err=[the passphrase is not UTF-8 text: is the terminal set to UTF-8?]\n"));
	buf_release(&screen);
	buf_release(&report);
}

static void test_new_passphrase(void **state)
{
	(void)state;
	struct buf screen = BUF_INIT, report = BUF_INIT;
	const struct step same[] = {
		{ .expect = "New passphrase: ", .send = "口令-甲\r" },
		{ .expect = "Repeat the passphrase: ", .send = "口令-甲\r" },
	};
	run(ASK_NEW, same, 2, &screen, &report);
	assert_non_null(strstr(report.s, "result rc=0 stdin=untouched echo=1 sigint=0 len=10 pass=[口令-甲] err=[]\n"));
	assert_string_equal(screen.s, "New passphrase: \r\nRepeat the passphrase: \r\n");

	const struct step differ[] = {
		{ .expect = "New passphrase: ", .send = "口令-甲\r" },
		{ .expect = "Repeat the passphrase: ", .send = "口令-乙\r" },
	};
	run(ASK_NEW, differ, 2, &screen, &report);
	assert_non_null(strstr(report.s, "result rc=-1 stdin=untouched echo=1 sigint=0 len=0 pass=[] "
					 "err=[the two passphrases differ]\n"));

	const struct step empty[] = { { .expect = "New passphrase: ", .send = "\r" } };
	run(ASK_NEW, empty, 1, &screen, &report);
	assert_non_null(strstr(report.s, "err=[the passphrase is empty: a key needs one]\n"));
	buf_release(&screen);
	buf_release(&report);
}

/* ^C and SIGTERM mid-prompt end the process as they would have, with the echo back on. */
static void test_signals_restore_the_terminal(void **state)
{
	(void)state;
	struct buf screen = BUF_INIT, report = BUF_INIT;
	const struct step ctrl_c[] = { { .expect = "Passphrase: ", .send = "half typed\x03" } };
	run(ASK, ctrl_c, 1, &screen, &report);
	assert_null(strstr(report.s, "result"));
	assert_non_null(strstr(report.s, "killed by 2 echo=1\n"));
	assert_null(strstr(screen.s, "half"));

	const struct step term[] = { { .expect = "Passphrase: ", .sig = SIGTERM } };
	run(ASK, term, 1, &screen, &report);
	assert_non_null(strstr(report.s, "killed by 15 echo=1\n"));

	/* a caller that handles SIGINT: its handler runs once, the prompt says it was interrupted */
	run(ASK_HANDLED, ctrl_c, 1, &screen, &report);
	assert_non_null(strstr(report.s, "result rc=-1 stdin=untouched echo=1 sigint=1 len=0 pass=[] "
					 "err=[the passphrase prompt was interrupted]\n"));
	buf_release(&screen);
	buf_release(&report);
}

/* ^Z: stopped with the echo back on (the shell is usable), asked again once continued. */
static void test_stop_and_continue(void **state)
{
	(void)state;
	struct buf screen = BUF_INIT, report = BUF_INIT;
	const struct step steps[] = {
		{ .expect = "Passphrase: ", .send = "\x1a" },
		{ .expect = "stopped by 20 echo=1\n", .in_report = 1 },
		{ .expect = "Passphrase: ", .send = "after-fg\r" },
	};
	run(ASK, steps, 3, &screen, &report);
	assert_non_null(strstr(report.s, "result rc=0 stdin=untouched echo=1 sigint=0 len=8 pass=[after-fg] err=[]\n"));
	assert_non_null(strstr(report.s, "exited 0 echo=1\n"));
	buf_release(&screen);
	buf_release(&report);
}

/* No controlling terminal (a cron job, a pipe): refused, stdin never read. */
static void test_no_terminal(void **state)
{
	(void)state;
	int in[2], rep[2];
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(rep), 0);
	assert_int_equal(write(in[1], "secret\n", 7), 7);
	close(in[1]);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(rep[0]);
		setsid();
		dup2(in[0], 0);
		struct buf out = BUF_INIT, err = BUF_INIT;
		int rc = prompt_passphrase("Passphrase: ", &out, &err);
		char rest[16];
		ssize_t n = read(0, rest, sizeof(rest));
		say(rep[1], "rc=%d stdin=%s err=[%s]\n", rc, n == 7 ? "untouched" : "read", err.s);
		_exit(0);
	}
	close(in[0]);
	close(rep[1]);
	struct buf report = BUF_INIT;
	char chunk[1024];
	ssize_t n;
	while ((n = read(rep[0], chunk, sizeof(chunk))) > 0)
		buf_add(&report, chunk, (size_t)n);
	close(rep[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_non_null(strstr(report.s, "rc=-1 stdin=untouched err=[a passphrase is read from a terminal only: "));
	assert_non_null(strstr(report.s, "use `docket login` at a terminal, then the agent]"));
	buf_release(&report);
}

static void test_forget(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	prompt_forget(&b);
	buf_adds(&b, "口令");
	prompt_forget(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_the_terminal_with_echo_off),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_refused_input),
		cmocka_unit_test(test_new_passphrase),
		cmocka_unit_test(test_signals_restore_the_terminal),
		cmocka_unit_test(test_stop_and_continue),
		cmocka_unit_test(test_no_terminal),
		cmocka_unit_test(test_forget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#include "prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "sm2key.h"

/* The signals that would leave the terminal without echo if they ended or stopped us. */
static const int trapped[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };
#define NTRAPPED (sizeof(trapped) / sizeof(trapped[0]))

/* Which trapped signals arrived during the prompt (index into trapped[]). */
static volatile sig_atomic_t caught[NTRAPPED];

static void on_signal(int sig)
{
	for (size_t i = 0; i < NTRAPPED; i++)
		if (trapped[i] == sig)
			caught[i] = 1;
}

static int any_caught(void)
{
	for (size_t i = 0; i < NTRAPPED; i++)
		if (caught[i])
			return 1;
	return 0;
}

/* What the prompt changed and must put back. */
struct guard {
	int fd;                           /* the terminal */
	struct termios saved;             /* its settings before the prompt */
	int termios_set;                  /* 1 once `saved` must be restored */
	sigset_t oldmask;                 /* the caller's signal mask */
	struct sigaction old[NTRAPPED];   /* the caller's dispositions */
	int installed[NTRAPPED];          /* 1 where ours replaced the caller's */
};

/*
 * Block the trapped signals and catch them: from here on they can arrive
 * only inside ppoll(), so none slips between a check and a blocking call.
 */
static void trap_signals(struct guard *g)
{
	sigset_t block;
	sigemptyset(&block);
	for (size_t i = 0; i < NTRAPPED; i++)
		sigaddset(&block, trapped[i]);
	sigprocmask(SIG_BLOCK, &block, &g->oldmask);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_mask = block;
	for (size_t i = 0; i < NTRAPPED; i++) {
		caught[i] = 0;
		g->installed[i] = 0;
		if (sigaction(trapped[i], NULL, &g->old[i]))
			continue;
		/* nohup'd, or a shell's ^Z ignored: leave it ignored */
		if (g->old[i].sa_handler == SIG_IGN && !(g->old[i].sa_flags & SA_SIGINFO))
			continue;
		if (!sigaction(trapped[i], &sa, NULL))
			g->installed[i] = 1;
	}
}

/*
 * Put the terminal and the caller's dispositions back, then raise again
 * what was caught while still blocked, so it is delivered, with the
 * caller's disposition, when the caller's mask comes back. Returns 1 when
 * the only one was SIGTSTP (we were stopped and continued: ask again).
 */
static int untrap(struct guard *g)
{
	if (g->termios_set) {
		while (tcsetattr(g->fd, TCSANOW, &g->saved) && errno == EINTR)
			;
		g->termios_set = 0;
	}
	int stopped = 0, other = 0;
	sig_atomic_t got[NTRAPPED];
	for (size_t i = 0; i < NTRAPPED; i++) {
		got[i] = caught[i];
		caught[i] = 0;
		if (g->installed[i])
			sigaction(trapped[i], &g->old[i], NULL);
	}
	for (size_t i = 0; i < NTRAPPED; i++) {
		if (!got[i])
			continue;
		if (trapped[i] == SIGTSTP)
			stopped = 1;
		else
			other = 1;
		raise(trapped[i]);
	}
	sigprocmask(SIG_SETMASK, &g->oldmask, NULL);
	return stopped && !other;
}

/* Wait until fd is ready for `events`; -1 when a trapped signal came first. */
static int wait_fd(struct guard *g, short events)
{
	for (;;) {
		if (any_caught())
			return -1;
		struct pollfd p = { .fd = g->fd, .events = events };
		int r = ppoll(&p, 1, NULL, &g->oldmask);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* Write all of s to the (non-blocking) terminal; -1 on error or signal. */
static int tty_write(struct guard *g, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(g->fd, s, len);
		if (n > 0) {
			s += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_fd(g, POLLOUT))
			return -1;
	}
	return 0;
}

enum read_result { READ_OK, READ_EOF, READ_LONG, READ_SIGNAL, READ_ERR };

/*
 * One line from the terminal with echo off, into line[0..*len). Keeps
 * reading past PROMPT_MAX bytes to the end of the line (so the rest is not
 * taken as the next answer), and then says the line was too long.
 */
static enum read_result read_line(struct guard *g, const char *prompt, char *line, size_t *len)
{
	struct termios quiet;
	if (tcgetattr(g->fd, &g->saved))
		return READ_ERR;
	quiet = g->saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	/* a line with editing and ^C, even if the caller left the terminal raw */
	quiet.c_lflag |= ICANON | ISIG;
	quiet.c_iflag |= ICRNL;
	/* TCSAFLUSH: what was typed before the prompt is not the passphrase */
	while (tcsetattr(g->fd, TCSAFLUSH, &quiet))
		if (errno != EINTR || any_caught())
			return any_caught() ? READ_SIGNAL : READ_ERR;
	g->termios_set = 1;
	/* the prompt only once echo is off, so an answer typed on seeing it is never flushed */
	if (tty_write(g, prompt, strlen(prompt)))
		return any_caught() ? READ_SIGNAL : READ_ERR;

	size_t n = 0;
	int too_long = 0;
	for (;;) {
		char ch;
		ssize_t got = read(g->fd, &ch, 1);
		if (got == 0) {
			*len = n;
			return too_long ? READ_LONG : READ_EOF;
		}
		if (got < 0) {
			if ((errno == EAGAIN || errno == EINTR) && !wait_fd(g, POLLIN))
				continue;
			return any_caught() ? READ_SIGNAL : READ_ERR;
		}
		if (ch == '\n')
			break;
		if (n < PROMPT_MAX)
			line[n++] = ch;
		else
			too_long = 1;
	}
	*len = n;
	return too_long ? READ_LONG : READ_OK;
}

/* Fill err with the refusal for a process that has no terminal. */
static int no_terminal(struct buf *err, int e)
{
	buf_reset(err);
	buf_addf(err,
		 _("a passphrase is read from a terminal only: there is none here (%s); "
		   "use `docket login` at a terminal, then the agent"),
		 strerror(e));
	return -1;
}

int prompt_passphrase(const char *prompt, struct buf *out, struct buf *err)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return no_terminal(err, errno);
	if (!isatty(fd)) {
		int e = errno;
		close(fd);
		return no_terminal(err, e);
	}
	char line[PROMPT_MAX + 1];
	size_t len = 0;
	enum read_result r;
	struct guard g;
	memset(&g, 0, sizeof(g));
	g.fd = fd;
	int e;
	for (;;) {
		trap_signals(&g);
		r = read_line(&g, prompt, line, &len);
		e = errno;
		/* the Enter was not echoed; after ^C the shell's prompt goes on a line of its own */
		if (g.termios_set)
			tty_write(&g, "\n", 1);
		if (!untrap(&g))
			break;
		/* stopped (^Z) and continued: the terminal may have been used meanwhile, ask again */
		sm2key_wipe(line, sizeof(line));
	}
	close(fd);
	int rc = -1;
	buf_reset(err);
	size_t bad;
	switch (r) {
	case READ_OK:
	case READ_EOF:
		if (r == READ_EOF && !len) {
			buf_adds(err, _("no passphrase was typed"));
			break;
		}
		if (!utf8_valid(line, len, &bad)) {
			buf_adds(err, _("the passphrase is not UTF-8 text: is the terminal set to UTF-8?"));
			break;
		}
		/* wipe before growing: a realloc would leave the old passphrase behind */
		sm2key_wipe(out->s, out->alloc);
		buf_reset(out);
		buf_grow(out, len);
		buf_add(out, line, len);
		rc = 0;
		break;
	case READ_LONG:
		buf_addf(err, _("the passphrase is longer than %d bytes"), PROMPT_MAX);
		break;
	case READ_SIGNAL:
		buf_adds(err, _("the passphrase prompt was interrupted"));
		break;
	case READ_ERR:
		buf_addf(err, _("unable to read the passphrase from the terminal: %s"), strerror(e));
		break;
	}
	sm2key_wipe(line, sizeof(line));
	return rc;
}

int prompt_new_passphrase(const char *prompt, const char *again, struct buf *out, struct buf *err)
{
	struct buf first = BUF_INIT, second = BUF_INIT;
	int rc = prompt_passphrase(prompt, &first, err);
	if (!rc && !first.len) {
		buf_reset(err);
		buf_adds(err, _("the passphrase is empty: a key needs one"));
		rc = -1;
	}
	if (!rc)
		rc = prompt_passphrase(again ? again : _("Repeat the passphrase: "), &second, err);
	if (!rc && (first.len != second.len || memcmp(first.s, second.s, first.len))) {
		buf_reset(err);
		buf_adds(err, _("the two passphrases differ"));
		rc = -1;
	}
	if (!rc) {
		sm2key_wipe(out->s, out->alloc);
		buf_reset(out);
		buf_grow(out, first.len);
		buf_add(out, first.s, first.len);
	}
	prompt_forget(&first);
	prompt_forget(&second);
	return rc;
}

void prompt_forget(struct buf *pass)
{
	if (pass->alloc)
		sm2key_wipe(pass->s, pass->alloc);
	buf_release(pass);
}
